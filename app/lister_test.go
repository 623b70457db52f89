package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
	"indberet/views"
)

// listeToday is the injected today of the list tests; S6 status is relative to it.
var listeToday = time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC)

// listeFixture is known data in Aarhus (751), which has no demo sager:
//
//	A 0502801234 Anna Åben, egne, one open ydelse            → Ikke afsluttet
//	B 0502811234 Bo Lukket, egne, ydelse ended 2025-06-14    → Afsluttet (the day before today)
//	D 3112851234 Dorte System, system, delivered 2025-05-14  → in All (read only) only
type listeFixture struct {
	sagA, sagB, sagD int64
	yA, yB, yD       int64
}

func (b *bundle) listeFixture() listeFixture {
	b.t.Helper()
	ctx := context.Background()
	var f listeFixture
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "751"}, func(tx *tenant.Tx) error {
		add := func(cpr, navn, kilde string, slut *time.Time) (int64, int64) {
			id, err := tx.InsertSag(ctx, domain.Sag{CPR: cpr, Navn: navn, Kilde: kilde})
			if err != nil {
				b.t.Fatal(err)
			}
			yid, err := tx.InsertYdelse(ctx, domain.Ydelse{SagID: id, Indsatskode: "1.3", Startdato: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
				Slutdato: slut, Betalingskommune: "751", Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "1.1.1", Primaer: true}}})
			if err != nil {
				b.t.Fatal(err)
			}
			return id, yid
		}
		slut := time.Date(2025, 6, 14, 0, 0, 0, 0, time.UTC)
		f.sagA, f.yA = add("0502801234", "Anna Åben", "egne", nil)
		f.sagB, f.yB = add("0502811234", "Bo Lukket", "egne", &slut)
		f.sagD, f.yD = add("3112851234", "Dorte System", "system", nil)
		return nil
	})
	if err != nil {
		b.t.Fatal(err)
	}
	tenanttest.MarkDelivered(b.t, b.db, "751", time.Date(2025, 5, 14, 3, 0, 0, 0, time.UTC), []int64{f.sagD}, []int64{f.yD})
	b.app.now = func() time.Time { return listeToday }
	return f
}

// hxPost POSTs form as htmx does from an element whose target is target.
func (c *client) hxPost(path string, form url.Values, target string) response {
	c.b.t.Helper()
	form.Set("_csrf", c.csrf)
	req := newFormRequest(path, form)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", target)
	return c.do(req)
}

func (r response) mustNotContain(t *testing.T, texts ...string) response {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(html.UnescapeString(r.body), s) {
			t.Errorf("response has %q", s)
		}
	}
	return r
}

// rowTexts returns the text of each row of the list table, cells joined by " | ".
func rowTexts(t *testing.T, body string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	var walk func(n *html.Node, inTable bool)
	walk = func(n *html.Node, inTable bool) {
		if n.Type == html.ElementNode && n.Data == "table" {
			inTable = true
		}
		if inTable && n.Type == html.ElementNode && n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" {
			var cells []string
			for td := n.FirstChild; td != nil; td = td.NextSibling {
				if td.Type == html.ElementNode && !hasRadio(td) {
					cells = append(cells, nodeText(td))
				}
			}
			rows = append(rows, strings.Join(strings.Fields(strings.Join(cells, " | ")), " "))
			return
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch, inTable)
		}
	}
	walk(doc, false)
	return rows
}

// currentLinks are the texts of the links marked as the current view and filter.
func currentLinks(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	walkElements(parseHTML(t, body), func(n *html.Node) {
		if n.Data == "a" && attrOf(n, "aria-current") == "page" {
			out = append(out, strings.TrimSpace(nodeText(n)))
		}
	})
	return out
}

// parseHTML parses the HTML document body.
func parseHTML(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// walkElements calls fn with n, when it is an element, and every element below it, in
// document order.
func walkElements(n *html.Node, fn func(n *html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		walkElements(ch, fn)
	}
}

// hasRadio tells whether n holds a radio button (the selection cell of a row).
func hasRadio(n *html.Node) bool {
	if n.Type == html.ElementNode && n.Data == "input" && attrOf(n, "type") == "radio" {
		return true
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if hasRadio(ch) {
			return true
		}
	}
	return false
}

func nodeText(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		b.WriteString(nodeText(ch))
		b.WriteString(" ")
	}
	return b.String()
}

// urlAttrs are the attributes of the page that hold a URL or what htmx sends.
var urlAttrs = []string{"href", "src", "action", "formaction", "hx-get", "hx-post", "hx-put", "hx-delete",
	"hx-push-url", "hx-replace-url", "hx-vals", "data-href"}

var sixDigits = regexp.MustCompile(`[0-9]{6}`)

// checkNoCPRInURLs fails when a URL of the page, or what an htmx link sends, holds six
// digits in a row (a CPR number or the date part of one). Ids of the tests are shorter.
func checkNoCPRInURLs(t *testing.T, what, body string) {
	t.Helper()
	walkElements(parseHTML(t, body), func(n *html.Node) {
		for _, a := range n.Attr {
			if slices.Contains(urlAttrs, a.Key) && sixDigits.MatchString(a.Val) {
				t.Errorf("%s: <%s %s=%q> holds digits of a CPR number", what, n.Data, a.Key, a.Val)
			}
		}
		if n.Data == "form" && strings.EqualFold(attrOf(n, "method"), "get") {
			// A GET form puts its fields in the URL: none may carry a CPR number.
			walkElements(n, func(m *html.Node) {
				if (m.Data == "input" || m.Data == "button") && attrOf(m, "type") != "radio" && sixDigits.MatchString(attrOf(m, "value")) {
					t.Errorf("%s: GET form field %s=%q holds digits of a CPR number", what, attrOf(m, "name"), attrOf(m, "value"))
				}
			})
		}
	})
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestIndberetningerOverview(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.listeFixture()
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	c.get("/").mustStatus(t, http.StatusOK).mustContain(t, "Se listen over alle indberetninger", `href="/indberetninger"`)
	r := c.get("/indberetninger").mustStatus(t, http.StatusOK).mustContain(t, "Egne IDEP", "All (read only)", "Redigér",
		`href="/indberetninger/egne"`, `href="/indberetninger/alle"`)
	rows := rowTexts(t, r.body)
	if want := []string{"Egne IDEP | 2 | Redigér Egne IDEP", "All (read only) | 1 | Redigér All (read only)"}; !slices.Equal(rows, want) {
		t.Errorf("overview rows %q, want %q", rows, want)
	}
	c = b.client()
	c.login("indberetter.101@demo.invalid")
	c.get("/indberetninger").mustStatus(t, http.StatusOK).mustContain(t, "31")
}

// TestListeViewsAndFilters: S8's views and filters, S6's status against the injected today,
// S9's two lists.
func TestListeViewsAndFilters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.listeFixture()
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/indberetninger/egne", []string{
			"050280-1234 | Anna Åben | 1.3 Behandling | 01-02-2024 | | 751 Aarhus | Ikke afsluttet | Ikke indberettet | Redigér 050280-1234 1.3 Behandling Slet ydelse",
			"050281-1234 | Bo Lukket | 1.3 Behandling | 01-02-2024 | 14-06-2025 | 751 Aarhus | Afsluttet | Ikke indberettet | Redigér 050281-1234 1.3 Behandling Slet ydelse",
		}},
		{"/indberetninger/egne?visning=kun-sager&filter=alle", []string{
			"050280-1234 | Anna Åben | 1 | Ikke afsluttet | Ikke indberettet | Redigér 050280-1234 Slet sag",
			"050281-1234 | Bo Lukket | 1 | Afsluttet | Ikke indberettet | Redigér 050281-1234 Slet sag",
		}},
		{"/indberetninger/egne?visning=kun-sager&filter=afsluttede", []string{
			"050281-1234 | Bo Lukket | 1 | Afsluttet | Ikke indberettet | Redigér 050281-1234 Slet sag",
		}},
		{"/indberetninger/egne?visning=sager-og-ydelser&filter=ikke-afsluttede", []string{
			"050280-1234 | Anna Åben | 1.3 Behandling | 01-02-2024 | | 751 Aarhus | Ikke afsluttet | Ikke indberettet | Redigér 050280-1234 1.3 Behandling Slet ydelse",
		}},
		{fmt.Sprintf("/indberetninger/egne?visning=ydelser-ved-sag&sag=%d&filter=alle", f.sagB), []string{
			"050281-1234 | Bo Lukket | 1.3 Behandling | 01-02-2024 | 14-06-2025 | 751 Aarhus | Afsluttet | Ikke indberettet | Redigér 050281-1234 1.3 Behandling Slet ydelse",
		}},
		// S9: All shows what was delivered, of any kilde, read only (the rows link to the
		// read-only view of the sag, nothing to edit or delete).
		{"/indberetninger/alle?visning=kun-sager", []string{
			"311285-1234 | Dorte System | 1 | Ikke afsluttet | 14-05-2025 | Vis sag 311285-1234",
		}},
		{"/indberetninger/alle", []string{
			"311285-1234 | Dorte System | 1.3 Behandling | 01-02-2024 | | 751 Aarhus | Ikke afsluttet | 14-05-2025 | Vis sag 311285-1234",
		}},
		{"/indberetninger/alle?visning=kun-sager&filter=afsluttede", []string{"Ingen poster"}},
	} {
		r := c.get(tc.path).mustStatus(t, http.StatusOK)
		if got := rowTexts(t, r.body); !slices.Equal(got, tc.want) {
			t.Errorf("%s: rows\n%q\nwant\n%q", tc.path, got, tc.want)
		}
		checkNoCPRInURLs(t, tc.path, r.body)
	}
	// The view and filter links keep each other and say which is chosen.
	r := c.get("/indberetninger/egne?visning=kun-sager&filter=afsluttede")
	r.mustContain(t, `href="/indberetninger/egne?filter=afsluttede&visning=sager-og-ydelser"`,
		`href="/indberetninger/egne?filter=ikke-afsluttede&visning=kun-sager"`, "1 sag")
	if got := currentLinks(t, r.body); !slices.Equal(got, []string{"Kun sager", "Afsluttede sager"}) {
		t.Errorf("chosen view and filter: %q", got)
	}
	// Ydelser ved sag without a sag says how to choose one.
	c.get("/indberetninger/egne?visning=ydelser-ved-sag").mustStatus(t, http.StatusOK).
		mustContain(t, "Sæt hak ud for en sag under").mustNotContain(t, "Ingen poster", "Anna Åben")
	// S6: the day before, B's Slutdato is today, which is not before today.
	b.app.now = func() time.Time { return listeToday.AddDate(0, 0, -1) }
	r = c.get("/indberetninger/egne?visning=kun-sager&filter=afsluttede").mustStatus(t, http.StatusOK)
	if got := rowTexts(t, r.body); !slices.Equal(got, []string{"Ingen poster"}) {
		t.Errorf("afsluttede the day before: %q", got)
	}
	// Today is the Danish date: 22:30 UTC on 14 June is already 15 June in Copenhagen.
	b.app.now = func() time.Time { return time.Date(2025, 6, 14, 21, 30, 0, 0, time.UTC) }
	r = c.get("/indberetninger/egne?visning=kun-sager&filter=afsluttede")
	if got := rowTexts(t, r.body); !slices.Equal(got, []string{"Ingen poster"}) {
		t.Errorf("afsluttede at 23:30 Danish time on 14 June: %q", got)
	}
	b.app.now = func() time.Time { return time.Date(2025, 6, 14, 22, 30, 0, 0, time.UTC) }
	r = c.get("/indberetninger/egne?visning=kun-sager&filter=afsluttede")
	if got := rowTexts(t, r.body); len(got) != 1 || !strings.Contains(got[0], "Bo Lukket") {
		t.Errorf("afsluttede at 00:30 Danish time on 15 June: %q", got)
	}
}

func TestListeEmptyShowsIngenPoster(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	// 751 has no contact persons yet: no Opret, but why and where to register them (K1).
	r := c.get("/indberetninger/egne").mustStatus(t, http.StatusOK).mustContain(t, "Ingen poster", `id="kontakt-mangler"`)
	r.mustNotContain(t, "Tilføj ydelse", ">Opret<") // nothing to add it to, nothing to create yet
	c.post("/kontaktoplysninger", withVersions(t, c.get("/kontaktoplysninger").body, kontaktValues()), true).mustStatus(t, http.StatusSeeOther)
	r = c.get("/indberetninger/egne").mustStatus(t, http.StatusOK).mustContain(t, "Ingen poster", ">Opret<", `href="/sager/ny"`, "Tilføj sag")
	r.mustNotContain(t, "Tilføj ydelse", `id="kontakt-mangler"`)
	if log := tenanttest.CPRAccessLog(t, b.db, "751"); len(log) != 0 {
		t.Errorf("an empty list wrote CPR access records: %+v", log)
	}
}

// TestListeToolbar: the toolbar of Egne IDEP for an indberetter, its actions on the selected
// row (ids, never CPR, in the URL), and nothing selected.
func TestListeToolbar(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.listeFixture()
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	c.post("/kontaktoplysninger", withVersions(t, c.get("/kontaktoplysninger").body, kontaktValues()), true).mustStatus(t, http.StatusSeeOther)
	c.get("/indberetninger/egne").mustContain(t, ">Opret<", "Tilføj sag", `value="tilfoej-ydelse"`, `value="ydelser-ved-sag"`,
		`value="rediger"`, `action="/indberetninger/egne/valgt"`, fmt.Sprintf(`value="ydelse:%d"`, f.yA),
		fmt.Sprintf(`href="/ydelser/%d/rediger"`, f.yA), fmt.Sprintf(`href="/ydelser/%d/slet"`, f.yA), "icon-delete")
	c.get("/indberetninger/egne?visning=kun-sager").mustContain(t, fmt.Sprintf(`value="sag:%d"`, f.sagA),
		fmt.Sprintf(`href="/sager/%d/rediger"`, f.sagA), fmt.Sprintf(`href="/sager/%d/slet"`, f.sagA), "Slet sag")
	for _, tc := range []struct{ query, location string }{
		{fmt.Sprintf("handling=tilfoej-ydelse&valgt=sag:%d", f.sagA), fmt.Sprintf("/sager/%d/ydelser/ny", f.sagA)},
		{fmt.Sprintf("handling=tilfoej-ydelse&valgt=ydelse:%d", f.yB), fmt.Sprintf("/sager/%d/ydelser/ny", f.sagB)},
		{fmt.Sprintf("handling=rediger&valgt=sag:%d", f.sagA), fmt.Sprintf("/sager/%d/rediger", f.sagA)},
		{fmt.Sprintf("handling=rediger&valgt=ydelse:%d", f.yB), fmt.Sprintf("/ydelser/%d/rediger", f.yB)},
		{fmt.Sprintf("handling=ydelser-ved-sag&valgt=ydelse:%d&visning=sager-og-ydelser&filter=afsluttede", f.yB),
			fmt.Sprintf("/indberetninger/egne?filter=afsluttede&sag=%d&visning=ydelser-ved-sag", f.sagB)},
	} {
		r := c.get("/indberetninger/egne/valgt?"+tc.query).mustStatus(t, http.StatusSeeOther)
		if got := r.header.Get("Location"); got != tc.location {
			t.Errorf("%s: to %q, want %q", tc.query, got, tc.location)
		}
	}
	r := c.get("/indberetninger/egne/valgt?handling=tilfoej-ydelse&visning=kun-sager&filter=afsluttede").
		mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "Sæt hak ud for en sag eller ydelse først.")
	if got := currentLinks(t, r.body); !slices.Equal(got, []string{"Kun sager", "Afsluttede sager"}) {
		t.Errorf("chosen view and filter under the message: %q", got)
	}
	if got := rowTexts(t, r.body); len(got) != 1 || !strings.Contains(got[0], "Bo Lukket") {
		t.Errorf("the list under the message: %q", got)
	}
	c.get("/indberetninger/egne/valgt?handling=slet-alt&valgt=sag:1").mustStatus(t, http.StatusBadRequest)
	// All (read only): no write actions, only Ydelser ved sag.
	r = c.get("/indberetninger/alle").mustStatus(t, http.StatusOK).mustContain(t, `value="ydelser-ved-sag"`)
	r.mustNotContain(t, ">Opret<", "Tilføj sag", `value="tilfoej-ydelse"`, `value="rediger"`, "/rediger", "/slet")
	c.get(fmt.Sprintf("/indberetninger/alle/valgt?handling=rediger&valgt=sag:%d", f.sagD)).mustStatus(t, http.StatusForbidden)
	c.get(fmt.Sprintf("/indberetninger/alle/valgt?handling=ydelser-ved-sag&valgt=sag:%d", f.sagD)).mustStatus(t, http.StatusSeeOther)
}

// TestListeDeletable: S7, Y8 — the trash can only where nothing is delivered.
func TestListeDeletable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.listeFixture()
	tenanttest.MarkDelivered(t, b.db, "751", listeToday, nil, []int64{f.yA})
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	r := c.get("/indberetninger/egne?visning=kun-sager")
	r.mustContain(t, fmt.Sprintf(`href="/sager/%d/slet"`, f.sagB), fmt.Sprintf(`href="/sager/%d/rediger"`, f.sagA))
	r.mustNotContain(t, fmt.Sprintf(`href="/sager/%d/slet"`, f.sagA))
	r = c.get("/indberetninger/egne")
	r.mustContain(t, fmt.Sprintf(`href="/ydelser/%d/slet"`, f.yB), "15-06-2025")
	r.mustNotContain(t, fmt.Sprintf(`href="/ydelser/%d/slet"`, f.yA))
}

func TestListeLaeserReadsOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("laeser.101@demo.invalid")
	r := c.get("/indberetninger/egne").mustStatus(t, http.StatusOK).mustContain(t, "150362-1235", "Niels Hansen", `value="ydelser-ved-sag"`)
	r.mustNotContain(t, ">Opret<", "Tilføj sag", "Tilføj ydelse", `value="rediger"`, "/rediger", "/slet", "Slet ydelse")
	niels := sagIDByCPR(t, b, "101", demo.NielsHansenCPR)
	r.mustContain(t, fmt.Sprintf(`<a href="/sager/%d">Vis sag`, niels)) // the read-only view
	c.get(fmt.Sprintf("/indberetninger/egne/valgt?handling=tilfoej-ydelse&valgt=sag:%d", niels)).mustStatus(t, http.StatusForbidden)
	c.get(fmt.Sprintf("/indberetninger/egne/valgt?handling=rediger&valgt=sag:%d", niels)).mustStatus(t, http.StatusForbidden)
	c.get("/indberetninger/egne/valgt?handling=tilfoej-ydelse").mustStatus(t, http.StatusForbidden)
	r = c.get(fmt.Sprintf("/indberetninger/egne/valgt?handling=ydelser-ved-sag&valgt=sag:%d", niels)).mustStatus(t, http.StatusSeeOther)
	loc := r.header.Get("Location")
	if want := fmt.Sprintf("/indberetninger/egne?filter=alle&sag=%d&visning=ydelser-ved-sag", niels); loc != want {
		t.Fatalf("Ydelser ved sag to %q, want %q", loc, want)
	}
	r = c.get(loc).mustStatus(t, http.StatusOK).mustContain(t, "Ydelser ved sag: 150362-1235 Niels Hansen")
	if rows := rowTexts(t, r.body); len(rows) != 2 || !strings.Contains(rows[0], "01-03-2014 | 31-08-2016") {
		t.Errorf("Niels Hansen's ydelser: %q", rows)
	}
}

func sagIDByCPR(t *testing.T, b *bundle, kommune, cpr string) int64 {
	t.Helper()
	var id int64
	err := b.db.InScope(context.Background(), tenant.Scope{Kommune: kommune}, func(tx *tenant.Tx) (err error) {
		id, err = tx.SagIDByCPR(context.Background(), cpr)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestListeStaysInKommune: T1 — a user of 147 reaches nothing of 101, by list or by id.
func TestListeStaysInKommune(t *testing.T) {
	t.Parallel()
	b := setup(t)
	niels := sagIDByCPR(t, b, "101", demo.NielsHansenCPR)
	var ydelse int64
	err := b.db.InScope(context.Background(), tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		ys, err := tx.YdelserOfSag(context.Background(), niels)
		if err == nil {
			ydelse = ys[0].ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("indberetter.147@demo.invalid")
	for _, q := range []string{
		fmt.Sprintf("handling=ydelser-ved-sag&valgt=sag:%d", niels),
		fmt.Sprintf("handling=tilfoej-ydelse&valgt=sag:%d", niels),
		fmt.Sprintf("handling=rediger&valgt=ydelse:%d", ydelse),
	} {
		c.get("/indberetninger/egne/valgt?"+q).mustStatus(t, http.StatusNotFound)
	}
	c.get(fmt.Sprintf("/indberetninger/egne?visning=ydelser-ved-sag&sag=%d", niels)).mustStatus(t, http.StatusNotFound)
	c.post("/indberetninger/egne", url.Values{"visning": {"ydelser-ved-sag"}, "sag": {fmt.Sprint(niels)}}, true).mustStatus(t, http.StatusNotFound)
	// Every view of 147 shows 147's sager and none of 101's. (The generated demo citizens of
	// 147 also have a sag in 101; the others are 101's only.)
	cprsOf := func(kommune string) []string {
		var cprs []string
		err := b.db.InScope(context.Background(), tenant.Scope{Kommune: kommune}, func(tx *tenant.Tx) error {
			p, err := tx.List(context.Background(), tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Today: listeToday})
			for _, r := range p.Rows {
				cprs = append(cprs, r.CPR[:6]+"-"+r.CPR[6:])
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return cprs
	}
	var cprs101 []string
	cprs147 := cprsOf("147")
	for _, cpr := range cprsOf("101") {
		if !slices.Contains(cprs147, cpr) {
			cprs101 = append(cprs101, cpr)
		}
	}
	if len(cprs101) < 15 || !slices.Contains(cprs101, "150362-1235") {
		t.Fatalf("101's own sager: %q", cprs101)
	}
	for _, path := range []string{"/indberetninger/egne", "/indberetninger/egne?visning=kun-sager", "/indberetninger/alle"} {
		r := c.get(path).mustStatus(t, http.StatusOK)
		for _, cpr := range cprs101 {
			if strings.Contains(r.body, cpr) {
				t.Errorf("%s of 147 shows %s of 101", path, cpr)
			}
		}
	}
	if rows := rowTexts(t, c.get("/indberetninger/egne?visning=kun-sager").body); len(rows) != 12 {
		t.Errorf("147 sees %d sager, want its 12", len(rows))
	}
	c.post("/indberetninger/egne", url.Values{"cpr": {"150362"}}, true).mustStatus(t, http.StatusOK).mustContain(t, "Ingen poster").
		mustNotContain(t, "Niels Hansen")
}

func TestListeUnknownIs404(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	c.get("/indberetninger/foo").mustStatus(t, http.StatusNotFound)
	c.get("/indberetninger/foo/valgt?handling=ydelser-ved-sag&valgt=sag:1").mustStatus(t, http.StatusNotFound)
	c.post("/indberetninger/foo", url.Values{"cpr": {"1"}}, true).mustStatus(t, http.StatusNotFound)
	c.get("/indberetninger/egne/valgt?handling=ydelser-ved-sag&valgt=sag:999999").mustStatus(t, http.StatusNotFound)
	// DST has SagRead but no kommune: it picks one, and has no Egne IDEP (S9, T3).
	d := b.client()
	d.login("dst@demo.invalid")
	d.get("/indberetninger").mustStatus(t, http.StatusOK).mustContain(t, "Vælg kommune", `<option value="147" data-search="147">Frederiksberg (147)</option>`)
	d.get("/indberetninger/egne").mustStatus(t, http.StatusNotFound)
	d.get("/indberetninger/egne?kommune=101").mustStatus(t, http.StatusNotFound)
	// Without a login, the login page.
	if r := b.client().get("/indberetninger/egne"); !toLoginPage(r) {
		t.Errorf("anonymous: %d to %q", r.status, r.header.Get("Location"))
	}
}

// TestListeSearch: S8, the CPR search as the user types (htmx) and with the button (no
// JavaScript), POSTed so the CPR stays out of every URL.
func TestListeSearch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.listeFixture()
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	c.get("/indberetninger/egne").mustContain(t, `hx-post="/indberetninger/egne"`, `hx-trigger="input changed delay:250ms, search"`,
		`hx-target="#liste-resultater"`, `hx-include="closest form"`, "Indtast CPR nummer")
	for typed, want := range map[string][]string{
		"050280-12":   {"Anna Åben"},
		"0502 8":      {"Anna Åben", "Bo Lukket"},
		" 050281 ":    {"Bo Lukket"},
		"050281-1234": {"Bo Lukket"},
		"311285":      nil, // delivered, but not in Egne IDEP
		"":            {"Anna Åben", "Bo Lukket"},
	} {
		form := url.Values{"cpr": {typed}, "visning": {"kun-sager"}, "filter": {"alle"}}
		r := c.hxPost("/indberetninger/egne", form, "liste-resultater").mustStatus(t, http.StatusOK)
		if strings.Contains(r.body, "<html") || strings.Contains(r.body, "Log ud") || !strings.Contains(r.body, `id="liste-resultater"`) ||
			!strings.Contains(r.body, `id="liste-cpr-fejl" hx-swap-oob="true"`) {
			t.Errorf("htmx search %q: not the results part:\n%s", typed, r.body)
		}
		var got []string
		for _, row := range rowTexts(t, r.body) {
			if row != "Ingen poster" {
				got = append(got, strings.Split(row, " | ")[1])
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("search %q: %q, want %q", typed, got, want)
		}
		checkNoCPRInURLs(t, "search "+typed, r.body)
	}
	// Without JavaScript the form gives the whole page, the typed value kept.
	r := c.post("/indberetninger/egne", url.Values{"cpr": {"050281"}, "visning": {"kun-sager"}, "filter": {"alle"}}, true).
		mustStatus(t, http.StatusOK).mustContain(t, "<!doctype html>", "<h1>Egne IDEP</h1>", `value="050281"`, "Bo Lukket").
		mustNotContain(t, "Anna Åben")
	checkNoCPRInURLs(t, "search page", r.body)
	// A view link POSTs with the search field and pushes the view's own URL.
	r = c.hxPost("/indberetninger/egne", url.Values{"cpr": {"050281"}, "visning": {"sager-og-ydelser"}, "filter": {"alle"}}, "liste-indhold").
		mustStatus(t, http.StatusOK).mustContain(t, `id="liste-indhold"`, `value="050281"`, "Bo Lukket").
		mustNotContain(t, "<html", "Anna Åben")
	if got := currentLinks(t, r.body); !slices.Equal(got, []string{"Sager og ydelser", "Alle sager"}) {
		t.Errorf("chosen view and filter after the switch: %q", got)
	}
	checkNoCPRInURLs(t, "view switch", r.body)
	log := tenanttest.CPRAccessLog(t, b.db, "751")
	searches := 0
	for _, e := range log {
		if strings.Contains(e.Detail, "0502") || strings.Contains(e.Detail, "050281") {
			t.Errorf("the access log's detail holds the search: %q", e.Detail)
		}
		if e.Action == "search" {
			searches++
		}
	}
	if searches < 5 {
		t.Errorf("%d search records, want one per search that showed rows", searches)
	}
}

func TestListeSearchRefusesNonDigits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.listeFixture()
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	const msg = "Skriv kun cifre (CPR-nummer eller begyndelsen af det)."
	r := c.post("/indberetninger/egne", url.Values{"cpr": {"12a4"}, "visning": {"kun-sager"}}, true).
		mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, msg, `value="12a4"`, `aria-invalid="true"`, "<h1>Egne IDEP</h1>")
	if rows := rowTexts(t, r.body); len(rows) != 2 {
		t.Errorf("the list under a refused search: %q", rows)
	}
	for _, bad := range []string{"12345678901", "15%", "abc"} {
		r = c.hxPost("/indberetninger/egne", url.Values{"cpr": {bad}, "visning": {"kun-sager"}}, "liste-resultater").
			mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, msg, `hx-swap-oob="true"`)
		if r.header.Get("HX-Reswap") != "none" || strings.Contains(r.body, "liste-resultater") {
			t.Errorf("htmx %q: the results would be replaced: %q\n%s", bad, r.header.Get("HX-Reswap"), r.body)
		}
	}
}

func TestListeSearchNeedsCSRF(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	c.post("/indberetninger/egne", url.Values{"cpr": {"150362"}}, false).mustStatus(t, http.StatusForbidden).mustNotContain(t, "Niels Hansen")
	c.post("/indberetninger/egne", url.Values{"cpr": {"150362"}, "_csrf": {"forkert"}}, true).mustStatus(t, http.StatusForbidden)
}

// TestListeCPRAccessLog: every list that shows CPR numbers records them, and how it was
// reached, but never the search.
func TestListeCPRAccessLog(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.listeFixture()
	c := b.client()
	c.login("laeser.751@demo.invalid")
	c.get("/indberetninger/egne?visning=kun-sager&filter=alle")
	c.get("/indberetninger/alle")
	c.post("/indberetninger/egne", url.Values{"cpr": {"050281"}, "visning": {"sager-og-ydelser"}, "filter": {"afsluttede"}}, true)
	c.get(fmt.Sprintf("/indberetninger/egne?visning=ydelser-ved-sag&sag=%d&filter=afsluttede", f.sagA)) // A is not afsluttet: no rows
	c.post("/indberetninger/egne", url.Values{"cpr": {"9"}}, true)                                      // nothing found: nothing shown
	want := []tenanttest.CPRAccess{
		{UserEmail: "laeser.751@demo.invalid", Action: "list", Detail: "liste=egne visning=kun-sager filter=alle", CPRs: []string{"0502801234", "0502811234"}},
		{UserEmail: "laeser.751@demo.invalid", Action: "list", Detail: "liste=alle visning=sager-og-ydelser filter=alle", CPRs: []string{"3112851234"}},
		{UserEmail: "laeser.751@demo.invalid", Action: "search", Detail: "liste=egne visning=sager-og-ydelser filter=afsluttede", CPRs: []string{"0502811234"}},
		{UserEmail: "laeser.751@demo.invalid", Action: "list", Detail: fmt.Sprintf("liste=egne visning=ydelser-ved-sag filter=afsluttede sag=%d", f.sagA), CPRs: []string{"0502801234"}},
	}
	got := tenanttest.CPRAccessLog(t, b.db, "751")
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].UserEmail != want[i].UserEmail || got[i].Action != want[i].Action || got[i].Detail != want[i].Detail || !slices.Equal(got[i].CPRs, want[i].CPRs) {
			t.Errorf("record %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

var efterRE = regexp.MustCompile(`name="efter" value="([^"]+)"`)

// sideLink is the URL of a page link (Næste side, Forrige side, Første side) of a list page.
func sideLink(t *testing.T, body, label string) string {
	t.Helper()
	m := regexp.MustCompile(`<a class="button button-secondary" href="([^"]+)"[^>]*>` + label + `</a>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link %s", label)
	}
	return html.UnescapeString(m[1])
}

// hxGet GETs path as htmx does from an element whose target is target.
func (c *client) hxGet(path, target string) response {
	c.b.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", target)
	return c.do(req)
}

// TestListePagination: 120 sager page by page with Næste side (links to the pages' URLs,
// which hold no CPR number), none twice, none missing, and Forrige side and Første side
// back (issue 17).
func TestListePagination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var all []string
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "751"}, func(tx *tenant.Tx) error {
		for i := range 120 {
			cpr := fmt.Sprintf("%02d%02d71%04d", 1+(i*11)%19, 1+i%12, 2000+i) // over 50 of days 01–09
			all = append(all, cpr[:6]+"-"+cpr[6:])
			id, err := tx.InsertSag(ctx, domain.Sag{CPR: cpr, Navn: fmt.Sprint("Borger ", i)})
			if err != nil {
				return err
			}
			if _, err := tx.InsertYdelse(ctx, domain.Ydelse{SagID: id, Indsatskode: "1.3", Startdato: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
				Betalingskommune: "751", Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "1.1.1", Primaer: true}}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	seen := map[string]int{}
	collect := func(body string) {
		for _, row := range rowTexts(t, body) {
			seen[strings.Split(row, " | ")[0]]++
		}
	}
	r := c.get("/indberetninger/egne?visning=kun-sager").mustStatus(t, http.StatusOK).mustContain(t, "Viser 1–50 af 120 sager", "Næste side").
		mustNotContain(t, "Første side", "Forrige side")
	collect(r.body)
	checkNoCPRInURLs(t, "page 1", r.body)
	var urls []string
	for _, want := range []string{"Viser 51–100 af 120 sager", "Viser 101–120 af 120 sager"} {
		u := sideLink(t, r.body, "Næste side")
		if !strings.Contains(u, "efter=") || !strings.Contains(u, "visning=kun-sager") {
			t.Errorf("Næste side links to %q", u)
		}
		urls = append(urls, u)
		r = c.hxGet(u, views.ListeResultaterID).mustStatus(t, http.StatusOK).mustContain(t, want, "Forrige side").
			mustNotContain(t, "<!doctype html>")
		collect(r.body)
		checkNoCPRInURLs(t, want, r.body)
	}
	r.mustNotContain(t, "Næste side")
	for _, cpr := range all {
		if seen[cpr] != 1 {
			t.Errorf("%s shown %d times", cpr, seen[cpr])
		}
	}
	if len(seen) != 120 {
		t.Errorf("%d different rows, want 120", len(seen))
	}
	// Forrige side from the third page is the second page's URL; from the second the first's.
	if u := sideLink(t, r.body, "Forrige side"); u != urls[0] {
		t.Errorf("Forrige side of page 3: %q, want page 2's %q", u, urls[0])
	}
	if u := sideLink(t, r.body, "Første side"); u != "/indberetninger/egne?filter=alle&visning=kun-sager" {
		t.Errorf("Første side of page 3: %q", u)
	}
	// Without JavaScript (and on reload) a page's URL gives the whole page.
	r = c.get(urls[0]).mustStatus(t, http.StatusOK).mustContain(t, "<!doctype html>", "Viser 51–100 af 120 sager").
		mustNotContain(t, "Første side")
	if u := sideLink(t, r.body, "Forrige side"); u != "/indberetninger/egne?filter=alle&visning=kun-sager" {
		t.Errorf("Forrige side of page 2: %q", u)
	}
	c.get(sideLink(t, r.body, "Forrige side")).mustContain(t, "Viser 1–50 af 120 sager")
	c.post("/indberetninger/egne", url.Values{"visning": {"kun-sager"}}, true).mustContain(t, "Viser 1–50 af 120 sager")
	// A cursor the server did not make is refused: the first page with a message (issue 14 #6).
	c.post("/indberetninger/egne", url.Values{"efter": {"bm90LWEtY3Vyc29y"}, "visning": {"kun-sager"}}, true).
		mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, msgSideUgyldig, "Viser 1–50 af 120 sager")
	// Paging within a search keeps the search: prefix 1 (days 10–19) over pages of 50.
	r = c.post("/indberetninger/egne", url.Values{"cpr": {"1"}, "visning": {"sager-og-ydelser"}}, true).mustStatus(t, http.StatusOK)
	for _, row := range rowTexts(t, r.body) {
		if !strings.HasPrefix(row, "1") {
			t.Errorf("search 1 shows %q", row)
		}
	}
	// The CPR access record of a page says where it begins (tenant.ShowList): the pages
	// after the first, with their 50 and 20 CPR numbers.
	pages := map[string]int{}
	for _, a := range tenanttest.CPRAccessLog(t, b.db, "751") {
		if strings.HasPrefix(a.Detail, "liste=egne visning=kun-sager filter=alle") {
			pages[strings.TrimPrefix(a.Detail, "liste=egne visning=kun-sager filter=alle")] = len(a.CPRs)
		}
	}
	if pages[""] != 50 || pages[" fra=51"] != 50 || pages[" fra=101"] != 20 {
		t.Errorf("the records of the pages (by where they begin: CPR numbers): %v", pages)
	}
	// The search's pages are POSTs still, keeping the prefix out of the URL.
	r = c.post("/indberetninger/egne", url.Values{"cpr": {"0"}, "visning": {"kun-sager"}}, true).mustStatus(t, http.StatusOK)
	m := efterRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no Næste side of the search 0")
	}
	r = c.post("/indberetninger/egne", url.Values{"cpr": {"0"}, "efter": {html.UnescapeString(m[1])}, "visning": {"kun-sager"}}, true).
		mustStatus(t, http.StatusOK).mustContain(t, "<!doctype html>", "Viser 51–", "Forrige side")
	checkNoCPRInURLs(t, "search page 2", r.body)
	for _, row := range rowTexts(t, r.body) {
		if !strings.HasPrefix(row, "0") {
			t.Errorf("search 0, page 2 shows %q", row)
		}
	}
}
