package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// kontaktValues is a valid filled-in Kontaktoplysninger form (K1), as a user types it.
func kontaktValues() url.Values {
	return url.Values{
		"faglig-navn": {"Anne Faglig"}, "faglig-telefon": {"89 40 20 00"}, "faglig-email": {"anne@Aarhus.DK"},
		"teknisk-navn": {"Bo Teknik"}, "teknisk-telefon": {"+45 8940-2001"}, "teknisk-email": {"bo@aarhus.dk"},
		"kvittering-navn": {"Carl Kvittering"}, "kvittering-telefon": {"+46 8 123 456 78"}, "kvittering-email": {"carl@aarhus.dk"},
	}
}

var versionRE = regexp.MustCompile(`name="(faglig|teknisk|kvittering)-version" value="(-?[0-9]+)"`)

// withVersions adds the hidden version fields of the form page body to form.
func withVersions(t *testing.T, body string, form url.Values) url.Values {
	t.Helper()
	ms := versionRE.FindAllStringSubmatch(body, -1)
	if len(ms) != 3 {
		t.Fatalf("form has %d version fields, want 3:\n%s", len(ms), body)
	}
	for _, m := range ms {
		form.Set(m[1]+"-version", m[2])
	}
	return form
}

func (b *bundle) kontaktpersoner(kommune string) []domain.Kontaktperson {
	b.t.Helper()
	ctx := context.Background()
	var ks []domain.Kontaktperson
	err := b.db.InScope(ctx, tenant.Scope{Kommune: kommune}, func(tx *tenant.Tx) (err error) {
		ks, err = tx.Kontaktpersoner(ctx)
		return err
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return ks
}

// kontaktAudits counts the audit records of contact person saves in kommune.
func (b *bundle) kontaktAudits(kommune string) int {
	b.t.Helper()
	ctx := context.Background()
	var n int
	err := b.db.InScope(ctx, tenant.Scope{Kommune: kommune}, func(tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'kontaktperson.save'`).Scan(&n)
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// TestStartPageAsksForKontaktoplysninger: K2, a kommune without contact persons is asked to
// register them on the start page; DST and kommuner that have them are not.
func TestStartPageAsksForKontaktoplysninger(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct {
		email          string
		want, notThere []string
	}{
		{"indberetter.751@demo.invalid",
			[]string{"Kommunen mangler kontaktoplysninger", `href="/kontaktoplysninger">Angiv kontaktoplysninger</a>`,
				"Se listen over alle indberetninger", "Egne IDEP og All (read only)"},
			[]string{"Det skal en indberetter"}},
		{"laeser.751@demo.invalid",
			[]string{"Kommunen mangler kontaktoplysninger", "Det skal en indberetter eller kommunens administrator gøre.",
				`href="/kontaktoplysninger"`},
			[]string{"Angiv kontaktoplysninger"}},
		{"indberetter.101@demo.invalid",
			[]string{`href="/indberetninger"`, "Se listen over alle indberetninger", `href="/kontaktoplysninger"`, "Kontaktoplysninger",
				`href="/eksporter"`},
			[]string{"Angiv kontaktoplysninger", "mangler kontaktoplysninger", `href="/revision"`, `href="/cpr-adgang"`}},
		{"dst@demo.invalid",
			[]string{"Se en kommunes indberetninger", `href="/kontaktoplysninger"`, `href="/revision"`, `href="/cpr-adgang"`},
			[]string{"Angiv kontaktoplysninger", "mangler kontaktoplysninger"}},
		{"platform@demo.invalid",
			[]string{`href="/kommuner"`, `href="/alle-brugere"`, `href="/udbakke"`, "Revisionslog", "CPR-adgangslog"},
			[]string{"Angiv kontaktoplysninger", "Se listen over alle indberetninger", `href="/kontaktoplysninger"`, `href="/eksporter"`}},
	}
	for _, tc := range cases {
		t.Run(tc.email, func(t *testing.T) {
			c := b.client()
			c.login(tc.email)
			r := c.get("/").mustStatus(t, http.StatusOK).mustContain(t, tc.want...)
			for _, s := range tc.notThere {
				if contains(r.body, s) {
					t.Errorf("start page shows %q", s)
				}
			}
		})
	}
}

// TestKontaktForm: K1, three fieldsets in order with Kontaktperson, Telefonnr. and
// Email-adresse each, required; K3, the note that receipts go by email.
func TestKontaktForm(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	r := c.get("/kontaktoplysninger").mustStatus(t, http.StatusOK).mustContain(t,
		"<h1>Kontaktoplysninger</h1>", "Digital Post", "SMS", `<legend class="h2">Fagligt ansvarlig</legend>`,
		`<legend class="h2">Teknisk ansvarlig</legend>`, `<legend class="h2">Kvitteringsmodtager</legend>`,
		"spørgsmål om indholdet", "tekniske forhold", "kvitteringen på e-mail efter hver indberetning",
		`for="faglig-navn"`, `for="teknisk-telefon"`, `for="kvittering-email"`, `type="tel"`, `type="email"`,
		"faglig.101@demo.invalid", ">Gem</button>", `name="_csrf"`)
	i, j, k := strings.Index(r.body, "Fagligt ansvarlig</legend>"), strings.Index(r.body, "Teknisk ansvarlig</legend>"),
		strings.Index(r.body, "Kvitteringsmodtager</legend>")
	if !(i < j && j < k) {
		t.Errorf("legends out of order: %d %d %d", i, j, k)
	}
	for _, rolle := range []string{"faglig", "teknisk", "kvittering"} {
		for field, label := range map[string]string{"navn": "Kontaktperson", "telefon": "Telefonnr.", "email": "Email-adresse"} {
			r.mustContain(t, `for="`+rolle+"-"+field+`">`+label+` <span class="form-required" aria-hidden="true">*</span>`)
		}
	}
	if n := strings.Count(r.body, `aria-required="true"`); n != 9 {
		t.Errorf("%d required fields, want 9", n)
	}
}

// TestKontaktSave: K1, a valid form saves all three contact persons, normalised, with audit
// records; K2, they can be changed at any time, and a save that changes nothing writes nothing.
func TestKontaktSave(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	form := withVersions(t, c.get("/kontaktoplysninger").mustStatus(t, http.StatusOK).body, kontaktValues())
	r := c.post("/kontaktoplysninger", form, true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/" {
		t.Errorf("redirect to %q, want /", loc)
	}
	want := []domain.Kontaktperson{
		{Rolle: domain.FagligAnsvarlig, Navn: "Anne Faglig", Telefon: "+45 89 40 20 00", Email: "anne@aarhus.dk", Version: 1},
		{Rolle: domain.TekniskAnsvarlig, Navn: "Bo Teknik", Telefon: "+45 89 40 20 01", Email: "bo@aarhus.dk", Version: 1},
		{Rolle: domain.Kvitteringsmodtager, Navn: "Carl Kvittering", Telefon: "+46812345678", Email: "carl@aarhus.dk", Version: 1},
	}
	got := b.kontaktpersoner("751")
	if len(got) != 3 {
		t.Fatalf("saved %v, want 3", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("saved %+v, want %+v", got[i], want[i])
		}
	}
	if n := b.kontaktAudits("751"); n != 3 {
		t.Errorf("%d audit records, want 3", n)
	}
	home := c.get("/").mustStatus(t, http.StatusOK).mustContain(t, "Kontaktoplysningerne er gemt.")
	if contains(home.body, "Angiv kontaktoplysninger") {
		t.Error("start page still asks for kontaktoplysninger")
	}
	if contains(c.get("/").body, "Kontaktoplysningerne er gemt.") {
		t.Error("the flash is shown twice")
	}

	// Saving the same values again writes nothing.
	page := c.get("/kontaktoplysninger").mustStatus(t, http.StatusOK).mustContain(t, "+45 89 40 20 00", "+46812345678")
	c.post("/kontaktoplysninger", withVersions(t, page.body, kontaktValues()), true).mustStatus(t, http.StatusSeeOther)
	if n := b.kontaktAudits("751"); n != 3 {
		t.Errorf("unchanged save: %d audit records, want 3", n)
	}
	// Changing one writes only that one.
	page = c.get("/kontaktoplysninger")
	changed := kontaktValues()
	changed.Set("teknisk-navn", "Bodil Teknik")
	c.post("/kontaktoplysninger", withVersions(t, page.body, changed), true).mustStatus(t, http.StatusSeeOther)
	if n := b.kontaktAudits("751"); n != 4 {
		t.Errorf("one changed: %d audit records, want 4", n)
	}
	if got := b.kontaktpersoner("751"); got[1].Navn != "Bodil Teknik" || got[1].Version != 2 || got[0].Version != 1 {
		t.Errorf("after changing teknisk: %+v", got)
	}
}

// TestKontaktInvalid: K1, every field is required and checked; a wrong one brings the form
// back (422) with every typed value and the message, and nothing is saved.
func TestKontaktInvalid(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("kommuneadmin.751@demo.invalid")
	page := c.get("/kontaktoplysninger").mustStatus(t, http.StatusOK).body
	for _, rolle := range []string{"faglig", "teknisk", "kvittering"} {
		for _, tc := range []struct{ field, value, msg string }{
			{"navn", "  ", "Angiv navnet på kontaktpersonen."},
			{"telefon", "12 34 56", "Angiv et dansk telefonnummer med 8 cifre"},
			{"email", "ikke-en-adresse@", "Angiv en gyldig email-adresse"},
		} {
			t.Run(rolle+"-"+tc.field, func(t *testing.T) {
				form := withVersions(t, page, kontaktValues())
				form.Set(rolle+"-"+tc.field, tc.value)
				r := c.post("/kontaktoplysninger", form, true).mustStatus(t, http.StatusUnprocessableEntity)
				r.mustContain(t, tc.msg, "Formularen er ikke gemt", `href="#`+rolle+"-"+tc.field+`"`, `aria-invalid="true"`,
					`id="`+rolle+"-"+tc.field+`-error"`)
				for name, vs := range form {
					if name == "_csrf" || strings.HasSuffix(name, "-version") || strings.TrimSpace(vs[0]) == "" {
						continue
					}
					r.mustContain(t, `value="`+vs[0]+`"`)
				}
				if n := strings.Count(r.body, `aria-invalid="true"`); n != 1 {
					t.Errorf("%d fields marked invalid, want 1", n)
				}
			})
		}
	}
	if got := b.kontaktpersoner("751"); len(got) != 0 {
		t.Errorf("invalid forms saved %v", got)
	}
	if n := b.kontaktAudits("751"); n != 0 {
		t.Errorf("%d audit records, want 0", n)
	}
}

// TestKontaktRefusals: no CSRF token, a reader, DST and another kommune's user cannot save
// or see what they must not (T1, T3).
func TestKontaktRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)

	c := b.client()
	c.login("indberetter.751@demo.invalid")
	form := withVersions(t, c.get("/kontaktoplysninger").body, kontaktValues())
	c.post("/kontaktoplysninger", form, false).mustStatus(t, http.StatusForbidden).mustContain(t, "Siden er udløbet")
	if got := b.kontaktpersoner("751"); len(got) != 0 {
		t.Errorf("saved without CSRF token: %v", got)
	}

	// A reader sees the values without a form and cannot post.
	l := b.client()
	l.login("laeser.101@demo.invalid")
	r := l.get("/kontaktoplysninger").mustStatus(t, http.StatusOK).mustContain(t,
		"Faglig Demoperson", "teknisk.101@demo.invalid", "Kvitteringsmodtager", "Digital Post", "men ikke ændre dem")
	for _, s := range []string{"<form method=\"post\" action=\"/kontaktoplysninger\"", ">Gem</button>", "<input class=\"form-input\""} {
		if contains(r.body, s) {
			t.Errorf("read-only page has %q", s)
		}
	}
	before := b.kontaktpersoner("101")
	lform := kontaktValues()
	for _, rolle := range []string{"faglig", "teknisk", "kvittering"} {
		lform.Set(rolle+"-version", "1")
	}
	l.post("/kontaktoplysninger", lform, true).mustStatus(t, http.StatusForbidden)
	if after := b.kontaktpersoner("101"); after[0] != before[0] {
		t.Errorf("reader changed %+v", after[0])
	}

	// T1: a user of 147 sees and saves 147's contact persons, never 101's.
	f := b.client()
	f.login("indberetter.147@demo.invalid")
	page := f.get("/kontaktoplysninger").mustStatus(t, http.StatusOK).mustContain(t, "faglig.147@demo.invalid")
	if contains(page.body, ".101@demo.invalid") {
		t.Error("147 sees 101's contact persons")
	}
	f.post("/kontaktoplysninger", withVersions(t, page.body, kontaktValues()), true).mustStatus(t, http.StatusSeeOther)
	if after := b.kontaktpersoner("101"); after[0] != before[0] || after[2] != before[2] {
		t.Errorf("147's save changed 101: %+v", after)
	}
	if got := b.kontaktpersoner("147"); got[0].Navn != "Anne Faglig" {
		t.Errorf("147's save: %+v", got)
	}

	// DST reads every kommune's contact persons and cannot save (T3).
	d := b.client()
	d.login("dst@demo.invalid")
	r = d.get("/kontaktoplysninger").mustStatus(t, http.StatusOK).mustContain(t,
		"København (101)", "Frederiksberg (147)", "faglig.101@demo.invalid", "Anne Faglig")
	if contains(r.body, ">Gem</button>") || contains(r.body, "Aarhus (751)") {
		t.Error("DST's overview has a form or a kommune without contact persons")
	}
	d.post("/kontaktoplysninger", lform, true).mustStatus(t, http.StatusForbidden)

	// The platform administrator has no access to contact persons.
	p := b.client()
	p.login("platform@demo.invalid")
	p.get("/kontaktoplysninger").mustStatus(t, http.StatusForbidden)
}

// TestKontaktConflict: two people save the same form at once; the second is told and shown
// the stored values, and nothing of theirs is saved.
func TestKontaktConflict(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first, second := b.client(), b.client()
	first.login("indberetter.101@demo.invalid")
	second.login("kommuneadmin.101@demo.invalid")
	firstForm := withVersions(t, first.get("/kontaktoplysninger").mustStatus(t, http.StatusOK).body, kontaktValues())
	secondPage := second.get("/kontaktoplysninger").mustStatus(t, http.StatusOK).body
	first.post("/kontaktoplysninger", firstForm, true).mustStatus(t, http.StatusSeeOther)

	secondForm := withVersions(t, secondPage, kontaktValues())
	secondForm.Set("faglig-navn", "Den Anden")
	r := second.post("/kontaktoplysninger", secondForm, true).mustStatus(t, http.StatusConflict).mustContain(t,
		"Kontaktoplysningerne er ændret af en anden, siden du åbnede siden. Her er de gemte værdier.",
		`value="Anne Faglig"`, `name="faglig-version" value="2"`)
	if contains(r.body, "Den Anden") {
		t.Error("the conflict page shows the refused value instead of the stored one")
	}
	got := b.kontaktpersoner("101")
	if got[0].Navn != "Anne Faglig" || got[0].Version != 2 {
		t.Errorf("after conflict: %+v", got[0])
	}
	// With the stored versions, the second save goes through.
	second.post("/kontaktoplysninger", withVersions(t, r.body, secondForm), true).mustStatus(t, http.StatusSeeOther)
	if got := b.kontaktpersoner("101"); got[0].Navn != "Den Anden" {
		t.Errorf("after retry: %+v", got[0])
	}
}
