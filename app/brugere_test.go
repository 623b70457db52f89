package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"indberet/tenant"
	"indberet/tenant/access"
)

// userID is the id of the demo user with the given e-mail.
func (b *bundle) userID(email string) int64 {
	b.t.Helper()
	u, err := b.accounts.ByEmail(context.Background(), email)
	if err != nil {
		b.t.Fatal(err)
	}
	return u.ID
}

// rolesOf reads the user's roles in kommune from the database.
func (b *bundle) rolesOf(id int64, kommune string) []string {
	b.t.Helper()
	var roles []string
	b.in(kommune, func(ctx context.Context, tx *tenant.Tx) (err error) {
		roles, err = access.RolesOf(ctx, tx, id, kommune)
		return err
	})
	return roles
}

func brugerURL(id int64) string { return "/brugere/" + strconv.FormatInt(id, 10) }

func TestBrugereList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	r := c.get("/brugere").mustStatus(t, http.StatusOK).mustContain(t, "Brugere og rettigheder", "Opret bruger",
		"indberetter.101@demo.invalid", "laeser.101@demo.invalid", "uden-ret.101@demo.invalid",
		"Indberetter", "Læser", "Kommuneadministrator", "Ingen rettigheder", "Aktiv", "Aldrig", "(dig)",
		`href="`+brugerURL(b.userID("laeser.101@demo.invalid"))+`"`)
	// The administrator's own last login, DD-MM-YYYY HH:MM in Copenhagen.
	if !regexp.MustCompile(`<td>\d{2}-\d{2}-\d{4} \d{2}:\d{2}</td>`).MatchString(r.body) {
		t.Error("no last login as DD-MM-YYYY HH:MM")
	}
	for _, other := range []string{".147@demo.invalid", "dst@demo.invalid", "platform@demo.invalid"} {
		if contains(r.body, other) {
			t.Errorf("101's list shows %s", other)
		}
	}
}

func TestOpretBruger(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	c.get("/brugere/ny").mustStatus(t, http.StatusOK).mustContain(t, "Navn", "E-mail",
		"Ret til at administrere data for handicappede", "Læseadgang", "Kommuneadministrator")
	r := c.post("/brugere/ny", url.Values{"navn": {"Anne Ny"}, "email": {"Anne.Ny@KK.dk"},
		"roller": {"indberetter", "laeser"}}, true).mustStatus(t, http.StatusCreated).
		mustContain(t, "Brugeren er oprettet", "Anne Ny (anne.ny@kk.dk)", "Indberetter, Læser")
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	m := regexp.MustCompile(`<code id="startadgangskode">([^<]+)</code>`).FindStringSubmatch(r.body)
	if m == nil || len(m[1]) < 12 {
		t.Fatalf("no initial password shown: %s", r.body)
	}
	password := m[1]
	id := b.userID("anne.ny@kk.dk")
	if got := b.rolesOf(id, "101"); !slices.Equal(got, []string{access.Indberetter, access.Laeser}) {
		t.Errorf("roles %v", got)
	}
	if got := b.auditActions("101", "user", strconv.FormatInt(id, 10)); !slices.Equal(got, []string{"user.create"}) {
		t.Errorf("audit %v", got)
	}
	// Never stored in clear: not in the audit log, the sessions or the users table.
	var found bool
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM audit_log WHERE coalesce(after::text, '') || coalesce(before::text, '') LIKE '%' || $1 || '%')
			OR EXISTS (SELECT 1 FROM sessions WHERE data::text LIKE '%' || $1 || '%')
			OR EXISTS (SELECT 1 FROM users WHERE password_hash LIKE '%' || $1 || '%' OR password_hash NOT LIKE '$argon2id$%')`,
			password).Scan(&found)
	})
	if found {
		t.Error("the initial password is stored in clear")
	}
	// The new user logs in with it and uses the system.
	n := b.client()
	n.get("/login")
	n.post("/login", url.Values{"email": {"anne.ny@kk.dk"}, "password": {password}}, true).mustStatus(t, http.StatusSeeOther)
	n.get("/sager/ny").mustStatus(t, http.StatusOK)
}

func TestOpretBrugerRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	count := func() int {
		users, err := b.accounts.InKommune(context.Background(), "101")
		if err != nil {
			t.Fatal(err)
		}
		return len(users)
	}
	n := count()
	for _, tc := range []struct {
		name string
		form url.Values
		want []string
	}{
		{"no name", url.Values{"navn": {"  "}, "email": {"ny@kk.dk"}, "roller": {"laeser"}},
			[]string{"Angiv brugerens navn.", `value="ny@kk.dk"`, `value="laeser" checked`}},
		{"bad email", url.Values{"navn": {"Bo Ny"}, "email": {"bo@kk"}, "roller": {"indberetter", "kommuneadmin"}},
			[]string{"Angiv en gyldig e-mailadresse", `value="Bo Ny"`, `value="bo@kk"`, `value="indberetter" checked`, `value="kommuneadmin" checked`}},
		{"duplicate email", url.Values{"navn": {"Bo Ny"}, "email": {"Laeser.147@demo.invalid"}},
			[]string{"Der findes allerede en bruger med denne e-mailadresse.", `value="Laeser.147@demo.invalid"`}},
		{"a role of DST", url.Values{"navn": {"Bo Ny"}, "email": {"bo@kk.dk"}, "roller": {"dst"}},
			[]string{"Vælg blandt rettighederne på listen."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.post("/brugere/ny", tc.form, true).mustStatus(t, http.StatusUnprocessableEntity).
				mustContain(t, append(tc.want, "Formularen er ikke gemt")...)
			if contains(r.body, `id="startadgangskode"`) {
				t.Error("a refused form shows a password")
			}
		})
	}
	if got := count(); got != n {
		t.Errorf("%d users in 101 after refusals, want %d", got, n)
	}
}

// TestGrantAccessRevoke: through the screens, the administrator gives a user the right of
// T2, the user's next request may use the data screens, and after the right is taken away
// the next request is denied; deactivating logs the user out at once.
func TestGrantAccessRevoke(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.client()
	admin.login("kommuneadmin.101@demo.invalid")
	user := b.client()
	user.login("uden-ret.101@demo.invalid")
	id := b.userID("uden-ret.101@demo.invalid")
	url_ := brugerURL(id)

	user.get("/sager/ny").mustStatus(t, http.StatusForbidden).mustContain(t, t2Message)
	admin.get(url_).mustStatus(t, http.StatusOK).mustContain(t, "Demo uden rettighed", "Gem rettigheder", "Deaktiver bruger")
	r := admin.post(url_, url.Values{"handling": {"roller"}, "roller": {"indberetter"}}, true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != url_ {
		t.Errorf("after saving: to %q", loc)
	}
	admin.get(url_).mustContain(t, "Rettighederne for Demo uden rettighed er gemt.", `value="indberetter" checked`)
	user.get("/sager/ny").mustStatus(t, http.StatusOK)
	user.get("/").mustStatus(t, http.StatusOK).mustContain(t, "Indberetter")

	admin.post(url_, url.Values{"handling": {"roller"}}, true).mustStatus(t, http.StatusSeeOther)
	user.get("/sager/ny").mustStatus(t, http.StatusForbidden).mustContain(t, t2Message)
	if got := b.auditActions("101", "user", strconv.FormatInt(id, 10)); !slices.Equal(got, []string{"user.create", "user.roles", "user.roles"}) {
		t.Errorf("audit %v", got)
	}

	// Deactivating ends the user's sessions; reactivating lets them log in again.
	admin.post(url_, url.Values{"handling": {"deaktiver"}}, true).mustStatus(t, http.StatusSeeOther)
	if r := user.get("/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Errorf("deactivated user's next request: %d %q", r.status, r.header.Get("Location"))
	}
	admin.get(url_).mustContain(t, "er deaktiveret og logget ud.", "Genaktiver bruger")
	admin.get("/brugere").mustContain(t, "Deaktiveret")
	admin.post(url_, url.Values{"handling": {"genaktiver"}}, true).mustStatus(t, http.StatusSeeOther)
	user.login("uden-ret.101@demo.invalid")
	admin.post(url_, url.Values{"handling": {"noget andet"}}, true).mustStatus(t, http.StatusBadRequest)
}

// TestLastAdministrator: the kommune's last active administrator cannot lose the role or be
// deactivated; with a second administrator both are allowed.
func TestLastAdministrator(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.client()
	admin.login("kommuneadmin.101@demo.invalid")
	me := b.userID("kommuneadmin.101@demo.invalid")
	mine := brugerURL(me)

	admin.post(mine, url.Values{"handling": {"roller"}, "roller": {"indberetter"}}, true).
		mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, "Kommunen skal have mindst én aktiv kommuneadministrator", `value="indberetter" checked`)
	admin.post(mine, url.Values{"handling": {"deaktiver"}}, true).
		mustStatus(t, http.StatusConflict).mustContain(t, "før du deaktiverer denne bruger")
	if got := b.rolesOf(me, "101"); !slices.Equal(got, []string{access.Kommuneadmin}) {
		t.Errorf("roles after refusals: %v", got)
	}
	if u, _ := b.accounts.ByID(context.Background(), me); !u.Active {
		t.Error("last administrator deactivated")
	}

	// A second administrator; now the first may step down (and lands on the start page).
	laeser := b.userID("laeser.101@demo.invalid")
	admin.post(brugerURL(laeser), url.Values{"roller": {"laeser", "kommuneadmin"}}, true).mustStatus(t, http.StatusSeeOther)
	r := admin.post(mine, url.Values{"handling": {"roller"}, "roller": {"indberetter"}}, true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/" {
		t.Errorf("after changing own rights: to %q, want /", loc)
	}
	admin.get("/brugere").mustStatus(t, http.StatusForbidden)
	admin.get("/sager/ny").mustStatus(t, http.StatusOK)
	// The other administrator is now the last one.
	other := b.client()
	other.login("laeser.101@demo.invalid")
	other.post(brugerURL(laeser), url.Values{"handling": {"deaktiver"}}, true).mustStatus(t, http.StatusConflict)
}

// TestBrugereStayInKommune (T1): another kommune's user id is a 404 and nothing changes;
// without the CSRF token nothing is done.
func TestBrugereStayInKommune(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("kommuneadmin.147@demo.invalid")
	id := b.userID("laeser.101@demo.invalid")
	c.get(brugerURL(id)).mustStatus(t, http.StatusNotFound)
	c.post(brugerURL(id), url.Values{"handling": {"roller"}, "roller": {"kommuneadmin"}}, true).mustStatus(t, http.StatusNotFound)
	c.post(brugerURL(id), url.Values{"handling": {"deaktiver"}}, true).mustStatus(t, http.StatusNotFound)
	c.get("/brugere/999999").mustStatus(t, http.StatusNotFound)
	c.get("/brugere/abc").mustStatus(t, http.StatusNotFound)
	if got := b.rolesOf(id, "101"); !slices.Equal(got, []string{access.Laeser}) {
		t.Errorf("101's user got roles %v", got)
	}
	if got := b.rolesOf(id, "147"); len(got) != 0 {
		t.Errorf("101's user got roles in 147: %v", got)
	}
	if u, _ := b.accounts.ByID(context.Background(), id); !u.Active {
		t.Error("101's user deactivated from 147")
	}
	r := c.get("/brugere").mustStatus(t, http.StatusOK).mustContain(t, "laeser.147@demo.invalid")
	if contains(r.body, ".101@demo.invalid") {
		t.Error("147's list shows 101's users")
	}

	// CSRF: no token, nothing done.
	own := b.userID("laeser.147@demo.invalid")
	c.post(brugerURL(own), url.Values{"handling": {"deaktiver"}}, false).mustStatus(t, http.StatusForbidden).mustContain(t, "Siden er udløbet")
	c.post("/brugere/ny", url.Values{"navn": {"Bo"}, "email": {"bo@frb.dk"}}, false).mustStatus(t, http.StatusForbidden)
	if u, _ := b.accounts.ByID(context.Background(), own); !u.Active {
		t.Error("deactivated without CSRF token")
	}
	if _, err := b.accounts.ByEmail(context.Background(), "bo@frb.dk"); err == nil {
		t.Error("created without CSRF token")
	}
	// A platform administrator has no kommune: no user screens here.
	p := b.client()
	p.login("platform@demo.invalid")
	p.get("/brugere").mustStatus(t, http.StatusNotFound)
}

func TestKonto(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	other := b.client()
	other.login("indberetter.101@demo.invalid")
	c.get("/konto").mustStatus(t, http.StatusOK).mustContain(t, "Min konto", "indberetter.101@demo.invalid",
		"København (101)", "Indberetter", "Nuværende adgangskode", "Gentag ny adgangskode", "(denne session)",
		"Log ud af alle andre sessioner")

	const nyKode = "en helt ny adgangskode"
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"wrong current", url.Values{"adgangskode": {"forkert-kode-123"}, "ny": {nyKode}, "gentag": {nyKode}}, "Den nuværende adgangskode er forkert."},
		{"too short", url.Values{"adgangskode": {"demo-indberet-2026"}, "ny": {"kort"}, "gentag": {"kort"}}, "mindst 12 tegn"},
		{"not repeated", url.Values{"adgangskode": {"demo-indberet-2026"}, "ny": {nyKode}, "gentag": {nyKode + "!"}}, "Gentag den nye adgangskode"},
	} {
		r := c.post("/konto", tc.form, true).mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, tc.want)
		if contains(r.body, `value="`+tc.form.Get("adgangskode")+`"`) || contains(r.body, `value="`+nyKode) {
			t.Errorf("%s: a password is sent back", tc.name)
		}
	}
	other.get("/").mustStatus(t, http.StatusOK) // refusals end nothing

	c.post("/konto", url.Values{"adgangskode": {"demo-indberet-2026"}, "ny": {nyKode}, "gentag": {nyKode}}, true).
		mustStatus(t, http.StatusSeeOther)
	c.get("/konto").mustStatus(t, http.StatusOK).mustContain(t, "Din adgangskode er skiftet.", "Du er ikke logget ind andre steder.")
	if r := other.get("/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Errorf("other session after the change: %d %q", r.status, r.header.Get("Location"))
	}
	if _, err := b.accounts.Login(context.Background(), "indberetter.101@demo.invalid", nyKode, "1.2.3.4"); err != nil {
		t.Errorf("new password: %v", err)
	}
	id := strconv.FormatInt(b.userID("indberetter.101@demo.invalid"), 10)
	if got := b.auditActions("101", "user", id); !slices.Contains(got, "user.password") {
		t.Errorf("audit %v", got)
	}
	// CSRF: no token, no change.
	c.post("/konto", url.Values{"adgangskode": {nyKode}, "ny": {"endnu en ny kode"}, "gentag": {"endnu en ny kode"}}, false).
		mustStatus(t, http.StatusForbidden)
	if _, err := b.accounts.Login(context.Background(), "indberetter.101@demo.invalid", nyKode, "1.2.3.4"); err != nil {
		t.Errorf("changed without CSRF token: %v", err)
	}
}

func TestLogUdAfAndreSessioner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("dst@demo.invalid")
	others := []*client{b.client(), b.client()}
	for _, o := range others {
		o.login("dst@demo.invalid")
	}
	r := c.get("/konto").mustStatus(t, http.StatusOK).mustContain(t, "Alle kommuner", "Danmarks Statistik")
	if n := strings.Count(r.body, "<tr>"); n != 4+1+3 { // 4 rows about the user, a header, 3 sessions
		t.Errorf("%d rows, want 8", n)
	}
	c.post("/konto/sessioner", nil, false).mustStatus(t, http.StatusForbidden)
	others[0].get("/").mustStatus(t, http.StatusOK)
	c.post("/konto/sessioner", nil, true).mustStatus(t, http.StatusSeeOther)
	c.get("/konto").mustStatus(t, http.StatusOK).mustContain(t, "Du er logget ud af 2 andre sessioner.", "Du er ikke logget ind andre steder.")
	for _, o := range others {
		if r := o.get("/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
			t.Errorf("other session: %d %q", r.status, r.header.Get("Location"))
		}
	}
	if got := b.auditActions("000", "user", strconv.FormatInt(b.userID("dst@demo.invalid"), 10)); !slices.Contains(got, "user.end_sessions") {
		t.Errorf("audit %v", got)
	}
}
