package tenant_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// retentionDB is a database whose logs have monthly partitions from seven years ago (the
// owner splits the earlier catch-all, as 00024 does for old records), the app's pool on it
// and the owner's.
func retentionDB(t *testing.T) (*tenant.DB, *pgxpool.Pool) {
	t.Helper()
	db, ownerURL := tenanttest.DB(t)
	owner := tenanttest.Owner(t, ownerURL)
	tenanttest.LogMonths(t, owner, time.Now().AddDate(-7, 0, 0))
	return db, owner
}

// logRecords writes an audit record and a CPR access record (with its index rows) in kommune
// 101 at each of times, and returns the CPR access records' ids.
func logRecords(t *testing.T, db *tenant.DB, times ...time.Time) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	err := db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		for _, at := range times {
			if _, err := tx.ToolTx().Exec(ctx, `INSERT INTO audit_log (kommune_kode, at, action, entity, entity_id)
				VALUES ('101', $1, 'sag.update', 'sag', '1')`, at); err != nil {
				return err
			}
			var id int64
			if err := tx.ToolTx().QueryRow(ctx, `INSERT INTO cpr_access_log (kommune_kode, at, action, cprs)
				VALUES ('101', $1, 'view', ARRAY['0101801234', '0202802345']) RETURNING id`, at).Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		_, err := tx.IndexCPRAccess(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// logState is what the read-all scope sees of the logs: the CPR access records' ids, the
// number of audit records of kommune 101 and of index rows, and of index rows whose record
// is gone.
type logState struct {
	accessIDs              []int64
	audits, index, orphans int
}

func readLogState(t *testing.T, db *tenant.DB) logState {
	t.Helper()
	ctx := context.Background()
	var s logState
	err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		rows, err := tx.ToolTx().Query(ctx, `SELECT id FROM cpr_access_log WHERE kommune_kode = '101' ORDER BY id`)
		if err != nil {
			return err
		}
		if s.accessIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return err
		}
		return tx.ToolTx().QueryRow(ctx, `SELECT
			(SELECT count(*) FROM audit_log WHERE kommune_kode = '101'),
			(SELECT count(*) FROM cpr_access_log_cprs WHERE kommune_kode = '101'),
			(SELECT count(*) FROM cpr_access_log_cprs c WHERE NOT EXISTS (SELECT FROM cpr_access_log l
				WHERE l.kommune_kode = c.kommune_kode AND l.id = c.access_id AND l.at = c.at))`).Scan(&s.audits, &s.index, &s.orphans)
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// keepLogs runs the retention of every log, as the job does, and returns the changes.
func keepLogs(t *testing.T, db *tenant.DB, keepMonths int) []tenant.LogPartitionChange {
	t.Helper()
	ctx := context.Background()
	var all []tenant.LogPartitionChange
	for _, log := range tenant.Logs {
		err := db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: "system:test"}}, func(tx *tenant.Tx) error {
			changes, err := tx.KeepLog(ctx, log, keepMonths)
			all = append(all, changes...)
			return err
		})
		if err != nil {
			t.Fatalf("keep %s: %v", log, err)
		}
	}
	return all
}

// partitionBounds is the partitions of log, oldest first, and their ranges (year 1 for
// MINVALUE, 9999 for MAXVALUE).
func partitionBounds(t *testing.T, owner *pgxpool.Pool, log string) (names []string, from, to []time.Time) {
	t.Helper()
	rows, err := owner.Query(context.Background(), `SELECT part::text, coalesce(from_at, '0001-01-01'), coalesce(to_at, '9999-12-31')
		FROM log_partition_bounds($1::regclass)`, log)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		var f, u time.Time
		if err := rows.Scan(&n, &f, &u); err != nil {
			t.Fatal(err)
		}
		names, from, to = append(names, n), append(from, f), append(to, u)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names, from, to
}

// TestKeepLogDropsOldMonths: issue 14 #13. With a retention of 5 years the months that
// ended more than 5 years ago go with their records (the audit record's, the CPR access
// record's and its index rows: no index row is left without its record), the earlier
// catch-all with them; the months after stay; the months up to three ahead exist. The
// changes are in the audit log with the number of records each month held; a second run
// changes nothing and writes nothing. A record far behind and far ahead is written without
// error.
func TestKeepLogDropsOldMonths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner := retentionDB(t)
	now := time.Now().UTC()
	gone := logRecords(t, db, now.AddDate(-6, -6, 0), now.AddDate(-5, -2, 0), time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC))
	kept := logRecords(t, db, now.AddDate(-5, 2, 0), now.AddDate(0, -1, 0))
	before := readLogState(t, db)
	if len(before.accessIDs) != 5 || before.index != 10 || before.orphans != 0 {
		t.Fatalf("before: %+v", before)
	}

	changes := keepLogs(t, db, 60)
	after := readLogState(t, db)
	if !slices.Equal(after.accessIDs, kept) || after.audits != before.audits-len(gone) || after.index != 2*len(kept) || after.orphans != 0 {
		t.Errorf("after keeping 60 months: %+v, want the CPR access records %v, %d audit records, %d index rows, no orphans",
			after, kept, before.audits-len(gone), 2*len(kept))
	}
	cutoff := now.AddDate(0, -60, 0)
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, log := range tenant.Logs {
		names, from, to := partitionBounds(t, owner, log)
		if names[0] != log+"_earlier" || names[len(names)-1] != log+"_later" {
			t.Errorf("%s: partitions %v, want catch-alls first and last", log, names)
			continue
		}
		// The first month is the one the cut-off falls in; the earlier catch-all ends there.
		if first := from[1]; !(first.Before(cutoff) || first.Equal(cutoff)) || !to[1].After(cutoff) || !to[0].Equal(first) {
			t.Errorf("%s: first month [%s, %s), earlier catch-all to %s; cut-off %s", log, first, to[1], to[0], cutoff)
		}
		if last := from[len(from)-1]; !last.Equal(thisMonth.AddDate(0, 4, 0)) {
			t.Errorf("%s: months up to %s, want through %s", log, last, thisMonth.AddDate(0, 3, 0))
		}
	}

	// The audit records of the changes, one per log, under the platform, by the actor.
	var recs []string
	err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		rows, err := tx.ToolTx().Query(ctx, `SELECT entity_id || ' ' || user_email || ' ' || after::text FROM audit_log
			WHERE kommune_kode = '000' AND action = 'log.retention' ORDER BY id`)
		if err != nil {
			return err
		}
		recs, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("audit records of the retention: %q, want one per log", recs)
	}
	var dropped, records int64
	for _, c := range changes {
		if c.Change == "dropped" {
			dropped++
			records += c.Records
		}
	}
	// Per log the months of the two old records and the earlier catch-all with the third:
	// 3 audit records, 3 CPR access records, 6 index rows.
	if dropped < 3*3 || records != 3+3+6 {
		t.Errorf("changes: %d partitions dropped holding %d records, want at least 9 holding 12 (%+v)", dropped, records, changes)
	}
	var rec struct {
		KeepMonths int                         `json:"keep_months"`
		Changes    []tenant.LogPartitionChange `json:"changes"`
	}
	parts := strings.SplitN(recs[1], " ", 3)
	js := parts[2]
	if err := json.Unmarshal([]byte(js), &rec); err != nil || rec.KeepMonths != 60 || len(rec.Changes) == 0 ||
		!slices.ContainsFunc(rec.Changes, func(c tenant.LogPartitionChange) bool {
			return c.Partition == "cpr_access_log_earlier" && c.Change == "dropped" && c.Records == 1
		}) {
		t.Errorf("audit record %q: %+v, %v", recs[1], rec, err)
	}
	if !strings.HasPrefix(recs[0], "audit_log system:test ") {
		t.Errorf("audit record %q, want the log and the actor", recs[0])
	}

	if again := keepLogs(t, db, 60); len(again) != 0 {
		t.Errorf("second run changed %+v", again)
	}
	// Far behind and far ahead: in the catch-alls, without error.
	logRecords(t, db, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2999, 12, 31, 0, 0, 0, 0, time.UTC))
	if n := readLogState(t, db); len(n.accessIDs) != len(kept)+2 || n.orphans != 0 {
		t.Errorf("after records far behind and ahead: %+v", n)
	}
}

// TestLogCatchAllMovesIntoNewMonths: a record in the later catch-all (a month not made yet)
// moves into its month when the month is made, with its id, its index rows and, if it still
// waits for them, its place on the waiting list; no record blocks a new month.
func TestLogCatchAllMovesIntoNewMonths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner := retentionDB(t)
	ahead := time.Now().UTC().AddDate(0, 6, 0)
	ids := logRecords(t, db, ahead)
	// One more that waits for its index rows.
	err := db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		_, err := tx.ToolTx().Exec(ctx, `INSERT INTO cpr_access_log (kommune_kode, at, action, cprs)
			VALUES ('101', $1, 'view', ARRAY['0303803456'])`, ahead)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var moved []string
	err = pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		for _, log := range tenant.Logs {
			rows, err := tx.Query(ctx, `SELECT log_partition || ' ' || change || ' ' || coalesce(records, 0)
				FROM log_partitions_cover($1, now(), now() + interval '8 months') WHERE change = 'moved'`, log)
			if err != nil {
				return err
			}
			m, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			moved = append(moved, m...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"audit_log_later moved 1", "cpr_access_log_later moved 2", "cpr_access_log_cprs_later moved 2"}
	if !slices.Equal(moved, want) {
		t.Errorf("moved %q, want %q", moved, want)
	}
	var where string
	err = db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		if _, err := tx.IndexCPRAccess(ctx); err != nil {
			return err
		}
		return tx.ToolTx().QueryRow(ctx, `SELECT string_agg(DISTINCT tableoid::regclass::text, ' ') FROM cpr_access_log WHERE id = $1`,
			ids[0]).Scan(&where)
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("cpr_access_log_%04d_%02d", ahead.Year(), ahead.Month()); where != want {
		t.Errorf("record %d is in %q, want %s", ids[0], where, want)
	}
	if s := readLogState(t, db); len(s.accessIDs) != 2 || s.index != 3 || s.orphans != 0 {
		t.Errorf("after the move and the index job: %+v, want 2 records with 3 index rows", s)
	}
}

// TestLogPartitionsOnlyThroughTheirLog: the application's role reaches a log only through its
// table (grants and policies of 00002, 00011): it cannot name a partition, cannot call the
// owner's partition functions, and the one function it may call refuses to keep the logs
// shorter than 12 months, leaving them as they were. Every partition has forced row-level
// security and no grant to the role.
func TestLogPartitionsOnlyThroughTheirLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner := retentionDB(t)
	logRecords(t, db, time.Now().AddDate(-2, 0, 0))
	before := readLogState(t, db)
	var bad []string
	rows, err := owner.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relispartition AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity
			OR has_table_privilege('indberet_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'))`)
	if err != nil {
		t.Fatal(err)
	}
	if bad, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(bad) != 0 {
		t.Errorf("partitions without forced row-level security or with grants to the app role: %v %v", bad, err)
	}
	month := time.Now().UTC().AddDate(-2, 0, 0)
	partition := fmt.Sprintf("cpr_access_log_%04d_%02d", month.Year(), month.Month())
	for _, sql := range []string{
		`SELECT count(*) FROM ` + partition,
		`DELETE FROM ` + partition,
		`DROP TABLE ` + partition,
		`SELECT log_partition_create('cpr_access_log', '1900-01-01', '1900-02-01')`,
		`SELECT log_partitions_cover('audit_log', now(), now() + interval '100 years')`,
		`SELECT log_table_rebuild('audit_log', false, 'id')`,
	} {
		err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
			_, err := tx.ToolTx().Exec(ctx, sql)
			return err
		})
		if !isDenied(err) && !isCode(err, "42501") {
			t.Errorf("%s as the app role: err = %v, want permission denied", sql, err)
		}
	}
	for _, keep := range []int{11, 0, -1} {
		err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
			_, err := tx.KeepLog(ctx, "cpr_access_log", keep)
			return err
		})
		if !isCode(err, "22023") {
			t.Errorf("KeepLog of %d months: err = %v, want invalid_parameter_value", keep, err)
		}
	}
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		_, err := tx.KeepLog(ctx, "sager", 60)
		return err
	})
	if !isCode(err, "22023") {
		t.Errorf("KeepLog of sager: err = %v, want invalid_parameter_value", err)
	}
	if after := readLogState(t, db); !slices.Equal(after.accessIDs, before.accessIDs) || after.audits != before.audits {
		t.Errorf("after the refused calls: %+v, want %+v", after, before)
	}
}

// isCode tells whether err is PostgreSQL's error of SQLSTATE code.
func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}
