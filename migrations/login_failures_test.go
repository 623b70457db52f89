package migrations_test

import (
	"context"
	"testing"
)

// TestLoginFailuresDownAndUp: 00022 goes down and up again, and the app's role may write the
// table afterwards (its rights come from 00001's default privileges).
func TestLoginFailuresDownAndUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, provider := migrationDB(t)
	if _, err := provider.ApplyVersion(ctx, 22, false); err != nil {
		t.Fatalf("down 00022: %v", err)
	}
	if _, err := provider.ApplyVersion(ctx, 22, true); err != nil {
		t.Fatalf("up 00022: %v", err)
	}
	if _, err := db.ToolPool().Exec(ctx, `INSERT INTO login_failures (account, address, failures, last_failure_at, locked_until)
		VALUES ('a@kk.dk', '192.0.2.1', 5, now(), now() + interval '1 second')`); err != nil {
		t.Fatalf("the app role writes login_failures: %v", err)
	}
	// An account's or address's own row is never locked, and a row names one of them.
	for _, bad := range []string{
		`INSERT INTO login_failures (account, address, failures, last_failure_at, locked_until) VALUES ('a@kk.dk', '', 5, now(), now())`,
		`INSERT INTO login_failures (account, address, failures, last_failure_at) VALUES ('', '', 1, now())`,
	} {
		if _, err := db.ToolPool().Exec(ctx, bad); err == nil {
			t.Errorf("accepted: %s", bad)
		}
	}
}
