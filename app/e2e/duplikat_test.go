package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"indberet/tenant/demo"
)

// TestBrowser_DuplicateCPRKeepsYdelse (issue 17 #4, S1): a CPR number the kommune already
// has a sag for is said as soon as it is typed, before any other field, with the way to the
// existing sag; after a refused Opret, *Tilføj ydelse til den eksisterende sag* opens that
// sag's form with the ydelse as typed (POSTed: no CPR number in a URL), and Opret there adds
// it.
func TestBrowser_DuplicateCPRKeepsYdelse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.visit("/sager/ny")

	// Live: typed, nothing else filled in, the note and the way on appear.
	b.fill("#cpr", "150362-1235")
	b.waitVisible("#cpr-eksisterende")
	if msg := b.text("#cpr-eksisterende-besked"); !strings.Contains(msg, "Der findes allerede en sag for dette CPR-nummer") {
		t.Errorf("live note: %q", msg)
	}
	b.axe("opret-cpr-findes")
	b.fill("#cpr", "150362-123")
	b.waitGone("#cpr-eksisterende")
	b.fill("#cpr", "150362-1235")
	b.waitVisible("#cpr-eksisterende")

	// A complete ydelse, then Opret: refused (422), the way on still there.
	b.fill("#navn", "Niels Hansen")
	b.pick("#indsatskode", "behandling")
	b.settle()
	b.fill("#startdato", "05-01-2026")
	b.settle()
	b.fill("#forventet_slutdato", "30-06-2026")
	b.pick("#maalgruppe_primaer", "fysisk kommunikationsnedsættelse")
	indsats, maalgruppe := b.value("select#indsatskode, select[name=indsatskode]"), b.value("select[name=maalgruppe_primaer]")
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusUnprocessableEntity || !strings.Contains(b.text("#cpr-error"), "Der findes allerede en sag") {
		t.Fatalf("Opret of an existing CPR: status %d, %q", b.status, b.text("main"))
	}
	b.axe("opret-cpr-findes-afvist")

	b.follow("#cpr-eksisterende")
	if b.status != http.StatusOK || !regexp.MustCompile(`^/sager/\d+/ydelser/ny$`).MatchString(b.path()) {
		t.Fatalf("Tilføj ydelse til den eksisterende sag: status %d on %s", b.status, b.path())
	}
	if strings.Contains(b.location(), "150362") || strings.Contains(b.location(), "1235") {
		t.Errorf("the CPR number is in the URL: %s", b.location())
	}
	for sel, want := range map[string]string{
		"select[name=indsatskode]": indsats, "select[name=maalgruppe_primaer]": maalgruppe,
		"#startdato": "05-01-2026", "#forventet_slutdato": "30-06-2026",
	} {
		if got := b.value(sel); got != want || want == "" {
			t.Errorf("taken over: %s is %q, want %q", sel, got, want)
		}
	}
	if !strings.Contains(b.text("main"), "150362-1235") || !strings.Contains(b.text("main"), "ydelsen fra Opret er taget med") {
		t.Errorf("Tilføj ydelse does not show the sag and the note: %q", b.text("main"))
	}
	b.axe("tilfoej-ydelse-overfoert")
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er tilføjet sagen for CPR-nummer 150362-1235") {
		t.Fatalf("Opret of the ydelse taken over: status %d, %q", b.status, b.text("main"))
	}
}
