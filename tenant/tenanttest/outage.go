package tenanttest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
	"indberet/tenant/testdb"
)

// ShutOut takes db's database out of reach for the rest of the test (issue 14 #9): it
// refuses new connections and the connections it has are ended, while the shared cluster
// keeps serving every other test. The returned function lets connections in again (the
// test's cleanup does too).
func ShutOut(t testing.TB, db *tenant.DB) (reopen func()) {
	t.Helper()
	ctx := context.Background()
	name := db.ToolPool().Config().ConnConfig.Database
	ident := pgx.Identifier{name}.Sanitize()
	super := func(sql string, args ...any) {
		t.Helper()
		conn, err := pgx.Connect(ctx, testdb.Cluster(t).SuperuserURL("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	super("ALTER DATABASE " + ident + " ALLOW_CONNECTIONS false")
	super("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
	reopened := false
	reopen = func() {
		if !reopened {
			reopened = true
			super("ALTER DATABASE " + ident + " ALLOW_CONNECTIONS true")
		}
	}
	t.Cleanup(reopen)
	return reopen
}
