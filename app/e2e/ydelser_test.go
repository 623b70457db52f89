package e2e

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
)

// Issue 17: the rules about ydelser and stays a caseworker met in the browser (#1, #5, #6,
// #7, and the field of the Y6 message from #9).

// ydelserOf reads the ydelser of kommune's sag for cpr from the app's database (by start
// date), failing the test when there is no such sag.
func (b *browser) ydelserOf(kommune, cpr string) []domain.Ydelse {
	b.t.Helper()
	var ys []domain.Ydelse
	ctx := context.Background()
	err := b.db.InScope(ctx, tenant.Scope{Kommune: kommune, Actor: tenant.Actor{Email: "e2e"}}, func(tx *tenant.Tx) error {
		id, err := tx.SagIDByCPR(ctx, cpr)
		if err != nil {
			return err
		}
		ys, err = tx.YdelserOfSag(ctx, id)
		return err
	})
	if err != nil {
		b.t.Fatalf("ydelser of %s: %v", cpr, err)
	}
	return ys
}

// brief is the start of a page's text, for a failure message.
func brief(s string) string {
	if r := []rune(s); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return s
}

// chooseIndsats picks the indsatskode by words and types the Startdato, each followed by
// the live update of the fields.
func (b *browser) chooseIndsats(words, startdato string) {
	b.t.Helper()
	b.pick("#indsatskode", words)
	b.settle()
	b.fill("#startdato", startdato)
	b.settle()
}

// editURL is the *Redigér* page of the ydelse.
func editURL(y domain.Ydelse) string { return "/ydelser/" + strconv.FormatInt(y.ID, 10) + "/rediger" }

// TestBrowser_StayWithSeveralYdelsesUUIDs (issue 17 #1, Y4 against Y6): a §108 stay copied
// for a second Ydelses-UUID is one stay, and it can be ended and moved — all its rows at
// once, from either row — while one row changed alone still overlaps the rest (Y6, its
// message on the field that changed: #9).
func TestBrowser_StayWithSeveralYdelsesUUIDs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	const cpr = "2807914563"

	// Opret a sag with 1.8.1 from 01-02-2025 with every FFB field.
	b.visit("/sager/ny")
	b.fill("#cpr", "280791-4563")
	b.chooseIndsats("108", "01-02-2025")
	b.pick("#maalgruppe_primaer", "fysisk kommunikationsnedsættelse")
	b.fill("#p_nummer", "9000000101")
	b.fill("#afdelings_uuid", "7b0c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d")
	b.pick("#tilbuds_uuid", "almindeligt længerevarende")
	b.pick("#ydelses_uuid", "længerevarende ophold")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er oprettet") {
		t.Fatalf("Opret 1.8.1: status %d, %q", b.status, brief(b.text("main")))
	}

	// Redigér → Kopiér ydelsen… with another Ydelses-UUID → Gem og stop (Y4).
	first := b.ydelserOf("101", cpr)[0]
	b.visit(editURL(first))
	b.follow(`a[href$="/ydelser/ny?kopi=` + strconv.FormatInt(first.ID, 10) + `"]`)
	b.pick("#ydelses_uuid", "pædagogisk udredning")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er tilføjet") {
		t.Fatalf("the copy with another Ydelses-UUID: status %d, %q", b.status, brief(b.text("main")))
	}
	ys := b.ydelserOf("101", cpr)
	if len(ys) != 2 {
		t.Fatalf("%d ydelser after the copy, want 2", len(ys))
	}

	// Redigér the first row, set Slutdato, save: the stay ends, both rows of it.
	b.visit(editURL(ys[0]))
	if !evaluate[bool](b, `!!document.querySelector("#hele_opholdet") && document.querySelector("#hele_opholdet").checked`) {
		t.Errorf("the edit form does not offer Gælder alle rækker af opholdet, checked")
	} else if got := b.text(`label[for="hele_opholdet"]`); got != "Gælder alle 2 rækker af opholdet" {
		t.Errorf("the choice reads %q", got)
	}
	b.axe("rediger-ophold")
	b.fill("#slutdato", "31-01-2026")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er gemt. Opholdets anden række er ændret med.") {
		t.Fatalf("ending the stay from its first row: status %d, %q", b.status, brief(b.text("main")))
	}
	end := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, y := range b.ydelserOf("101", cpr) {
		if y.Slutdato == nil || !y.Slutdato.Equal(end) {
			t.Errorf("row %s: Slutdato %v, want 31-01-2026", y.YdelsesUUID, y.Slutdato)
		}
	}

	// The same from the copy, and when P-nummer and Afdelings-UUID change: the stay moves.
	b.visit(editURL(ys[1]))
	b.fill("#slutdato", "28-02-2026")
	b.fill("#p_nummer", "9000000102")
	b.fill("#afdelings_uuid", "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er gemt") {
		t.Fatalf("moving the stay from the copy: status %d, %q", b.status, brief(b.text("main")))
	}
	for _, y := range b.ydelserOf("101", cpr) {
		if y.PNummer != "9000000102" || y.AfdelingsUUID != "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b" ||
			y.Slutdato == nil || !y.Slutdato.Equal(end.AddDate(0, 0, 28)) {
			t.Errorf("row %s after the move: P-nummer %s, Afdelings-UUID %s, Slutdato %v", y.YdelsesUUID, y.PNummer, y.AfdelingsUUID, y.Slutdato)
		}
	}

	// Y6: one row ended alone, the choice unticked, overlaps the rest of its stay; the
	// message is on Slutdato, which changed (#9), and the typed value is kept.
	b.visit(editURL(ys[0]))
	b.click("#hele_opholdet")
	b.fill("#slutdato", "31-03-2026")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusUnprocessableEntity || !strings.Contains(b.text("#slutdato-error"), "Borgeren er allerede på et ophold") {
		t.Fatalf("one row ended alone: status %d, %q", b.status, brief(b.text("main")))
	}
	if b.value("#slutdato") != "31-03-2026" || evaluate[bool](b, `document.querySelector("#hele_opholdet").checked`) {
		t.Errorf("the refused form lost what was typed: slutdato %q, choice ticked again", b.value("#slutdato"))
	}
	if evaluate[bool](b, `!!document.querySelector("#startdato-error")`) {
		t.Errorf("the Y6 message is on Startdato, which did not change")
	}
	b.axe("rediger-ophold-afvist")
}

// TestBrowser_DeliveredVarighed (issue 17 #5, Y8): after delivery the Varighed of a
// Stykydelse is shown, not offered for change, and a form that sends another anyway is
// refused (422) with the message on Varighed; so it cannot become a Periodeydelse and be
// neutralised.
func TestBrowser_DeliveredVarighed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	// A sag with a Stykydelse (1.19.1, §117a), delivered.
	ys := b.ydelserOf("101", demo.NielsHansenCPR)
	var styk domain.Ydelse
	ctx := context.Background()
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "e2e"}}, func(tx *tenant.Tx) error {
		y := domain.Ydelse{SagID: ys[0].SagID, Indsatskode: "1.19.1", Varighed: "styk", Startdato: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC),
			Slutdato: new(time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC)), Betalingskommune: "101",
			Maalgrupper: []domain.Maalgruppe{{Scheme: "ffb", Code: "16075f99-3694-4878-a48d-b2f4b515cb76", Primaer: true}}}
		id, err := tx.InsertYdelse(ctx, y)
		styk, styk.ID = y, id
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tenanttest.MarkDelivered(t, b.db, "101", time.Now(), nil, []int64{styk.ID})

	b.visit(editURL(styk))
	if n := evaluate[int](b, `document.querySelectorAll('input[name="varighed"]:not([type="hidden"])').length`); n != 0 {
		t.Errorf("the form of a delivered Stykydelse offers %d Varighed choices, want none", n)
	}
	if got := b.text("#varighed-group"); !strings.Contains(got, "Stykydelse") || !strings.Contains(got, "kan ikke ændres") {
		t.Errorf("Varighed of the delivered ydelse reads %q", got)
	}
	b.axe("rediger-indberettet")

	// A form that sends Periodeydelse anyway (an old tab, a crafted request) is refused.
	evaluate[bool](b, `(() => { document.querySelectorAll('input[name="varighed"]').forEach(el => el.value = "periode"); return true })()`)
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusUnprocessableEntity || !strings.Contains(b.text("#varighed-error"), "Varigheden kan ikke ændres, efter ydelsen er indberettet") {
		t.Fatalf("Periodeydelse for a delivered Stykydelse: status %d, %q", b.status, brief(b.text("main")))
	}
	if !strings.Contains(b.text("#error-summary"), "Varighed") {
		t.Errorf("the error summary does not name Varighed: %q", b.text("#error-summary"))
	}
	b.axe("rediger-indberettet-afvist")
	for _, y := range b.ydelserOf("101", demo.NielsHansenCPR) {
		if y.ID == styk.ID && y.Varighed != "styk" {
			t.Errorf("the delivered Stykydelse was saved as %q", y.Varighed)
		}
	}
	// Saved as it is, it is accepted.
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er gemt") {
		t.Errorf("saving the delivered Stykydelse unchanged: status %d, %q", b.status, brief(b.text("main")))
	}
}

// TestBrowser_VarighedDefault (issue 17 #6, Y1): choosing 1.19.1 (§117a) preselects
// Stykydelse, the code list's default, and saving without a choice stores it; a choice the
// user made survives the live update of the fields.
func TestBrowser_VarighedDefault(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	checked := func() string {
		return evaluate[string](b, `(document.querySelector('input[name="varighed"]:checked') || {}).value || ""`)
	}
	ys := b.ydelserOf("101", demo.NielsHansenCPR)
	b.visit("/sager/" + strconv.FormatInt(ys[0].SagID, 10) + "/ydelser/ny")
	b.pick("#indsatskode", "1.19.1")
	b.settle()
	if got := checked(); got != "styk" {
		t.Fatalf("Varighed after choosing 1.19.1: %q, want styk (varighed_default)", got)
	}
	b.pick("#indsatskode", "1.3")
	b.settle()
	if got := checked(); got != "periode" {
		t.Errorf("Varighed after choosing 1.3: %q, want periode", got)
	}
	b.pick("#indsatskode", "1.19.1")
	b.settle()
	b.click(`label[for="varighed-0"]`) // Periodeydelse, chosen
	b.fill("#startdato", "03-11-2025")
	b.settle()
	if got := checked(); got != "periode" {
		t.Errorf("the chosen Varighed after a live update: %q, want periode", got)
	}
	b.click(`label[for="varighed-1"]`) // Stykydelse again
	b.fill("#slutdato", "03-11-2025")
	b.pick("#maalgruppe_primaer", "fysisk kommunikationsnedsættelse")
	b.axe("tilfoej-stykydelse")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er tilføjet") {
		t.Fatalf("Tilføj 1.19.1: status %d, %q", b.status, brief(b.text("main")))
	}
	after := b.ydelserOf("101", demo.NielsHansenCPR)
	if got := after[len(after)-1]; got.Indsatskode != "1.19.1" || got.Varighed != "styk" {
		t.Errorf("saved %s as %q, want styk", got.Indsatskode, got.Varighed)
	}

	// Opret: the default without touching the choice.
	b.visit("/sager/ny")
	b.fill("#cpr", "280791-4563")
	b.chooseIndsats("1.19.1", "03-11-2025")
	b.fill("#slutdato", "03-11-2025")
	b.pick("#maalgruppe_primaer", "fysisk kommunikationsnedsættelse")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er oprettet") {
		t.Fatalf("Opret 1.19.1: status %d, %q", b.status, brief(b.text("main")))
	}
	if got := b.ydelserOf("101", "2807914563")[0].Varighed; got != "styk" {
		t.Errorf("Opret 1.19.1 saved Varighed %q, want styk", got)
	}
}

// TestBrowser_DuplicateYdelse (issue 17 #7, Y4): the same ydelse (indsatskode, dates and
// Ydelses-UUID) twice on a sag is refused with a Danish message, the typed values kept.
func TestBrowser_DuplicateYdelse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	ys := b.ydelserOf("101", demo.NielsHansenCPR)
	b.visit("/sager/" + strconv.FormatInt(ys[0].SagID, 10) + "/ydelser/ny")
	add := func() {
		b.chooseIndsats("1.3", "01-11-2025")
		b.fill("#slutdato", "31-01-2026")
		b.pick("#maalgruppe_primaer", "fysisk kommunikationsnedsættelse")
		b.follow(`button[value="opret"]`)
	}
	add()
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er tilføjet") {
		t.Fatalf("Tilføj 1.3: status %d, %q", b.status, brief(b.text("main")))
	}
	add() // Opret came back to an empty form for the sag's next ydelse
	if b.status != http.StatusUnprocessableEntity ||
		!strings.Contains(b.text("#startdato-error"), "Sagen har allerede ydelsen 1.3 med samme startdato (01-11-2025) og slutdato") {
		t.Fatalf("the same ydelse again: status %d, %q", b.status, brief(b.text("main")))
	}
	if b.value("#startdato") != "01-11-2025" || b.value("#slutdato") != "31-01-2026" {
		t.Errorf("typed values lost: startdato %q, slutdato %q", b.value("#startdato"), b.value("#slutdato"))
	}
	b.axe("tilfoej-dublet")
	if n := len(b.ydelserOf("101", demo.NielsHansenCPR)); n != len(ys)+1 {
		t.Errorf("%d ydelser, want %d: the duplicate was saved", n, len(ys)+1)
	}
}
