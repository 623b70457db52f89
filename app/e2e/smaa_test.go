package e2e

import (
	"net/http"
	"strings"
	"testing"

	"indberet/tenant/demo"
)

// TestBrowser_SmallFaults (issue 17 #9) walks the small faults a new caseworker met, with axe
// on each changed page: Opret is not offered before the contact persons exist (K1) and says
// so before anything is typed; an en dash in the CPR number is read as the hyphen (S5);
// Tilbudstype is offered only for a start under the 2013 rules (Y1); a refused Opret's
// title begins "Fejl: "; the confirmation is a success alert; a user without a role sees no
// bare "· København (101)" in the header (T2).
func TestBrowser_SmallFaults(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.751@demo.invalid", demo.Password)
	b.visit("/indberetninger/egne")
	b.waitVisible("#kontakt-mangler")
	if n := evaluate[int](b, `document.querySelectorAll('a[href="/sager/ny"]').length`); n != 0 {
		t.Errorf("the list offers Opret (%d links) before the contact persons exist", n)
	}
	b.axe("liste-uden-kontakt")
	b.visit("/sager/ny")
	b.waitVisible("#kontakt-mangler")
	if n := evaluate[int](b, `document.querySelectorAll("#cpr, button[value=opret]").length`); n != 0 {
		t.Errorf("Opret offers its form before the contact persons exist")
	}
	b.axe("opret-uden-kontakt")
	b.logout()

	b.login("indberetter.101@demo.invalid", demo.Password)
	b.visit("/sager/ny")
	if title := evaluate[string](b, `document.title`); title != "Opret sag – Indberet" {
		t.Errorf("title of the empty form: %q", title)
	}
	b.fill("#cpr", "280791\u20134563")
	b.fill("#navn", "Tankestreg Testesen")
	b.pick("#indsatskode", "behandling")
	b.settle()
	b.waitGone("#tilbudstype")
	b.fill("#startdato", "01-09-2016")
	b.settle()
	b.waitVisible("#tilbudstype")
	b.fill("#startdato", "05-01-2026")
	b.settle()
	b.waitGone("#tilbudstype")
	b.follow(`button[value="opret"]`) // no målgruppe yet
	if b.status != http.StatusUnprocessableEntity {
		t.Fatalf("Opret without målgruppe: status %d", b.status)
	}
	if title := evaluate[string](b, `document.title`); title != "Fejl: Opret sag – Indberet" {
		t.Errorf("title of the refused form: %q", title)
	}
	if msg := evaluate[string](b, `(document.querySelector("#cpr-error") || {}).textContent || ""`); msg != "" {
		t.Errorf("the CPR number with an en dash is refused: %q", msg)
	}
	b.axe("opret-afvist")
	b.pick("#maalgruppe_primaer", "fysisk kommunikationsnedsættelse")
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main .alert-success"), "Sagen for CPR-nummer 280791-4563 er oprettet") {
		t.Fatalf("Opret: status %d, %q", b.status, b.text("main"))
	}
	b.axe("opret-bekraeftet")
	b.logout()

	b.login("uden-ret.101@demo.invalid", demo.Password)
	if got := b.text(".portal-user .user-context"); got != "Ingen rettigheder · København (101)" {
		t.Errorf("header of a user without a role: %q", got)
	}
	b.axe("uden-ret")
}
