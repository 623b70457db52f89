package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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

// fixClock stops the accounts store's clock, so that locks of a second end when the test says.
func (b *bundle) fixClock() *time.Time {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	b.accounts.Now = func() time.Time { return now }
	return &now
}

// issue 14 #5: wrong passwords from one address lock that address out of the account for a
// growing while (429, Retry-After, the wait in Danish, the e-mail kept); other accounts from
// the same address are not affected.
func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := b.fixClock()
	c := b.client()
	c.get("/login")
	email := "indberetter.101@demo.invalid"
	for i := 1; i <= accounts.DefaultLimits.LockAfter; i++ {
		c.post("/login", url.Values{"email": {email}, "password": {"forkert"}}, true).mustStatus(t, http.StatusUnprocessableEntity)
	}
	// Answers slowed down after the pair's first failures.
	if n := len(*b.sleeps); n != accounts.DefaultLimits.LockAfter || (*b.sleeps)[n-1] <= 0 || (*b.sleeps)[0] != 0 {
		t.Errorf("delays = %v, want none at first and then growing", *b.sleeps)
	}
	// Now even the right password is refused from this address, for a second.
	r := c.post("/login", url.Values{"email": {email}, "password": {demo.Password}}, true)
	r.mustStatus(t, http.StatusTooManyRequests).mustContain(t, "For mange mislykkede forsøg på at logge ind. Prøv igen om 1 sekund.",
		`value="`+email+`"`)
	if got := r.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	*now = now.Add(time.Second)
	c.post("/login", url.Values{"email": {email}, "password": {"forkert"}}, true).mustStatus(t, http.StatusUnprocessableEntity)
	r = c.post("/login", url.Values{"email": {email}, "password": {demo.Password}}, true).mustStatus(t, http.StatusTooManyRequests).
		mustContain(t, "Prøv igen om 2 sekunder.")
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2", got)
	}
	// Another account from the same address is not affected.
	other := b.client()
	other.login("indberetter.147@demo.invalid")
}

// issue 14 #5: an address with many failures for other accounts (a NAT, the proxy) slows
// down wrong answers and lets a user with the right password in.
func TestLoginThrottlingPerAddress(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.accounts.Limits.Address.After = 3
	c := b.client()
	c.get("/login")
	for i := 0; i < 5; i++ {
		c.post("/login", url.Values{"email": {"nr" + string(rune('a'+i)) + "@demo.invalid"}, "password": {"x"}}, true).
			mustStatus(t, http.StatusUnprocessableEntity)
	}
	if n := len(*b.sleeps); n != 5 || (*b.sleeps)[4] <= 0 {
		t.Errorf("delays = %v, want the address's last failures slowed down", *b.sleeps)
	}
	c.login("indberetter.101@demo.invalid")
}

// A wrong current password on *Min konto* counts as a failed login from the address: locked,
// the form says how long to wait (429, Retry-After).
func TestKontoThrottled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fixClock()
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	const nyKode = "en helt ny adgangskode"
	for i := 0; i < accounts.DefaultLimits.LockAfter; i++ {
		c.post("/konto", url.Values{"adgangskode": {"forkert-kode-123"}, "ny": {nyKode}, "gentag": {nyKode}}, true).
			mustStatus(t, http.StatusUnprocessableEntity)
	}
	r := c.post("/konto", url.Values{"adgangskode": {demo.Password}, "ny": {nyKode}, "gentag": {nyKode}}, true).
		mustStatus(t, http.StatusTooManyRequests).mustContain(t, "For mange forkerte adgangskoder. Prøv igen om 1 sekund.")
	if got := r.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
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
