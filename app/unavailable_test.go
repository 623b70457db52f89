package app

import (
	"net/http"
	"net/url"
	"testing"

	"indberet/tenant/tenanttest"
	"indberet/views"
)

// TestDatabaseUnavailable (issue 14 #9): with the app's database out of reach (it refuses
// connections and has ended the open ones), pages answer 503 with Retry-After and a Danish
// "prøv igen om lidt" page, htmx requests get the message in the page's message region,
// /readyz is 503 plain and /healthz still 200; when the database is back, so is the app.
func TestDatabaseUnavailable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	anon := b.client()
	anon.get("/login") // a session with a CSRF token
	reopen := tenanttest.ShutOut(t, b.db)

	const msg = "Indberet kan ikke nå sin database lige nu. Prøv igen om lidt."
	for what, r := range map[string]response{
		"logged in, GET /":                c.get("/"),
		"logged in, GET /revision":        c.get("/revision"),
		"logged in, POST /kontakt":        c.post(views.KontaktPath, kontaktValues(), true),
		"anonymous, GET /login":           anon.get("/login"),
		"anonymous, POST /login":          anon.post("/login", url.Values{"email": {"a@b.dk"}, "password": {"x"}}, true),
		"logged in, GET /indberetninger/": c.get("/indberetninger/egne"),
	} {
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != unavailableRetryAfter {
			t.Errorf("%s: status %d, Retry-After %q; want 503 with Retry-After", what, r.status, r.header.Get("Retry-After"))
		}
		r.mustContain(t, "Prøv igen om lidt", msg, "<!doctype html>")
	}
	req := newFormRequest(views.RevisionPath, url.Values{"_csrf": {c.csrf}, "bruger": {"a@b.dk"}})
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", views.LogIndholdID)
	r := c.do(req).mustStatus(t, http.StatusServiceUnavailable).mustContain(t, msg).mustNotContain(t, "<!doctype html>")
	if r.header.Get("HX-Retarget") != "#"+views.BeskedID || r.header.Get("Retry-After") != unavailableRetryAfter {
		t.Errorf("htmx: HX-Retarget %q, Retry-After %q", r.header.Get("HX-Retarget"), r.header.Get("Retry-After"))
	}
	r = anon.get("/readyz").mustStatus(t, http.StatusServiceUnavailable)
	if r.body != "database unreachable" {
		t.Errorf("/readyz body %q", r.body)
	}
	anon.get("/healthz").mustStatus(t, http.StatusOK)

	reopen()
	c.get("/").mustStatus(t, http.StatusOK)
	anon.get("/readyz").mustStatus(t, http.StatusOK)
}
