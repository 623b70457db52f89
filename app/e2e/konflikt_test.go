package e2e

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"indberet/tenant"
	"indberet/tenant/demo"
)

// TestBrowser_ConflictKeepsEdit (issue 17 #8): two caseworkers edit the same sag and the same
// ydelse; the one who saves second gets 409 with the form still holding what they typed, a
// comparison of their values and the saved ones field by field, and a second save puts theirs
// on top (the form carries the saved version).
func TestBrowser_ConflictKeepsEdit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := startBrowser(t, chromiumPath(t), b.baseURL)
	var sagID int64
	err := b.db.InScope(context.Background(), tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) (err error) {
		sagID, err = tx.SagIDByCPR(context.Background(), demo.NielsHansenCPR)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sag := "/sager/" + strconv.FormatInt(sagID, 10) + "/rediger"
	b.login("indberetter.101@demo.invalid", demo.Password)
	other.login("indberetter.101@demo.invalid", demo.Password)

	// The ydelse: both open it; the other saves a Forventet slutdato first.
	b.visit(sag)
	b.follow(`main table a[href^="/ydelser/"][href$="/rediger"]`)
	ydelse := b.path()
	other.visit(ydelse)
	other.fill("#forventet_slutdato", "31-12-2030")
	other.follow(`button[value="gem-og-stop"]`)
	if !strings.Contains(other.text("main"), "er gemt") {
		t.Fatalf("the first save: %q", other.text("main"))
	}
	b.fill("#forventet_slutdato", "30-06-2030")
	b.fill("#bevillingsdato", "11-2-2014")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusConflict || !strings.Contains(b.text("#konflikt"), "Ydelsen er ændret af indberetter.101@demo.invalid") {
		t.Fatalf("the second save: status %d, %q", b.status, b.text("main"))
	}
	if got := b.value("#forventet_slutdato"); got != "30-06-2030" {
		t.Errorf("the form lost the typed Forventet slutdato: %q", got)
	}
	rows := visibleTexts(b, "#konflikt-forskelle tbody tr")
	if len(rows) != 2 || rows[0] != "Bevillingsdato11-02-201410-02-2014" ||
		!strings.Contains(rows[1], "Forventet slutdato") || !strings.Contains(rows[1], "30-06-2030") || !strings.Contains(rows[1], "31-12-2030") {
		t.Errorf("the comparison: %q", rows)
	}
	if h := visibleTexts(b, "#konflikt-forskelle thead th"); len(h) != 3 || h[1] != "Dine værdier (ikke gemt)" || !strings.HasPrefix(h[2], "Gemt af") {
		t.Errorf("the comparison's heads: %q", h)
	}
	b.axe("ydelse-konflikt")
	b.screenshot("ydelse-konflikt")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er gemt") {
		t.Fatalf("saved again: status %d, %q", b.status, b.text("main"))
	}
	other.visit(ydelse)
	if got := other.value("#forventet_slutdato"); got != "30-06-2030" {
		t.Errorf("after saving again the ydelse has Forventet slutdato %q, want the second user's 30-06-2030", got)
	}

	// The sag: the same with Navn and Bemærkninger.
	b.visit(sag)
	other.visit(sag)
	other.fill("#navn", "Niels Anden")
	other.follow(`button[value="gem-og-stop"]`)
	b.fill("#bemaerkninger", "Ringet op")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusConflict {
		t.Fatalf("the second save of the sag: status %d, %q", b.status, b.text("main"))
	}
	rows = visibleTexts(b, "#konflikt-forskelle tbody tr")
	if len(rows) != 2 || !strings.Contains(rows[0], "Niels Hansen") || !strings.Contains(rows[0], "Niels Anden") ||
		!strings.Contains(rows[1], "Ringet op") {
		t.Errorf("the sag's comparison: %q", rows)
	}
	if got := b.value("#bemaerkninger"); got != "Ringet op" {
		t.Errorf("the form lost the typed Bemærkninger: %q", got)
	}
	b.axe("sag-konflikt")
	b.fill("#navn", "Niels Anden")
	b.follow(`button[value="gem-og-stop"]`)
	other.visit(sag)
	if b.status != http.StatusOK || other.value("#navn") != "Niels Anden" || other.value("#bemaerkninger") != "Ringet op" {
		t.Errorf("saved again: status %d, navn %q, bemærkninger %q", b.status, other.value("#navn"), other.value("#bemaerkninger"))
	}
}
