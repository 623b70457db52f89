package e2e

import (
	"net/http"
	"strings"
	"testing"

	"indberet/tenant/demo"
)

// TestBrowser_Brugere walks the kommune administrator's screens (T2) and Min konto with axe on
// each: the start page of an administrator without the data right, the list of users, Opret
// bruger with a mistake and then right, the initial password, a user's rights, and the own
// account.
func TestBrowser_Brugere(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("kommuneadmin.147@demo.invalid", demo.Password)
	b.waitVisible("#uden-dataret")
	b.axe("forside-kommuneadmin")

	b.follow(`main a[href="/brugere"]`)
	b.axe("brugere")
	b.screenshot("brugere")
	b.follow(`a[href="/brugere/ny"]`)
	b.axe("opret-bruger")

	b.fill("#bruger-navn", "Karen Ny")
	b.fill("#bruger-email", "karen.ny@frb")
	b.click("#bruger-roller-0")
	b.follow("main form button[type=submit]")
	if b.status != http.StatusUnprocessableEntity || !strings.Contains(b.text("#error-summary"), "gyldig e-mailadresse") {
		t.Fatalf("bad e-mail: status %d, %q", b.status, b.text("main"))
	}
	b.axe("opret-bruger-fejl")
	if b.value("#bruger-navn") != "Karen Ny" || !evaluate[bool](b, `document.querySelector("#bruger-roller-0").checked`) {
		t.Error("typed values are lost")
	}
	b.fill("#bruger-email", "karen.ny@frb.demo.invalid")
	b.follow("main form button[type=submit]")
	if b.status != http.StatusCreated || len(b.text("#startadgangskode")) < 12 {
		t.Fatalf("create: status %d, %q", b.status, b.text("main"))
	}
	b.axe("bruger-oprettet")
	b.screenshot("bruger-oprettet")

	b.follow(`main ul a[href^="/brugere/"]`)
	b.axe("bruger")
	b.click("#bruger-roller-1")
	b.follow(`main form button.button-primary`)
	if !strings.Contains(b.text("main"), "Rettighederne for Karen Ny er gemt.") {
		t.Errorf("after Gem rettigheder: %q", b.text("main"))
	}

	b.follow(`.portal-user a[href="/konto"]`)
	b.axe("min-konto")
	b.fill("#konto-adgangskode", "forkert-adgangskode")
	b.fill("#konto-ny", "en ny og lang adgangskode")
	b.fill("#konto-gentag", "en ny og lang adgangskode")
	b.follow("main form button.button-primary")
	if b.status != http.StatusUnprocessableEntity || !strings.Contains(b.text("main"), "Den nuværende adgangskode er forkert.") {
		t.Errorf("wrong current password: status %d", b.status)
	}
	b.axe("min-konto-fejl")
	b.screenshot("min-konto")
}
