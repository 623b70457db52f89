package tenant_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"indberet/tenant/domain"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// aarhus has no demo sager: the list tests build their own known data there.
var aarhus = tenant.Scope{Kommune: "751", Actor: tenant.Actor{Email: "test"}}

// listToday is the injected today of the list tests (S6 is relative to it).
var listToday = date(2025, 6, 15)

// listFixture holds the ids of the known data of TestListViewsAndFilters.
type listFixture struct {
	sagA, sagB, sagC, sagD int64
	y1, y2, y3, y4, y5, y6 int64
}

// newYdelse is a ydelse of sag in Aarhus that follows Y1–Y3.
func newYdelse(sag int64, start time.Time, slut *time.Time) domain.Ydelse {
	return domain.Ydelse{SagID: sag, Indsatskode: "1.3", Startdato: start, Slutdato: slut, Betalingskommune: "751",
		Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "1.1.1", Primaer: true}}}
}

// buildListFixture makes, in 751, relative to listToday:
//
//	A 0502801234 egne, delivered; y2 2023-01-01–2024-05-01, y1 2024-01-01– open (delivered) → ikke afsluttet
//	B 0502811234 egne; y3 ends 2025-06-14, the day before today → afsluttet
//	C 2007901234 egne; y4 ends 2025-06-15, today → ikke afsluttet (S6: before today)
//	D 3112851234 system, delivered; y5 delivered, y6 not → in All only
func buildListFixture(t *testing.T, db *tenant.DB) listFixture {
	t.Helper()
	ctx := context.Background()
	var f listFixture
	err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) error {
		sag := func(cpr, kilde string) int64 {
			id, err := tx.InsertSag(ctx, domain.Sag{CPR: cpr, Navn: "Navn " + cpr[:4], Kilde: kilde})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		ydelse := func(y domain.Ydelse) int64 {
			id, err := tx.InsertYdelse(ctx, y)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		f.sagA, f.sagB, f.sagC, f.sagD = sag("0502801234", "egne"), sag("0502811234", "egne"), sag("2007901234", "egne"), sag("3112851234", "system")
		f.y1 = ydelse(newYdelse(f.sagA, date(2024, 1, 1), nil))
		f.y2 = ydelse(newYdelse(f.sagA, date(2023, 1, 1), ptr(date(2024, 5, 1))))
		f.y3 = ydelse(newYdelse(f.sagB, date(2024, 2, 1), ptr(date(2025, 6, 14))))
		f.y4 = ydelse(newYdelse(f.sagC, date(2024, 3, 1), ptr(date(2025, 6, 15))))
		f.y5 = ydelse(newYdelse(f.sagD, date(2020, 1, 1), nil))
		f.y6 = ydelse(newYdelse(f.sagD, date(2021, 1, 1), nil))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tenanttest.MarkDelivered(t, db, "751", time.Date(2025, 5, 14, 3, 0, 0, 0, time.UTC),
		[]int64{f.sagA, f.sagD}, []int64{f.y1, f.y5})
	return f
}

func list(t *testing.T, db *tenant.DB, s tenant.Scope, q tenant.ListQuery) tenant.ListPage {
	t.Helper()
	if q.Today.IsZero() {
		q.Today = listToday
	}
	var p tenant.ListPage
	err := db.InScope(context.Background(), s, func(tx *tenant.Tx) (err error) { p, err = tx.List(context.Background(), q); return })
	if err != nil {
		t.Fatalf("list %+v: %v", q, err)
	}
	return p
}

// rowKeys names the rows of a page as "sag:<id>" or "ydelse:<id>".
func rowKeys(p tenant.ListPage) []string {
	var ks []string
	for _, r := range p.Rows {
		if r.YdelseID != 0 {
			ks = append(ks, fmt.Sprint("ydelse:", r.YdelseID))
		} else {
			ks = append(ks, fmt.Sprint("sag:", r.SagID))
		}
	}
	return ks
}

func keys(kind string, ids ...int64) []string {
	var ks []string
	for _, id := range ids {
		ks = append(ks, fmt.Sprint(kind, ":", id))
	}
	return ks
}

// TestListViewsAndFilters: every view (S8) of both lists (S9) under every filter (S6), on known
// data.
func TestListViewsAndFilters(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	f := buildListFixture(t, db)
	for _, tc := range []struct {
		liste   tenant.Liste
		visning tenant.Visning
		filter  tenant.Filter
		sag     int64
		want    []string
	}{
		{tenant.ListeEgne, tenant.VisningKunSager, tenant.FilterAlle, 0, keys("sag", f.sagA, f.sagB, f.sagC)},
		{tenant.ListeEgne, tenant.VisningKunSager, "", 0, keys("sag", f.sagA, f.sagB, f.sagC)},
		{tenant.ListeEgne, tenant.VisningKunSager, tenant.FilterAfsluttede, 0, keys("sag", f.sagB)},
		{tenant.ListeEgne, tenant.VisningKunSager, tenant.FilterIkkeAfsluttede, 0, keys("sag", f.sagA, f.sagC)},
		{tenant.ListeEgne, tenant.VisningSagerOgYdelser, tenant.FilterAlle, 0, keys("ydelse", f.y1, f.y2, f.y3, f.y4)},
		{tenant.ListeEgne, tenant.VisningSagerOgYdelser, tenant.FilterAfsluttede, 0, keys("ydelse", f.y3)},
		{tenant.ListeEgne, tenant.VisningSagerOgYdelser, tenant.FilterIkkeAfsluttede, 0, keys("ydelse", f.y1, f.y2, f.y4)},
		{tenant.ListeEgne, tenant.VisningYdelserVedSag, tenant.FilterAlle, f.sagA, keys("ydelse", f.y2, f.y1)},
		{tenant.ListeEgne, tenant.VisningYdelserVedSag, tenant.FilterAfsluttede, f.sagA, nil},
		{tenant.ListeEgne, tenant.VisningYdelserVedSag, tenant.FilterAlle, f.sagD, nil}, // a system sag is not in Egne
		{tenant.ListeEgne, tenant.VisningYdelserVedSag, tenant.FilterAlle, 0, nil},
		{tenant.ListeAlle, tenant.VisningKunSager, tenant.FilterAlle, 0, keys("sag", f.sagA, f.sagD)},
		{tenant.ListeAlle, tenant.VisningKunSager, tenant.FilterAfsluttede, 0, nil},
		{tenant.ListeAlle, tenant.VisningKunSager, tenant.FilterIkkeAfsluttede, 0, keys("sag", f.sagA, f.sagD)},
		{tenant.ListeAlle, tenant.VisningSagerOgYdelser, tenant.FilterAlle, 0, keys("ydelse", f.y1, f.y5)},
		{tenant.ListeAlle, tenant.VisningYdelserVedSag, tenant.FilterAlle, f.sagD, keys("ydelse", f.y5)},
		{tenant.ListeAlle, tenant.VisningYdelserVedSag, tenant.FilterAlle, f.sagB, nil}, // never delivered
	} {
		name := fmt.Sprintf("%s/%s/%s/%d", tc.liste, tc.visning, tc.filter, tc.sag)
		p := list(t, db, aarhus, tenant.ListQuery{Liste: tc.liste, Visning: tc.visning, Filter: tc.filter, SagID: tc.sag})
		if got := rowKeys(p); !slices.Equal(got, tc.want) {
			t.Errorf("%s: rows %v, want %v", name, got, tc.want)
		}
		if p.Total != len(tc.want) || p.Next != "" || p.Offset != 0 {
			t.Errorf("%s: total %d next %q offset %d, want %d, none, 0", name, p.Total, p.Next, p.Offset, len(tc.want))
		}
	}
}

// TestListRowFields checks status (S6), deletability (S7, Y8), Antal ydelser (S8) and the
// ydelse columns.
func TestListRowFields(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	f := buildListFixture(t, db)
	bySag := map[int64]tenant.ListRow{}
	for _, r := range list(t, db, aarhus, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager}).Rows {
		bySag[r.SagID] = r
	}
	for _, tc := range []struct {
		sag                  int64
		antal                int
		afsluttet, deletable bool
		delivered            bool
	}{
		{f.sagA, 2, false, false, true},
		{f.sagB, 1, true, true, false},
		{f.sagC, 1, false, true, false}, // S6: Slutdato today is not before today
	} {
		r := bySag[tc.sag]
		if r.AntalYdelser != tc.antal || r.Afsluttet != tc.afsluttet || r.Deletable != tc.deletable || (r.IndberettetAt != nil) != tc.delivered {
			t.Errorf("sag %s: antal %d afsluttet %v deletable %v indberettet %v; want %d %v %v %v", r.CPR,
				r.AntalYdelser, r.Afsluttet, r.Deletable, r.IndberettetAt, tc.antal, tc.afsluttet, tc.deletable, tc.delivered)
		}
		if r.YdelseID != 0 || r.CPR == "" || !strings.HasPrefix(r.Navn, "Navn ") {
			t.Errorf("sag row %+v", r)
		}
	}
	// The next day C is afsluttet too: the status changes by itself as days pass (S6).
	p := list(t, db, aarhus, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager,
		Filter: tenant.FilterAfsluttede, Today: listToday.AddDate(0, 0, 1)})
	if got := rowKeys(p); !slices.Equal(got, keys("sag", f.sagB, f.sagC)) {
		t.Errorf("afsluttede the day after: %v", got)
	}
	// In All, Antal ydelser counts the delivered ydelser only.
	for _, r := range list(t, db, aarhus, tenant.ListQuery{Liste: tenant.ListeAlle, Visning: tenant.VisningKunSager}).Rows {
		if r.AntalYdelser != 1 || r.Deletable {
			t.Errorf("All, sag %s: antal %d deletable %v; want 1, false", r.CPR, r.AntalYdelser, r.Deletable)
		}
	}
	byYdelse := map[int64]tenant.ListRow{}
	for _, r := range list(t, db, aarhus, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningSagerOgYdelser}).Rows {
		byYdelse[r.YdelseID] = r
	}
	for _, tc := range []struct {
		y                    int64
		afsluttet, deletable bool
	}{{f.y1, false, false}, {f.y2, true, true}, {f.y3, true, true}, {f.y4, false, true}} {
		if r := byYdelse[tc.y]; r.Afsluttet != tc.afsluttet || r.Deletable != tc.deletable {
			t.Errorf("ydelse %d: afsluttet %v deletable %v; want %v %v", tc.y, r.Afsluttet, r.Deletable, tc.afsluttet, tc.deletable)
		}
	}
	y2 := byYdelse[f.y2]
	if y2.SagID != f.sagA || y2.CPR != "0502801234" || y2.Indsatskode != "1.3" ||
		!y2.Startdato.Equal(date(2023, 1, 1)) || y2.Slutdato == nil || !y2.Slutdato.Equal(date(2024, 5, 1)) ||
		y2.Betalingskommune != "751" {
		t.Errorf("ydelse row %+v", y2)
	}
}

func TestListCounts(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	buildListFixture(t, db)
	var n tenant.ListCounts
	err := db.InScope(context.Background(), aarhus, func(tx *tenant.Tx) (err error) { n, err = tx.ListCounts(context.Background()); return })
	if err != nil {
		t.Fatal(err)
	}
	if n != (tenant.ListCounts{Egne: 3, Alle: 2}) {
		t.Errorf("counts %+v, want Egne 3, Alle 2", n)
	}
}

// TestListCPRPrefix: S8, the search narrows by the beginning of the CPR number.
func TestListCPRPrefix(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	f := buildListFixture(t, db)
	for prefix, want := range map[string][]string{
		"":           keys("sag", f.sagA, f.sagB, f.sagC),
		"0":          keys("sag", f.sagA, f.sagB),
		"0502":       keys("sag", f.sagA, f.sagB),
		"050281":     keys("sag", f.sagB),
		"0502811234": keys("sag", f.sagB),
		"2":          keys("sag", f.sagC),
		"9":          nil,
		"3112851234": nil, // D is not in Egne
	} {
		p := list(t, db, aarhus, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, CPRPrefix: prefix})
		if got := rowKeys(p); !slices.Equal(got, want) || p.Total != len(want) {
			t.Errorf("prefix %q: %v (total %d), want %v", prefix, got, p.Total, want)
		}
	}
	err := db.InScope(context.Background(), aarhus, func(tx *tenant.Tx) error {
		for _, bad := range []string{"0502-80", "12345678901", "5%", "_"} {
			if _, err := tx.List(context.Background(), tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager,
				CPRPrefix: bad, Today: listToday}); !errors.Is(err, tenant.ErrBadPrefix) {
				t.Errorf("prefix %q: %v, want ErrBadPrefix", bad, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestListPagination walks every view page by page over 120 sager: no row twice, none
// missing, in order, with the offsets of "Viser 51–100 af …".
func TestListPagination(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	var sagIDs []int64
	var many int64 // a sag with 7 ydelser, some starting the same day
	err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) error {
		for i := range 120 {
			// CPR numbers not in id order, so the order is the index's, not the insertion's.
			cpr := fmt.Sprintf("%02d%02d70%04d", 1+(i*37)%28, 1+i%12, 1000+i)
			id, err := tx.InsertSag(ctx, domain.Sag{CPR: cpr})
			if err != nil {
				return err
			}
			sagIDs = append(sagIDs, id)
			n := 1 + i%2
			if i == 60 {
				n, many = 7, id
			}
			for j := range n {
				if _, err := tx.InsertYdelse(ctx, newYdelse(id, date(2020+j/2, 1, 1), nil)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	walk := func(q tenant.ListQuery) []tenant.ListRow {
		t.Helper()
		var all []tenant.ListRow
		var pageRows [][]tenant.ListRow
		for pages := 0; ; pages++ {
			if pages > 100 {
				t.Fatal("pagination does not end")
			}
			p := list(t, db, aarhus, q)
			if p.Offset != len(all) {
				t.Errorf("%s page %d: offset %d, want %d", q.Visning, pages, p.Offset, len(all))
			}
			if pages > 0 {
				// Issue 17: *Forrige side* shows the page before, rows and offset.
				back := q
				back.After = p.Prev
				if pages == 1 && p.Prev != "" {
					t.Errorf("%s page %d: previous cursor %q, want the first page's", q.Visning, pages, p.Prev)
				}
				bp := list(t, db, aarhus, back)
				if want := pageRows[pages-1]; bp.Offset != len(all)-len(want) || !slices.EqualFunc(bp.Rows, want,
					func(a, b tenant.ListRow) bool { return a.SagID == b.SagID && a.YdelseID == b.YdelseID }) {
					t.Errorf("%s page %d: previous page at offset %d with %d rows, want offset %d and the %d rows of page %d",
						q.Visning, pages, bp.Offset, len(bp.Rows), len(all)-len(want), len(want), pages-1)
				}
			}
			pageRows = append(pageRows, p.Rows)
			all = append(all, p.Rows...)
			if limit := cmp.Or(q.Limit, tenant.ListPageSize); p.Next != "" && len(p.Rows) != limit {
				t.Errorf("%s page %d: %d rows before the last page, want %d", q.Visning, pages, len(p.Rows), limit)
			}
			if p.Next == "" {
				if p.Total != len(all) {
					t.Errorf("%s: %d rows over all pages, total %d", q.Visning, len(all), p.Total)
				}
				return all
			}
			q.After = p.Next
		}
	}
	// Kun sager: 120 rows on pages of 50, 50, 20, ordered by CPR.
	rows := walk(tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager})
	var got []int64
	for i, r := range rows {
		got = append(got, r.SagID)
		if i > 0 && rows[i-1].CPR >= r.CPR {
			t.Errorf("kun sager out of order at %d: %s, %s", i, rows[i-1].CPR, r.CPR)
		}
	}
	want := slices.Clone(sagIDs)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("kun sager: %d rows, want the %d sager once each", len(got), len(want))
	}
	// Sager og ydelser: 59×1 + 60×2 + 7 = 186 ydelser, ordered by (CPR, ydelse id).
	rows = walk(tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningSagerOgYdelser})
	seen := map[int64]bool{}
	for i, r := range rows {
		if seen[r.YdelseID] {
			t.Errorf("ydelse %d twice", r.YdelseID)
		}
		seen[r.YdelseID] = true
		if i > 0 && (rows[i-1].CPR > r.CPR || rows[i-1].CPR == r.CPR && rows[i-1].YdelseID >= r.YdelseID) {
			t.Errorf("sager og ydelser out of order at %d", i)
		}
	}
	if len(seen) != 186 {
		t.Errorf("sager og ydelser: %d distinct ydelser, want 186", len(seen))
	}
	// Ydelser ved sag, 3 per page, ordered by (Startdato, id) with equal Startdatoer.
	rows = walk(tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningYdelserVedSag, SagID: many, Limit: 3})
	if len(rows) != 7 {
		t.Fatalf("ydelser ved sag: %d rows, want 7", len(rows))
	}
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if a.Startdato.After(b.Startdato) || a.Startdato.Equal(b.Startdato) && a.YdelseID >= b.YdelseID {
			t.Errorf("ydelser ved sag out of order at %d", i)
		}
	}
	// With a prefix and a filter the pages narrow the same way.
	rows = walk(tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, CPRPrefix: "1", Limit: 7})
	for _, r := range rows {
		if !strings.HasPrefix(r.CPR, "1") {
			t.Errorf("prefix 1 shows %s", r.CPR)
		}
	}
	if len(rows) < 8 {
		t.Errorf("prefix 1: only %d rows; the test wants more than a page", len(rows))
	}
}

func TestListCursorIsChecked(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	f := buildListFixture(t, db)
	p := list(t, db, aarhus, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Limit: 1})
	if p.Next == "" {
		t.Fatal("no next page")
	}
	if strings.Contains(p.Next, "0502801234") {
		t.Error("the cursor shows the CPR number in clear")
	}
	ctx := context.Background()
	// All reads a cursor only of a delivered row: sag B is not, so no page starts after it.
	sagerOgYdelser := list(t, db, aarhus, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningSagerOgYdelser, Limit: 3})
	if len(sagerOgYdelser.Rows) != 3 || sagerOgYdelser.Rows[2].SagID != f.sagB || sagerOgYdelser.Next == "" {
		t.Fatalf("egne, sager og ydelser, 3 rows: %+v", sagerOgYdelser)
	}
	err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) error {
		for _, q := range []tenant.ListQuery{
			{Liste: tenant.ListeAlle, Visning: tenant.VisningSagerOgYdelser, After: sagerOgYdelser.Next},
			{Liste: tenant.ListeEgne, Visning: tenant.VisningSagerOgYdelser, After: p.Next}, // another view's cursor
			{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, After: "not a cursor"},
			{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, After: "a3Vu"},
		} {
			if _, err := tx.List(ctx, q); !errors.Is(err, tenant.ErrBadCursor) {
				t.Errorf("cursor %q for %s: %v, want ErrBadCursor", q.After, q.Visning, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A cursor whose row was deleted is refused, not read as an empty page.
	err = db.InScope(ctx, aarhus, func(tx *tenant.Tx) error {
		if _, err := tx.DeleteYdelse(ctx, f.y3); err != nil {
			return err
		}
		_, err := tx.List(ctx, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningSagerOgYdelser, After: sagerOgYdelser.Next})
		if !errors.Is(err, tenant.ErrBadCursor) {
			t.Errorf("cursor of a deleted ydelse: %v, want ErrBadCursor", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestListStaysInKommune: T1, a list shows only the scope kommune's rows, also when asked
// for another kommune's sag.
func TestListStaysInKommune(t *testing.T) {
	t.Parallel()
	db, _ := setup(t) // demo data in 101 and 147
	f := buildListFixture(t, db)
	frb := tenant.Scope{Kommune: "147", Actor: tenant.Actor{Email: "test"}}
	p := list(t, db, frb, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningSagerOgYdelser})
	if p.Total == 0 || len(p.Rows) == 0 {
		t.Fatal("147 sees none of its own demo data")
	}
	for _, r := range p.Rows {
		if r.CPR == "0502801234" || r.CPR == "1503621235" {
			t.Errorf("147 sees %s", r.CPR)
		}
	}
	if p := list(t, db, frb, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningYdelserVedSag, SagID: f.sagA}); len(p.Rows) != 0 || p.Total != 0 {
		t.Errorf("147 sees the ydelser of a sag of 751: %+v", p)
	}
	err := db.InScope(context.Background(), tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		_, err := tx.List(context.Background(), tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager})
		if !errors.Is(err, tenant.ErrNoScope) {
			t.Errorf("list without a kommune: %v, want ErrNoScope", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAlleShowsWhatWasDelivered (issue 17 #9, S9): All (read only) shows a delivered ydelse
// as it was delivered, not a later edit no delivery has carried; Egne IDEP shows the edit.
func TestAlleShowsWhatWasDelivered(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	var sagID, yID int64
	err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) (err error) {
		if sagID, err = tx.InsertSag(ctx, domain.Sag{CPR: "0502801234", Navn: "Anna"}); err != nil {
			return err
		}
		if yID, err = tx.InsertYdelse(ctx, newYdelse(sagID, date(2024, 1, 1), nil)); err != nil {
			return err
		}
		y, err := tx.Ydelse(ctx, yID)
		if err != nil {
			return err
		}
		s, err := tx.Sag(ctx, sagID)
		if err != nil {
			return err
		}
		id, err := tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2024M02", SHA256: strings.Repeat("c", 64)}, []byte("<a/>"))
		if err != nil {
			return err
		}
		return tx.MarkIndberettet(ctx, id, []tenant.IndberettetSag{{ID: sagID, Version: s.Version}},
			[]tenant.IndberettetYdelse{{ID: yID, Version: y.Version, SHA256: []byte{1}, Type: "Ny"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	// After the delivery a user moves the start, ends the ydelse and changes who pays.
	err = db.InScope(ctx, aarhus, func(tx *tenant.Tx) error {
		y, err := tx.Ydelse(ctx, yID)
		if err != nil {
			return err
		}
		y.Startdato, y.Slutdato, y.Betalingskommune = date(2024, 2, 1), ptr(date(2025, 3, 31)), "101"
		return tx.UpdateYdelse(ctx, y)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []tenant.Visning{tenant.VisningSagerOgYdelser, tenant.VisningYdelserVedSag} {
		alle := list(t, db, aarhus, tenant.ListQuery{Liste: tenant.ListeAlle, Visning: v, SagID: sagID})
		if len(alle.Rows) != 1 {
			t.Fatalf("%s: All has %d rows", v, len(alle.Rows))
		}
		if r := alle.Rows[0]; !r.Startdato.Equal(date(2024, 1, 1)) || r.Slutdato != nil || r.Betalingskommune != "751" || r.Afsluttet {
			t.Errorf("%s: All shows %v–%v paid by %s (afsluttet %v), want the delivered 2024-01-01, open, 751", v, r.Startdato, r.Slutdato, r.Betalingskommune, r.Afsluttet)
		}
		egne := list(t, db, aarhus, tenant.ListQuery{Liste: tenant.ListeEgne, Visning: v, SagID: sagID})
		if r := egne.Rows[0]; !r.Startdato.Equal(date(2024, 2, 1)) || r.Slutdato == nil || r.Betalingskommune != "101" || !r.Afsluttet {
			t.Errorf("%s: Egne IDEP shows %v–%v paid by %s, want the edit", v, r.Startdato, r.Slutdato, r.Betalingskommune)
		}
	}
}

// TestAllePagesByDeliveredStart: *All (read only)*'s Ydelser ved sag is ordered by the
// Startdato DST got (S9), and *Forrige side* walks back by the same order: after users moved
// the delivered ydelser's Startdatoer into the reverse order, the previous page of the third
// is still the second.
func TestAllePagesByDeliveredStart(t *testing.T) {
	t.Parallel()
	db, _ := tenanttest.DB(t)
	ctx := context.Background()
	var sagID int64
	err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) (err error) {
		if sagID, err = tx.InsertSag(ctx, domain.Sag{CPR: "0603801234"}); err != nil {
			return err
		}
		var ys []tenant.IndberettetYdelse
		for i := range 6 {
			id, err := tx.InsertYdelse(ctx, newYdelse(sagID, date(2020, 1, 1+i), nil))
			if err != nil {
				return err
			}
			ys = append(ys, tenant.IndberettetYdelse{ID: id, Version: 1, SHA256: []byte{1}, Type: "Ny"})
		}
		s, err := tx.Sag(ctx, sagID)
		if err != nil {
			return err
		}
		lev, err := tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2024M02", SHA256: strings.Repeat("d", 64)}, []byte("<a/>"))
		if err != nil {
			return err
		}
		if err := tx.MarkIndberettet(ctx, lev, []tenant.IndberettetSag{{ID: sagID, Version: s.Version}}, ys); err != nil {
			return err
		}
		for i, m := range ys { // now in the reverse order
			y, err := tx.Ydelse(ctx, m.ID)
			if err != nil {
				return err
			}
			y.Startdato = date(2021, 1, 6-i)
			if err := tx.UpdateYdelse(ctx, y); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q := tenant.ListQuery{Liste: tenant.ListeAlle, Visning: tenant.VisningYdelserVedSag, SagID: sagID, Limit: 2}
	var pages []tenant.ListPage
	for p := list(t, db, aarhus, q); ; {
		pages = append(pages, p)
		if p.Next == "" {
			break
		}
		q.After = p.Next
		p = list(t, db, aarhus, q)
	}
	if len(pages) != 3 {
		t.Fatalf("%d pages of 2, want 3", len(pages))
	}
	for i, p := range pages {
		for j, r := range p.Rows {
			if want := date(2020, 1, 1+2*i+j); !r.Startdato.Equal(want) {
				t.Errorf("page %d row %d: Startdato %v, want the delivered %v", i+1, j+1, r.Startdato, want)
			}
		}
	}
	q.After = pages[2].Prev
	back := list(t, db, aarhus, q)
	if !slices.EqualFunc(back.Rows, pages[1].Rows, func(a, b tenant.ListRow) bool { return a.YdelseID == b.YdelseID }) {
		t.Errorf("Forrige side from page 3 shows %v, want page 2's %v", back.Rows, pages[1].Rows)
	}
}
