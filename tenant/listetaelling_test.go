package tenant_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"indberet/tenant/domain"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// TestKeptListCounts checks the kept counts of 00015 and 00021 (S6, S8, S9) against counting
// the sager themselves, after each of a few hundred random changes of every kind the
// triggers see — new sager of both kilder, ydelser with and without Slutdato, Slutdatoer
// changed and cleared, ydelser and sager deleted, many sager delivered in one statement, CPR
// numbers moved to another prefix — and after compactions, for every list, view and filter,
// without a CPR prefix and with every prefix of 1–3 digits of the sager (and some of none),
// on days before, on and after the Slutdatoer.
func TestKeptListCounts(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(1, 2))
	base := date(2025, 6, 1)
	day := func() time.Time { return base.AddDate(0, 0, rnd.IntN(60)-40) }
	todays := []time.Time{base.AddDate(0, 0, -30), base.AddDate(0, 0, -29), base.AddDate(0, 0, -5), base, base.AddDate(0, 0, 1), base.AddDate(0, 0, 30)}
	var sager []int64
	var ydelser []int64
	nextCPR := 100
	// The CPR numbers' first three digits: some share their first one or two digits.
	starts := []string{"010", "011", "012", "020", "101", "310"}
	cpr := func() string { nextCPR++; return fmt.Sprintf("%s%07d", starts[rnd.IntN(len(starts))], nextCPR) }
	// Every prefix of 1–3 digits of starts, and some that match no sag.
	prefixes := []string{"", "4", "03", "013", "0100"}
	for _, s := range starts {
		for n := 1; n <= 3; n++ {
			if !slices.Contains(prefixes, s[:n]) {
				prefixes = append(prefixes, s[:n])
			}
		}
	}

	check := func(tx *tenant.Tx, step string) {
		t.Helper()
		// Each count as List runs it (tenant.ListStatements) beside the count of the sager
		// themselves, all in one batch (some 1,500 statements a step).
		type count struct {
			q         tenant.ListQuery
			kept, got int
		}
		var counts []*count
		batch := &pgx.Batch{}
		for _, today := range todays {
			for _, q := range tenanttest.KeptLists {
				for _, f := range []tenant.Filter{tenant.FilterAlle, tenant.FilterAfsluttede, tenant.FilterIkkeAfsluttede} {
					for _, prefix := range prefixes {
						q.Filter, q.Today, q.CPRPrefix = f, today, prefix
						stmt, args, _, _, err := tenant.ListStatements("751", q)
						if err != nil {
							t.Fatal(err)
						}
						if kept := strings.Contains(stmt, "liste_taelling"); kept != (len(prefix) <= 3) {
							t.Fatalf("%+v: count from the kept counts %v: %s", q, kept, stmt)
						}
						c := &count{q: q}
						counts = append(counts, c)
						batch.Queue(stmt, args...).QueryRow(func(r pgx.Row) error { return r.Scan(&c.kept) })
						batch.Queue(tenanttest.CountedSQL(q), "751", today, prefix).QueryRow(func(r pgx.Row) error { return r.Scan(&c.got) })
					}
				}
			}
		}
		if err := tx.ToolTx().SendBatch(ctx, batch).Close(); err != nil {
			t.Fatal(err)
		}
		for _, c := range counts {
			if c.kept != c.got {
				t.Fatalf("after %s: %s %s %s prefix %q on %s: kept count %d, counted %d", step, c.q.Liste, c.q.Visning,
					c.q.Filter, c.q.CPRPrefix, c.q.Today.Format(time.DateOnly), c.kept, c.got)
			}
		}
		// List reports that count as the total.
		c := counts[rnd.IntN(len(counts))]
		c.q.Limit = 1
		if page, err := tx.List(ctx, c.q); err != nil || page.Total != c.got {
			t.Fatalf("after %s: List %+v: total %d (%v), counted %d", step, c.q, page.Total, err, c.got)
		}
		n, err := tx.ListCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var egne, alle int
		if err := tx.ToolTx().QueryRow(ctx, `SELECT count(*) FILTER (WHERE kilde = 'egne'),
			count(*) FILTER (WHERE indberettet_at IS NOT NULL) FROM sager WHERE kommune_kode = '751'`).Scan(&egne, &alle); err != nil {
			t.Fatal(err)
		}
		if n.Egne != egne || n.Alle != alle {
			t.Fatalf("after %s: ListCounts %+v, counted egne %d alle %d", step, n, egne, alle)
		}
	}

	for i := range 300 {
		err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) error {
			exec := func(sql string, args ...any) {
				if _, err := tx.ToolTx().Exec(ctx, sql, args...); err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
			}
			var step string
			switch op := rnd.IntN(11); {
			case op < 3 || len(sager) == 0:
				kilde := []string{"egne", "egne", "system"}[rnd.IntN(3)]
				id, err := tx.InsertSag(ctx, domain.Sag{CPR: cpr(), Navn: "N", Kilde: kilde})
				if err != nil {
					return err
				}
				sager = append(sager, id)
				step = "a new sag (" + kilde + ")"
			case op < 6:
				var slut *time.Time
				if rnd.IntN(2) == 0 {
					s := day()
					slut = &s
				}
				y := newYdelse(sager[rnd.IntN(len(sager))], base.AddDate(-1, 0, 0), slut)
				id, err := tx.InsertYdelse(ctx, y)
				if err != nil {
					return err
				}
				ydelser = append(ydelser, id)
				step = "a new ydelse"
			case op == 6 && len(ydelser) > 0:
				var slut any
				if rnd.IntN(3) > 0 {
					slut = day()
				}
				exec(`UPDATE ydelser SET slutdato = $1 WHERE id = $2`, slut, ydelser[rnd.IntN(len(ydelser))])
				step = "a Slutdato changed"
			case op == 7 && len(ydelser) > 0:
				j := rnd.IntN(len(ydelser))
				exec(`DELETE FROM ydelse_maalgrupper WHERE ydelse_id = $1`, ydelser[j])
				exec(`DELETE FROM ydelser WHERE id = $1`, ydelser[j])
				ydelser = append(ydelser[:j], ydelser[j+1:]...)
				step = "a ydelse deleted"
			case op == 8:
				j := rnd.IntN(len(sager))
				exec(`DELETE FROM ydelse_maalgrupper WHERE ydelse_id IN (SELECT id FROM ydelser WHERE sag_id = $1)`, sager[j])
				exec(`DELETE FROM ydelser WHERE sag_id = $1`, sager[j])
				exec(`DELETE FROM sager WHERE id = $1`, sager[j])
				sager = append(sager[:j], sager[j+1:]...)
				if err := tx.ToolTx().QueryRow(ctx, `SELECT array_agg(id) FROM ydelser WHERE kommune_kode = '751'`).Scan(&ydelser); err != nil {
					return err
				}
				step = "a sag deleted"
			case op == 9:
				// The application never changes a CPR number, but the table allows it. The
				// last seven digits are unique among the sager (nextCPR), so the new numbers
				// are too; some sager keep their prefix, and some are also delivered.
				exec(`UPDATE sager SET cpr = $1 || substr(cpr, 4),
						indberettet_at = CASE WHEN $3 AND indberettet_at IS NULL THEN now() ELSE indberettet_at END
					WHERE kommune_kode = '751' AND id % $2 = 0`, starts[rnd.IntN(len(starts))], 2+rnd.IntN(5), rnd.IntN(2) == 0)
				step = "CPR numbers moved to another prefix in one statement"
			default:
				exec(`UPDATE sager SET indberettet_at = CASE WHEN indberettet_at IS NULL THEN now() END
					WHERE kommune_kode = '751' AND id % $1 = 0`, 2+rnd.IntN(3))
				step = "sager delivered and undelivered in one statement"
			}
			if i%50 == 49 {
				// The cut-off is weeks before the compaction's today: here the earliest today checked.
				before, after, err := tx.CompactListCounts(ctx, todays[0].AddDate(0, 0, 28))
				if err != nil {
					return err
				}
				// At most a row per list, prefix (or none) and latest Slutdato: 60 days, none, and
				// the row of every date before the cut-off.
				if after > before || after > int64(2*(60+2)*(1+len(starts))) {
					t.Errorf("compaction: %d rows to %d", before, after)
				}
				step += ", compacted"
			}
			check(tx, step)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestCompactListCountsOnlyOwnKommune: the compaction of one kommune leaves another's kept
// counts alone (T1).
func TestCompactListCountsOnlyOwnKommune(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	rows := func(k string) (n int) {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			return tx.ToolTx().QueryRow(ctx, `SELECT (SELECT count(*) FROM liste_taelling) + (SELECT count(*) FROM liste_taelling_cpr)`).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, k := range []string{"101", "147"} {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			for _, cpr := range []string{"0101801234", "0101811234"} {
				if _, err := tx.InsertSag(ctx, domain.Sag{CPR: cpr, Navn: "N", Kilde: "egne"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	before := rows("147")
	if before != 4 {
		t.Fatalf("147's kept counts: %d rows, want two delta rows per new sag (the whole list's, the CPR prefix's)", before)
	}
	err := db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		_, _, err := tx.CompactListCounts(ctx, time.Now().AddDate(0, -1, 0))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := rows("147"); after != before {
		t.Errorf("147's kept counts: %d rows before 101's compaction, %d after", before, after)
	}
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		_, _, err := tx.CompactListCounts(ctx, time.Now())
		return err
	})
	if err != tenant.ErrNoScope {
		t.Errorf("compaction in the read-all scope: %v, want ErrNoScope", err)
	}
}

// TestCompactListCountsLeavesCompactKeys: a compaction rewrites only the keys that need it; a
// second one with nothing new deletes and inserts nothing (the rows keep their ids), and after
// one more sag only that sag's key gets a new row.
func TestCompactListCountsLeavesCompactKeys(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	// ids are the rows' ids: ":<id>" for each of liste_taelling, then "<prefix>:<id>" for each
	// of liste_taelling_cpr.
	ids := func() (out []string) {
		err := db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
			rows, err := tx.ToolTx().Query(ctx, `SELECT x FROM (
				SELECT 1 AS t, ':' || id AS x FROM liste_taelling UNION ALL SELECT 2, cpr3 || ':' || id FROM liste_taelling_cpr) r
				ORDER BY t, x`)
			if err != nil {
				return err
			}
			out, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	in147 := func(fn func(tx *tenant.Tx) error) {
		t.Helper()
		if err := db.InScope(ctx, tenant.Scope{Kommune: "147"}, fn); err != nil {
			t.Fatal(err)
		}
	}
	compact := func() (before, after int64) {
		t.Helper()
		in147(func(tx *tenant.Tx) error {
			var err error
			before, after, err = tx.CompactListCounts(ctx, today)
			return err
		})
		return before, after
	}
	in147(func(tx *tenant.Tx) error {
		for _, cpr := range []string{"0101801234", "0101811234", "0101821234"} {
			if _, err := tx.InsertSag(ctx, domain.Sag{CPR: cpr, Navn: "N", Kilde: "egne"}); err != nil {
				return err
			}
		}
		return nil
	})
	if b, a := compact(); b != 6 || a != 2 {
		t.Fatalf("first compaction: %d rows to %d, want 6 to 2 (egne, no Slutdato: the whole list's and prefix 010's)", b, a)
	}
	first := ids()
	if b, a := compact(); b != 2 || a != 2 || !slices.Equal(ids(), first) {
		t.Errorf("second compaction: %d rows to %d, ids %v then %v; want the rows left as they were", b, a, first, ids())
	}
	in147(func(tx *tenant.Tx) error {
		_, err := tx.InsertSag(ctx, domain.Sag{CPR: "2101831234", Navn: "N", Kilde: "egne"})
		return err
	})
	// first is [":<id of the list's row>", "010:<id>"].
	if b, a := compact(); b != 4 || a != 3 || slices.Contains(ids(), first[0]) || !slices.Contains(ids(), first[1]) {
		t.Errorf("after one more sag: %d rows to %d, ids %v (before %v); want 4 to 3: the list's rows in a new one, "+
			"prefix 010's left as it was, prefix 210's own", b, a, ids(), first)
	}
	in147(func(tx *tenant.Tx) error {
		n, err := tx.ListCounts(ctx)
		if err == nil && n.Egne != 4 {
			t.Errorf("Egne IDEP counts %d sager after the compactions, want 4", n.Egne)
		}
		for prefix, want := range map[string]int{"": 4, "0": 3, "01": 3, "010": 3, "2": 1, "210": 1, "21": 1, "1": 0, "211": 0} {
			page, err := tx.List(ctx, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, CPRPrefix: prefix, Today: today})
			if err != nil {
				return err
			}
			if page.Total != want {
				t.Errorf("prefix %q: %d sager after the compactions, want %d", prefix, page.Total, want)
			}
		}
		return err
	})
}
