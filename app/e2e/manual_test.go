package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"indberet/tenant/demo"
)

// TestBrowser_Manual walks the 2025 manual (shared/seeds, IDEP manual March 2025) as a new
// caseworker in Aarhus (751, a demo kommune without contact persons) would, and checks every
// screen with axe-core on the way: Kontaktoplysninger (K1, K2), Opret with a validation
// message (S2, S5, Y1), Tilføj ydelse with an ophold needing P-nummer and Afdelings-UUID
// (Y4, Y5), an overlapping ophold refused (Y6), the live CPR search (S8), Redigér with Gem og
// næste to give the ydelser a Slutdato (Y7), the sag under Afsluttede sager (S6), and the
// delete of an undelivered ydelse (Y8). It writes the README's screenshots.
func TestBrowser_Manual(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.751@demo.invalid", demo.Password)

	// K2: the first login lands on a start page that asks for the contact persons.
	b.waitVisible("#kontakt-cta")
	b.axe("forside-uden-kontakt")
	b.follow("#kontakt-cta a")
	b.axe("kontaktoplysninger")
	for _, p := range []struct{ rolle, navn, tlf, email string }{
		{"faglig", "Anne Faglig", "89 40 20 00", "anne.faglig@aarhus.demo.invalid"},
		{"teknisk", "Bo Teknisk", "89 40 20 01", "bo.teknisk@aarhus.demo.invalid"},
		{"kvittering", "Cille Kvittering", "89 40 20 02", "cille.kvittering@aarhus.demo.invalid"},
	} {
		b.fill("#"+p.rolle+"-navn", p.navn)
		b.fill("#"+p.rolle+"-telefon", p.tlf)
		b.fill("#"+p.rolle+"-email", p.email)
	}
	b.follow("main form button[type=submit]")
	if b.path() != "/" || !strings.Contains(b.text("main"), "Kontaktoplysningerne er gemt.") {
		t.Fatalf("after Gem: %s, %q", b.path(), b.text("main"))
	}

	// Se listen over alle indberetninger → Redigér in the row Egne IDEP → Ingen poster → Opret.
	b.follow(`a[href="/indberetninger"]`)
	b.axe("indberetninger")
	b.follow(`a[href="/indberetninger/egne"]`)
	if !strings.Contains(b.text("main"), "Ingen poster") {
		t.Errorf("a new kommune's list does not say Ingen poster: %q", b.text("main"))
	}
	b.axe("liste-tom")
	b.follow(`a[href="/sager/ny"]`)
	b.axe("opret")

	// Opret with a mistake: the form comes back with the message and the typed values.
	b.fill("#cpr", "150362-1235")
	b.fill("#navn", "Niels Hansen")
	b.pick("#indsatskode", "behandling")
	b.settle()
	b.fill("#startdato", "31-02-2026")
	b.settle()
	b.pick("#maalgruppe_primaer", "fysisk kommunikationsnedsættelse")
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusUnprocessableEntity {
		t.Fatalf("Opret with a wrong date: status %d", b.status)
	}
	if got := b.text("#startdato-error"); !strings.Contains(got, "Datoen findes ikke") {
		t.Errorf("message next to Startdato: %q", got)
	}
	if b.value("#cpr") != "150362-1235" || b.value("#navn") != "Niels Hansen" {
		t.Errorf("typed values lost: cpr %q, navn %q", b.value("#cpr"), b.value("#navn"))
	}
	b.axe("opret-fejl")
	b.screenshot("opret-fejl")
	b.fill("#startdato", "05-01-2026")
	b.follow(`button[value="gem-og-stop"]`)
	if b.path() != "/indberetninger/egne" || !strings.Contains(b.text("main"), "er oprettet") {
		t.Fatalf("after Gem og stop: %s %q", b.path(), b.text("main"))
	}

	// Tilføj ydelse: sæt hak ud for sagen, Tilføj ydelse; a §108 stay needs P-nummer and
	// Afdelings-UUID (Y5) and the FFB UUIDs (Y4), marked as soon as the code is chosen.
	b.click(`input[name="valgt"]`)
	b.follow(`button[value="tilfoej-ydelse"]`)
	b.axe("tilfoej-ydelse")
	b.pick("#indsatskode", "108")
	b.settle()
	b.waitFor("P-nummer required", `document.querySelector("#p_nummer") && document.querySelector("#p_nummer").getAttribute("aria-required") === "true"`)
	b.fill("#startdato", "01-03-2026")
	b.settle()
	b.pick("#maalgruppe_primaer", "fysisk kommunikationsnedsættelse")
	b.fill("#p_nummer", "9000000751")
	b.fill("#afdelings_uuid", "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b")
	b.pick("#tilbuds_uuid", "almindeligt længerevarende")
	b.pick("#ydelses_uuid", "længerevarende ophold")
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er tilføjet") {
		t.Fatalf("Tilføj ydelse 1.8.1: status %d, %q", b.status, b.text("main"))
	}

	// Y6: a §107 stay in the same period is refused.
	b.pick("#indsatskode", "107")
	b.settle()
	b.waitFor("P-nummer required", `document.querySelector("#p_nummer") && document.querySelector("#p_nummer").getAttribute("aria-required") === "true"`)
	b.fill("#startdato", "01-06-2026")
	b.settle()
	b.pick("#maalgruppe_primaer", "fysisk kommunikationsnedsættelse")
	b.fill("#p_nummer", "9000000752")
	b.fill("#afdelings_uuid", "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4c")
	b.pick("#tilbuds_uuid", "midlertidigt botilbud")
	b.pick("#ydelses_uuid", "midlertidigt ophold")
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusUnprocessableEntity || !strings.Contains(b.text("#startdato-error"), "allerede på et ophold") {
		t.Fatalf("overlapping stay: status %d, %q", b.status, b.text("main"))
	}
	b.axe("ophold-afvist")

	// S8: find him by typing the first digits of his CPR number.
	b.visit("/indberetninger/egne?visning=kun-sager")
	b.fill("#liste-cpr", "1503")
	b.waitFor("search result", `document.querySelector("#liste-resultater") && document.querySelector("#liste-resultater").textContent.includes("150362-1235")`)
	if strings.Contains(b.location(), "1503") {
		t.Errorf("the CPR prefix is in the URL: %s", b.location())
	}
	b.axe("soeg")
	b.screenshot("soeg")

	// Redigér: Slutdato on both ydelser with Gem og næste, then Gem og stop (Y7).
	b.visit("/indberetninger/egne?visning=sager-og-ydelser")
	b.follow(`#liste-resultater a[href^="/ydelser/"][href$="/rediger"]`)
	b.axe("rediger-ydelse")
	b.fill("#slutdato", "31-03-2026")
	b.follow(`button[value="gem-og-naeste"]`)
	if !strings.Contains(b.text("main"), "næste ydelse") {
		t.Fatalf("Gem og næste did not go to the next ydelse: %s %q", b.path(), b.text("main"))
	}
	b.fill("#slutdato", "30-09-2026")
	b.follow(`button[value="gem-og-stop"]`)

	// S6: with every Slutdato before today the sag is afsluttet.
	b.visit("/indberetninger/egne?visning=kun-sager&filter=afsluttede")
	if !strings.Contains(b.text("#liste-resultater"), "150362-1235") {
		t.Errorf("the closed sag is not under Afsluttede sager: %q", b.text("#liste-resultater"))
	}
	b.visit("/indberetninger/egne?visning=kun-sager&filter=ikke-afsluttede")
	if strings.Contains(b.text("#liste-resultater"), "150362-1235") {
		t.Errorf("the closed sag is under Ikke afsluttede sager")
	}
	b.axe("oversigt")
	b.visit("/indberetninger/egne?visning=sager-og-ydelser")
	b.screenshot("oversigt")

	// Y8: delete an undelivered ydelse, after a confirmation that says what goes.
	b.follow(`#liste-resultater a[href^="/ydelser/"][href$="/slet"]`)
	if !strings.Contains(b.text("main"), "slettes") {
		t.Errorf("the confirmation does not say what is deleted: %q", b.text("main"))
	}
	b.axe("slet")
	b.follow(`main form button[type=submit]`)
	if !strings.Contains(b.text("main"), "er slettet") {
		t.Errorf("after delete: %q", b.text("main"))
	}
}

// pick chooses an option of the searchable picker sel by typing words of it, as a keyboard
// user does: the first matching option is taken with ArrowDown and Enter.
func (b *browser) pick(sel, words string) {
	b.t.Helper()
	b.fill(sel, words)
	b.waitFor("options for "+words, `document.querySelector(`+jsString(sel)+`).getAttribute("aria-expanded") === "true"`)
	b.press(kb.ArrowDown)
	b.press(kb.Enter)
}

// settle leaves the focused field (so its change event fires, as when a user tabs on) and
// waits until htmx has swapped in the field group it asked for and the pickers are ready.
func (b *browser) settle() {
	b.t.Helper()
	b.press(kb.Tab)
	b.waitFor("htmx to settle", `!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling") &&
		!!document.querySelector("#ydelsesfelter [role=combobox]")`)
}
