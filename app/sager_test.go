package app

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/domain"
)

// Codes of the code lists used below (tenant/codes/data).
const (
	ffbPrimaer  = "ffb:16075f99-3694-4878-a48d-b2f4b515cb76"
	ffbPrimaer2 = "ffb:293bf940-c075-4e3d-b5ef-6e331202e556"
	tilbudsUUID = "498fe92c-d7f7-41cd-9404-5b38fe113be0"
	ydelsesUUID = "5af56051-8413-4115-aaa2-83a0767e1137"
	newCPR      = "2807914563" // 28-07-1991, fails modulus 11: never issued (CODES.md)
)

// in runs fn in kommune 101's scope and fails the test on error.
func (b *bundle) in(kommune string, fn func(ctx context.Context, tx *tenant.Tx) error) {
	b.t.Helper()
	ctx := context.Background()
	if err := b.db.InScope(ctx, tenant.Scope{Kommune: kommune, Actor: tenant.Actor{Email: "test"}},
		func(tx *tenant.Tx) error { return fn(ctx, tx) }); err != nil {
		b.t.Fatal(err)
	}
}

func (b *bundle) sagByCPR(kommune, cpr string) (domain.Sag, []domain.Ydelse, bool) {
	b.t.Helper()
	var s domain.Sag
	var ys []domain.Ydelse
	found := true
	b.in(kommune, func(ctx context.Context, tx *tenant.Tx) error {
		id, err := tx.SagIDByCPR(ctx, cpr)
		if err == tenant.ErrNotFound {
			found = false
			return nil
		}
		if err != nil {
			return err
		}
		if s, err = tx.Sag(ctx, id); err != nil {
			return err
		}
		ys, err = tx.YdelserOfSag(ctx, id)
		return err
	})
	return s, ys, found
}

func (b *bundle) countSager(kommune string) int {
	b.t.Helper()
	var n int
	b.in(kommune, func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM sager`).Scan(&n)
	})
	return n
}

func (b *bundle) auditActions(kommune, entity, id string) []string {
	b.t.Helper()
	var out []string
	b.in(kommune, func(ctx context.Context, tx *tenant.Tx) error {
		rows, err := tx.ToolTx().Query(ctx, `SELECT action FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id`, entity, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out
}

// opretForm is a valid *Opret* form: a new sag with a 1.3 (not FFB, no tilbudssted) ydelse
// starting in 2025, so FFB målgrupper (Y3).
func opretForm() url.Values {
	return url.Values{
		"cpr": {"280791-4563"}, "navn": {"Test Testesen"}, "funktionsvurdering": {"B"}, "bemaerkninger": {"Ny borger"},
		"indsatskode": {"1.3"}, "varighed": {"periode"}, "maalgruppe_primaer": {ffbPrimaer},
		"bevillingsdato": {"01-10-2025"}, "startdato": {"01-11-2025"}, "betalingskommune": {"101"}, "handling": {"opret"},
	}
}

func with(f url.Values, kv ...string) url.Values {
	g := url.Values{}
	for k, v := range f {
		if k != "_csrf" { // post sets the token of the client that sent it
			g[k] = append([]string(nil), v...)
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			g.Del(kv[i])
		} else {
			g.Set(kv[i], kv[i+1])
		}
	}
	return g
}

func TestOpretSag(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	c.get("/sager/ny").mustStatus(t, http.StatusOK).mustNotContain(t, "Fejl:").mustContain(t, "<title>Opret sag – Indberet</title>", "CPR-nummer", "Funktionsvurdering", "C – Moderat problem",
		"Indsatskode", "Varighed", "Primær målgruppe", "Bevillingsdato", "Startdato", "Forventet slutdato", "Slutdato",
		"Betalingskommune", "P-nummer", "Afdelings-UUID", ">Opret<", "Gem og stop", "Luk", "eller kort: 011125 for 01-11-2025.")

	// S2: the sag and its first ydelse in one step; Opret returns to an empty form.
	r := c.post("/sager/ny", opretForm(), true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/sager/ny" {
		t.Fatalf("Opret went to %q, want /sager/ny", loc)
	}
	confirmed := c.get("/sager/ny")
	s, ys, ok := b.sagByCPR("101", newCPR)
	if !ok || len(ys) != 1 || s.Navn != "Test Testesen" || s.Funktionsvurdering != "B" {
		t.Fatalf("saved sag %+v with %d ydelser", s, len(ys))
	}
	// The confirmation links to the new sag and to Tilføj ydelse for it, once (issue 17).
	confirmed.mustContain(t, "Sagen for CPR-nummer 280791-4563 er oprettet med ydelsen 1.3.",
		`href="/sager/`+strconv.FormatInt(s.ID, 10)+`">Se sagen<`, `href="/sager/`+strconv.FormatInt(s.ID, 10)+`/ydelser/ny">Tilføj ydelse til sagen<`)
	if body := c.get("/sager/ny").body; strings.Contains(body, "er oprettet") {
		t.Errorf("the confirmation of Opret is shown again on the next visit")
	}
	if y := ys[0]; y.Indsatskode != "1.3" || !y.Startdato.Equal(time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)) ||
		len(y.Maalgrupper) != 1 || !y.Maalgrupper[0].Primaer || y.Betalingskommune != "101" {
		t.Fatalf("saved ydelse %+v", y)
	}
	if got := b.auditActions("101", "sag", strconv.FormatInt(s.ID, 10)); len(got) != 1 || got[0] != "sag.create" {
		t.Errorf("audit of the sag: %v", got)
	}
	if got := b.auditActions("101", "ydelse", strconv.FormatInt(ys[0].ID, 10)); len(got) != 1 || got[0] != "ydelse.create" {
		t.Errorf("audit of the ydelse: %v", got)
	}

	// S1: a second sag for the same CPR points to the existing one.
	r = c.post("/sager/ny", with(opretForm(), "navn", "Igen"), true).mustStatus(t, http.StatusUnprocessableEntity)
	r.mustContain(t, "Der findes allerede en sag for dette CPR-nummer", "/sager/"+strconv.FormatInt(s.ID, 10)+"/ydelser/ny", `value="Igen"`)

	// Gem og stop goes to the list. The dates typed short (issue 17, faster paths) are read
	// as this century's.
	r = c.post("/sager/ny", with(opretForm(), "cpr", "030485-9996", "handling", "gem-og-stop",
		"bevillingsdato", "1/10/25", "startdato", "011125"), true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != egneListe {
		t.Errorf("Gem og stop went to %q", loc)
	}
	if _, ys, ok := b.sagByCPR("101", "0304859996"); !ok || len(ys) != 1 || !ys[0].Startdato.Equal(time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)) ||
		ys[0].Bevillingsdato == nil || !ys[0].Bevillingsdato.Equal(time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("dates typed 1/10/25 and 011125 saved as %+v", ys)
	}
}

// TestOpretSag_Rejected: every rule the server checks on *Opret* gives 422, keeps what was
// typed, shows the message next to the field and saves nothing (S2, Y7).
func TestOpretSag_Rejected(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	before := b.countSager("101")
	ffb := with(opretForm(), "indsatskode", "1.8.1", "startdato", "01-02-2025")
	cases := []struct {
		name, rule string
		form       url.Values
		field      string
		kept       string
	}{
		{"no cpr", "S3", with(opretForm(), "cpr", ""), "cpr", `value="Test Testesen"`},
		{"cpr not a date", "S5", with(opretForm(), "cpr", "320191-4563"), "cpr", `value="320191-4563"`},
		{"cpr too short", "S5", with(opretForm(), "cpr", "28079145"), "cpr", `value="28079145"`},
		{"funktionsvurdering", "S3", with(opretForm(), "funktionsvurdering", "F"), "funktionsvurdering", `value="280791-4563"`},
		{"no indsatskode", "Y1", with(opretForm(), "indsatskode", ""), "indsatskode", `value="01-11-2025"`},
		{"unknown indsatskode", "Y1", with(opretForm(), "indsatskode", "9.9"), "indsatskode", `value="280791-4563"`},
		{"no startdato", "Y1", with(opretForm(), "startdato", ""), "startdato", `value="Test Testesen"`},
		{"bad date", "Y2", with(opretForm(), "startdato", "31-02-2025"), "startdato", `value="31-02-2025"`},
		{"bad short date", "Y2", with(opretForm(), "startdato", "310425"), "startdato", `value="310425"`},
		{"date of five digits", "Y2", with(opretForm(), "startdato", "01125"), "startdato", `value="01125"`},
		{"slutdato before start", "Y2", with(opretForm(), "slutdato", "01-10-2025"), "slutdato", `value="01-10-2025"`},
		{"forventet before start", "Y2", with(opretForm(), "forventet_slutdato", "01-01-2025"), "forventet_slutdato", `value="01-01-2025"`},
		{"no målgruppe", "Y3", with(opretForm(), "maalgruppe_primaer", ""), "maalgruppe_primaer", `value="280791-4563"`},
		{"old målgruppe from 2025", "Y3", with(opretForm(), "maalgruppe_primaer", "old_2018:1.1.1"), "maalgruppe_primaer", `value="280791-4563"`},
		{"unknown betalingskommune", "Y1", with(opretForm(), "betalingskommune", "999"), "betalingskommune", `value="280791-4563"`},
		{"FFB uuids on non-FFB", "Y4", with(opretForm(), "tilbuds_uuid", tilbudsUUID), "tilbuds_uuid", `value="280791-4563"`},
		{"FFB without uuids", "Y4", with(ffb, "p_nummer", "9000000101", "afdelings_uuid", "0d9d8f0c-4b5e-4a58-8b2c-1f2e3d4c5b6a"), "tilbuds_uuid", `value="9000000101"`},
		{"ophold without p-nummer", "Y5", with(ffb, "tilbuds_uuid", tilbudsUUID, "ydelses_uuid", ydelsesUUID), "p_nummer", `value="280791-4563"`},
		{"bad p-nummer", "Y5", with(opretForm(), "p_nummer", "12345"), "p_nummer", `value="12345"`},
		{"bad afdelings-uuid", "Y5", with(opretForm(), "afdelings_uuid", "not-a-uuid"), "afdelings_uuid", `value="not-a-uuid"`},
	}
	for _, tc := range cases {
		r := c.post("/sager/ny", tc.form, true)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s %s: status %d, want 422", tc.rule, tc.name, r.status)
			continue
		}
		if !contains(r.body, `id="`+tc.field+`-error"`) {
			t.Errorf("%s %s: no message next to %s", tc.rule, tc.name, tc.field)
		}
		if !contains(r.body, tc.kept) {
			t.Errorf("%s %s: the typed value %s is not kept", tc.rule, tc.name, tc.kept)
		}
		if !contains(r.body, "Formularen er ikke gemt") {
			t.Errorf("%s %s: no error summary", tc.rule, tc.name)
		}
		if !contains(r.body, "<title>Fejl: Opret sag – Indberet</title>") { // issue 17 #9
			t.Errorf("%s %s: the refused page's title does not say Fejl", tc.rule, tc.name)
		}
	}
	if after := b.countSager("101"); after != before {
		t.Errorf("rejected forms saved %d sager", after-before)
	}
	// A short date is told apart: one that does not exist, and one of the wrong form.
	c.post("/sager/ny", with(opretForm(), "startdato", "310425"), true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, "Datoen findes ikke.")
	c.post("/sager/ny", with(opretForm(), "startdato", "01125"), true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, "Skriv datoen som DD-MM-ÅÅÅÅ.")
	// CSRF: without the token nothing is saved (403).
	c.post("/sager/ny", opretForm(), false).mustStatus(t, http.StatusForbidden)
	if after := b.countSager("101"); after != before {
		t.Errorf("a form without CSRF token saved a sag")
	}
}

// TestOpretSag_Access: K1 (no sag before the contact persons), T2 roles.
func TestOpretSag_Access(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.751@demo.invalid") // Aarhus has no contact persons (demo)
	// Issue 17 #9: said before anything is typed, and Opret is not offered until then.
	r := c.get("/sager/ny").mustStatus(t, http.StatusOK).mustContain(t, "Angiv kontaktoplysninger")
	if contains(r.body, `name="cpr"`) || contains(r.body, `value="opret"`) {
		t.Errorf("Opret offers a form that cannot be saved before the contact persons exist")
	}
	r = c.get(egneListe).mustStatus(t, http.StatusOK).mustContain(t, `id="kontakt-mangler"`, "Angiv kontaktoplysninger")
	if contains(r.body, `href="/sager/ny"`) {
		t.Errorf("the list offers Opret before the contact persons exist")
	}
	k := b.client()
	k.login("indberetter.101@demo.invalid")
	if l := k.get(egneListe).mustStatus(t, http.StatusOK); !contains(l.body, `href="/sager/ny"`) || contains(l.body, `id="kontakt-mangler"`) {
		t.Errorf("101, with its contact persons, is not offered Opret")
	}
	c.post("/sager/ny", with(opretForm(), "betalingskommune", "751"), true).mustStatus(t, http.StatusConflict).
		mustContain(t, "Angiv kontaktoplysninger", `value="280791-4563"`)
	if n := b.countSager("751"); n != 0 {
		t.Errorf("751 has %d sager before its contact persons", n)
	}
	l := b.client()
	l.login("laeser.101@demo.invalid")
	l.get("/sager/ny").mustStatus(t, http.StatusForbidden)
	l.post("/sager/ny", opretForm(), true).mustStatus(t, http.StatusForbidden)
}

// TestTilfoejYdelse: Y5 and Y6 on a ydelse added to Niels Hansen's sag, and the copy of an
// FFB ydelse for its next Ydelses-UUID (Y4).
func TestTilfoejYdelse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	s, ys, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	path := "/sager/" + strconv.FormatInt(s.ID, 10) + "/ydelser/ny"
	c.get(path).mustStatus(t, http.StatusOK).mustContain(t, "Tilføj ydelse", "150362-1235", "Niels Hansen")

	// Y6: Niels has been in a §108 stay (1.8.1) since 01-09-2016 without end; a §107 stay
	// from 2025 overlaps it.
	stay := url.Values{"indsatskode": {"1.8.2"}, "varighed": {"periode"}, "maalgruppe_primaer": {ffbPrimaer2},
		"startdato": {"01-02-2026"}, "betalingskommune": {"101"}, "p_nummer": {"9000000102"},
		"afdelings_uuid": {"7b0c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d"}, "tilbuds_uuid": {tilbudsUUID}, "ydelses_uuid": {ydelsesUUID},
		"handling": {"opret"}}
	c.post(path, stay, true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, "Borgeren er allerede på et ophold", `id="startdato-error"`, `value="9000000102"`)
	if _, after, _ := b.sagByCPR("101", demo.NielsHansenCPR); len(after) != len(ys) {
		t.Fatalf("a refused ydelse was saved")
	}
	// Ending the first stay the day before makes room (periods are [start, slut)).
	var stayID int64
	for _, y := range ys {
		if y.Indsatskode == "1.8.1" {
			stayID = y.ID
		}
	}
	edit := c.get("/ydelser/"+strconv.FormatInt(stayID, 10)+"/rediger").mustStatus(t, http.StatusOK)
	version := regexpValue(edit.body, "version")
	c.post("/ydelser/"+strconv.FormatInt(stayID, 10)+"/rediger", url.Values{
		"version": {version}, "indsatskode": {"1.8.1"}, "varighed": {"periode"}, "maalgruppe_primaer": {"old_2013:1.1.4"},
		"bevillingsdato": {"15-08-2016"}, "startdato": {"01-09-2016"}, "slutdato": {"01-02-2026"}, "betalingskommune": {"101"},
		"tilbudstype": {"old_2013:3.1.0"}, "p_nummer": {"9000000101"}, "afdelings_uuid": {ys[1].AfdelingsUUID},
		"handling": {"gem-og-stop"}}, true).mustStatus(t, http.StatusSeeOther)
	r := c.post(path, stay, true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != path {
		t.Errorf("Opret went to %q, want the next ydelse of the same sag", loc)
	}
	_, after, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	if len(after) != len(ys)+1 {
		t.Fatalf("%d ydelser after adding one to %d", len(after), len(ys))
	}
	newest := after[len(after)-1]
	// Y4: the copy of an FFB ydelse carries everything but the Ydelses-UUID, and the copy
	// is not an overlapping stay of its own.
	cp := c.get(path+"?kopi="+strconv.FormatInt(newest.ID, 10)).mustStatus(t, http.StatusOK)
	cp.mustContain(t, "kopi af en FFB-ydelse", `value="9000000102"`, `value="01-02-2026"`)
	second := with(stay, "ydelses_uuid", "35b593cf-724f-4058-9f31-fe1b3e8df124")
	c.post(path, second, true).mustStatus(t, http.StatusSeeOther)

	// T1: kommune 147 cannot add to 101's sag.
	o := b.client()
	o.login("indberetter.147@demo.invalid")
	o.get(path).mustStatus(t, http.StatusNotFound)
	o.post(path, with(stay, "betalingskommune", "147"), true).mustStatus(t, http.StatusNotFound)
	if _, again, _ := b.sagByCPR("101", demo.NielsHansenCPR); len(again) != len(ys)+2 {
		t.Errorf("147 changed 101's sag: %d ydelser", len(again))
	}
}

func regexpValue(body, name string) string {
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`name="`+name+`" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestRedigerYdelse: Y7 (no new indsatskode), a version conflict, Gem og næste, and closing a
// ydelse so the sag becomes afsluttet (S6).
func TestRedigerYdelse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	_, ys, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	first, second := ys[0], ys[1]
	path := "/ydelser/" + strconv.FormatInt(first.ID, 10) + "/rediger"
	page := c.get(path).mustStatus(t, http.StatusOK).mustContain(t, "Indsatskoden kan ikke ændres", "Gem og næste", "Gem og stop", "Ydelse 1 af 2")
	version := regexpValue(page.body, "version")
	form := url.Values{"version": {version}, "indsatskode": {"1.3"}, "varighed": {"periode"}, "maalgruppe_primaer": {"old_2013:1.1.4"},
		"bevillingsdato": {"10-02-2014"}, "startdato": {"01-03-2014"}, "slutdato": {"31-08-2016"}, "betalingskommune": {"101"},
		"handling": {"gem-og-naeste"}}
	// Y7: the indsatskode cannot change.
	c.post(path, with(form, "indsatskode", "1.17"), true).mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "Indsatskoden kan ikke ændres")
	// Y2 on edit: 422 with the typed value.
	c.post(path, with(form, "slutdato", "01-01-2014"), true).mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, `value="01-01-2014"`)
	// Gem og næste goes to the sag's next ydelse.
	r := c.post(path, with(form, "forventet_slutdato", "31-12-2016"), true).mustStatus(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/ydelser/"+strconv.FormatInt(second.ID, 10)+"/rediger" {
		t.Errorf("Gem og næste went to %q", loc)
	}
	// A second save from the same version is refused (409), keeping the typed values beside
	// the saved ones and the saved version, so saving again puts them on top (issue 17 #8).
	r = c.post(path, with(form, "forventet_slutdato", "30-06-2016"), true).mustStatus(t, http.StatusConflict).
		mustContain(t, "ændret af indberetter.101@demo.invalid", `value="30-06-2016"`,
			`<th scope="row">Forventet slutdato</th><td>30-06-2016</td><td>31-12-2016</td>`)
	if contains(r.body, `<th scope="row">Slutdato</th>`) {
		t.Errorf("the comparison lists a field that did not change")
	}
	if v := regexpValue(r.body, "version"); v == version || v == "" {
		t.Fatalf("the conflict's form carries version %q, want the saved one (opened with %s)", v, version)
	} else {
		c.post(path, with(form, "version", v, "forventet_slutdato", "30-06-2016", "handling", "gem-og-stop"), true).
			mustStatus(t, http.StatusSeeOther)
		if _, after, _ := b.sagByCPR("101", demo.NielsHansenCPR); after[0].ForventetSlutdato == nil ||
			!after[0].ForventetSlutdato.Equal(time.Date(2016, 6, 30, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("saved again after the conflict: %+v", after[0])
		}
	}
	// T1: another kommune gets 404 and changes nothing.
	o := b.client()
	o.login("indberetter.147@demo.invalid")
	o.get(path).mustStatus(t, http.StatusNotFound)
	o.post(path, with(form, "slutdato", "01-03-2014"), true).mustStatus(t, http.StatusNotFound)
	if _, after, _ := b.sagByCPR("101", demo.NielsHansenCPR); after[0].ForventetSlutdato == nil || after[0].Slutdato == nil ||
		!after[0].Slutdato.Equal(time.Date(2016, 8, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ydelse after the refused saves: %+v", after[0])
	}
}

// TestRedigerSag: everything but the CPR (S4), conflict, cross-kommune.
func TestRedigerSag(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	s, _, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	path := "/sager/" + strconv.FormatInt(s.ID, 10) + "/rediger"
	page := c.get(path).mustStatus(t, http.StatusOK).mustContain(t, "150362-1235", "CPR-nummeret kan ikke ændres", "Niels Hansen")
	version := regexpValue(page.body, "version")
	form := url.Values{"version": {version}, "cpr": {"010203-4567"}, "navn": {"Niels H."}, "funktionsvurdering": {"D"}, "bemaerkninger": {""}}
	c.post(path, with(form, "funktionsvurdering", "Z"), true).mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, `value="Niels H."`)
	r := c.post(path, with(form, "handling", "gem-og-naeste"), true).mustStatus(t, http.StatusSeeOther)
	after, ys, ok := b.sagByCPR("101", demo.NielsHansenCPR)
	if loc := r.header.Get("Location"); loc != "/ydelser/"+strconv.FormatInt(ys[0].ID, 10)+"/rediger" {
		t.Errorf("Gem og næste on the sag went to %q, want its first ydelse", loc)
	}
	if !ok || after.Navn != "Niels H." || after.Funktionsvurdering != "D" {
		t.Fatalf("sag after save: %+v", after)
	}
	r = c.post(path, with(form, "navn", "Gammel version"), true).mustStatus(t, http.StatusConflict).
		mustContain(t, "ændret af indberetter.101@demo.invalid", `value="Gammel version"`,
			`<th scope="row">Navn</th><td>Gammel version</td><td>Niels H.</td>`)
	c.post(path, with(form, "navn", "Gammel version", "version", regexpValue(r.body, "version")), true).mustStatus(t, http.StatusSeeOther)
	if again, _, _ := b.sagByCPR("101", demo.NielsHansenCPR); again.Navn != "Gammel version" {
		t.Errorf("saved again after the conflict: %+v", again)
	}
	o := b.client()
	o.login("indberetter.147@demo.invalid")
	o.get(path).mustStatus(t, http.StatusNotFound)
	o.post(path, with(form, "version", strconv.Itoa(after.Version)), true).mustStatus(t, http.StatusNotFound)
	if again, _, _ := b.sagByCPR("101", demo.NielsHansenCPR); again.Navn != "Gammel version" {
		t.Errorf("147 changed the sag: %+v", again)
	}
}

// TestSlet: S7 and Y8 — delete only what was never delivered; the last ydelse takes the sag.
func TestSlet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	c.post("/sager/ny", opretForm(), true).mustStatus(t, http.StatusSeeOther)
	s, ys, _ := b.sagByCPR("101", newCPR)
	yPath := "/ydelser/" + strconv.FormatInt(ys[0].ID, 10) + "/slet"
	c.get(yPath).mustStatus(t, http.StatusOK).mustContain(t, "Det er sagens eneste ydelse", "280791-4563", "Ja, slet")

	// Delivered: no delete button, the way to neutralise instead; a POST is refused.
	niels, nys, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		_, err := tx.ToolTx().Exec(ctx, `UPDATE ydelser SET indberettet_at = now() WHERE id = $1`, nys[0].ID)
		return err
	})
	dPath := "/ydelser/" + strconv.FormatInt(nys[0].ID, 10) + "/slet"
	r := c.get(dPath).mustStatus(t, http.StatusOK).mustContain(t, "Neutralisér")
	if contains(r.body, "Ja, slet") {
		t.Error("a delivered ydelse offers delete")
	}
	c.post(dPath, nil, true).mustStatus(t, http.StatusConflict)
	sPath := "/sager/" + strconv.FormatInt(niels.ID, 10) + "/slet"
	if r := c.get(sPath).mustStatus(t, http.StatusOK); contains(r.body, "Ja, slet") {
		t.Error("a sag with a delivered ydelse offers delete")
	}
	c.post(sPath, nil, true).mustStatus(t, http.StatusConflict)
	if _, again, ok := b.sagByCPR("101", demo.NielsHansenCPR); !ok || len(again) != 2 {
		t.Fatal("a delivered sag or ydelse was deleted")
	}

	// T1 and CSRF: nothing is deleted.
	o := b.client()
	o.login("indberetter.147@demo.invalid")
	o.post(yPath, nil, true).mustStatus(t, http.StatusNotFound)
	c.post(yPath, nil, false).mustStatus(t, http.StatusForbidden)
	if _, still, ok := b.sagByCPR("101", newCPR); !ok || len(still) != 1 {
		t.Fatal("the ydelse went on a refused delete")
	}
	// Y8: deleting the only ydelse deletes the sag.
	c.post(yPath, nil, true).mustStatus(t, http.StatusSeeOther)
	if _, _, ok := b.sagByCPR("101", newCPR); ok {
		t.Error("the sag is left without ydelser (S2)")
	}
	if got := b.auditActions("101", "sag", strconv.FormatInt(s.ID, 10)); len(got) != 2 || got[1] != "sag.delete" {
		t.Errorf("audit of the deleted sag: %v", got)
	}
}

// TestYdelsesfelter: choosing an indsatskode marks the fields it requires at once (Y4, Y5).
func TestYdelsesfelter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	req := newFormRequest("/ydelsesfelter", url.Values{"indsatskode": {"1.8.1"}, "startdato": {"01-02-2025"}, "p_nummer": {"12"}})
	req.Header.Set("X-Csrf-Token", c.csrf)
	req.Header.Set("HX-Request", "true")
	r := c.do(req).mustStatus(t, http.StatusOK)
	for _, id := range []string{"p_nummer", "afdelings_uuid", "tilbuds_uuid", "ydelses_uuid"} {
		if !contains(r.body, `id="`+id+`"`) || !requiredField(r.body, id) {
			t.Errorf("%s is not marked required for 1.8.1 from 2025", id)
		}
	}
	if !contains(r.body, `value="12"`) || contains(r.body, "<html") {
		t.Errorf("not the partial with the typed values: %s", r.body)
	}
	req = newFormRequest("/ydelsesfelter", url.Values{"indsatskode": {"1.3"}, "startdato": {"01-02-2025"}})
	req.Header.Set("X-Csrf-Token", c.csrf)
	if r := c.do(req).mustStatus(t, http.StatusOK); requiredField(r.body, "p_nummer") || contains(r.body, `id="tilbuds_uuid"`) {
		t.Errorf("1.3 requires tilbudssted or shows FFB fields")
	}
	// Issue 17 #9: the 2013 rules' Tilbudstype only for data under them (before 2025), or
	// when the ydelse carries one.
	for _, tc := range []struct {
		start, tilbudstype string
		want               bool
	}{{"", "", false}, {"01-02-2025", "", false}, {"31-12-2024", "", true}, {"01-09-2016", "", true}, {"01-02-2025", "old_2013:3.1.0", true}} {
		req = newFormRequest("/ydelsesfelter", url.Values{"indsatskode": {"1.3"}, "startdato": {tc.start}, "tilbudstype": {tc.tilbudstype}})
		req.Header.Set("X-Csrf-Token", c.csrf)
		if got := contains(c.do(req).mustStatus(t, http.StatusOK).body, `id="tilbudstype"`); got != tc.want {
			t.Errorf("start %q, tilbudstype %q: Tilbudstype offered %v, want %v", tc.start, tc.tilbudstype, got, tc.want)
		}
	}
	c.get("/sager/ny").mustNotContain(t, `id="tilbudstype"`)
}

// requiredField tells whether the control with the id carries aria-required.
func requiredField(body, id string) bool {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return false
	}
	end := strings.IndexByte(body[i:], '>')
	return strings.Contains(body[i:i+end], `aria-required="true"`)
}

// TestOpretSag_DuplicateCPR (issue 17 #4, S1): a CPR number the kommune already has a sag for
// is said as soon as it is typed (POST /sager/ny/cpr) and on a refused Opret whatever else
// is wrong, and the ydelse typed on Opret is taken over to *Tilføj ydelse* of that sag
// without being saved.
func TestOpretSag_DuplicateCPR(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	s, ys, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	add := "/sager/" + strconv.FormatInt(s.ID, 10) + "/ydelser/ny"

	for _, tc := range []struct {
		cpr  string
		want bool
	}{{"150362-1235", true}, {"1503621235", true}, {" 150362 1235 ", true}, {"150362\u20131235", true}, {"150362-123", false}, {"280791-4563", false}, {"", false}} {
		r := c.post(cprCheckURL, url.Values{"cpr": {tc.cpr}}, true).mustStatus(t, http.StatusOK)
		if got := contains(r.body, `formaction="`+add+`"`); got != tc.want {
			t.Errorf("CPR check of %q: offers the existing sag %v, want %v: %s", tc.cpr, got, tc.want, r.body)
		}
	}
	// T1: another kommune's sag for the number is not named.
	o := b.client()
	o.login("indberetter.147@demo.invalid")
	if r := o.post(cprCheckURL, url.Values{"cpr": {"150362-1235"}}, true).mustStatus(t, http.StatusOK); contains(r.body, "formaction") {
		t.Errorf("147's CPR check names 101's sag: %s", r.body)
	}
	c.post(cprCheckURL, url.Values{"cpr": {"150362-1235"}}, false).mustStatus(t, http.StatusForbidden)

	// A refused Opret says it too when the ydelse is not complete yet.
	r := c.post("/sager/ny", with(opretForm(), "cpr", "150362-1235", "startdato", ""), true).mustStatus(t, http.StatusUnprocessableEntity)
	r.mustContain(t, `id="cpr-error"`, "Der findes allerede en sag for dette CPR-nummer", `formaction="`+add+`"`, `id="startdato-error"`)

	// Taking the ydelse over fills the form and saves nothing.
	r = c.post(add, with(opretForm(), "cpr", "150362-1235", "forventet_slutdato", "31-12-2025", "handling", "overfoer"), true).
		mustStatus(t, http.StatusOK)
	r.mustContain(t, "ydelsen fra Opret er taget med", `value="01-11-2025"`, `value="31-12-2025"`, `value="01-10-2025"`)
	if contains(r.body, "Formularen er ikke gemt") {
		t.Errorf("the ydelse taken over is shown with errors")
	}
	if _, after, _ := b.sagByCPR("101", demo.NielsHansenCPR); len(after) != len(ys) {
		t.Errorf("taking the ydelse over saved it: %d ydelser, had %d", len(after), len(ys))
	}
}
