package worker

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/tenanttest"
)

// TestCPRIndexJobIndexesEveryKommune: the job writes the index rows of the CPR access records
// of every kommune and of the platform (DST's own look-ups), and leaves nothing waiting
// (00019); a record without CPR numbers never waits.
func TestCPRIndexJobIndexesEveryKommune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	logs := []struct {
		scope tenant.Scope
		cprs  []string
	}{
		{tenant.Scope{Kommune: "101"}, []string{"0101801234", "0202802345"}},
		{tenant.Scope{Kommune: "751"}, []string{"0101801234"}},
		{tenant.Scope{AllKommuner: true}, []string{"0303803456"}}, // DST: under the platform
		{tenant.Scope{Kommune: "751"}, nil},
	}
	for _, l := range logs {
		if err := db.InScope(ctx, l.scope, func(tx *tenant.Tx) error { return tx.LogCPRAccess(ctx, "view", l.cprs, "") }); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (waiting, rows int) {
		err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
			return tx.ToolTx().QueryRow(ctx, `SELECT (SELECT count(*) FROM cpr_access_log_nye),
				(SELECT count(*) FROM cpr_access_log_cprs)`).Scan(&waiting, &rows)
		})
		if err != nil {
			t.Fatal(err)
		}
		return waiting, rows
	}
	if w, r := count(); w != 3 || r != 0 {
		t.Fatalf("before the job: %d records waiting, %d index rows; want 3 and 0", w, r)
	}
	w := &CPRIndexWorker{deps: Deps{DB: db, Accounts: accounts.NewStore(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	if err := w.Work(ctx, &river.Job[CPRIndexArgs]{JobRow: &rivertype.JobRow{ID: 1}}); err != nil {
		t.Fatal(err)
	}
	if w, r := count(); w != 0 || r != 4 {
		t.Errorf("after the job: %d records waiting, %d index rows; want 0 and 4", w, r)
	}
}
