package migrations_test

import (
	"context"
	"testing"

	"indberet/tenant"
)

// TestCPRIndexLaterDownAndUp: 00019's Down writes the index rows of the records still
// waiting (one kommune's and the platform's) and gives the trigger back its old work; after
// Up again a new record waits for the job.
func TestCPRIndexLaterDownAndUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, provider := migrationDB(t)
	logIn := func(s tenant.Scope, cprs ...string) {
		t.Helper()
		if err := db.InScope(ctx, s, func(tx *tenant.Tx) error { return tx.LogCPRAccess(ctx, "view", cprs, "") }); err != nil {
			t.Fatal(err)
		}
	}
	// rows is the index rows and, while 00019 is applied, the waiting records.
	rows := func(waitingToo bool) (index, waiting int) {
		t.Helper()
		q := `SELECT (SELECT count(*) FROM cpr_access_log_cprs), 0`
		if waitingToo {
			q = `SELECT (SELECT count(*) FROM cpr_access_log_cprs), (SELECT count(*) FROM cpr_access_log_nye)`
		}
		err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
			return tx.ToolTx().QueryRow(ctx, q).Scan(&index, &waiting)
		})
		if err != nil {
			t.Fatal(err)
		}
		return index, waiting
	}
	logIn(tenant.Scope{Kommune: "147"}, "0101801234", "0202802345")
	logIn(tenant.Scope{AllKommuner: true}, "0101801234")
	if i, w := rows(true); i != 0 || w != 2 {
		t.Fatalf("with 00019: %d index rows, %d waiting; want 0 and 2", i, w)
	}
	if _, err := provider.ApplyVersion(ctx, 19, false); err != nil {
		t.Fatalf("down 00019: %v", err)
	}
	if i, _ := rows(false); i != 3 {
		t.Fatalf("after down 00019: %d index rows, want the 3 of the waiting records", i)
	}
	logIn(tenant.Scope{Kommune: "147"}, "0303803456")
	if i, _ := rows(false); i != 4 {
		t.Fatalf("a record after down 00019: %d index rows, want 4 (written by the trigger)", i)
	}
	if _, err := provider.ApplyVersion(ctx, 19, true); err != nil {
		t.Fatalf("up 00019: %v", err)
	}
	logIn(tenant.Scope{Kommune: "147"}, "0404804567")
	if i, w := rows(true); i != 4 || w != 1 {
		t.Errorf("a record after up 00019: %d index rows, %d waiting; want 4 and 1", i, w)
	}
}
