package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"indberet/tenant/demo"
)

// toLoginPage tells whether r sends the browser to the login page (with or without the page
// to come back to, ?next=).
func toLoginPage(r response) bool {
	loc := r.header.Get("Location")
	return r.status == http.StatusSeeOther && (loc == "/login" || strings.HasPrefix(loc, "/login?next="))
}

// TestLocalPath: `next` goes only to a path of this site (issue 17 #3): no open redirect.
func TestLocalPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"/sager/ny", "/sager/ny"},
		{"/sager/17/ydelser/ny", "/sager/17/ydelser/ny"},
		{"/ydelser/3/rediger", "/ydelser/3/rediger"},
		{"/", "/"},
		{"", ""},
		{"sager/ny", ""},
		{"//evil.example", ""},
		{"//evil.example/sager/ny", ""},
		{"///evil.example", ""},
		{"https://evil.example", ""},
		{"http:/evil.example", ""},
		{"javascript:alert(1)", ""},
		{`/\evil.example`, ""},
		{`\/evil.example`, ""},
		{"/%2F/evil.example", ""},
		{"/%5Cevil.example", ""},
		{"/\t/evil.example", ""},
		{"/ /evil.example", ""},
		{"/sager/ny?cpr=1503621235", ""},
		{"/sager/ny#x", ""},
		{"/@evil.example", ""},
		{"/sager/../login", ""},
		{"/login", ""},
		{"/logout", ""},
		{"/" + strings.Repeat("a", 300), ""},
	} {
		if got := localPath(tc.in); got != tc.want {
			t.Errorf("localPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestLoginNext: the login page returns to the page it was sent from (?next=, a local
// path), and to the start page for anything else (issue 17 #3).
func TestLoginNext(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct{ next, want string }{
		{"/sager/ny", "/sager/ny"},
		{"//evil.example", "/"},
		{"https://evil.example/sager/ny", "/"},
		{`/\evil.example`, "/"},
		{"", "/"},
	} {
		c := b.client()
		r := c.get("/login?"+url.Values{"next": {tc.next}}.Encode()).mustStatus(t, http.StatusOK)
		hidden := `name="next" value="` + tc.want + `"`
		if got := strings.Contains(r.body, hidden); got != (tc.want != "/") {
			t.Errorf("next=%q: the login form's hidden next is %v, want %v", tc.next, got, tc.want != "/")
		}
		// A wrong password keeps it; the login goes there (or to the start page).
		c.post("/login", url.Values{"email": {"indberetter.101@demo.invalid"}, "password": {"forkert"}, "next": {tc.next}}, true).
			mustStatus(t, http.StatusUnprocessableEntity)
		r = c.post("/login", url.Values{"email": {"indberetter.101@demo.invalid"}, "password": {demo.Password}, "next": {tc.next}}, true)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != tc.want {
			t.Errorf("login with next=%q: %d to %q, want %q", tc.next, r.status, r.header.Get("Location"), tc.want)
		}
		// Logged in, the login page sends on at once.
		if r := c.get("/login?" + url.Values{"next": {tc.next}}.Encode()); r.status != http.StatusSeeOther || r.header.Get("Location") != tc.want {
			t.Errorf("logged in, /login?next=%q: %d to %q, want %q", tc.next, r.status, r.header.Get("Location"), tc.want)
		}
	}

	// A page asked for without a login comes back after it.
	c := b.client()
	if r := c.get("/sager/ny"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Fsager%2Fny" {
		t.Errorf("GET /sager/ny logged out: %d to %q", r.status, r.header.Get("Location"))
	}
}

// TestStaleFormRefused (issue 17 #3): a form sent after the session ended is refused (403,
// nothing saved) with the way back to the same form after login; for a user still logged
// in (a page from before a new login) the way back to the form; a live update gets the
// message in the page's message region.
func TestStaleFormRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	c.get("/sager/ny").mustStatus(t, http.StatusOK).mustContain(t, `data-kladde`, `data-kladde-bruger="indberetter.101@demo.invalid"`)
	form := url.Values{"cpr": {"010190-0000"}, "_csrf": {"forældet"}}

	// Logged in, stale token.
	r := c.post("/sager/ny", form, false).mustStatus(t, http.StatusForbidden).
		mustContain(t, "Siden er udløbet", `data-kladde-afvist="/sager/ny"`, `href="/sager/ny"`, "Tilbage til formularen")
	if strings.Contains(r.body, "010190-0000") {
		t.Error("the refusal page shows the posted CPR number")
	}

	// The session ended (logout elsewhere): the cookie names no session.
	token := c.csrf
	c.post("/logout", nil, true)
	r = c.post("/sager/ny", url.Values{"cpr": {"010190-0000"}, "_csrf": {token}}, false).mustStatus(t, http.StatusForbidden).
		mustContain(t, "Du er logget ud", `data-kladde-afvist="/sager/ny"`, `href="/login?next=%2Fsager%2Fny"`, "Log ind igen")
	if strings.Contains(r.body, "010190-0000") {
		t.Error("the refusal page shows the posted CPR number")
	}

	// A form with no page of its own has no way back but the login.
	c.post("/logout", url.Values{"_csrf": {token}}, false).mustStatus(t, http.StatusForbidden).
		mustContain(t, `href="/login"`)

	// A live update: the message in the message region.
	req := newFormRequest("/ydelsesfelter", url.Values{"indsatskode": {"1.3"}, "_csrf": {token}})
	req.Header.Set("HX-Request", "true")
	r = c.do(req)
	if r.status != http.StatusForbidden || r.header.Get("HX-Retarget") != "#side-besked" || !strings.Contains(r.body, "ikke længere er logget ind") {
		t.Errorf("live update after logout: %d, retarget %q, %q", r.status, r.header.Get("HX-Retarget"), r.body)
	}
}
