package app

import (
	"net/http"
	"net/url"
	"testing"

	"indberet/tenant/accounts"
	"indberet/tenant/demo"
)

// from is a client whose requests a proxy forwards with header set to value.
func (b *bundle) from(header, value string) *client {
	c := b.client()
	c.header = http.Header{header: {value}}
	return c
}

// issue 14 #5: the address the app records (here: a session's, on *Min konto*) comes from a
// proxy's header only when the peer is in TRUSTED_PROXIES (app.Test's peer is 0.0.0.0).
func TestClientAddressFromTrustedProxyOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		env           map[string]string
		header, value string
		want, not     string
	}{
		{"no proxies: X-Forwarded-For ignored", nil, "X-Forwarded-For", "192.0.2.44", "0.0.0.0", "192.0.2.44"},
		{"on Fly without proxies: Fly-Client-IP ignored", map[string]string{"FLY_APP_NAME": "indberet"},
			"Fly-Client-IP", "192.0.2.44", "0.0.0.0", "192.0.2.44"},
		{"trusted proxy: the rightmost untrusted address", map[string]string{"TRUSTED_PROXIES": "0.0.0.0"},
			"X-Forwarded-For", "198.51.100.1, 192.0.2.44", "192.0.2.44", "198.51.100.1"},
		{"Fly's proxy", map[string]string{"TRUSTED_PROXIES": "0.0.0.0/32", "FLY_APP_NAME": "indberet"},
			"Fly-Client-IP", "2001:db8::44", "2001:db8::44", "0.0.0.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupEnv(t, tc.env)
			c := b.from(tc.header, tc.value)
			c.login("indberetter.101@demo.invalid")
			c.get("/konto").mustStatus(t, http.StatusOK).mustContain(t, "<td>"+tc.want+"</td>").mustNotContain(t, tc.not)
		})
	}
}

// issue 14 #5, end to end behind a proxy: an attacker's failures lock the attacker's address
// out of the account, and the owner logs in from another address.
func TestOwnerLogsInWhileAttackerIsLocked(t *testing.T) {
	t.Parallel()
	b := setupEnv(t, map[string]string{"TRUSTED_PROXIES": "0.0.0.0"})
	b.fixClock()
	email := "indberetter.101@demo.invalid"
	attacker := b.from("X-Forwarded-For", "203.0.113.9")
	attacker.get("/login")
	for i := 0; i < accounts.DefaultLimits.LockAfter; i++ {
		attacker.post("/login", url.Values{"email": {email}, "password": {"forkert"}}, true).mustStatus(t, http.StatusUnprocessableEntity)
	}
	attacker.post("/login", url.Values{"email": {email}, "password": {demo.Password}}, true).mustStatus(t, http.StatusTooManyRequests)
	b.from("X-Forwarded-For", "198.51.100.7").login(email)
	// A client cannot pose as another address: the trusted proxy appends the real one.
	spoof := b.from("X-Forwarded-For", "198.51.100.7, 203.0.113.9")
	spoof.get("/login")
	spoof.post("/login", url.Values{"email": {email}, "password": {demo.Password}}, true).mustStatus(t, http.StatusTooManyRequests)
}
