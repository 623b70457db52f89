package app

import (
	"net/http"
	"net/url"
	"testing"

	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// Issue 14's review: the hostile requests the first hardening let through.

// TestPostReadsOnlyItsBody: the list search and the log viewers read what a POST sends (the
// CPR number, the cursor, the filters) only from its body. A CPR number in the URL of the
// POST, where proxy logs and the browser history keep it, filters nothing.
func TestPostReadsOnlyItsBody(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.listeFixture()
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	body := url.Values{"visning": {"kun-sager"}, "filter": {"alle"}}
	c.post("/indberetninger/egne?cpr=050281", body, true).mustStatus(t, http.StatusOK).
		mustContain(t, "Anna Åben", "Bo Lukket").mustNotContain(t, `value="050281"`)
	c.post("/indberetninger/egne?efter=bm90LWEtY3Vyc29y", body, true).mustStatus(t, http.StatusOK).
		mustNotContain(t, msgSideUgyldig)
	c.post("/indberetninger/egne?visning=ydelser-ved-sag&filter=afsluttede", body, true).mustStatus(t, http.StatusOK).
		mustContain(t, "Anna Åben", "Bo Lukket")

	b.logTestChange(1)
	b.grantDataRight("kommuneadmin.101@demo.invalid")
	a := b.client()
	a.login("kommuneadmin.101@demo.invalid")
	for _, path := range []string{"/revision", "/cpr-adgang"} {
		r := a.post(path+"?cpr="+demo.NielsHansenCPR+"&bruger=x%40y.invalid&efter=bm90LWEtY3Vyc29y", url.Values{}, true).
			mustStatus(t, http.StatusOK).mustNotContain(t, demo.NielsHansenCPR, "x@y.invalid", msgSideUgyldig)
		log := tenanttest.CPRAccessLog(t, b.db, "101")
		if n := len(log); n > 0 && log[n-1].Action == "search" {
			t.Errorf("POST %s with the CPR number in the URL searched by it: %+v", path, log[n-1])
		}
		_ = r
	}
}
