package app

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/demo"
)

// lockOut sends wrong passwords of email until its pair with this client's address is
// locked (issue 14 #5).
func (c *client) lockOut(t *testing.T, email string) {
	t.Helper()
	c.get("/login")
	for i := 0; i < accounts.DefaultLimits.LockAfter; i++ {
		c.post("/login", url.Values{"email": {email}, "password": {"forkert"}}, true).mustStatus(t, http.StatusUnprocessableEntity)
	}
	c.post("/login", url.Values{"email": {email}, "password": {demo.Password}}, true).mustStatus(t, http.StatusTooManyRequests)
}

// throttled tells whether email has failed logins the administrators see.
func (b *bundle) throttled(email string) bool {
	b.t.Helper()
	th, err := b.accounts.ThrottleOf(context.Background(), email)
	if err != nil {
		b.t.Fatal(err)
	}
	return th.Active()
}

// issue 14 #5: the kommune's administrator sees that a user is locked out from an address
// and lifts it (audited); another kommune's administrator cannot (T1), nor a forged form.
func TestOphaevSpaerring(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fixClock() // 23-11-2026 09:00 UTC, 10:00 in Copenhagen
	const email = "laeser.101@demo.invalid"
	id := b.userID(email)
	attacker := b.client()
	attacker.lockOut(t, email)

	admin := b.client()
	admin.login("kommuneadmin.101@demo.invalid")
	admin.get(brugerURL(id)).mustStatus(t, http.StatusOK).mustContain(t, "Mislykkede login",
		"5 mislykkede forsøg på at logge ind, senest 23-11-2026 10:00.",
		"Login er spærret fra 1 adresse til 23-11-2026 10:00. Fra andre adresser kan brugeren logge ind med sin adgangskode.",
		"Ophæv spærring", `value="ophaev-spaerring"`)

	other := b.client()
	other.login("kommuneadmin.147@demo.invalid")
	other.post(brugerURL(id), url.Values{"handling": {"ophaev-spaerring"}}, true).mustStatus(t, http.StatusNotFound)
	admin.post(brugerURL(id), url.Values{"handling": {"ophaev-spaerring"}}, false).mustStatus(t, http.StatusForbidden)
	if !b.throttled(email) {
		t.Fatal("lifted by another kommune's administrator or without a CSRF token")
	}

	r := admin.post(brugerURL(id), url.Values{"handling": {"ophaev-spaerring"}}, true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != brugerURL(id) {
		t.Errorf("after lifting: to %q", loc)
	}
	admin.get(brugerURL(id)).mustStatus(t, http.StatusOK).mustContain(t,
		"De mislykkede login for", "er glemt, og brugeren er ikke længere spærret fra nogen adresse.",
		"Ingen mislykkede forsøg på at logge ind.").mustNotContain(t, "Ophæv spærring")
	if b.throttled(email) {
		t.Error("still throttled")
	}
	if got := b.auditActions("101", "user", strconv.FormatInt(id, 10)); !slices.Contains(got, "user.unlock") {
		t.Errorf("audit %v, want user.unlock", got)
	}
	admin.get("/revision").mustStatus(t, http.StatusOK).mustContain(t, "Spærring af login ophævet", "Spærrede adresser")
	attacker.login(email) // the address that failed is let in again
	admin.post(brugerURL(id), url.Values{"handling": {"ophaev-spaerring"}}, true).mustStatus(t, http.StatusSeeOther)
	admin.get(brugerURL(id)).mustContain(t, "Der var ingen ændringer at gemme.")
}

// issue 14 #5: the platform administrator sees every user's failed logins on *Alle brugere*
// and lifts those of users of no kommune (DST, platform); a kommune's user is its
// administrator's (T1).
func TestOphaevSpaerringPlatform(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fixClock()
	dst, laeser := b.userID("dst@demo.invalid"), b.userID("laeser.101@demo.invalid")
	b.client().lockOut(t, "dst@demo.invalid")
	b.client().lockOut(t, "laeser.101@demo.invalid")

	p := b.client()
	p.login("platform@demo.invalid")
	r := p.get("/alle-brugere").mustStatus(t, http.StatusOK).mustContain(t, "Mislykkede login", "Spærret fra 1 adresse")
	if n := strings.Count(r.body, "Ophæv spærring"); n != 1 {
		t.Errorf("%d buttons Ophæv spærring, want 1 (DST's; 101's user is 101's)", n)
	}
	for _, form := range []url.Values{
		{"bruger": {strconv.FormatInt(laeser, 10)}},
		{"bruger": {"abc"}},
		{"bruger": {"999999"}},
		{"bruger": {strconv.FormatInt(dst, 10)}, "kommune": {"999"}},
	} {
		p.post("/alle-brugere", form, true).mustStatus(t, http.StatusNotFound)
	}
	if !b.throttled("laeser.101@demo.invalid") || !b.throttled("dst@demo.invalid") {
		t.Fatal("a refused request lifted a lock")
	}
	r = p.post("/alle-brugere", url.Values{"bruger": {strconv.FormatInt(dst, 10)}, "kommune": {"-"}}, true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/alle-brugere?kommune=-" {
		t.Errorf("after lifting: to %q", loc)
	}
	p.get("/alle-brugere?kommune=-").mustStatus(t, http.StatusOK).mustContain(t, "De mislykkede login for").
		mustNotContain(t, "Ophæv spærring")
	if b.throttled("dst@demo.invalid") {
		t.Error("DST's user still throttled")
	}
	if got := b.auditActions(tenant.PlatformKommune, "user", strconv.FormatInt(dst, 10)); !slices.Contains(got, "user.unlock") {
		t.Errorf("audit %v, want user.unlock", got)
	}
	k := b.client()
	k.login("kommuneadmin.101@demo.invalid")
	k.post("/alle-brugere", url.Values{"bruger": {strconv.FormatInt(laeser, 10)}}, true).mustStatus(t, http.StatusForbidden)
}
