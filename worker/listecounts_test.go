package worker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/tenanttest"
)

// TestListCountsJobCompactsEveryKommune: after many single registrations in two kommuner the
// job leaves one kept-count row per list and latest Slutdato in each, and every list's count
// is what it was (S8, 00015).
func TestListCountsJobCompactsEveryKommune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	type state struct {
		rows       int
		egne, alle int
	}
	read := func(k string) (s state) {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			n, err := tx.ListCounts(ctx)
			s.egne, s.alle = n.Egne, n.Alle
			if err != nil {
				return err
			}
			return tx.PgxTx().QueryRow(ctx, `SELECT count(*) FROM liste_taelling`).Scan(&s.rows)
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, k := range []string{"101", "751"} {
		for i := range 30 {
			err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
				id, err := tx.InsertSag(ctx, tenant.Sag{CPR: fmt.Sprintf("0101800%03d", i), Navn: "N", Kilde: "egne"})
				if err != nil || i%3 != 0 {
					return err
				}
				_, err = tx.PgxTx().Exec(ctx, `UPDATE sager SET indberettet_at = now() WHERE id = $1`, id)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	before := map[string]state{"101": read("101"), "751": read("751")}
	for k, s := range before {
		if s.rows < 30 || s.egne != 30 || s.alle != 10 {
			t.Fatalf("%s before: %+v, want 30 egne, 10 delivered in 30 delta rows or more", k, s)
		}
	}
	w := &ListCountsWorker{deps: Deps{DB: db, Accounts: accounts.NewStore(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
	if err := w.Work(ctx, &river.Job[ListCountsArgs]{JobRow: &rivertype.JobRow{ID: 1}}); err != nil {
		t.Fatal(err)
	}
	for k, b := range before {
		// One row for Egne IDEP and one for All, both of open sager (no Slutdato).
		if got := read(k); got != (state{rows: 2, egne: b.egne, alle: b.alle}) {
			t.Errorf("%s after: %+v, want 2 rows and the counts of before %+v", k, got, b)
		}
	}
}
