package app

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"indberet/tenant"
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
		"logged in, POST /kontakt":        c.post(views.KontaktpersonerPath, kontaktValues(), true),
		"anonymous, GET /login":           anon.get("/login"),
		"anonymous, POST /login":          anon.post("/login", url.Values{"email": {"a@b.dk"}, "password": {"x"}}, true),
		"logged in, GET /indberetninger/": c.get("/indberetninger/egne"),
	} {
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != unavailableRetryAfter {
			t.Errorf("%s: status %d, Retry-After %q; want 503 with Retry-After", what, r.status, r.header.Get("Retry-After"))
		}
		r.mustContain(t, "Prøv igen om lidt", msg, "<!doctype html>")
	}
	req := newFormRequest(views.AuditLogPath, url.Values{"_csrf": {c.csrf}, "bruger": {"a@b.dk"}})
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

// TestRequestsDoNotWaitForEver: with every connection of the pool taken (here by the test,
// as by a hung statement), a request waits for one only until its deadline and is then
// answered 503 "prøv igen om lidt", not held as long as the pool stays full; and
// opening a connection has a time limit unless the URL sets one (tenant.ConnectTimeout).
func TestRequestsDoNotWaitForEver(t *testing.T) {
	t.Parallel()
	b := setupOn(t, openPool(t, 1))
	deps := b.app.deps
	deps.RequestTimeout = 500 * time.Millisecond
	a, err := newApp(context.Background(), deps, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.app = a
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	held, err := b.db.ToolPool().Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := c.get("/indberetninger/egne")
	took := time.Since(start)
	held.Release()
	if r.status != http.StatusServiceUnavailable || took > 5*time.Second {
		t.Errorf("with the pool taken: %d after %s, want 503 after about %s", r.status, took.Round(time.Millisecond),
			deps.RequestTimeout)
	}
	r.mustContain(t, "Prøv igen om lidt")
	c.get("/indberetninger/egne").mustStatus(t, http.StatusOK)
	if got := b.db.ToolPool().Config().ConnConfig.ConnectTimeout; got != tenant.ConnectTimeout {
		t.Errorf("connect timeout %s, want %s", got, tenant.ConnectTimeout)
	}
}
