package worker

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// TestLogRetentionJob: issue 14 #13. The daily job keeps the logs for LOG_RETENTION (5 years
// when unset): a record of six years ago goes with its month, one of four years ago stays
// until the period is 3 years (which the database refuses until its owner lowers the floor of
// 00025); each change is in the audit log by the job's actor and in the
// worker's log. While a long transaction writes to a log, the job gives up after the lock
// timeout without changing anything (River runs it again later), and succeeds once it ends.
func TestLogRetentionJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ownerURL := tenanttest.DB(t)
	owner := tenanttest.Owner(t, ownerURL)
	tenanttest.LogMonths(t, owner, time.Now().AddDate(-7, 0, 0))
	now := time.Now()
	err := db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		for _, at := range []time.Time{now.AddDate(-6, 0, 0), now.AddDate(-4, 0, 0)} {
			if _, err := tx.ToolTx().Exec(ctx, `INSERT INTO cpr_access_log (kommune_kode, at, action, cprs)
				VALUES ('101', $1, 'view', ARRAY['0101801234'])`, at); err != nil {
				return err
			}
		}
		_, err := tx.IndexCPRAccess(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	records := func() (access, retentionAudits int) {
		t.Helper()
		err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
			return tx.ToolTx().QueryRow(ctx, `SELECT (SELECT count(*) FROM cpr_access_log WHERE kommune_kode = '101'),
				(SELECT count(*) FROM audit_log WHERE action = 'log.retention' AND user_email = $1)`, RetentionActor).Scan(&access, &retentionAudits)
		})
		if err != nil {
			t.Fatal(err)
		}
		return access, retentionAudits
	}
	var logged bytes.Buffer
	work := func(keepMonths int) error {
		w := &LogRetentionWorker{deps: Deps{DB: db, Logger: slog.New(slog.NewTextHandler(&logged, nil)), LogRetentionMonths: keepMonths}}
		return w.Work(ctx, &river.Job[LogRetentionArgs]{JobRow: &rivertype.JobRow{ID: 1}})
	}

	// A transaction that wrote to the audit log and has not ended: no lock for the job.
	tx, err := db.ToolPool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('indberet.kommune', '101', true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (kommune_kode, action) VALUES ('101', 'test')`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = work(0)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "55P03" || time.Since(start) > 20*time.Second {
		t.Errorf("job beside a writing transaction: err = %v after %s, want a lock timeout", err, time.Since(start))
	}
	if a, r := records(); a != 2 || r != 0 {
		t.Errorf("after the failed job: %d records, %d audit records of the job; want 2 and 0", a, r)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	if err := work(0); err != nil {
		t.Fatal(err)
	}
	if a, r := records(); a != 1 || r != 3 {
		t.Errorf("after keeping 5 years: %d records, %d audit records of the job; want 1 and one per log", a, r)
	}
	if !strings.Contains(logged.String(), "log partition dropped") || !strings.Contains(logged.String(), "keep_months=60") {
		t.Errorf("worker log:\n%s", logged.String())
	}
	// 3 years is below the database's floor until its owner moves it (00025).
	if err := work(36); err == nil {
		t.Fatal("keeping 3 years under the floor of 5: no error")
	}
	if _, err := owner.Exec(ctx, `UPDATE log_retention_floor SET months = 36`); err != nil {
		t.Fatal(err)
	}
	if err := work(36); err != nil {
		t.Fatal(err)
	}
	if a, _ := records(); a != 0 {
		t.Errorf("after keeping 3 years: %d records, want 0", a)
	}
}
