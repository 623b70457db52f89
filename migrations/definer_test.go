package migrations_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"indberet/tenant"
)

// TestAppRoleCreatesNothingInPublic: issue 14. log_partitions_maintain runs as the owner
// (SECURITY DEFINER) and finds its tables, functions and operators by search_path; the
// application's role must not be able to put an object of its own in their way. It may
// create nothing in schema public, the function looks in pg_catalog first and in pg_temp
// last, and the retention job (which calls the function as the app role) still works, also
// after 00025 went down to 00024's function and up again.
func TestAppRoleCreatesNothingInPublic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner, provider := migrationDB(t)
	// A database made before PostgreSQL 15 (pg_upgrade keeps it so) lets everyone create in
	// public; so may a grant made by hand.
	if _, err := provider.ApplyVersion(ctx, 25, false); err != nil {
		t.Fatalf("down 00025: %v", err)
	}
	if _, err := owner.Exec(ctx, `GRANT CREATE ON SCHEMA public TO PUBLIC, indberet_app`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ToolPool().Exec(ctx, `CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS 'SELECT 1'`); err != nil {
		t.Fatalf("with the grant the app role creates a function: %v", err)
	}
	if _, err := owner.Exec(ctx, `DROP FUNCTION public.f()`); err != nil {
		t.Fatal(err)
	}
	if _, err := provider.ApplyVersion(ctx, 25, true); err != nil {
		t.Fatalf("up 00025: %v", err)
	}
	for _, stmt := range []string{
		`CREATE TABLE public.x (a integer)`,
		`CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS 'SELECT 1'`,
		`CREATE OPERATOR public.<<< (LEFTARG = integer, RIGHTARG = integer, FUNCTION = int4pl)`,
	} {
		_, err := db.ToolPool().Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("the app role: %s: %v, want permission denied", stmt, err)
		}
	}
	var config string
	if err := owner.QueryRow(ctx, `SELECT array_to_string(proconfig, '; ') FROM pg_proc
		WHERE oid = 'log_partitions_maintain(text, integer, integer)'::regprocedure`).Scan(&config); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(config, "search_path=pg_catalog, public, pg_temp") {
		t.Errorf("log_partitions_maintain's settings: %s, want search_path pg_catalog, public, pg_temp", config)
	}
	// A temporary table of the app role named like a log is not the log.
	err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		if _, err := tx.ToolTx().Exec(ctx, `CREATE TEMPORARY TABLE audit_log (at timestamptz) ON COMMIT DROP`); err != nil {
			return err
		}
		_, err := tx.KeepLog(ctx, "audit_log", 60)
		return err
	})
	if err != nil {
		t.Errorf("retention beside a temporary audit_log: %v", err)
	}
	keepLogs(t, db)

	if _, err := provider.ApplyVersion(ctx, 25, false); err != nil {
		t.Fatalf("down 00025: %v", err)
	}
	keepLogs(t, db)
	if _, err := provider.ApplyVersion(ctx, 25, true); err != nil {
		t.Fatalf("up 00025: %v", err)
	}
	keepLogs(t, db)
}

// keepLogs runs the retention job's work on every log as the app role, failing the test on
// an error.
func keepLogs(t *testing.T, db *tenant.DB) {
	t.Helper()
	err := db.InScope(context.Background(), tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		for _, log := range tenant.Logs {
			if _, err := tx.KeepLog(context.Background(), log, 60); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("keep the logs as the app role: %v", err)
	}
}
