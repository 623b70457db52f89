package app

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
)

// Issue 17 #1, #5, #6, #7 and #9 (the field of the Y6 message): the rules about ydelser and
// stays in the ydelse handlers.

const (
	ydelsesUUID2 = "35b593cf-724f-4058-9f31-fe1b3e8df124" // Pædagogisk udredning
	afdelingA    = "7b0c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	afdelingB    = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
)

// stayFixture is a sag (newCPR) with one §108 stay from start in two rows, one per
// Ydelses-UUID (Y4); the second row's primary målgruppe is secondMaalgruppe.
func (b *bundle) stayFixture(start time.Time, secondMaalgruppe domain.Maalgruppe) (sagID int64, rows [2]domain.Ydelse) {
	b.t.Helper()
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		var err error
		if sagID, err = tx.InsertSag(ctx, domain.Sag{CPR: newCPR}); err != nil {
			return err
		}
		for i, u := range []string{ydelsesUUID, ydelsesUUID2} {
			m := domain.Maalgruppe{Scheme: "ffb", Code: ffbPrimaer2[4:], Primaer: true}
			if i == 1 {
				m = secondMaalgruppe
			}
			rows[i] = domain.Ydelse{SagID: sagID, Indsatskode: "1.8.1", Varighed: "periode", Startdato: start,
				Betalingskommune: "101", PNummer: "9000000101", AfdelingsUUID: afdelingA, TilbudsUUID: tilbudsUUID,
				YdelsesUUID: u, Maalgrupper: []domain.Maalgruppe{m}}
			if rows[i].ID, err = tx.InsertYdelse(ctx, rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return sagID, rows
}

// stayForm is the edit form of a stay row as the browser sends it, ticked to change the
// whole stay.
func stayForm(y domain.Ydelse, version string) url.Values {
	in := domain.YdelseInputOf(y)
	return url.Values{"version": {version}, "indsatskode": {in.Indsatskode}, "varighed": {in.Varighed},
		"maalgruppe_primaer": {in.PrimaerMaalgruppe}, "bevillingsdato": {in.Bevillingsdato}, "startdato": {in.Startdato},
		"slutdato": {in.Slutdato}, "betalingskommune": {in.Betalingskommune}, "p_nummer": {in.PNummer}, "afdelings_uuid": {in.AfdelingsUUID},
		"tilbuds_uuid": {in.TilbudsUUID}, "ydelses_uuid": {in.YdelsesUUID}, "hele_opholdet": {"1"}, "handling": {"gem-og-stop"}}
}

// auditAt is when each audit entry of the ydelse with action was written (the
// transaction's time).
func (b *bundle) auditAt(id int64, action string) []time.Time {
	b.t.Helper()
	var out []time.Time
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT coalesce(array_agg(at ORDER BY id), '{}') FROM audit_log
			WHERE entity = 'ydelse' AND entity_id = $1 AND action = $2`, strconv.FormatInt(id, 10), action).Scan(&out)
	})
	return out
}

// ydelsesfelter is the live update of the ydelse fields (htmx) for the posted form.
func (c *client) ydelsesfelter(t *testing.T, form url.Values) string {
	t.Helper()
	req := newFormRequest("/ydelsesfelter", form)
	req.Header.Set("X-Csrf-Token", c.csrf)
	req.Header.Set("HX-Request", "true")
	return c.do(req).mustStatus(t, http.StatusOK).body
}

// setupTilfoej is an app with a caseworker of 101 logged in, and the path of *Tilføj ydelse*
// of the worked example's sag (Niels Hansen).
func setupTilfoej(t *testing.T) (*bundle, *client, string) {
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	niels, _, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	return b, c, "/sager/" + strconv.FormatInt(niels.ID, 10) + "/ydelser/ny"
}

// TestRedigerYdelse_Stay (issue 17 #1, Y4, Y6): a stay in two rows is ended and moved from
// either row, all rows in one transaction with an audit entry each; unticked, one row
// changed alone overlaps the rest (422, the message on the field that changed: #9); a row
// that the change makes invalid refuses the whole change.
func TestRedigerYdelse_Stay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	_, rows := b.stayFixture(time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), domain.Maalgruppe{Scheme: "ffb", Code: ffbPrimaer2[4:], Primaer: true})
	path := "/ydelser/" + strconv.FormatInt(rows[0].ID, 10) + "/rediger"
	page := c.get(path).mustStatus(t, http.StatusOK).mustContain(t, "Gælder alle 2 rækker af opholdet", `id="hele_opholdet"`)
	if !contains(page.body, `value="1" checked`) {
		t.Errorf("Gælder alle rækker af opholdet is not checked by default")
	}
	form := stayForm(rows[0], regexpValue(page.body, "version"))

	// Unticked: one row ended alone overlaps the rest of the stay (Y6), on Slutdato (#9);
	// moved alone, on P-nummer; the choice stays unticked.
	r := c.post(path, with(form, "hele_opholdet", "", "slutdato", "31-01-2026"), true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, `id="slutdato-error"`, "Borgeren er allerede på et ophold i perioden: 1.8.1 fra 01-02-2025 (uden slutdato).", `value="31-01-2026"`)
	if contains(r.body, `id="startdato-error"`) || contains(r.body, `value="1" checked`) {
		t.Errorf("the Y6 message is on Startdato, or the choice came back ticked")
	}
	c.post(path, with(form, "hele_opholdet", "", "p_nummer", "9000000102"), true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, `id="p_nummer-error"`, "Borgeren er allerede på et ophold")
	c.post(path, with(form, "hele_opholdet", "", "afdelings_uuid", afdelingB), true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, `id="afdelings_uuid-error"`, "Borgeren er allerede på et ophold")

	// Ticked: the stay ends, both rows, in one transaction with an audit entry each.
	r = c.post(path, with(form, "slutdato", "31-01-2026"), true).mustStatus(t, http.StatusSeeOther)
	c.get(r.header.Get("Location")).mustContain(t, "er gemt. Opholdets anden række er ændret med.")
	_, ys, _ := b.sagByCPR("101", newCPR)
	end := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, y := range ys {
		if y.Slutdato == nil || !y.Slutdato.Equal(end) {
			t.Errorf("row %s: Slutdato %v, want 31-01-2026", y.YdelsesUUID, y.Slutdato)
		}
	}
	a0, a1 := b.auditAt(rows[0].ID, "ydelse.update"), b.auditAt(rows[1].ID, "ydelse.update")
	if len(a0) != 1 || len(a1) != 1 || !a0[0].Equal(a1[0]) {
		t.Errorf("audit: %v and %v, want one ydelse.update per row from one transaction", a0, a1)
	}

	// From the copy: the stay moves to another place, both rows.
	path2 := "/ydelser/" + strconv.FormatInt(rows[1].ID, 10) + "/rediger"
	page = c.get(path2).mustStatus(t, http.StatusOK).mustContain(t, "Gælder alle 2 rækker af opholdet")
	form2 := with(stayForm(ys[1], regexpValue(page.body, "version")), "p_nummer", "9000000102", "afdelings_uuid", afdelingB)
	c.post(path2, form2, true).mustStatus(t, http.StatusSeeOther)
	_, ys, _ = b.sagByCPR("101", newCPR)
	for _, y := range ys {
		if y.PNummer != "9000000102" || y.AfdelingsUUID != afdelingB || y.Slutdato == nil || !y.Slutdato.Equal(end) {
			t.Errorf("row %s after the move: %s %s %v", y.YdelsesUUID, y.PNummer, y.AfdelingsUUID, y.Slutdato)
		}
	}
	// The versions the other row's form read are stale now: its save is a conflict.
	c.post(path, with(form, "slutdato", "28-02-2026"), true).mustStatus(t, http.StatusConflict)
}

// TestRedigerYdelse_StayRowInvalid (issue 17 #1): a move that the other row of the stay
// cannot take (its old målgruppe is not allowed from 2025, Y3) is refused as a whole, the
// message naming that row's Ydelses-UUID, and nothing is saved.
func TestRedigerYdelse_StayRowInvalid(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	_, rows := b.stayFixture(time.Date(2024, 6, 3, 0, 0, 0, 0, time.UTC), domain.Maalgruppe{Scheme: "old_2018", Code: "1.2.2", Primaer: true})
	path := "/ydelser/" + strconv.FormatInt(rows[0].ID, 10) + "/rediger"
	page := c.get(path).mustStatus(t, http.StatusOK)
	form := with(stayForm(rows[0], regexpValue(page.body, "version")), "startdato", "03-02-2025")
	_, before, _ := b.sagByCPR("101", newCPR)
	c.post(path, form, true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, `id="maalgruppe_primaer-error"`, "Opholdets række med Ydelses-UUID "+ydelsesUUID2+": Målgruppen skal være en FFB-målgruppe", `value="03-02-2025"`)
	_, ys, _ := b.sagByCPR("101", newCPR)
	for i, y := range ys {
		if !y.Startdato.Equal(time.Date(2024, 6, 3, 0, 0, 0, 0, time.UTC)) || y.Version != before[i].Version {
			t.Errorf("row %s was changed by a refused move: %v, version %d", y.YdelsesUUID, y.Startdato, y.Version)
		}
	}
	// Unticked, the row moves alone: the other row is no longer the same stay and overlaps.
	c.post(path, with(form, "hele_opholdet", ""), true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, `id="startdato-error"`, "Borgeren er allerede på et ophold")
}

// TestDuplicateYdelse (issue 17 #7, Y4): an exact duplicate of a ydelse of the sag is refused
// on Tilføj ydelse and on Redigér, 422 with the typed values.
func TestDuplicateYdelse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	sagID, rows := b.stayFixture(time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), domain.Maalgruppe{Scheme: "ffb", Code: ffbPrimaer2[4:], Primaer: true})
	add := "/sager/" + strconv.FormatInt(sagID, 10) + "/ydelser/ny"
	dup := with(stayForm(rows[0], ""), "version", "", "hele_opholdet", "", "handling", "opret")
	c.post(add, dup, true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, `id="ydelses_uuid-error"`, "Sagen har allerede ydelsen 1.8.1 med samme startdato (01-02-2025), slutdato og Ydelses-UUID.", `value="9000000101"`)
	// Not FFB: the message is on Startdato.
	treatment := url.Values{"indsatskode": {"1.3"}, "varighed": {"periode"}, "maalgruppe_primaer": {ffbPrimaer},
		"startdato": {"01-11-2025"}, "slutdato": {"31-01-2026"}, "betalingskommune": {"101"}, "handling": {"opret"}}
	c.post(add, treatment, true).mustStatus(t, http.StatusSeeOther)
	c.post(add, treatment, true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, `id="startdato-error"`, "Sagen har allerede ydelsen 1.3 med samme startdato (01-11-2025) og slutdato.", `value="31-01-2026"`)
	c.post(add, with(treatment, "slutdato", "30-01-2026"), true).mustStatus(t, http.StatusSeeOther)
	_, ys, _ := b.sagByCPR("101", newCPR)
	if len(ys) != 4 {
		t.Fatalf("%d ydelser, want the 2 rows of the stay and 2 treatments", len(ys))
	}
	// Redigér: the second treatment edited into the first.
	var second domain.Ydelse
	for _, y := range ys {
		if y.Indsatskode == "1.3" && y.Slutdato != nil && y.Slutdato.Day() == 30 {
			second = y
		}
	}
	path := "/ydelser/" + strconv.FormatInt(second.ID, 10) + "/rediger"
	page := c.get(path).mustStatus(t, http.StatusOK)
	c.post(path, with(treatment, "version", regexpValue(page.body, "version"), "handling", "gem-og-stop"), true).
		mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "Sagen har allerede ydelsen 1.3")
}

// TestVarighed_Delivered (issue 17 #5, Y8): the form of a delivered ydelse shows its Varighed
// without a choice, also after a live update, and a changed Varighed is refused (422) on the
// field; before delivery it may change.
func TestVarighed_Delivered(t *testing.T) {
	t.Parallel()
	b, c, add := setupTilfoej(t)
	styk := url.Values{"indsatskode": {"1.19.1"}, "varighed": {"styk"}, "maalgruppe_primaer": {ffbPrimaer},
		"startdato": {"03-11-2025"}, "slutdato": {"03-11-2025"}, "betalingskommune": {"101"}, "handling": {"opret"}}
	c.post(add, styk, true).mustStatus(t, http.StatusSeeOther)
	_, ys, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	y := ys[len(ys)-1]
	path := "/ydelser/" + strconv.FormatInt(y.ID, 10) + "/rediger"
	form := with(styk, "handling", "gem-og-stop", "varighed", "periode")

	// Not delivered: the choice is offered and may change (Y7).
	page := c.get(path).mustStatus(t, http.StatusOK).mustContain(t, `type="radio"`)
	c.post(path, with(form, "version", regexpValue(page.body, "version")), true).mustStatus(t, http.StatusSeeOther)
	page = c.get(path).mustStatus(t, http.StatusOK)
	c.post(path, with(form, "version", regexpValue(page.body, "version"), "varighed", "styk"), true).mustStatus(t, http.StatusSeeOther)

	tenanttest.MarkDelivered(t, b.db, "101", time.Now(), nil, []int64{y.ID})
	page = c.get(path).mustStatus(t, http.StatusOK).mustContain(t, "Varigheden kan ikke ændres, efter ydelsen er indberettet.",
		`name="varighed" value="styk"`, `name="varighed_laast" value="1"`)
	if contains(page.body, `name="varighed" value="periode"`) {
		t.Errorf("the form of a delivered Stykydelse offers Periodeydelse")
	}
	version := regexpValue(page.body, "version")
	r := c.post(path, with(form, "version", version), true).mustStatus(t, http.StatusUnprocessableEntity).
		mustContain(t, `id="varighed-error"`, "Varigheden kan ikke ændres, efter ydelsen er indberettet. En indberettet stykydelse kan ikke fortrydes", `href="#varighed"`)
	if contains(r.body, `name="varighed" value="periode"`) {
		t.Errorf("the refused form offers the refused Varighed")
	}
	// The live update keeps it locked.
	if body := c.ydelsesfelter(t, url.Values{"indsatskode": {"1.19.1"}, "varighed": {"styk"}, "varighed_laast": {"1"}, "indsats_laast": {"1"}}); contains(body, `type="radio"`) || !contains(body, `name="varighed_laast"`) {
		t.Errorf("the live update of a delivered ydelse offers a Varighed choice")
	}
	// Unchanged, it saves; the stored Varighed is styk throughout.
	c.post(path, with(form, "version", version, "varighed", "styk"), true).mustStatus(t, http.StatusSeeOther)
	if _, after, _ := b.sagByCPR("101", demo.NielsHansenCPR); after[len(after)-1].Varighed != "styk" {
		t.Errorf("Varighed %q after delivery", after[len(after)-1].Varighed)
	}
}

// TestVarighed_Default (issue 17 #6, Y1): the code list's varighed_default applies when an
// indsatskode is chosen (live update) and on save, until the user chooses.
func TestVarighed_Default(t *testing.T) {
	t.Parallel()
	b, c, add := setupTilfoej(t)
	c.get(add).mustStatus(t, http.StatusOK).mustContain(t, `name="varighed_forvalgt" value="periode"`)
	fields := func(kv ...string) string {
		t.Helper()
		return c.ydelsesfelter(t, with(url.Values{"indsatskode": {"1.19.1"}}, kv...))
	}
	// Preselected periode (no indsatskode yet), then 1.19.1 chosen: its default, styk.
	if body := fields("varighed", "periode", "varighed_forvalgt", "periode"); !contains(body, `value="styk" checked`) ||
		!contains(body, `name="varighed_forvalgt" value="styk"`) {
		t.Errorf("1.19.1 chosen: Stykydelse not preselected:\n%s", body)
	}
	// Chosen by the user (not the preselected value): kept, and no longer preselected.
	if body := fields("varighed", "periode", "varighed_forvalgt", "styk"); !contains(body, `value="periode" checked`) ||
		contains(body, `name="varighed_forvalgt"`) {
		t.Errorf("the user's Periodeydelse was replaced by the default")
	}
	// A form without the preselection (an old form, an API client) is a choice as before.
	if body := fields("varighed", "periode"); !contains(body, `value="periode" checked`) {
		t.Errorf("Periodeydelse sent without preselection was replaced")
	}
	// Saved with the preselected value of another indsatskode: the default.
	form := url.Values{"indsatskode": {"1.19.1"}, "varighed": {"periode"}, "varighed_forvalgt": {"periode"}, "maalgruppe_primaer": {ffbPrimaer},
		"startdato": {"03-11-2025"}, "slutdato": {"03-11-2025"}, "betalingskommune": {"101"}, "handling": {"opret"}}
	c.post(add, form, true).mustStatus(t, http.StatusSeeOther)
	_, ys, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	if got := ys[len(ys)-1]; got.Indsatskode != "1.19.1" || got.Varighed != "styk" {
		t.Errorf("saved %s as %q, want styk", got.Indsatskode, got.Varighed)
	}
	// Opret does the same.
	c.get("/sager/ny").mustStatus(t, http.StatusOK).mustContain(t, `name="varighed_forvalgt" value="periode"`)
	c.post("/sager/ny", with(opretForm(), "indsatskode", "1.19.1", "varighed_forvalgt", "periode", "startdato", "03-11-2025",
		"slutdato", "03-11-2025"), true).mustStatus(t, http.StatusSeeOther)
	if _, ys, _ := b.sagByCPR("101", newCPR); len(ys) != 1 || ys[0].Varighed != "styk" {
		t.Errorf("Opret 1.19.1: %+v", ys)
	}
}
