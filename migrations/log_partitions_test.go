package migrations_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"indberet/tenant"
)

// logTables are the tables 00024 partitions by month, and the waiting list it changes.
var logTables = []string{"audit_log", "cpr_access_log", "cpr_access_log_cprs", "cpr_access_log_nye"}

// TestLogPartitionsDownAndUp: issue 14 #13. 00024 turns the audit log, the CPR access log
// and its index by CPR number into tables partitioned by month, on a database whose logs
// span several years: every row stays as it was (ids, times to the microsecond, generated
// columns) in the partition of its month (UTC), the identity sequence goes on where it was,
// the waiting records get their index rows, and the tables keep their columns, checks,
// indexes, grants, forced row-level security with the same policies, and trigger; only the
// primary keys gain at. Each partition is reachable only through its table. Down gives back
// the plain tables of 00021 with every row, and Up works again.
func TestLogPartitionsDownAndUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner, provider := migrationDB(t)
	if _, err := provider.ApplyVersion(ctx, 24, false); err != nil {
		t.Fatalf("down 00024: %v", err)
	}
	plain := logSchema(t, owner)

	// Records in two kommuner and the platform's, from 2019 to now, two of them on the edges
	// of a month in UTC (and in another month in Danish time); of the CPR access records some
	// indexed by the job, some still waiting.
	times := []time.Time{
		time.Date(2019, 3, 15, 10, 0, 0, 123456000, time.UTC),
		time.Date(2024, 6, 30, 23, 59, 59, 999999000, time.UTC),
		time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC),
		time.Now().Add(-time.Hour),
	}
	for i, at := range times {
		for _, k := range []string{"101", "147", tenant.PlatformKommune} {
			err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
				if _, err := tx.ToolTx().Exec(ctx, `INSERT INTO audit_log (kommune_kode, at, user_email, action, entity, entity_id, after)
					VALUES ($1, $2, 'a@b.dk', 'sag.create', 'sag', $3, jsonb_build_object('CPR', '010180123' || $4::text))`,
					k, at, fmt.Sprint(100+i), fmt.Sprint(i)); err != nil {
					return err
				}
				if _, err := tx.ToolTx().Exec(ctx, `INSERT INTO cpr_access_log (kommune_kode, at, user_email, action, cprs, detail)
					VALUES ($1, $2, 'a@b.dk', 'list', ARRAY['0101801234', '020280234' || $3::text], 'liste=egne')`, k, at, fmt.Sprint(i)); err != nil {
					return err
				}
				if i%2 == 1 {
					_, err := tx.IndexCPRAccess(ctx)
					return err
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	before := logRows(t, owner)
	if len(before["cpr_access_log_nye"]) == 0 || len(before["audit_log"]) < 3*len(times) {
		t.Fatalf("before 00024: %d audit records, %d waiting; want %d and some", len(before["audit_log"]),
			len(before["cpr_access_log_nye"]), 3*len(times))
	}

	if _, err := provider.ApplyVersion(ctx, 24, true); err != nil {
		t.Fatalf("up 00024: %v", err)
	}
	after := logRows(t, owner)
	sameRecords(t, "after 00024", after, before)
	// The waiting records got their index rows: 2 CPR numbers each.
	if n, want := len(after["cpr_access_log_cprs"]), len(before["cpr_access_log_cprs"])+2*len(before["cpr_access_log_nye"]); n != want ||
		len(after["cpr_access_log_nye"]) != 0 {
		t.Errorf("after 00024: %d index rows, %d waiting; want %d and 0", n, len(after["cpr_access_log_nye"]), want)
	}
	partitioned := logSchema(t, owner)
	wantChanged := map[string]bool{
		"audit_log pkey": true, "cpr_access_log pkey": true, "cpr_access_log_cprs pkey": true, // + at, or the same
		"audit_log relkind": true, "cpr_access_log relkind": true, "cpr_access_log_cprs relkind": true,
		"cpr_access_log_nye column at": true,
	}
	for _, k := range slices.Sorted(maps.Keys(mergeKeys(plain, partitioned))) {
		if plain[k] != partitioned[k] && !wantChanged[k] {
			t.Errorf("00024 changed %s:\n  was %q\n  now %q", k, plain[k], partitioned[k])
		}
	}
	if got := partitioned["audit_log pkey"]; got != "PRIMARY KEY (kommune_kode, id, at)" {
		t.Errorf("audit_log's primary key: %s", got)
	}
	if got := partitioned["cpr_access_log_nye column at"]; got != "timestamp with time zone not null" {
		t.Errorf("cpr_access_log_nye.at: %q", got)
	}
	checkLogPartitions(t, owner, times[0])

	// New records go on with the ids after the old ones, into this month's partition, and the
	// look-up by CPR number finds the old ones and the new.
	var maxID, newID int64
	if err := ownerRead(ctx, owner, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT max(id) FROM cpr_access_log`).Scan(&maxID)
	}); err != nil {
		t.Fatal(err)
	}
	err := db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
		if err := tx.LogCPRAccess(ctx, "view", []string{"0101801234"}, "sag 1"); err != nil {
			return err
		}
		p, err := tx.CPRAccessLog(ctx, tenant.CPRAccessQuery{CPR: "0101801234", Indsigt: tenant.KommunensIndsigt})
		if err != nil {
			return err
		}
		if len(p.Records) != len(times)+1 {
			t.Fatalf("look-up by CPR number after 00024: %d records, want %d", len(p.Records), len(times)+1)
		}
		newID = p.Records[0].ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if newID != maxID+1 {
		t.Errorf("a new record after 00024 has id %d, want %d", newID, maxID+1)
	}
	withNew := logRows(t, owner)

	if _, err := provider.ApplyVersion(ctx, 24, false); err != nil {
		t.Fatalf("down 00024 again: %v", err)
	}
	again := logRows(t, owner)
	sameRecords(t, "after down 00024", again, withNew)
	if n, want := len(again["cpr_access_log_cprs"]), len(withNew["cpr_access_log_cprs"])+1; n != want {
		t.Errorf("after down 00024: %d index rows, want %d", n, want)
	}
	if down := logSchema(t, owner); !maps.Equal(down, plain) {
		for _, k := range slices.Sorted(maps.Keys(mergeKeys(plain, down))) {
			if plain[k] != down[k] {
				t.Errorf("after down 00024 %s:\n  is %q\n  want %q", k, down[k], plain[k])
			}
		}
	}
	if _, err := provider.ApplyVersion(ctx, 24, true); err != nil {
		t.Fatalf("up 00024 again: %v", err)
	}
	sameRecords(t, "after up 00024 again", logRows(t, owner), again)
}

// checkLogPartitions checks the partitions of the three logs: a catch-all before the month
// of oldest, every month from it to three months after this one, a catch-all after; each
// with forced row-level security and no grant to the application's role, and every row in
// the partition of its month.
func checkLogPartitions(t *testing.T, owner *pgxpool.Pool, oldest time.Time) {
	t.Helper()
	ctx := context.Background()
	month := func(at time.Time) time.Time { return time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC) }
	for _, table := range logTables[:3] {
		want := []string{table + "_earlier"}
		for m := month(oldest.UTC()); !m.After(month(time.Now().UTC()).AddDate(0, 3, 0)); m = m.AddDate(0, 1, 0) {
			want = append(want, fmt.Sprintf("%s_%04d_%02d", table, m.Year(), m.Month()))
		}
		want = append(want, table+"_later")
		rows, err := owner.Query(ctx, `SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity,
				has_table_privilege('indberet_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
			FROM log_partition_bounds($1::regclass) b JOIN pg_class c ON c.oid = b.part`, table)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var name string
			var rls, granted bool
			if err := rows.Scan(&name, &rls, &granted); err != nil {
				t.Fatal(err)
			}
			got = append(got, name)
			if !rls || granted {
				t.Errorf("partition %s: forced row-level security %v, app role privileges %v", name, rls, granted)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("partitions of %s:\n%v\nwant\n%v", table, got, want)
		}
		var misplaced int
		err = ownerRead(ctx, owner, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %s x
				WHERE x.tableoid::regclass::text <> $1 || to_char(x.at AT TIME ZONE 'UTC', '"_"YYYY"_"MM')`, table), table).Scan(&misplaced)
		})
		if err != nil || misplaced != 0 {
			t.Errorf("%s: %d rows in another partition than their month's (%v)", table, misplaced, err)
		}
	}
}

// logRows is every row of the log tables as JSON, in the order of their keys, read by the
// owner with the read-all setting.
func logRows(t *testing.T, owner *pgxpool.Pool) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	err := ownerRead(ctx, owner, func(tx pgx.Tx) error {
		for _, table := range logTables {
			order := "kommune_kode, id"
			switch table {
			case "cpr_access_log_cprs":
				order = "kommune_kode, cpr, at, access_id"
			case "cpr_access_log_nye":
				order = "kommune_kode, access_id"
			}
			rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT to_jsonb(x)::text FROM %s x ORDER BY %s`, table, order))
			if err != nil {
				return err
			}
			if out[table], err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameRecords fails the test when the audit or CPR access records of got and want differ.
func sameRecords(t *testing.T, when string, got, want map[string][]string) {
	t.Helper()
	for _, table := range []string{"audit_log", "cpr_access_log"} {
		if !slices.Equal(got[table], want[table]) {
			t.Errorf("%s %s:\n%s\nwant\n%s", table, when, strings.Join(got[table], "\n"), strings.Join(want[table], "\n"))
		}
	}
}

// ownerRead runs fn in a transaction of the owner with the read-all setting (the policies
// bind the owner too).
func ownerRead(ctx context.Context, owner *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('indberet.alle', 'read', true)`); err != nil {
			return err
		}
		return fn(tx)
	})
}

// logSchema describes the log tables, each thing by a key ("audit_log index
// audit_log_at_idx") and its definition: kind, columns, checks, primary key, indexes,
// row-level security, the application's grants, policies, triggers.
func logSchema(t *testing.T, owner *pgxpool.Pool) map[string]string {
	t.Helper()
	rows, err := owner.Query(context.Background(), `
		SELECT c.relname || ' relkind', c.relkind::text FROM pg_class c WHERE c.relname = ANY($1)
		UNION ALL
		SELECT c.relname || ' rls', c.relrowsecurity::text || ' ' || c.relforcerowsecurity::text FROM pg_class c WHERE c.relname = ANY($1)
		UNION ALL
		SELECT c.relname || ' grants', coalesce((SELECT string_agg(privilege_type, ', ' ORDER BY privilege_type)
			FROM aclexplode(c.relacl) WHERE grantee = 'indberet_app'::regrole), '')
		FROM pg_class c WHERE c.relname = ANY($1)
		UNION ALL
		SELECT c.relname || ' column ' || a.attname, format_type(a.atttypid, a.atttypmod)
			|| CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
			|| CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
			|| coalesce(' collate ' || nullif(co.collname, 'default'), '')
			|| coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
			|| CASE WHEN a.attgenerated <> '' THEN ' generated' ELSE '' END
		FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		LEFT JOIN pg_collation co ON co.oid = a.attcollation
		LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
		WHERE c.relname = ANY($1)
		UNION ALL
		SELECT c.relname || CASE WHEN k.contype = 'p' THEN ' pkey' ELSE ' constraint ' || k.conname END, pg_get_constraintdef(k.oid)
		FROM pg_class c JOIN pg_constraint k ON k.conrelid = c.oid WHERE c.relname = ANY($1)
		UNION ALL
		SELECT i.tablename || ' index ' || i.indexname, replace(i.indexdef, ' ON ONLY ', ' ON ')
		FROM pg_indexes i WHERE i.tablename = ANY($1) AND i.indexname NOT LIKE '%pkey'
		UNION ALL
		SELECT p.tablename || ' policy ' || p.policyname, p.cmd || ' ' || coalesce(p.qual, '') || ' ' || coalesce(p.with_check, '')
		FROM pg_policies p WHERE p.tablename = ANY($1)
		UNION ALL
		SELECT c.relname || ' trigger ' || g.tgname, pg_get_triggerdef(g.oid)
		FROM pg_class c JOIN pg_trigger g ON g.tgrelid = c.oid AND NOT g.tgisinternal WHERE c.relname = ANY($1)
		UNION ALL
		SELECT s.relname || ' sequence', pg_get_serial_sequence(s.relname, 'id')
		FROM pg_class s WHERE s.relname = ANY($2)`, logTables, []string{"audit_log", "cpr_access_log"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 60 {
		t.Fatalf("log schema has %d things, want more:\n%v", len(out), out)
	}
	return out
}

func mergeKeys(a, b map[string]string) map[string]string {
	m := maps.Clone(a)
	maps.Copy(m, b)
	return m
}
