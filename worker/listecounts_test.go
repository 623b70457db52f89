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
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
)

// TestListCountsJobCompactsEveryKommune: after many single registrations in two kommuner the
// job leaves one kept-count row per list, CPR prefix (or none) and latest Slutdato in each,
// and every list's count, with and without a CPR prefix, is what it was (S8, 00015, 00021).
func TestListCountsJobCompactsEveryKommune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	type state struct {
		rows       int
		egne, alle int
		byPrefix   string // each list's count of the prefixes below
	}
	today := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	read := func(k string) (s state) {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			n, err := tx.ListCounts(ctx)
			s.egne, s.alle = n.Egne, n.Alle
			if err != nil {
				return err
			}
			for _, l := range []tenant.Liste{tenant.ListeEgne, tenant.ListeAlle} {
				for _, prefix := range []string{"0", "01", "010", "02", "020", "011"} {
					page, err := tx.List(ctx, tenant.ListQuery{Liste: l, Visning: tenant.VisningKunSager, CPRPrefix: prefix, Limit: 1, Today: today})
					if err != nil {
						return err
					}
					s.byPrefix += fmt.Sprintf(" %s %s: %d", l, prefix, page.Total)
				}
			}
			return tx.ToolTx().QueryRow(ctx, `SELECT (SELECT count(*) FROM liste_taelling) + (SELECT count(*) FROM liste_taelling_cpr)`).Scan(&s.rows)
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, k := range []string{"101", "751"} {
		for i := range 30 {
			err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
				// Two CPR prefixes: 010 (i even) and 020.
				id, err := tx.InsertSag(ctx, domain.Sag{CPR: fmt.Sprintf("%02d01800%03d", 1+i%2, i), Navn: "N", Kilde: "egne"})
				if err != nil || i%3 != 0 {
					return err
				}
				_, err = tx.ToolTx().Exec(ctx, `UPDATE sager SET indberettet_at = now() WHERE id = $1`, id)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	before := map[string]state{"101": read("101"), "751": read("751")}
	const byPrefix = " egne 0: 30 egne 01: 15 egne 010: 15 egne 02: 15 egne 020: 15 egne 011: 0" +
		" alle 0: 10 alle 01: 5 alle 010: 5 alle 02: 5 alle 020: 5 alle 011: 0"
	for k, s := range before {
		if s.rows < 60 || s.egne != 30 || s.alle != 10 || s.byPrefix != byPrefix {
			t.Fatalf("%s before: %+v, want 30 egne, 10 delivered in 60 delta rows or more, by prefix%s", k, s, byPrefix)
		}
	}
	w := &ListCountsWorker{deps: Deps{DB: db, Accounts: accounts.NewStore(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		now: func() time.Time { return today }}
	if err := w.Work(ctx, &river.Job[ListCountsArgs]{JobRow: &rivertype.JobRow{ID: 1}}); err != nil {
		t.Fatal(err)
	}
	for k, b := range before {
		// Three rows for Egne IDEP and three for All (the whole list in liste_taelling,
		// prefixes 010 and 020 in liste_taelling_cpr), all of open sager (no Slutdato).
		if got := read(k); got != (state{rows: 6, egne: b.egne, alle: b.alle, byPrefix: b.byPrefix}) {
			t.Errorf("%s after: %+v, want 6 rows and the counts of before %+v", k, got, b)
		}
	}
}
