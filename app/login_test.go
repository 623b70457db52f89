package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/demo"
)

func TestLoginPageIsDanishAndSecured(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.client().get("/login").mustStatus(t, http.StatusOK).mustContain(t, "E-mail", "Adgangskode", "Log ind", `lang="da"`)
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline: %q", csp)
	}
	if r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers missing: %v", r.header)
	}
	ck := r.header.Get("Set-Cookie")
	if !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Errorf("session cookie %q lacks HttpOnly or SameSite=Lax", ck)
	}
}

func TestLoginAndLogout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.get("/login")
	anonCookie := c.cookies[SessionCookie]
	c.login("indberetter.101@demo.invalid")
	if c.cookies[SessionCookie] == anonCookie {
		t.Error("the session id was not regenerated at login")
	}
	c.get("/").mustStatus(t, http.StatusOK).mustContain(t, "København (101)", "Log ud")
	stolen := c.cookies[SessionCookie]

	r := c.post("/logout", nil, true)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", r.status, r.header.Get("Location"))
	}
	if r := c.get("/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Errorf("after logout GET / = %d %q, want redirect to /login", r.status, r.header.Get("Location"))
	}
	// The old cookie is worth nothing: the session ended server-side.
	replay := b.client()
	replay.cookies[SessionCookie] = stolen
	if r := replay.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("replayed cookie after logout: status %d, want redirect to login", r.status)
	}
}

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	u, err := b.accounts.ByEmail(ctx, "laeser.147@demo.invalid")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.accounts.SetActive(ctx, tenant.Actor{Email: "test"}, u.ID, false); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, email, password, msg string }{
		{"wrong password", "indberetter.101@demo.invalid", "forkert-adgangskode", "Forkert e-mail eller adgangskode."},
		{"unknown user", "findes.ikke@demo.invalid", demo.Password, "Forkert e-mail eller adgangskode."},
		{"deactivated user", "laeser.147@demo.invalid", demo.Password, "Din konto er deaktiveret."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := b.client()
			c.get("/login")
			r := c.post("/login", url.Values{"email": {tc.email}, "password": {tc.password}}, true)
			r.mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, tc.msg, `value="`+tc.email+`"`)
			if c.get("/").status != http.StatusSeeOther {
				t.Error("refused login still gives access")
			}
		})
	}
}

func TestDeactivatingEndsSessionAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.147@demo.invalid")
	u, err := b.accounts.ByEmail(context.Background(), "indberetter.147@demo.invalid")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.accounts.SetActive(context.Background(), tenant.Actor{Email: "test"}, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if r := c.get("/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Errorf("deactivated user's next request: %d %q, want redirect to /login", r.status, r.header.Get("Location"))
	}
}

func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.get("/login")
	email := "indberetter.101@demo.invalid"
	for i := 1; i <= accounts.DefaultLimits.LockAccount; i++ {
		c.post("/login", url.Values{"email": {email}, "password": {"forkert"}}, true).mustStatus(t, http.StatusUnprocessableEntity)
	}
	// Answers slowed down after DelayAfter failures.
	if n := len(*b.sleeps); n != accounts.DefaultLimits.LockAccount || (*b.sleeps)[n-1] <= 0 || (*b.sleeps)[0] != 0 {
		t.Errorf("delays = %v, want none at first and then growing", *b.sleeps)
	}
	// Now even the right password is refused for a while, with a message.
	r := c.post("/login", url.Values{"email": {email}, "password": {demo.Password}}, true)
	r.mustStatus(t, http.StatusTooManyRequests).mustContain(t, "For mange mislykkede forsøg", "Prøv igen om 15 minutter", `value="`+email+`"`)
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}
	// Another account from elsewhere is not affected.
	other := b.client()
	other.login("indberetter.147@demo.invalid")
}

func TestLoginThrottlingPerAddress(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.accounts.Limits.LockAddress = 3
	c := b.client()
	c.get("/login")
	for i := 0; i < 3; i++ {
		c.post("/login", url.Values{"email": {"nr" + string(rune('a'+i)) + "@demo.invalid"}, "password": {"x"}}, true).
			mustStatus(t, http.StatusUnprocessableEntity)
	}
	c.post("/login", url.Values{"email": {"indberetter.101@demo.invalid"}, "password": {demo.Password}}, true).
		mustStatus(t, http.StatusTooManyRequests)
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.get("/login")
	// Login without a token, and with a wrong one.
	c.post("/login", url.Values{"email": {"indberetter.101@demo.invalid"}, "password": {demo.Password}}, false).
		mustStatus(t, http.StatusForbidden).mustContain(t, "Genindlæs siden")
	c.post("/login", url.Values{"_csrf": {"forkert"}, "email": {"indberetter.101@demo.invalid"}, "password": {demo.Password}}, true).
		mustStatus(t, http.StatusForbidden)
	// A stranger with no session at all.
	b.client().post("/login", url.Values{"_csrf": {"x"}, "email": {"a@b.dk"}}, true).mustStatus(t, http.StatusForbidden)

	c.login("indberetter.101@demo.invalid")
	c.post("/logout", nil, false).mustStatus(t, http.StatusForbidden)
	c.get("/").mustStatus(t, http.StatusOK) // still logged in

	// htmx sends the token in a header.
	req := newFormRequest("/logout", url.Values{})
	req.Header.Set("X-Csrf-Token", c.csrf)
	req.Header.Set("HX-Request", "true")
	r := c.do(req)
	if r.status != http.StatusNoContent || r.header.Get("HX-Redirect") != "/login" {
		t.Errorf("htmx logout: %d %q", r.status, r.header.Get("HX-Redirect"))
	}
}
