package migrations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"indberet/tenant"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
)

// TestListeTaellingCPRDownAndUp: 00021 taken down and up again on a database with sager
// gives the same counts per CPR prefix of 1–3 digits as before (the per-prefix rows of the
// sager that exist are filled in again, each kommune under its own setting), and they are
// the sager's own; its Down removes liste_taelling_cpr and leaves liste_taelling exactly as
// 00015 makes it (columns, indexes, constraints, settings, the trigger function).
func TestListeTaellingCPRDownAndUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner, provider := migrationDB(t)
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	// Sager in two kommuner under a few prefixes, of both kilder, some delivered, with
	// ydelser that end before and after today or not at all; compacted once and changed
	// after, so that the kept counts are compacted rows and deltas both.
	for _, k := range []string{"101", "147"} {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			exec := func(sql string, args ...any) error {
				_, err := tx.ToolTx().Exec(ctx, sql, args...)
				return err
			}
			if err := exec(`INSERT INTO sager (kommune_kode, cpr, navn, kilde, indberettet_at)
				SELECT $1, (ARRAY['010', '011', '020', '101', '310'])[1 + g % 5] || lpad(g::text, 7, '0'), 'N',
					CASE WHEN g % 4 = 0 THEN 'system' ELSE 'egne' END, CASE WHEN g % 3 = 0 THEN now() END
				FROM generate_series(1, 60) g`, k); err != nil {
				return err
			}
			addYdelser := func(cond string) error {
				return exec(`INSERT INTO ydelser (kommune_kode, sag_id, indsatskode, startdato, slutdato, betalingskommune)
					SELECT $1, s.id, '1.3', date '2020-01-01',
						CASE WHEN s.id % 5 <> 0 THEN $2::date + (s.id % 40 - 20)::int END, $1
					FROM sager s, generate_series(1, 1 + s.id::int % 2) WHERE s.kommune_kode = $1 AND `+cond, k, today)
			}
			if err := addYdelser("s.id % 2 = 0"); err != nil {
				return err
			}
			if _, _, err := tx.CompactListCounts(ctx, today); err != nil {
				return err
			}
			return addYdelser("s.id % 2 = 1")
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	before := prefixCounts(t, db, today)
	if _, err := provider.ApplyVersion(ctx, 21, false); err != nil {
		t.Fatalf("down 00021: %v", err)
	}
	down := listeTaellingShape(t, owner)
	var gone bool
	if err := owner.QueryRow(ctx, `SELECT to_regclass('liste_taelling_cpr') IS NULL`).Scan(&gone); err != nil || !gone {
		t.Errorf("after down 00021: liste_taelling_cpr gone %v (%v)", gone, err)
	}
	if _, err := provider.ApplyVersion(ctx, 21, true); err != nil {
		t.Fatalf("up 00021: %v", err)
	}
	if after := prefixCounts(t, db, today); after != before {
		t.Errorf("counts after down and up 00021:\n%s\nbefore:\n%s", after, before)
	}
	// A prefix is the range [prefix, prefix || ':') of cpr3 only where ':' follows the
	// digits: in collation C, whatever the database's own (the test cluster's is C.UTF-8).
	var coll string
	if err := owner.QueryRow(ctx, `SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
		WHERE a.attrelid = 'liste_taelling_cpr'::regclass AND a.attname = 'cpr3'`).Scan(&coll); err != nil || coll != "C" {
		t.Errorf("liste_taelling_cpr.cpr3 in collation %q (%v), want C", coll, err)
	}

	// 00015's own shape: down 00021 and 00015, up 00015.
	for _, step := range []struct {
		version int64
		up      bool
	}{{21, false}, {15, false}, {15, true}} {
		if _, err := provider.ApplyVersion(ctx, step.version, step.up); err != nil {
			t.Fatalf("%d up %v: %v", step.version, step.up, err)
		}
	}
	if shape := listeTaellingShape(t, owner); shape != down {
		t.Errorf("liste_taelling after down 00021:\n%s\nas 00015 makes it:\n%s", down, shape)
	}
	if _, err := provider.ApplyVersion(ctx, 21, true); err != nil {
		t.Fatalf("up 00021: %v", err)
	}
	if after := prefixCounts(t, db, today); after != before {
		t.Errorf("counts after up 00015 and 00021:\n%s\nbefore:\n%s", after, before)
	}
}

// TestListeTaellingCPRWaitsForSagChanges: a sag registered while 00021 runs is counted under
// its prefix. Until the migration commits, a change of sager would run 00015's function,
// which writes no per-prefix delta, after the fill has read the sager; 00021 holds sager in
// SHARE mode, so the change waits for the commit and runs the new function.
//
// The migration is held at its last statement (the settings of liste_taelling, after the
// fill) by a lock on liste_taelling that conflicts only with it; the test checks that it
// waits there.
func TestListeTaellingCPRWaitsForSagChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner, provider := migrationDB(t)
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	in101 := func(fn func(tx *tenant.Tx) error) error { return db.InScope(ctx, tenant.Scope{Kommune: "101"}, fn) }
	err := in101(func(tx *tenant.Tx) error {
		_, err := tx.InsertSag(ctx, domain.Sag{CPR: "0101801234", Navn: "N", Kilde: "egne"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.ApplyVersion(ctx, 21, false); err != nil {
		t.Fatalf("down 00021: %v", err)
	}
	hold, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx)
	if _, err := hold.Exec(ctx, `LOCK TABLE liste_taelling IN SHARE UPDATE EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	migrated := make(chan error, 1)
	go func() {
		_, err := provider.ApplyVersion(ctx, 21, true)
		migrated <- err
	}()
	// waiting is the query of the backend that waits for a lock on table, "" if none does.
	waiting := func(table string) string {
		var q string
		err := owner.QueryRow(ctx, `SELECT coalesce(max(a.query), '') FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE NOT l.granted AND l.relation = to_regclass($1)`, table).Scan(&q)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	deadline := time.Now().Add(30 * time.Second)
	for q := waiting("liste_taelling"); !strings.Contains(q, "ALTER TABLE liste_taelling SET"); q = waiting("liste_taelling") {
		if time.Now().After(deadline) {
			t.Fatalf("00021 does not wait at the settings of liste_taelling (its last statement); waiting: %q", q)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A new sag and a CPR number moved, under prefixes of their own, while the migration waits.
	registered := make(chan error, 1)
	go func() {
		registered <- in101(func(tx *tenant.Tx) error {
			if _, err := tx.InsertSag(ctx, domain.Sag{CPR: "7770101234", Navn: "N", Kilde: "egne"}); err != nil {
				return err
			}
			_, err := tx.ToolTx().Exec(ctx, `UPDATE sager SET cpr = '7780101234' WHERE cpr = '0101801234'`)
			return err
		})
	}()
	// Either the registering waits for sager (00021 holds it), or it is done (it does not).
	var done bool
	for deadline := time.Now().Add(5 * time.Second); !done && waiting("sager") == "" && time.Now().Before(deadline); {
		select {
		case err := <-registered:
			if err != nil {
				t.Fatal(err)
			}
			done = true
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := hold.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-migrated; err != nil {
		t.Fatalf("up 00021: %v", err)
	}
	if !done {
		if err := <-registered; err != nil {
			t.Fatal(err)
		}
	}
	prefixCounts(t, db, today) // each count against the sager's own
}

// prefixCounts lists, per kommune, list, view, status filter and CPR prefix (none, or 1–3
// digits), the count of the list (its total, from the kept counts); each must equal the
// count of the sager themselves.
func prefixCounts(t *testing.T, db *tenant.DB, today time.Time) string {
	t.Helper()
	ctx := context.Background()
	var out strings.Builder
	for _, k := range []string{"101", "147"} {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			for _, c := range tenanttest.KeptLists {
				for _, f := range []tenant.Filter{tenant.FilterAlle, tenant.FilterAfsluttede, tenant.FilterIkkeAfsluttede} {
					for _, prefix := range []string{"", "0", "01", "010", "011", "02", "020", "1", "10", "101", "3", "310", "4", "012", "7", "77", "777"} {
						q := c
						q.Filter, q.CPRPrefix, q.Today, q.Limit = f, prefix, today, 1
						page, err := tx.List(ctx, q)
						if err != nil {
							return err
						}
						var want int
						if err := tx.ToolTx().QueryRow(ctx, tenanttest.CountedSQL(q), k, today, prefix).Scan(&want); err != nil {
							return err
						}
						if page.Total != want {
							t.Errorf("%s: %s %s %s prefix %q: %d by the kept counts, %d counted", k, q.Liste, q.Visning, f,
								prefix, page.Total, want)
						}
						fmt.Fprintf(&out, "%s %s %s %s %q: %d\n", k, q.Liste, q.Visning, f, prefix, page.Total)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}

// listeTaellingShape describes liste_taelling as the catalog has it: its columns (with type,
// collation and default), indexes, constraints, settings and the trigger function's source.
func listeTaellingShape(t *testing.T, owner *pgxpool.Pool) string {
	t.Helper()
	var s string
	err := owner.QueryRow(context.Background(), `
		SELECT string_agg(x, E'\n' ORDER BY x) FROM (
			SELECT 'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text
				|| ' ' || coalesce(c.collname, '') || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS x
			FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation
			LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
			WHERE a.attrelid = 'liste_taelling'::regclass AND a.attnum > 0 AND NOT a.attisdropped
			UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE tablename = 'liste_taelling'
			UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
				WHERE conrelid = 'liste_taelling'::regclass
			UNION ALL SELECT 'options ' || coalesce(array_to_string(reloptions, ','), '') FROM pg_class
				WHERE oid = 'liste_taelling'::regclass
			UNION ALL SELECT 'function ' || pg_get_functiondef('liste_taelling_delta'::regproc)
		) t`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
