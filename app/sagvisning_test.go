package app

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// TestSagVisningForLaeser: a reader sees the sag and every field of its ydelses, with the
// forms' labels and Danish dates, and nothing to change; the view is a CPR access (T1: not
// another kommune's sag).
func TestSagVisningForLaeser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	niels := sagIDByCPR(t, b, "101", demo.NielsHansenCPR)
	c := b.client()
	c.login("laeser.101@demo.invalid")
	r := c.get(fmt.Sprintf("/sager/%d", niels)).mustStatus(t, http.StatusOK)
	r.mustContain(t, "Sag 150362-1235", "<dt>Navn</dt><dd>Niels Hansen</dd>", "<dt>Funktionsvurdering</dt><dd>C Moderat problem</dd>",
		"<dt>Bemærkninger</dt><dd>Eksemplet fra vejledningen.</dd>", "<dt>Status</dt><dd>Ikke afsluttet</dd>",
		"<dt>Indberettet</dt><dd>Ikke indberettet</dd>",
		"<dt>Varighed</dt><dd>Periodeydelse</dd>", "<dt>Bevillingsdato</dt><dd>10-02-2014</dd>", "<dt>Startdato</dt><dd>01-03-2014</dd>",
		"<dt>Slutdato</dt><dd>31-08-2016</dd>", "<dt>Forventet slutdato</dt><dd>–</dd>", "<dt>Betalingskommune</dt><dd>101 København</dd>",
		"<dt>P-nummer</dt><dd>9000000101</dd>", "<dt>Tilbudstype</dt><dd>3.1.0 ", "Primær målgruppe", "1.1.4 ")
	r.mustNotContain(t, "/rediger", "/slet", "Gem og", "Tilføj ydelse", `method="post" action="/sager`)
	checkNoCPRInURLs(t, "sag view", r.body)
	log := tenanttest.CPRAccessLog(t, b.db, "101")
	if last := log[len(log)-1]; last.UserEmail != "laeser.101@demo.invalid" || last.Action != "view" ||
		last.Detail != fmt.Sprintf("sag %d", niels) || !slices.Equal(last.CPRs, []string{demo.NielsHansenCPR}) {
		t.Errorf("CPR access record of the view: %+v", last)
	}

	// T1: another kommune's sag is not found, also when it names the kommune.
	o := b.client()
	o.login("laeser.147@demo.invalid")
	o.get(fmt.Sprintf("/sager/%d", niels)).mustStatus(t, http.StatusNotFound)
	o.get(fmt.Sprintf("/sager/%d?kommune=101", niels)).mustStatus(t, http.StatusNotFound)
	c.get("/sager/abc").mustStatus(t, http.StatusNotFound)
	c.get("/sager/999999").mustStatus(t, http.StatusNotFound)
}

// TestDSTReadsAKommunesList: DST picks a kommune and reads its All (read only): the
// delivered data only, no edit actions, the kommune kept in every link, and the CPR numbers
// it sees logged under that kommune (S9, T3).
func TestDSTReadsAKommunesList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.listeFixture() // in 751: A and B in Egne IDEP only, D delivered
	c := b.client()
	c.login("dst@demo.invalid")

	// The choice: one of the 98, else the picker again with a message (422).
	c.get("/indberetninger").mustStatus(t, http.StatusOK).mustContain(t, `action="/indberetninger/alle"`, `name="kommune"`,
		`<option value="751" data-search="751">Aarhus (751)</option>`)
	c.get("/indberetninger/alle").mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "Vælg en af de 98 kommuner på listen.")
	c.get("/indberetninger/alle?kommune=999").mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "Vælg en af de 98 kommuner på listen.")
	c.get("/indberetninger/egne?kommune=751").mustStatus(t, http.StatusNotFound) // no Egne IDEP for DST

	r := c.get("/indberetninger/alle?kommune=751&visning=sager-og-ydelser&filter=alle").mustStatus(t, http.StatusOK)
	r.mustContain(t, "All (read only) – Aarhus (751)", "Vælg en anden kommune",
		`href="/indberetninger/alle?filter=alle&kommune=751&visning=kun-sager"`, `<input type="hidden" name="kommune" value="751">`,
		fmt.Sprintf(`<a href="/sager/%d?kommune=751">Vis sag`, f.sagD))
	r.mustNotContain(t, "Anna Åben", "Bo Lukket", ">Opret<", "Tilføj", "Redigér", "/slet")
	if rows := rowTexts(t, r.body); !slices.Equal(rows, []string{
		"311285-1234 | Dorte System | 1.3 Behandling | 01-02-2024 | | 751 Aarhus | Ikke afsluttet | 14-05-2025 | Vis sag 311285-1234"}) {
		t.Errorf("DST's rows of 751: %q", rows)
	}
	checkNoCPRInURLs(t, "DST's list", r.body)

	// The search (POST, the kommune in the form) and Ydelser ved sag keep the kommune.
	c.post("/indberetninger/alle", url.Values{"kommune": {"751"}, "cpr": {"3112"}}, true).mustStatus(t, http.StatusOK).
		mustContain(t, "Dorte System")
	c.post("/indberetninger/alle", url.Values{"kommune": {"751"}, "cpr": {"0502"}}, true).mustStatus(t, http.StatusOK).
		mustContain(t, "Ingen poster").mustNotContain(t, "Anna Åben")
	c.post("/indberetninger/alle", url.Values{"cpr": {"3112"}}, true).mustStatus(t, http.StatusNotFound)
	r = c.get(fmt.Sprintf("/indberetninger/alle/valgt?kommune=751&handling=ydelser-ved-sag&valgt=ydelse:%d", f.yD)).mustStatus(t, http.StatusSeeOther)
	if loc, want := r.header.Get("Location"), fmt.Sprintf("/indberetninger/alle?filter=alle&kommune=751&sag=%d&visning=ydelser-ved-sag", f.sagD); loc != want {
		t.Errorf("Ydelser ved sag to %q, want %q", loc, want)
	}
	c.get(fmt.Sprintf("/indberetninger/alle/valgt?kommune=751&handling=ydelser-ved-sag&valgt=sag:%d", f.sagA)).mustStatus(t, http.StatusNotFound)
	c.get(fmt.Sprintf("/indberetninger/alle/valgt?kommune=751&handling=rediger&valgt=sag:%d", f.sagD)).mustStatus(t, http.StatusForbidden)
	c.get(fmt.Sprintf("/indberetninger/alle?kommune=751&visning=ydelser-ved-sag&sag=%d", f.sagA)).mustStatus(t, http.StatusNotFound)

	// The read-only sag: delivered only, of the named kommune.
	c.get(fmt.Sprintf("/sager/%d?kommune=751", f.sagD)).mustStatus(t, http.StatusOK).
		mustContain(t, "Sag 311285-1234", "Dorte System", "Kun de indberettede ydelser vises", "Tilbage til All (read only) – Aarhus (751)")
	c.get(fmt.Sprintf("/sager/%d?kommune=751", f.sagA)).mustStatus(t, http.StatusNotFound)
	c.get(fmt.Sprintf("/sager/%d", f.sagD)).mustStatus(t, http.StatusNotFound)
	c.get(fmt.Sprintf("/sager/%d?kommune=101", f.sagD)).mustStatus(t, http.StatusNotFound)

	// Everything DST saw is in 751's CPR access log, under DST's name; none of it is the
	// platform's.
	var dst []string
	for _, a := range tenanttest.CPRAccessLog(t, b.db, "751") {
		if a.UserEmail == "dst@demo.invalid" {
			dst = append(dst, a.Action+" "+strings.Join(a.CPRs, ","))
		}
	}
	want := []string{"list 3112851234", "search 3112851234", "view 3112851234"}
	if !slices.Equal(dst, want) {
		t.Errorf("DST's CPR access records in 751: %q, want %q", dst, want)
	}
	if n := len(tenanttest.CPRAccessLog(t, b.db, "000")); n != 0 {
		t.Errorf("%d CPR access records under the platform, want 0", n)
	}
}
