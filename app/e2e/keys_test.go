package e2e

import (
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp/kb"

	"indberet/tenant/demo"
	"indberet/tenant/domain"
)

// keyboard is a keyboard user at b: it presses real keys (b.press: rawKeyDown, char, keyUp)
// and counts every one of them, characters, Tab, Enter and arrows alike. It never clicks and
// never sets a value by script.
type keyboard struct {
	b *browser
	n int // keys pressed
}

// press presses keys (text, or kb keys such as kb.Tab), each counted.
func (k *keyboard) press(keys string) {
	k.b.t.Helper()
	k.b.press(keys)
	k.n += utf8.RuneCountInString(keys)
}

// tabTo presses Tab until the focus is on the element with the id, waiting after each press
// for a live update it set off, and fails the test after limit presses.
func (k *keyboard) tabTo(id string, limit int) {
	k.b.t.Helper()
	for i := 0; i < limit; i++ {
		k.press(kb.Tab)
		k.b.waitQuiet()
		if k.b.focusedID() == id {
			return
		}
	}
	k.b.t.Fatalf("Tab did not reach #%s in %d presses (focus on #%s)", id, limit, k.b.focusedID())
}

// waitQuiet waits until htmx has no request, swap or settle under way.
func (b *browser) waitQuiet() {
	b.t.Helper()
	b.waitFor("htmx to be quiet", `!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")`)
}

// TestBrowser_OpretKeystrokes (issue 17, faster paths): one ordinary sag on *Opret* — a CPR
// number, one non-stay ydelse (1.3 Behandling, SEL § 102) with one FFB primary målgruppe —
// typed as a keyboard user types it, saved with *Opret*, in at most 40 keys (72 before).
func TestBrowser_OpretKeystrokes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.visit("/sager/ny")
	b.waitFor("the focus in CPR-nummer", `document.activeElement && document.activeElement.id === "cpr"`)

	k := &keyboard{b: b}
	k.press("2807914563")
	k.tabTo("indsatskode", 10)
	k.press("1.3")
	b.waitFor("the options of 1.3", `document.getElementById("indsatskode").getAttribute("aria-expanded") === "true"`)
	k.press(kb.Enter)
	b.waitQuiet()
	k.tabTo("startdato", 10)
	k.press("011125")
	k.tabTo("maalgruppe_primaer", 10)
	k.press("angst")
	b.waitFor("the options of angst", `document.getElementById("maalgruppe_primaer").getAttribute("aria-expanded") === "true"`)
	k.press(kb.Enter)
	k.press(kb.Enter) // submits the form with its first button, Opret
	b.waitFor("the confirmation of Opret", `document.getElementById("flash")`)

	t.Logf("keys pressed for one ordinary sag on Opret: %d", k.n)
	if k.n > 40 {
		t.Errorf("%d keys pressed for one ordinary sag on Opret, want at most 40", k.n)
	}

	ys := b.ydelserOf("101", "2807914563")
	if len(ys) != 1 {
		t.Fatalf("%d ydelser saved, want 1", len(ys))
	}
	y := ys[0]
	start := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	if y.Indsatskode != "1.3" || !y.Startdato.Equal(start) || y.Slutdato != nil || y.Betalingskommune != "101" || y.Varighed != "periode" {
		t.Errorf("saved ydelse: indsatskode %q, startdato %v, slutdato %v, betalingskommune %q, varighed %q; want 1.3, %v, none, 101, periode",
			y.Indsatskode, y.Startdato, y.Slutdato, y.Betalingskommune, y.Varighed, start)
	}
	if want := []domain.Maalgruppe{{Scheme: "ffb", Code: ffbAngst, Primaer: true}}; !reflect.DeepEqual(y.Maalgrupper, want) {
		t.Errorf("saved målgrupper %+v, want %+v", y.Maalgrupper, want)
	}
	b.axe("opret efter tastaturvejen")
}

// TestBrowser_PickerEnterTakesTypedCode (issue 17, faster paths): Enter in a picker with no
// option highlighted takes the option whose code was typed, else the first one shown, so a
// code needs no arrow key; with nothing shown it takes nothing and does not submit the form.
func TestBrowser_PickerEnterTakesTypedCode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.visit("/sager/ny")
	for _, c := range []struct{ picker, typed, want string }{
		{"indsatskode", "1.1", "1.1"},           // the code, not 1.12.0.1 … 1.19.4 that hold "1.1"
		{"indsatskode", "1.12", "1.12.0.1"},     // no code 1.12: the first one shown
		{"indsatskode", "1.3", "1.3"},           // a code again, after a live update
		{"betalingskommune", "fred", "147"},     // Frederiksberg, the first of five
		{"betalingskommune", "51", "151"},       // 151 Ballerup, the first of several
		{"betalingskommune", "xyz", "151"},      // nothing shown: nothing taken
		{"betalingskommune", "hjørring", "860"}, // the only one
	} {
		b.fill("#"+c.picker, c.typed)
		b.waitFor("the options for "+c.typed, `document.getElementById("`+c.picker+`").getAttribute("aria-expanded") === "true"`)
		b.press(kb.Enter)
		b.waitQuiet()
		if got := b.value(`select[name="` + c.picker + `"]`); got != c.want {
			t.Errorf("%s: typed %q and Enter chose %q, want %q", c.picker, c.typed, got, c.want)
		}
		if b.path() != "/sager/ny" || evaluate[bool](b, `!!document.getElementById("error-summary")`) {
			t.Fatalf("%s: typed %q and Enter submitted the form", c.picker, c.typed)
		}
		b.press(kb.Escape)
	}
	b.axe("opret, valgt med Enter")
}
