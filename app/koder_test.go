package app

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// inAll runs fn in a transaction that reads every kommune, failing the test on an error.
func (b *bundle) inAll(fn func(ctx context.Context, tx *tenant.Tx) error) {
	b.t.Helper()
	ctx := context.Background()
	if err := b.db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: "test"}},
		func(tx *tenant.Tx) error { return fn(ctx, tx) }); err != nil {
		b.t.Fatal(err)
	}
}

func newIndsats() url.Values {
	return url.Values{"kode": {"1.99"}, "tekst": {"Ny indsats"}, "paragraf": {"SEL § 999"}, "ffb": {"nej"},
		"tilbudssted": {"no"}, "ophold": {"nej"}, "varighed_standard": {"styk"}, "gyldig_fra": {"01-01-2026"}}
}

func TestKodelister(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("dst@demo.invalid")
	c.get("/").mustStatus(t, http.StatusOK).mustContain(t, `href="/koder"`, "Kodelister")
	c.get("/koder").mustStatus(t, http.StatusOK).mustContain(t, "Indsatskoder", "Målgrupper 2013–2017", "FFB-målgrupper",
		"Tilbudstyper", "FFB-ydelser (Ydelses-UUID)", `href="/koder/maalgrupper-2018"`)
	// The demo data's ydelser are counted: Niels Hansen's 1.3 among them.
	c.get("/koder/indsatskoder").mustStatus(t, http.StatusOK).mustContain(t, "Tilføj kode", "Paragraf", "Gyldig fra",
		"Gyldig til", "Antal ydelser", `href="/koder/indsatskoder/1.8.1"`, "01-07-2013", "SEL § 108")
	var uses int
	b.inAll(func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM ydelser WHERE indsatskode = '1.3'`).Scan(&uses)
	})
	if uses == 0 {
		t.Fatal("the demo data has no 1.3")
	}
	c.get("/koder/indsatskoder/1.3").mustStatus(t, http.StatusOK).mustContain(t, "Kode", "1.3", "Behandling",
		"Antal ydelser</th><td>"+strconv.Itoa(uses), "bruges af "+strconv.Itoa(uses)+" ydelser og kan ikke slettes")
	c.get("/koder/maalgrupper-ffb").mustStatus(t, http.StatusOK).mustContain(t, "Kan være primær", "Socialt problem > Hjemløshed")
	c.get("/koder/ffb-tilbud").mustStatus(t, http.StatusOK).mustContain(t, "Laveste niveau")
	c.get("/koder/ukendt").mustStatus(t, http.StatusNotFound)
	c.get("/koder/indsatskoder/9.9").mustStatus(t, http.StatusNotFound)
	c.get("/koder/ukendt/ny").mustStatus(t, http.StatusNotFound)

	// Only DST (T3).
	k := b.client()
	k.login("kommuneadmin.101@demo.invalid")
	k.get("/koder").mustStatus(t, http.StatusForbidden)
	k.get("/").mustNotContain(t, `href="/koder"`)
}

func TestTilfoejKode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("dst@demo.invalid")
	c.get("/koder/indsatskoder/ny").mustStatus(t, http.StatusOK).mustContain(t, "Tilføj kode", "Paragraf",
		"Omfattet af FFB fra 01-01-2025", "Ophold", "Varighed som standard", "Gyldig fra", "Udgår fra")

	// Each refusal: 422, the typed values kept, a Danish message, nothing added.
	for _, tc := range []struct {
		name string
		form url.Values
		msg  string
		kept string
	}{
		{"duplicate", with(newIndsats(), "kode", "1.3"), "Koden findes allerede i listen.", `value="1.3"`},
		{"bad date", with(newIndsats(), "gyldig_fra", "31-02-2026"), "Datoen findes ikke.", `value="31-02-2026"`},
		{"retire before valid", with(newIndsats(), "udgaar_fra", "01-12-2025"),
			"Datoen, koden udgår fra, skal ligge efter den dato, koden gælder fra (01-01-2026).", `value="01-12-2025"`},
		{"empty text", with(newIndsats(), "tekst", ""), "Angiv kodens tekst.", `value="SEL § 999"`},
		{"bad code", with(newIndsats(), "kode", "x.1"), "Koden skal være tal adskilt af punktum, fx 1.8.3.", `value="x.1"`},
		{"no answers", with(newIndsats(), "ffb", "", "ophold", ""), "Svar, om indsatsen er et ophold.", `value="01-01-2026"`},
	} {
		r := c.post("/koder/indsatskoder/ny", tc.form, true).mustStatus(t, http.StatusUnprocessableEntity)
		r.mustContain(t, tc.msg, tc.kept, "Formularen er ikke gemt")
	}
	// The duplicate 1.3 left the specification's row as it was.
	c.get("/koder/indsatskoder/1.3").mustContain(t, "Behandling").mustNotContain(t, "Ny indsats")
	// Missing CSRF: 403, nothing added.
	c.post("/koder/indsatskoder/ny", newIndsats(), false).mustStatus(t, http.StatusForbidden)
	c.get("/koder/indsatskoder/1.99").mustStatus(t, http.StatusNotFound)

	r := c.post("/koder/indsatskoder/ny", newIndsats(), true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/koder/indsatskoder/1.99" {
		t.Fatalf("went to %q", loc)
	}
	c.get("/koder/indsatskoder/1.99").mustStatus(t, http.StatusOK).mustContain(t, "Koden 1.99 er tilføjet Indsatskoder.",
		"Ny indsats", "SEL § 999", "Stykydelse", "01-01-2026", `href="/koder/indsatskoder/1.99/slet"`)
	if got := b.auditActions("000", "kodeliste:indsatskoder", "1.99"); !slices.Equal(got, []string{"code.add"}) {
		t.Errorf("audit %v", got)
	}
	// The forms use the new code at once (this process's cache is cleared).
	i := b.client()
	i.login("indberetter.101@demo.invalid")
	i.get("/sager/ny").mustContain(t, "Ny indsats")

	// FFB lists take UUIDs, lower-case.
	r = c.post("/koder/ffb-ydelser/ny", url.Values{"kode": {"6F1B2C3D-0000-4000-8000-000000000002"}, "tekst": {"Ny FFB-ydelse"},
		"sti": {"Ydelse >  Ophold"}, "laveste_niveau": {"ja"}, "gyldig_fra": {"01-01-2026"}}, true).mustStatus(t, http.StatusSeeOther)
	c.get(r.header.Get("Location")).mustStatus(t, http.StatusOK).mustContain(t, "Ydelse > Ophold > Ny FFB-ydelse",
		"6f1b2c3d-0000-4000-8000-000000000002")
	c.post("/koder/ffb-ydelser/ny", url.Values{"kode": {"1.2"}, "tekst": {"x"}, "laveste_niveau": {"ja"}, "gyldig_fra": {"01-01-2026"}}, true).
		mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "8-4-4-4-12")
}

func TestRetKode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("dst@demo.invalid")
	path := "/koder/tilbudstyper/1.2"
	c.get(path).mustStatus(t, http.StatusOK).mustContain(t, "Tekster", "Kilde", "Udgår fra", "Gem dato",
		"stammer fra de oprindelige kodelister og kan ikke slettes")

	// Texts: 422 with the typed values, then saved and audited.
	c.post(path, url.Values{"handling": {"tekster"}, "tekst": {"  "}, "kilde": {"Rettet kilde"}}, true).
		mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "Angiv kodens tekst.", "Rettet kilde")
	c.post(path, url.Values{"handling": {"tekster"}, "tekst": {"Dagbehandling"}, "kilde": {"DST 2026"}}, true).mustStatus(t, http.StatusSeeOther)
	c.get(path).mustContain(t, "Teksterne til koden 1.2 er gemt.", `value="Dagbehandling"`, "DST 2026")
	c.get("/koder/tilbudstyper").mustContain(t, "Dagbehandling")

	// Retire: bad date, before gyldig fra (01-07-2013), then a date; all 422 keep the value.
	for form, msg := range map[string]string{
		"":           "Angiv datoen, koden udgår fra.",
		"1-13-2020":  "Datoen findes ikke.",
		"01-07-2013": "Datoen, koden udgår fra, skal ligge efter den dato, koden gælder fra (01-07-2013).",
	} {
		r := c.post(path, url.Values{"handling": {"udgaar"}, "udgaar_fra": {form}}, true).mustStatus(t, http.StatusUnprocessableEntity)
		r.mustContain(t, msg, `value="`+form+`"`, `value="Dagbehandling"`)
	}
	c.post(path, url.Values{"handling": {"udgaar"}, "udgaar_fra": {"01-01-2016"}}, true).mustStatus(t, http.StatusSeeOther)
	c.get(path).mustContain(t, "Koden 1.2 udgår fra 01-01-2016.", "Gyldig til</th><td>31-12-2015", `value="01-01-2016"`, "Genindfør koden")
	c.post(path, url.Values{"handling": {"genindfoer"}}, true).mustStatus(t, http.StatusSeeOther)
	c.get(path).mustContain(t, "er genindført", "Gyldig til</th><td>Ingen")
	c.post(path, url.Values{"handling": {"noget"}}, true).mustStatus(t, http.StatusBadRequest)
	c.post(path, url.Values{"handling": {"tekster"}, "tekst": {"Uden CSRF"}}, false).mustStatus(t, http.StatusForbidden)
	if got := b.auditActions("000", "kodeliste:tilbudstyper", "1.2"); !slices.Equal(got, []string{"code.texts", "code.retire", "code.reinstate"}) {
		t.Errorf("audit %v", got)
	}

	// Never delete a code data uses or one of the specification: the page says why, the
	// POST is refused with 409 and nothing goes.
	c.get("/koder/indsatskoder/1.3/slet").mustStatus(t, http.StatusOK).mustContain(t, "kan ikke slettes").mustNotContain(t, "Ja, slet")
	c.post("/koder/indsatskoder/1.3/slet", nil, true).mustStatus(t, http.StatusConflict).mustContain(t, "kan ikke slettes")
	c.get("/koder/indsatskoder/1.3").mustStatus(t, http.StatusOK)
	// A code added by mistake goes, after the confirmation.
	c.post("/koder/indsatskoder/ny", newIndsats(), true).mustStatus(t, http.StatusSeeOther)
	c.get("/koder/indsatskoder/1.99/slet").mustStatus(t, http.StatusOK).mustContain(t, "Ja, slet", "Koden 1.99 slettes")
	c.post("/koder/indsatskoder/1.99/slet", nil, false).mustStatus(t, http.StatusForbidden)
	r := c.post("/koder/indsatskoder/1.99/slet", nil, true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/koder/indsatskoder" {
		t.Errorf("went to %q", loc)
	}
	c.get("/koder/indsatskoder/1.99").mustStatus(t, http.StatusNotFound)
	if got := b.auditActions("000", "kodeliste:indsatskoder", "1.99"); !slices.Equal(got, []string{"code.add", "code.delete"}) {
		t.Errorf("audit %v", got)
	}
}

// ydelseValues are the fields of Redigér ydelse holding in, as the browser sends them.
func ydelseValues(in domain.YdelseInput, version string) url.Values {
	v := url.Values{"version": {version}, "handling": {"gem-og-stop"}}
	for name, value := range map[string]string{domain.FieldIndsatskode: in.Indsatskode, domain.FieldVarighed: in.Varighed,
		domain.FieldPrimaerMaalgruppe: in.PrimaerMaalgruppe, domain.FieldBevillingsdato: in.Bevillingsdato,
		domain.FieldStartdato: in.Startdato, domain.FieldForventetSlutdato: in.ForventetSlutdato, domain.FieldSlutdato: in.Slutdato,
		domain.FieldBetalingskommune: in.Betalingskommune, domain.FieldTilbudstype: in.Tilbudstype, domain.FieldPNummer: in.PNummer,
		domain.FieldAfdelingsUUID: in.AfdelingsUUID, domain.FieldTilbudsUUID: in.TilbudsUUID, domain.FieldYdelsesUUID: in.YdelsesUUID,
		domain.FieldI107Botilbud: in.I107Botilbud} {
		if value != "" {
			v.Set(name, value)
		}
	}
	for _, m := range in.SekundaereMaalgrupper {
		v.Add(domain.FieldSekundaereMaalgrupper, m)
	}
	return v
}

// Issue 15 #6, end to end: DST retires 1.3 from 01-01-2016, after the kommuner registered
// 1.3 ydelser starting later. DST first sees how many ydelser the date affects, in every
// kommune, and confirms (a stale confirmation is refused with the new counts); the audit
// record holds the counts. A kommune then still ends such a ydelse (Y1: the code was valid
// when it was registered), while a new 1.3 starting after the date, or moving the
// Startdato, is refused with the Danish message (422, the typed values kept).
func TestRetire13From2016(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Besides the demo data's, 147 registers a 1.3 from 01-03-2016 while the code is valid.
	k := b.client()
	k.login("indberetter.147@demo.invalid")
	k.post("/sager/ny", with(opretForm(), "maalgruppe_primaer", "old_2013:1.1.2", "bevillingsdato", "15-02-2016",
		"startdato", "01-03-2016", "betalingskommune", "147"), true).mustStatus(t, http.StatusSeeOther)
	var from, running int
	b.inAll(func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT count(*) FILTER (WHERE startdato >= '2016-01-01'),
			count(*) FILTER (WHERE startdato < '2016-01-01' AND (slutdato IS NULL OR slutdato >= '2016-01-01'))
			FROM ydelser WHERE indsatskode = '1.3'`).Scan(&from, &running)
	})
	if from != 12 || running != 1 { // the demo data's 1.3 from 04-04-2016 in 101 and 147; Niels Hansen's from 2014
		t.Fatalf("demo data: %d 1.3 ydelser from 2016, %d running then; the test expects 12 and 1", from, running)
	}
	d := b.client()
	d.login("dst@demo.invalid")
	path := "/koder/indsatskoder/1.3"
	d.get(path).mustStatus(t, http.StatusOK).mustContain(t, "Udgår fra").mustNotContain(t, "udgaar-bekraeft")

	// Without a confirmation: the counts and Bekræft, the date kept, nothing retired.
	r := d.post(path, url.Values{"handling": {"udgaar"}, "udgaar_fra": {"1-1-2016"}}, true).mustStatus(t, http.StatusOK)
	r.mustContain(t, `id="udgaar-bekraeft"`, "Bekræft, at koden udgår fra 01-01-2016", "i alle kommuner",
		"12 ydelser med startdato 01-01-2016 eller senere", "1 ydelse er i gang den dag", ">Bekræft</button>",
		`value="1-1-2016"`, `name="bekraeft_fra" value="12"`, `name="bekraeft_i_gang" value="1"`)
	d.get(path).mustContain(t, "Gyldig til</th><td>Ingen")
	if got := b.auditActions("000", "kodeliste:indsatskoder", "1.3"); len(got) != 0 {
		t.Fatalf("audit before the confirmation: %v", got)
	}
	// A confirmation of other counts (ydelser changed since, or a tampered form): 409 with
	// the counts found now, nothing retired.
	for _, stale := range [][2]string{{"11", "1"}, {"12", "x"}, {"", "1"}} {
		d.post(path, url.Values{"handling": {"udgaar"}, "udgaar_fra": {"01-01-2016"}, "bekraeft_fra": {stale[0]},
			"bekraeft_i_gang": {stale[1]}}, true).mustStatus(t, http.StatusConflict).
			mustContain(t, "Antallet af ydelser er ændret", `name="bekraeft_fra" value="12"`)
	}
	d.get(path).mustContain(t, "Gyldig til</th><td>Ingen")
	// Without CSRF: 403.
	d.post(path, url.Values{"handling": {"udgaar"}, "udgaar_fra": {"01-01-2016"}, "bekraeft_fra": {"12"},
		"bekraeft_i_gang": {"1"}}, false).mustStatus(t, http.StatusForbidden)
	// Bekræft.
	d.post(path, url.Values{"handling": {"udgaar"}, "udgaar_fra": {"01-01-2016"}, "bekraeft_fra": {"12"},
		"bekraeft_i_gang": {"1"}}, true).mustStatus(t, http.StatusSeeOther)
	d.get(path).mustContain(t, "Koden 1.3 udgår fra 01-01-2016. 12 ydelser med startdato fra den dag beholder koden",
		"Gyldig til</th><td>31-12-2015")
	var after string
	b.in("000", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT after::text FROM audit_log WHERE action = 'code.retire' AND entity_id = '1.3'`).Scan(&after)
	})
	if !contains(after, `"ydelser_fra": 12`) || !contains(after, `"ydelser_i_gang": 1`) {
		t.Errorf("audit after %s", after)
	}
	d.get("/revision").mustStatus(t, http.StatusOK).mustContain(t, "Ydelser med startdato fra datoen", "Ydelser i gang på datoen")

	// A kommune ends one of its 1.3 ydelser starting after the date: saved.
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	var y domain.Ydelse
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		var id int64
		if err := tx.ToolTx().QueryRow(ctx, `SELECT id FROM ydelser WHERE indsatskode = '1.3' AND startdato >= '2016-01-01'
			AND slutdato IS NULL ORDER BY id LIMIT 1`).Scan(&id); err != nil {
			return err
		}
		var err error
		y, err = tx.Ydelse(ctx, id)
		return err
	})
	ypath := "/ydelser/" + strconv.FormatInt(y.ID, 10) + "/rediger"
	version := regexpValue(c.get(ypath).mustStatus(t, http.StatusOK).body, "version")
	in := domain.YdelseInputOf(y)
	// Moving its Startdato is checking the code again: refused, the typed values kept.
	moved := in
	moved.Startdato, moved.Slutdato = "02-05-2016", "30-06-2016"
	c.post(ypath, ydelseValues(moved, version), true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, "Indsatskoden gælder ikke på startdatoen.", `value="02-05-2016"`, `value="30-06-2016"`)
	in.Slutdato = "30-06-2016"
	c.post(ypath, ydelseValues(in, version), true).mustStatus(t, http.StatusSeeOther)
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		saved, err := tx.Ydelse(ctx, y.ID)
		if err == nil && (saved.Slutdato == nil || domain.FormatDate(*saved.Slutdato) != "30-06-2016") {
			t.Errorf("Slutdato not saved: %v", saved.Slutdato)
		}
		return err
	})

	// A new 1.3 starting after the date: refused on Opret and on Tilføj ydelse.
	c.post("/sager/ny", opretForm(), true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, "Indsatskoden gælder ikke på startdatoen.", `value="280791-4563"`, `value="01-11-2025"`)
	if _, _, ok := b.sagByCPR("101", newCPR); ok {
		t.Error("a sag with the retired code was created")
	}
	ny := ydelseValues(domain.YdelseInputOf(y), "")
	ny.Set(domain.FieldStartdato, "01-02-2016")
	ny.Del(domain.FieldSlutdato)
	c.post(sagURL(y.SagID, "/ydelser/ny"), ny, true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, "Indsatskoden gælder ikke på startdatoen.", `value="01-02-2016"`)
	// Starting before the date it is still a valid code.
	ny.Set(domain.FieldStartdato, "01-12-2015")
	ny.Set(domain.FieldSlutdato, "31-12-2015")
	c.post(sagURL(y.SagID, "/ydelser/ny"), ny, true).mustStatus(t, http.StatusSeeOther)
}

// A retire date that no ydelse is affected by needs no confirmation.
func TestRetireUnusedCodeAsksNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	d := b.client()
	d.login("dst@demo.invalid")
	d.post("/koder/indsatskoder/1.3", url.Values{"handling": {"udgaar"}, "udgaar_fra": {"01-01-2099"}}, true).
		mustStatus(t, http.StatusOK).mustContain(t, "er i gang den dag") // open 1.3 ydelser run then
	d.post("/koder/indsatskoder/1.19.4", url.Values{"handling": {"udgaar"}, "udgaar_fra": {"01-01-2099"}}, true).
		mustStatus(t, http.StatusSeeOther)
	d.get("/koder/indsatskoder/1.19.4").mustContain(t, "Koden 1.19.4 udgår fra 01-01-2099.").mustNotContain(t, "beholder koden")
}
