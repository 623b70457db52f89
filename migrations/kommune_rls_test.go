package migrations_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"indberet/tenant"
)

// TestEnableKommuneRLS: 00030. A table given its row-level security by enable_kommune_rls is
// isolated by kommune as the application's role (T1: a kommune sees and writes only its own
// rows; T3: the read-all setting reads every kommune and writes nothing; no scope sees
// nothing, the owner neither), and its policies, forced row-level security and grants are
// those the migrations before it wrote by hand.
func TestEnableKommuneRLS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, owner, provider := migrationDB(t)
	ownerExec(t, owner, `CREATE TABLE rls_probe (
		kommune_kode text NOT NULL,
		id           integer NOT NULL,
		note         text NOT NULL DEFAULT '',
		PRIMARY KEY (kommune_kode, id))`)
	ownerExec(t, owner, `SELECT enable_kommune_rls('rls_probe')`)

	// The same policies, modulo the table's name, as the kommune tables of 00002 (in 00018's
	// form), 00012, 00016 and 00028; every kommune table has at least these two.
	probe := policies(t, owner, "rls_probe")
	if len(probe) != 2 {
		t.Fatalf("rls_probe has %d policies, want 2:\n%s", len(probe), strings.Join(probe, "\n"))
	}
	for _, table := range []string{"sager", "outbox", "leverance_dele", "outbox_sends"} {
		if got := policies(t, owner, table); !slices.Equal(got, probe) {
			t.Errorf("policies of %s:\n%s\nof the table made with enable_kommune_rls:\n%s",
				table, strings.Join(got, "\n"), strings.Join(probe, "\n"))
		}
	}
	rows, err := owner.Query(ctx, `SELECT DISTINCT tablename FROM pg_policies
		WHERE schemaname = 'public' AND policyname = tablename || '_kommune' AND tablename <> 'rls_probe' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	kommuneTables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(kommuneTables) < 16 {
		t.Errorf("%d tables with a *_kommune policy, want the 16 kommune tables: %v", len(kommuneTables), kommuneTables)
	}
	for _, table := range kommuneTables {
		got := policies(t, owner, table)
		for _, p := range probe {
			if !slices.Contains(got, p) {
				t.Errorf("%s lacks the policy %s; it has:\n%s", table, p, strings.Join(got, "\n"))
			}
		}
		if rls, force := rowSecurity(t, owner, table); !rls || !force {
			t.Errorf("%s: row-level security enabled %v, forced %v", table, rls, force)
		}
	}
	if rls, force := rowSecurity(t, owner, "rls_probe"); !rls || !force {
		t.Errorf("rls_probe: row-level security enabled %v, forced %v, want both", rls, force)
	}
	// The grants of a kommune table that narrowed none: 00001's default privileges, no TRUNCATE
	// (which row-level security does not cover).
	if got, want := appGrants(t, owner, "rls_probe"), appGrants(t, owner, "sager"); got != want {
		t.Errorf("the app role's privileges on rls_probe: %s, on sager: %s", got, want)
	}
	if got := appGrants(t, owner, "rls_probe"); got != "DELETE, INSERT, SELECT, UPDATE" {
		t.Errorf("the app role's privileges on rls_probe: %s, want DELETE, INSERT, SELECT, UPDATE", got)
	}
	// A REVOKE before the call holds: the function never widens a grant.
	ownerExec(t, owner, `CREATE TABLE rls_history (kommune_kode text, id integer, PRIMARY KEY (kommune_kode, id))`)
	ownerExec(t, owner, `REVOKE UPDATE, DELETE ON rls_history FROM indberet_app`)
	ownerExec(t, owner, `GRANT TRUNCATE ON rls_history TO indberet_app`)
	ownerExec(t, owner, `SELECT enable_kommune_rls('rls_history')`)
	if got := appGrants(t, owner, "rls_history"); got != "INSERT, SELECT" {
		t.Errorf("the app role's privileges on rls_history after REVOKE UPDATE, DELETE and GRANT TRUNCATE: %s, want INSERT, SELECT", got)
	}

	// Isolation, as the application's role.
	for _, k := range []string{"101", "147"} {
		err := inScope(ctx, owner, k, "", func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO rls_probe (kommune_kode, id, note) VALUES ($1, 1, $1)`, k)
			return err
		})
		if err != nil {
			t.Fatalf("kommune %s inserts its own row: %v", k, err)
		}
	}
	if got := kommuner(t, owner, "101", ""); got != "101" {
		t.Errorf("kommune 101 sees the rows of %q, want 101", got)
	}
	if got := kommuner(t, owner, "147", ""); got != "147" {
		t.Errorf("kommune 147 sees the rows of %q, want 147", got)
	}
	if got := kommuner(t, owner, "", "read"); got != "101 147" {
		t.Errorf("the read-all setting sees the rows of %q, want 101 147", got)
	}
	if got := kommuner(t, owner, "", ""); got != "" {
		t.Errorf("no scope sees the rows of %q, want none", got)
	}
	var ownerSees int
	if err := owner.QueryRow(ctx, `SELECT count(*) FROM rls_probe`).Scan(&ownerSees); err != nil || ownerSees != 0 {
		t.Errorf("the owner without a scope sees %d rows (%v), want 0: forced row-level security", ownerSees, err)
	}
	for _, c := range []struct{ kommune, alle, stmt string }{
		{"101", "", `INSERT INTO rls_probe (kommune_kode, id) VALUES ('147', 2)`},
		{"101", "", `UPDATE rls_probe SET kommune_kode = '147' WHERE kommune_kode = '101'`},
		{"", "read", `INSERT INTO rls_probe (kommune_kode, id) VALUES ('101', 3)`},
		{"101", "", `TRUNCATE rls_probe`},
		{"101", "", `SELECT enable_kommune_rls('rls_probe')`},
	} {
		err := inScope(ctx, owner, c.kommune, c.alle, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, c.stmt)
			return err
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("kommune %q, alle %q: %s: %v, want refused (42501)", c.kommune, c.alle, c.stmt, err)
		}
	}
	for _, stmt := range []string{
		`UPDATE rls_probe SET note = 'x' WHERE kommune_kode = '147'`,
		`DELETE FROM rls_probe WHERE kommune_kode = '147'`,
	} {
		var n int64
		err := inScope(ctx, owner, "101", "", func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, stmt)
			n = tag.RowsAffected()
			return err
		})
		if err != nil || n != 0 {
			t.Errorf("kommune 101: %s: %d rows (%v), want 0", stmt, n, err)
		}
	}
	if got := kommuner(t, owner, "", "read"); got != "101 147" {
		t.Errorf("after kommune 101's attempts the rows are of %q, want 101 147", got)
	}

	// Not a kommune table: refused, nothing changed.
	for _, c := range []struct{ create, code, drop string }{
		{`CREATE TABLE rls_nokey (kommune_kode text NOT NULL, id integer)`, "42P16", "TABLE"},
		{`CREATE TABLE rls_nokey (id integer, kommune_kode text, PRIMARY KEY (id, kommune_kode))`, "42P16", "TABLE"},
		{`CREATE TABLE rls_nokey (kommune_kode integer, id integer, PRIMARY KEY (kommune_kode, id))`, "42P16", "TABLE"},
		{`CREATE VIEW rls_nokey AS SELECT * FROM rls_probe`, "42809", "VIEW"},
	} {
		ownerExec(t, owner, c.create)
		_, err := owner.Exec(ctx, `SELECT enable_kommune_rls('rls_nokey')`)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != c.code {
			t.Errorf("%s; enable_kommune_rls: %v, want error %s", c.create, err, c.code)
		}
		if p := policies(t, owner, "rls_nokey"); len(p) != 0 {
			t.Errorf("%s: policies %v after the refusal", c.create, p)
		}
		ownerExec(t, owner, `DROP `+c.drop+` rls_nokey`)
	}

	// The function runs as its caller, with the search_path of 00025.
	var definer bool
	var config string
	if err := owner.QueryRow(ctx, `SELECT prosecdef, array_to_string(proconfig, '; ') FROM pg_proc
		WHERE oid = 'enable_kommune_rls(regclass)'::regprocedure`).Scan(&definer, &config); err != nil {
		t.Fatal(err)
	}
	if definer || config != "search_path=pg_catalog, public, pg_temp" {
		t.Errorf("enable_kommune_rls: security definer %v, settings %q; want invoker, search_path=pg_catalog, public, pg_temp", definer, config)
	}

	// Down removes the function, Up gives it back.
	exists := func() (ok bool) {
		t.Helper()
		if err := owner.QueryRow(ctx, `SELECT to_regprocedure('enable_kommune_rls(regclass)') IS NOT NULL`).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if _, err := provider.ApplyVersion(ctx, 30, false); err != nil || exists() {
		t.Fatalf("down 00030: %v; the function is left: %v", err, exists())
	}
	if _, err := provider.ApplyVersion(ctx, 30, true); err != nil || !exists() {
		t.Fatalf("up 00030: %v; the function exists: %v", err, exists())
	}
}

// ownerExec runs a statement as the owner, failing the test on an error.
func ownerExec(t *testing.T, owner *pgxpool.Pool, sql string) {
	t.Helper()
	if _, err := owner.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// policies returns table's policies as text, sorted, with the table's name in the policy's
// name replaced by <t>.
func policies(t *testing.T, owner *pgxpool.Pool, table string) []string {
	t.Helper()
	rows, err := owner.Query(context.Background(), `
		SELECT policyname, permissive, roles::text[], cmd, coalesce(qual, ''), coalesce(with_check, '')
		FROM pg_policies WHERE schemaname = 'public' AND tablename = $1`, table)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var name, permissive, cmd, qual, check string
		var roles []string
		if err := r.Scan(&name, &permissive, &roles, &cmd, &qual, &check); err != nil {
			return "", err
		}
		name = "<t>" + strings.TrimPrefix(name, table)
		return fmt.Sprintf("%s AS %s FOR %s TO %s USING %s WITH CHECK %s", name, permissive, cmd,
			strings.Join(roles, ", "), qual, check), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(list)
	return list
}

// rowSecurity tells whether table has row-level security enabled and forced.
func rowSecurity(t *testing.T, owner *pgxpool.Pool, table string) (enabled, forced bool) {
	t.Helper()
	err := owner.QueryRow(context.Background(), `SELECT relrowsecurity, relforcerowsecurity FROM pg_class
		WHERE oid = to_regclass($1)`, table).Scan(&enabled, &forced)
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	return enabled, forced
}

// appGrants returns the privileges of the application's role on table (and on its columns,
// as column:privilege), sorted.
func appGrants(t *testing.T, owner *pgxpool.Pool, table string) string {
	t.Helper()
	var grants string
	err := owner.QueryRow(context.Background(), `
		SELECT coalesce(string_agg(p, ', ' ORDER BY p), '') FROM (
			SELECT privilege_type AS p FROM aclexplode((SELECT relacl FROM pg_class WHERE oid = to_regclass($1)))
			WHERE grantee = $2::regrole
			UNION ALL
			SELECT a.attname || ':' || e.privilege_type FROM pg_attribute a, aclexplode(a.attacl) e
			WHERE a.attrelid = to_regclass($1) AND e.grantee = $2::regrole) g`, table, tenant.AppRole).Scan(&grants)
	if err != nil {
		t.Fatalf("grants of %s: %v", table, err)
	}
	return grants
}

// inScope runs fn in a transaction of the owner's pool as the application's role with the
// settings that tenant.DB.InScope makes: indberet.kommune and indberet.alle.
func inScope(ctx context.Context, owner *pgxpool.Pool, kommune, alle string, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL ROLE `+tenant.AppRole); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('indberet.kommune', $1, true), set_config('indberet.alle', $2, true)`,
			kommune, alle); err != nil {
			return err
		}
		return fn(tx)
	})
}

// kommuner returns the kommunekoder of the rows of rls_probe that the scope sees, sorted and
// joined by spaces.
func kommuner(t *testing.T, owner *pgxpool.Pool, kommune, alle string) string {
	t.Helper()
	ctx := context.Background()
	var seen string
	err := inScope(ctx, owner, kommune, alle, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT coalesce(string_agg(kommune_kode, ' ' ORDER BY kommune_kode), '') FROM rls_probe`).Scan(&seen)
	})
	if err != nil {
		t.Fatalf("kommune %q, alle %q reads rls_probe: %v", kommune, alle, err)
	}
	return seen
}
