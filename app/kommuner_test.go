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
	"time"

	"indberet/tenant"
	"indberet/tenant/domain"
)

func TestKommunerList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("platform@demo.invalid")
	c.get("/").mustStatus(t, http.StatusOK).mustContain(t, `href="/kommuner"`, `href="/alle-brugere"`).
		mustNotContain(t, `href="/koder"`)
	r := c.get("/kommuner").mustStatus(t, http.StatusOK).mustContain(t, "Kommuner", "Kontaktoplysninger",
		`href="/kommuner/101"`, "København", "(demo)", "Ikke aktiv", "Mangler: Fagligt ansvarlig, Teknisk ansvarlig, Kvitteringsmodtager", "Angivet")
	if n := strings.Count(r.body, `<a href="/kommuner/`); n != 98 {
		t.Errorf("%d kommuner listed, want 98", n)
	}
	// København: active, demo users (indberetter, laeser, kommuneadmin, uden ret) and contact persons.
	c.get("/kommuner/101").mustStatus(t, http.StatusOK).mustContain(t, "København (101)", "Aktiv", "Deaktivér kommunen",
		"Aktive kommuneadministratorer</th><td>1", `href="/alle-brugere?kommune=101">4<`).
		mustNotContain(t, "Opret kommuneadministrator")
	c.get("/kommuner/151").mustStatus(t, http.StatusOK).mustContain(t, "Ballerup (151)", "Ikke aktiv", "Aktivér kommunen",
		"Opret kommuneadministrator", "Mangler: Fagligt ansvarlig, Teknisk ansvarlig, Kvitteringsmodtager")
	c.get("/kommuner/999").mustStatus(t, http.StatusNotFound)
	c.get("/kommuner/abc/deaktiver").mustStatus(t, http.StatusNotFound)

	d := b.client()
	d.login("dst@demo.invalid")
	d.get("/kommuner").mustStatus(t, http.StatusForbidden)
	d.get("/").mustNotContain(t, `href="/kommuner"`)
}

// T3: the platform administrator creates a kommune's first administrator and activates the
// kommune; only then can its users log in, and deactivating it ends their sessions at the
// next request.
func TestKommuneActivationAndFirstAdministrator(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.client()
	p.login("platform@demo.invalid")
	path := "/kommuner/151/administrator"
	p.get(path).mustStatus(t, http.StatusOK).mustContain(t, "Opret kommuneadministrator", "Navn", "E-mail", "Ballerup")

	// Refusals keep the typed values (422); no CSRF is 403.
	for _, tc := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"navn": {""}, "email": {"ny@ballerup.example"}}, "Angiv brugerens navn."},
		{url.Values{"navn": {"Bente Ballerup"}, "email": {"ikke en adresse"}}, "Angiv en gyldig e-mailadresse, fx navn@kommune.dk."},
		{url.Values{"navn": {"Bente Ballerup"}, "email": {"laeser.101@demo.invalid"}}, "Der findes allerede en bruger med denne e-mailadresse."},
	} {
		r := p.post(path, tc.form, true).mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, tc.msg)
		for _, v := range tc.form {
			if v[0] != "" {
				r.mustContain(t, `value="`+v[0]+`"`)
			}
		}
	}
	p.post(path, url.Values{"navn": {"Bente Ballerup"}, "email": {"bente@ballerup.example"}}, false).mustStatus(t, http.StatusForbidden)

	r := p.post(path, url.Values{"navn": {"Bente Ballerup"}, "email": {"Bente@Ballerup.example"}}, true).
		mustStatus(t, http.StatusCreated).mustContain(t, "Brugeren er oprettet", "Bente Ballerup (bente@ballerup.example)",
		"Kommuneadministrator", `href="/kommuner/151"`)
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	m := regexp.MustCompile(`<code id="startadgangskode">([^<]+)</code>`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no initial password shown")
	}
	password := m[1]
	if got := b.rolesOf(b.userID("bente@ballerup.example"), "151"); !slices.Equal(got, []string{"kommuneadmin"}) {
		t.Errorf("roles %v", got)
	}
	// A second one is refused while she is active: the kommune creates its own users.
	p.post(path, url.Values{"navn": {"Anden"}, "email": {"anden@ballerup.example"}}, true).
		mustStatus(t, http.StatusConflict).mustContain(t, "har allerede en aktiv kommuneadministrator", `value="anden@ballerup.example"`)
	p.get("/kommuner/151").mustNotContain(t, "Opret kommuneadministrator")

	// Not active yet: no login, with a Danish message.
	logIn := func(c *client) response {
		c.get("/login")
		return c.post("/login", url.Values{"email": {"bente@ballerup.example"}, "password": {password}}, true)
	}
	bente := b.client()
	logIn(bente).mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "Din kommune er ikke aktiveret i løsningen.")

	p.post("/kommuner/151/aktiver", nil, false).mustStatus(t, http.StatusForbidden)
	p.post("/kommuner/151/aktiver", nil, true).mustStatus(t, http.StatusSeeOther)
	p.get("/kommuner/151").mustContain(t, "Ballerup er aktiveret.", "Deaktivér kommunen")
	if r := logIn(bente); r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("login after activation: %d %s", r.status, r.body)
	}
	bente.get("/brugere").mustStatus(t, http.StatusOK).mustContain(t, "bente@ballerup.example")

	// Deactivation asks first, then ends Bente's session at her next request; 101 goes on.
	kbh := b.client()
	kbh.login("indberetter.101@demo.invalid")
	p.get("/kommuner/151/deaktiver").mustStatus(t, http.StatusOK).mustContain(t, "Er du sikker?", "Kommunens 1 bruger bliver",
		"Ja, deaktivér")
	p.post("/kommuner/151/deaktiver", nil, false).mustStatus(t, http.StatusForbidden)
	bente.get("/brugere").mustStatus(t, http.StatusOK)
	p.post("/kommuner/151/deaktiver", nil, true).mustStatus(t, http.StatusSeeOther)
	p.get("/kommuner/151").mustContain(t, "Ballerup er deaktiveret, og kommunens brugere er logget ud.", "Ikke aktiv")
	if r := bente.get("/brugere"); !toLoginPage(r) {
		t.Errorf("Bente's session after deactivation: %d %q", r.status, r.header.Get("Location"))
	}
	logIn(bente).mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "Din kommune er ikke aktiveret")
	kbh.get("/indberetninger").mustStatus(t, http.StatusOK)
	p.post("/kommuner/151/deaktiver", nil, true).mustStatus(t, http.StatusSeeOther)
	p.get("/kommuner/151").mustContain(t, `<div class="alert alert-info" role="status">`, "Der var ingen ændringer at gemme.").
		mustNotContain(t, "alert-success")

	if got := b.auditActions("151", "kommune", "151"); !slices.Equal(got, []string{"kommune.activate", "kommune.deactivate"}) {
		t.Errorf("audit of 151: %v", got)
	}
	if got := b.auditActions("151", "user", strconv.FormatInt(b.userID("bente@ballerup.example"), 10)); !slices.Equal(got, []string{"user.create"}) {
		t.Errorf("user audit of 151: %v", got)
	}
}

// A session that is open when its kommune is deactivated stops at its next request, also a
// session that exists only in the middle of a request (loadSession checks the kommune).
func TestDeactivatedKommuneSessionDenied(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.147@demo.invalid")
	c.get("/indberetninger").mustStatus(t, http.StatusOK)
	// Marked inactive behind the app's back (no sessions ended): loadSession still refuses.
	b.inAll(func(ctx context.Context, tx *tenant.Tx) error {
		_, err := tx.ToolTx().Exec(ctx, `UPDATE kommuner SET aktiv = false WHERE kommune_kode = '147'`)
		return err
	})
	if r := c.get("/indberetninger"); !toLoginPage(r) {
		t.Errorf("after deactivation: %d %q", r.status, r.header.Get("Location"))
	}
	if r := c.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("the session came back: %d", r.status)
	}
}

func TestAlleBrugere(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("platform@demo.invalid")
	r := c.get("/alle-brugere").mustStatus(t, http.StatusOK).mustContain(t, "Alle brugere", "Kommune", "Rettigheder",
		"Seneste login", "indberetter.101@demo.invalid", "laeser.147@demo.invalid", "kommuneadmin.751@demo.invalid",
		"dst@demo.invalid", "København (101)", "Danmarks Statistik", "Ingen rettigheder", "Aldrig", "Aktiv")
	if !strings.Contains(r.body, `<option value="147" data-search="147">Frederiksberg (147)</option>`) {
		t.Error("no kommune filter")
	}
	c.get("/alle-brugere?kommune=147").mustStatus(t, http.StatusOK).mustContain(t, "laeser.147@demo.invalid", "3 brugere").
		mustNotContain(t, ".101@demo.invalid", "dst@demo.invalid")
	c.get("/alle-brugere?kommune=-").mustStatus(t, http.StatusOK).mustContain(t, "dst@demo.invalid", "platform@demo.invalid").
		mustNotContain(t, ".101@demo.invalid")
	c.get("/alle-brugere?kommune=999").mustStatus(t, http.StatusNotFound)
	// Read only: no forms but the filter (and log out).
	if n := strings.Count(r.body, "<form"); n != 3 {
		t.Errorf("%d forms", n)
	}
	k := b.client()
	k.login("kommuneadmin.101@demo.invalid")
	k.get("/alle-brugere").mustStatus(t, http.StatusForbidden)
}

// I7: the platform administrator may give a kommune its first periode when activating it;
// without one it is the month before today. A wrong periode, or one for a kommune that has
// delivered, brings the page back with the value and a Danish message (422).
func TestActivateKommuneFoerstePeriode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.client()
	p.login("platform@demo.invalid")
	p.get("/kommuner/151").mustStatus(t, http.StatusOK).mustContain(t, "Første periode", `name="foerste_periode"`)
	for _, tc := range []struct{ value, msg string }{
		{"2026-05", `Ugyldig periode "2026-05": skriv år, M og måned`},
		{"2013M06", "Første periode kan tidligst være 2013M07"},
		{"2999M01", "Første periode kan senest være"},
	} {
		p.post("/kommuner/151/aktiver", url.Values{"foerste_periode": {tc.value}}, true).
			mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, tc.msg, `value="`+tc.value+`"`, "Ikke aktiv")
	}
	p.post("/kommuner/151/aktiver", url.Values{"foerste_periode": {" 2026M05 "}}, true).mustStatus(t, http.StatusSeeOther)
	p.get("/kommuner/151").mustContain(t, "Ballerup er aktiveret.", "Første periode</th><td>2026M05",
		"Næste periode</th><td>2026M05", "Seneste leverede periode</th><td>Ikke leveret endnu")
	if got := b.auditActions("151", "kommune", "151"); !slices.Equal(got, []string{"kommune.activate"}) {
		t.Errorf("audit of 151: %v", got)
	}

	// A kommune that has delivered keeps its periodes: its next follows its latest.
	b.in("147", func(ctx context.Context, tx *tenant.Tx) error {
		_, _, err := insertReceipt(ctx, tx, "2026M09")
		return err
	})
	p.get("/kommuner/147/deaktiver")
	p.post("/kommuner/147/deaktiver", nil, true).mustStatus(t, http.StatusSeeOther)
	p.get("/kommuner/147").mustContain(t, "Kommunen har leveret til og med 2026M09", "næste periode er 2026M10").
		mustNotContain(t, `name="foerste_periode"`)
	p.post("/kommuner/147/aktiver", url.Values{"foerste_periode": {"2026M05"}}, true).
		mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "Frederiksberg har allerede leveret, så dens første periode kan ikke ændres")
	p.post("/kommuner/147/aktiver", nil, true).mustStatus(t, http.StatusSeeOther)
	p.get("/kommuner/147").mustContain(t, "Frederiksberg er aktiveret.", "Næste periode</th><td>2026M10")

	// Without a value: the month before today.
	p.post("/kommuner/461/aktiver", nil, true).mustStatus(t, http.StatusSeeOther)
	p.get("/kommuner/461").mustContain(t, "Første periode</th><td>"+domain.PeriodeBefore(time.Now()))
}
