package tenant_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// TestLogPlans checks the plans of the page queries of the audit log and CPR access log
// viewers on a million audit records and 300,000 CPR access records of 1.2 million CPR
// numbers, in ten kommuner: every page is a range of an index of 00011 — for one kommune
// (a kommune administrator) and across every kommune (DST), unfiltered and filtered by
// user, action, thing, sag, CPR number and time, first page and next — never a scan of the
// logs, in the custom plan and in the generic plan a prepared statement falls back to. Under
// row-level security only leakproof conditions can use an index (see 00011).
func TestLogPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a million audit records")
	}
	t.Parallel()
	db, owner := tenanttest.DB(t)
	ctx := context.Background()
	in := func(kommune string) func(func(pgx.Tx) error) {
		return func(fn func(tx pgx.Tx) error) {
			t.Helper()
			err := pgx.BeginFunc(ctx, db.ToolPool(), func(tx pgx.Tx) error {
				alle := ""
				if kommune == "" {
					alle = "read"
				}
				if _, err := tx.Exec(ctx, "SELECT set_config('indberet.kommune', $1, true), set_config('indberet.alle', $2, true)",
					kommune, alle); err != nil {
					return err
				}
				return fn(tx)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	// Partitions for every month of the generated records (00024), which are older than the
	// database: 2025-10 to this month.
	opool := tenanttest.Owner(t, owner)
	tenanttest.LogMonths(t, opool, time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC))
	start := time.Now()
	in("")(func(tx pgx.Tx) error {
		// Ten kommuner and now and then the platform's '000'; 3,000 users; ten actions; a sag's
		// records name its CPR number, a ydelse's its sag.
		_, err := tx.Exec(ctx, `
			INSERT INTO audit_log (kommune_kode, at, user_email, ip, action, entity, entity_id, before, after)
			SELECT k, timestamptz '2026-01-01 12:00+01' - g * interval '7 seconds', 'bruger' || (g % 3000) || '@kommune.invalid',
				'10.0.0.1', act, split_part(act, '.', 1), CASE WHEN act LIKE 'ydelse.%' THEN g ELSE g / 3 END::text,
				CASE WHEN act IN ('sag.update', 'ydelse.update') THEN j END,
				CASE WHEN act IN ('sag.create', 'sag.update', 'ydelse.create', 'ydelse.update') THEN j END
			FROM generate_series(1, 1000000) g,
				LATERAL (SELECT CASE WHEN g % 97 = 0 THEN '000'
					ELSE ($1::text[])[1 + g % 10] END AS k,
					(ARRAY['sag.create', 'sag.update', 'ydelse.create', 'ydelse.update', 'kontaktperson.save', 'user.roles',
						'sag.update', 'ydelse.update', 'leverance.create', 'ydelse.create'])[1 + (g / 7) % 10] AS act) a,
				LATERAL (SELECT jsonb_build_object('ID', g / 3, 'SagID', g / 3,
					'CPR', lpad(((g / 3)::bigint * 7919 % 9999999999)::text, 10, '0')) AS j) b`, logPlanKommuner)
		if err != nil {
			return err
		}
		t.Logf("audit_log in %s", time.Since(start).Round(time.Millisecond))
		_, err = tx.Exec(ctx, `
			INSERT INTO cpr_access_log (kommune_kode, at, user_email, ip, action, cprs, detail)
			SELECT ($1::text[])[1 + g % 10],
				timestamptz '2026-01-01 12:00+01' - g * interval '20 seconds', 'bruger' || (g % 3000) || '@kommune.invalid',
				'10.0.0.1', 'list', ARRAY(SELECT lpad((((g + i) % 50000)::bigint * 7919 % 9999999999)::text, 10, '0')
					FROM generate_series(0, 3) i), 'liste=egne'
			FROM generate_series(1, 300000) g`, logPlanKommuner)
		return err
	})
	// Sager for the CPR filter's look-up in sager: 5,000 per kommune, the generated CPR
	// numbers among them, each with a ydelse, most delivered (DST's look-up whether a
	// record's sag or ydelse is delivered). An empty table would be scanned (the cheapest plan there); what the
	// test must catch is a scan of a kommune's real sager and ydelser.
	for _, k := range logPlanKommuner {
		in(k)(func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO sager (kommune_kode, cpr, navn, indberettet_at)
				SELECT $1, lpad((g::bigint * 7919 % 9999999999)::text, 10, '0'), 'Navn ' || g,
					CASE WHEN g % 10 <> 0 THEN now() END
				FROM generate_series(1, 5000) g`, k)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO ydelser (kommune_kode, sag_id, indsatskode, startdato, betalingskommune, indberettet_at)
				SELECT $1, id, '1.3', date '2024-03-01', $1, indberettet_at FROM sager WHERE kommune_kode = $1`, k)
			return err
		})
	}
	// The job's index rows of those records (IndexCPRAccess), and then a few records that
	// still wait for theirs, as the log is between two runs of the job.
	for _, k := range logPlanKommuner {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			if _, err := tx.IndexCPRAccess(ctx); err != nil {
				return err
			}
			return tx.LogCPRAccess(ctx, "list", []string{"0000079190", "0000158380"}, "liste=egne")
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := opool.Exec(ctx, "ANALYZE audit_log, cpr_access_log, cpr_access_log_cprs, cpr_access_log_nye, sager, ydelser"); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated the logs in %s", time.Since(start).Round(time.Millisecond))
	// The partitions of more than 10 pages (80 kB): the months of the generated records. A
	// month of a few records or none is read whole for the cost of an index probe or two.
	rows, err := opool.Query(ctx, `SELECT relname FROM pg_class WHERE relispartition AND relpages > 10`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	populated := map[string]bool{}
	for _, n := range names {
		populated[n] = true
	}

	const cpr = "0000079190" // lpad(10 * 7919): a sag of the generated records
	day := func(d int) time.Time { return time.Date(2025, 12, d, 0, 0, 0, 0, time.UTC) }
	// A cursor in the middle of the log: the next page is the same range further on.
	var next string
	err = db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		p, err := tx.AuditLog(ctx, tenant.AuditQuery{Limit: 3})
		next = p.Next
		return err
	})
	if err != nil || next == "" {
		t.Fatalf("first page: %v, next %q", err, next)
	}
	audits := []struct {
		name string
		q    tenant.AuditQuery
	}{
		{"newest", tenant.AuditQuery{}},
		{"next page", tenant.AuditQuery{After: next}},
		{"user", tenant.AuditQuery{UserEmail: "bruger17@kommune.invalid"}},
		{"user next page", tenant.AuditQuery{UserEmail: "bruger17@kommune.invalid", After: next}},
		{"action", tenant.AuditQuery{Action: "kontaktperson.save"}},
		{"action and days", tenant.AuditQuery{Action: "sag.update", From: day(1), To: day(3)}},
		{"days", tenant.AuditQuery{From: day(1), To: day(3), After: next}},
		{"sag", tenant.AuditQuery{Entity: "sag", EntityID: "40"}},
		{"user id", tenant.AuditQuery{Entity: "user", EntityID: "40"}},
		{"cpr", tenant.AuditQuery{CPR: cpr}},
	}
	for _, kommune := range []string{"101", ""} {
		for _, c := range audits {
			// The reader of the scope who may read sager (issue 14 #3): in a kommune every
			// record's state, across every kommune (DST) a look-up per sag or ydelse record
			// whether it is delivered.
			c.q.Indsigt = tenant.IndsigtFor(tenant.Scope{Kommune: kommune, AllKommuner: kommune == ""}, true)
			stmt, args, err := tenant.AuditStatement(kommune, c.q)
			if err != nil {
				t.Fatal(err)
			}
			checkLogPlan(t, "audit "+kommune+" "+c.name, in(kommune), stmt, args, populated, "audit_log", "sager", "ydelser")
		}
	}
	cprs := []struct {
		name string
		q    tenant.CPRAccessQuery
	}{
		{"newest", tenant.CPRAccessQuery{}},
		{"next page", tenant.CPRAccessQuery{After: next}},
		{"user", tenant.CPRAccessQuery{UserEmail: "bruger17@kommune.invalid", From: day(1)}},
		{"cpr", tenant.CPRAccessQuery{CPR: cpr}},
		{"cpr next page", tenant.CPRAccessQuery{CPR: cpr, After: next, To: day(20)}},
		{"cpr and user", tenant.CPRAccessQuery{CPR: cpr, UserEmail: "bruger17@kommune.invalid"}},
	}
	for _, kommune := range []string{"101", ""} {
		for _, c := range cprs {
			c.q.Indsigt = tenant.IndsigtFor(tenant.Scope{Kommune: kommune, AllKommuner: kommune == ""}, true)
			stmt, args, err := tenant.CPRAccessStatement(kommune, c.q)
			if err != nil {
				t.Fatal(err)
			}
			checkLogPlan(t, "cpr access "+kommune+" "+c.name, in(kommune), stmt, args, populated, "cpr_access_log", "cpr_access_log_cprs", "sager")
		}
	}
}

// logPartitionRE is the end of the name of a log's partition (00024).
var logPartitionRE = regexp.MustCompile(`_([0-9]{4}_[0-9]{2}|earlier|later)$`)

// logPlanKommuner are the kommuner of the generated logs.
var logPlanKommuner = []string{"101", "147", "751", "461", "851", "561", "621", "330", "657", "840"}

// checkLogPlan fails the test when a plan of stmt scans one of tables, or a partition of one
// of more than a few pages (populated, 00024), sequentially or uses no index at all.
func checkLogPlan(t *testing.T, name string, in func(func(pgx.Tx) error), stmt string, args []any, populated map[string]bool,
	tables ...string) {
	t.Helper()
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		plan := explain(t, in, mode, stmt, args)
		bad := !strings.Contains(plan, "Index")
		for _, line := range strings.Split(plan, "\n") {
			_, after, ok := strings.Cut(line, "Seq Scan on ")
			if !ok {
				continue
			}
			scanned := strings.Fields(after)[0]
			if slices.Contains(tables, scanned) ||
				populated[scanned] && slices.Contains(tables, logPartitionRE.ReplaceAllString(scanned, "")) {
				bad = true
			}
		}
		if bad {
			t.Errorf("%s (%s): plan\n%s", name, mode, plan)
		}
	}
}
