package e2e

import (
	"context"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"indberet/tenant/demo"
)

// Issue 17, faster paths: the secondary målgrupper as one searchable multi-select, the
// closed picker showing the leaf of an FFB path, the focus on the first field of every
// form, and the confirmation of Opret linking to the new sag.

// FFB målgrupper of the code list (tenant/codes/data/maalgrupper.csv).
const (
	ffbAngst  = "303deb9b-84f0-49d2-ab7a-f8b98eed40a2"
	ffbDemens = "7b48f1a0-579b-4976-ae7c-4074b5981449"
	ffbUdv    = "97c355cc-84e3-46d0-ac1b-00bc627d089f" // Udviklingshæmning
)

// The multi-select of the secondary målgrupper (views/sagform.templ, static/app.js).
const (
	sekundaerSoeg  = "#maalgrupper_sekundaere-soeg"
	sekundaerChips = "#maalgrupper_sekundaere-valgte button.multipicker-chip"
)

// focusedID is the id of the element that has the focus ("" for none or <body>).
func (b *browser) focusedID() string {
	b.t.Helper()
	return evaluate[string](b, `document.activeElement && document.activeElement !== document.body ? document.activeElement.id : ""`)
}

// tabsUntil presses Tab, as a keyboard user does, until the focus is on the element with the
// id, and returns how many presses it took; after limit presses the test fails.
func (b *browser) tabsUntil(id string, limit int) int {
	b.t.Helper()
	for n := 1; n <= limit; n++ {
		b.press(kb.Tab)
		if b.focusedID() == id {
			return n
		}
	}
	b.t.Fatalf("Tab did not reach #%s in %d presses (focus on #%s)", id, limit, b.focusedID())
	return 0
}

// beginOpret opens Opret and fills it up to the Primær målgruppe (Kommunikationsnedsættelse,
// FFB), the focus left in it: the CPR number, the indsatskode (by words) and the Startdato.
func (b *browser) beginOpret(cpr, indsats, startdato string) {
	b.t.Helper()
	b.visit("/sager/ny")
	b.fill("#cpr", cpr)
	b.chooseIndsats(indsats, startdato)
	b.pick("#maalgruppe_primaer", "kommunikationsnedsættelse")
}

// chosenSecondary is the chips of the secondary målgrupper (their visible text, the × left
// out) and the values of the checked checkboxes, sorted, that the form sends.
func (b *browser) chosenSecondary() (chips, checked []string) {
	b.t.Helper()
	chips = evaluate[[]string](b, `Array.from(document.querySelectorAll("`+sekundaerChips+`")).map(c => c.querySelector("span:not(.sr-only):not(.multipicker-x)").textContent)`)
	checked = evaluate[[]string](b, `Array.from(document.querySelectorAll('input[name="maalgrupper_sekundaere"]:checked')).map(c => c.value).sort()`)
	return chips, checked
}

func (b *browser) wantSecondary(when string, chips, values []string) {
	b.t.Helper()
	gotChips, gotValues := b.chosenSecondary()
	var want []string
	for _, v := range values {
		want = append(want, "ffb:"+v)
	}
	sort.Strings(want)
	if len(gotChips) == 0 {
		gotChips = nil
	}
	if len(gotValues) == 0 {
		gotValues = nil
	}
	if !reflect.DeepEqual(gotChips, chips) || !reflect.DeepEqual(gotValues, want) {
		b.t.Errorf("%s: chips %q, checked %q; want chips %q, checked %q", when, gotChips, gotValues, chips, want)
	}
}

// TestBrowser_SecondaryMaalgrupperPicker (issue 17, faster paths): on an FFB stay (§108,
// 1.8.1 with every FFB field) the secondary målgrupper are one searchable multi-select, not
// 57 checkboxes: a keyboard user gets from Primær målgruppe to Betalingskommune in at most 10
// Tab presses (57 before), with secondary målgrupper chosen on the way by typing; the chosen
// ones are removable chips; the checkboxes stay in the form and carry the values, through a
// refused form (422) to the saved ydelse.
func TestBrowser_SecondaryMaalgrupperPicker(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.beginOpret("280791-4563", "108", "01-02-2025")

	// Nothing to choose: straight through.
	through := b.tabsUntil("betalingskommune", 120)
	t.Logf("Tab presses from Primær målgruppe to Betalingskommune, none chosen: %d", through)
	if through > 10 {
		t.Errorf("%d Tab presses from Primær målgruppe to Betalingskommune, want at most 10", through)
	}

	// The control: a combobox named by the legend over a multi-selectable listbox; the
	// checkboxes are out of sight and out of the Tab order.
	b.waitVisible(sekundaerSoeg)
	attrs := evaluate[map[string]string](b, `(() => {
		const i = document.querySelector("`+sekundaerSoeg+`");
		const lb = document.getElementById(i.getAttribute("aria-controls"));
		return {
			role: i.getAttribute("role"), expanded: i.getAttribute("aria-expanded"), autocomplete: i.getAttribute("aria-autocomplete"),
			name: document.getElementById(i.getAttribute("aria-labelledby")).textContent.trim(),
			describedby: i.getAttribute("aria-describedby") || "",
			listbox: lb.getAttribute("role"), multi: lb.getAttribute("aria-multiselectable"), options: String(lb.querySelectorAll("[role=option]").length),
			boxes: String(document.querySelectorAll('input[name="maalgrupper_sekundaere"]').length),
			visibleBoxes: String(Array.from(document.querySelectorAll('input[name="maalgrupper_sekundaere"]')).filter(c => c.getClientRects().length).length)
		};
	})()`)
	want := map[string]string{"role": "combobox", "expanded": "false", "autocomplete": "list",
		"name": "Sekundære målgrupper (FFB Sekundær Målgruppe)", "describedby": "maalgrupper_sekundaere-hint",
		"listbox": "listbox", "multi": "true", "options": "57", "boxes": "57", "visibleBoxes": "0"}
	if !reflect.DeepEqual(attrs, want) {
		t.Errorf("the multi-select:\n got %v\nwant %v", attrs, want)
	}

	// A keyboard user, from Primær målgruppe: Tab, type, ↓, Enter adds; type until one is
	// left, Enter adds it; Tab to the chips, Tab on.
	b.pick("#maalgruppe_primaer", "kommunikationsnedsættelse")
	tabs := 0
	b.press(kb.Tab)
	tabs++
	if id := b.focusedID(); id != "maalgrupper_sekundaere-soeg" {
		t.Fatalf("the Tab after Primær målgruppe went to #%s, want the secondary målgrupper's search field", id)
	}
	b.press("angst")
	b.waitVisible("#maalgrupper_sekundaere-listbox")
	if got := visibleTexts(b, "#maalgrupper_sekundaere-listbox [role=option]"); len(got) != 1 || !strings.HasSuffix(got[0], "> Angst") {
		t.Errorf(`options for "angst": %q`, got)
	}
	b.axe("opret, sekundære målgrupper åben")
	b.press(kb.ArrowDown)
	b.press(kb.Enter)
	b.waitGone("#maalgrupper_sekundaere-listbox")
	b.press("demens")
	b.press(kb.Enter)
	// The chips are in the code list's order (its paths), as the form sends them.
	b.wantSecondary("after adding Angst and Demens", []string{"Demens", "Angst"}, []string{ffbAngst, ffbDemens})
	if v := b.value(sekundaerSoeg); v != "" {
		t.Errorf("the search field keeps %q after adding", v)
	}
	if got := b.text("#maalgrupper_sekundaere-group .combobox-status"); got != "Demens tilføjet. 2 valgt." {
		t.Errorf("status after adding: %q", got)
	}
	tabs += b.tabsUntil("betalingskommune", 120)
	t.Logf("Tab presses from Primær målgruppe to Betalingskommune, two secondary målgrupper chosen on the way: %d", tabs)
	if tabs > 10 {
		t.Errorf("%d Tab presses from Primær målgruppe to Betalingskommune with two chosen, want at most 10", tabs)
	}
	b.axe("opret, sekundære målgrupper valgt")
	b.screenshot("sekundaere-maalgrupper")

	// A live update of the fields keeps the chosen ones, in one multi-select, and brings the
	// options of the new start date (before 2025 the old målgrupper too, Y3).
	options := `document.querySelectorAll("#maalgrupper_sekundaere-listbox [role=option]").length`
	b.fill("#startdato", "01-12-2024")
	b.settle()
	b.waitFor("the options of 2024", options+` > 57`)
	b.wantSecondary("after a live update", []string{"Demens", "Angst"}, []string{ffbAngst, ffbDemens})
	if n := evaluate[int](b, `document.querySelectorAll("#maalgrupper_sekundaere .multipicker").length`); n != 1 {
		t.Errorf("%d multi-selects after the live update, want 1", n)
	}
	b.fill("#startdato", "01-02-2025")
	b.settle()
	b.waitFor("the options of 2025", options+` === 57`)
	b.wantSecondary("after a second live update", []string{"Demens", "Angst"}, []string{ffbAngst, ffbDemens})

	// The chips are one Tab stop: → moves, Delete removes and the focus goes to the next one.
	b.fill(sekundaerSoeg, "udviklingshæmning")
	b.press(kb.Enter)
	b.wantSecondary("after adding Udviklingshæmning", []string{"Demens", "Udviklingshæmning", "Angst"}, []string{ffbAngst, ffbDemens, ffbUdv})
	b.press(kb.Tab)
	if got := evaluate[string](b, `document.activeElement.title`); !strings.HasSuffix(got, "> Demens") {
		t.Errorf("the Tab after the search field is on %q, want the first chip (Demens)", got)
	}
	if n := evaluate[int](b, `Array.from(document.querySelectorAll("`+sekundaerChips+`")).filter(c => c.tabIndex === 0).length`); n != 1 {
		t.Errorf("%d chips in the Tab order, want 1", n)
	}
	b.press(kb.ArrowRight)
	b.press(kb.Delete)
	b.wantSecondary("after Delete on Udviklingshæmning", []string{"Demens", "Angst"}, []string{ffbAngst, ffbDemens})
	if got := evaluate[string](b, `document.activeElement.textContent`); got != "Fjern Angst×" {
		t.Errorf("after Delete the focus is on %q, want the next chip (Fjern Angst)", got)
	}
	// Chosen again in the list, an option is removed (aria-selected shows it is chosen).
	b.fill(sekundaerSoeg, "demens")
	if got := evaluate[string](b, `document.querySelector("#maalgrupper_sekundaere-listbox [role=option]:not([hidden])").getAttribute("aria-selected")`); got != "true" {
		t.Errorf("a chosen option has aria-selected %q", got)
	}
	b.press(kb.Enter)
	b.wantSecondary("after Enter on a chosen option", []string{"Angst"}, []string{ffbAngst})
	// A click on a chip removes it too; Demens comes back by mouse.
	b.click(sekundaerChips)
	b.wantSecondary("after a click on the chip", nil, nil)
	b.fill(sekundaerSoeg, "demens")
	b.click("#maalgrupper_sekundaere-listbox [role=option]:not([hidden])")
	b.fill(sekundaerSoeg, "angst")
	b.press(kb.Enter)
	b.wantSecondary("after a click in the list", []string{"Demens", "Angst"}, []string{ffbAngst, ffbDemens})

	// Refused (no Ydelses-UUID, Y4): the chips come back from the checkboxes the form sent.
	b.fill("#p_nummer", "9000000101")
	b.fill("#afdelings_uuid", "7b0c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d")
	b.pick("#tilbuds_uuid", "almindeligt længerevarende")
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusUnprocessableEntity || !strings.Contains(b.text("#error-summary"), "Ydelses-UUID") {
		t.Fatalf("Opret without Ydelses-UUID: status %d, %q", b.status, brief(b.text("main")))
	}
	b.wantSecondary("after the 422", []string{"Demens", "Angst"}, []string{ffbAngst, ffbDemens})
	b.axe("opret-fejl, sekundære målgrupper")
	b.pick("#ydelses_uuid", "længerevarende ophold")
	b.follow(`button[value="gem-og-stop"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er oprettet") {
		t.Fatalf("Opret 1.8.1: status %d, %q", b.status, brief(b.text("main")))
	}
	var saved []string
	for _, m := range b.ydelserOf("101", "2807914563")[0].Maalgrupper {
		if !m.Primaer {
			saved = append(saved, m.Scheme+":"+m.Code)
		}
	}
	sort.Strings(saved)
	if want := []string{"ffb:" + ffbAngst, "ffb:" + ffbDemens}; !reflect.DeepEqual(saved, want) {
		t.Errorf("saved secondary målgrupper %q, want %q", saved, want)
	}
}

// TestBrowser_SecondaryMaalgrupperWithoutJS: without JavaScript the secondary målgrupper are
// the checkboxes, in sight, and they are what the form sends.
func TestBrowser_SecondaryMaalgrupperWithoutJS(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.do("switch JavaScript off", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	b.visit("/sager/ny")
	if n := evaluate[int](b, `Array.from(document.querySelectorAll('input[name="maalgrupper_sekundaere"][type=checkbox]')).filter(c => c.getClientRects().length).length`); n == 0 {
		t.Fatalf("without JavaScript no secondary målgruppe checkbox is visible")
	}
	if n := evaluate[int](b, `document.querySelectorAll(".multipicker, [role=combobox]").length`); n != 0 {
		t.Errorf("without JavaScript the page has %d pickers", n)
	}
	b.click(`#maalgrupper_sekundaere label`)
	if !evaluate[bool](b, `document.querySelector('input[name="maalgrupper_sekundaere"]').checked`) {
		t.Errorf("a click on a secondary målgruppe's label does not check it")
	}
}

// TestBrowser_PickerShowsLeaf (issue 17, faster paths): a picker closed on an FFB code shows
// the leaf of its long path, not a cut-off beginning; the whole path is under it, its title
// and its description.
func TestBrowser_PickerShowsLeaf(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.visit("/sager/ny")
	b.chooseIndsats("108", "01-02-2025")
	const full = "Funktionsnedsættelse > Psykisk funktionsnedsættelse > Intellektuel/kognitiv forstyrrelse > Udviklingsforstyrrelse > Udviklingsforstyrrelse af sansemotoriske færdigheder"
	b.pick("#maalgruppe_primaer", "sansemotoriske")
	check := func(when string) {
		t.Helper()
		got := evaluate[map[string]string](b, `(() => {
			const i = document.getElementById("maalgruppe_primaer"), p = document.getElementById("maalgruppe_primaer-sti");
			return {value: i.value, title: i.title, path: p && p.getClientRects().length ? p.textContent : "(hidden)",
				describedby: i.getAttribute("aria-describedby") || "", select: document.querySelector('select[name="maalgruppe_primaer"]').value};
		})()`)
		want := map[string]string{"value": "Udviklingsforstyrrelse af sansemotoriske færdigheder", "title": full, "path": full,
			"describedby": "maalgruppe_primaer-hint maalgruppe_primaer-sti", "select": "ffb:e6a269f5-944a-4ff8-b4d8-6dc2134d9167"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", when, got, want)
		}
	}
	check("closed on the chosen code")
	b.axe("opret, sti under målgruppen")

	// Open, the path gives way to the list; closed again (Escape) it is back.
	b.press(kb.ArrowDown)
	b.waitGone("#maalgruppe_primaer-sti")
	b.press(kb.Escape)
	check("after Escape")

	// The same after a refused form, and for the other FFB pickers.
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusUnprocessableEntity {
		t.Fatalf("Opret without CPR: status %d", b.status)
	}
	check("after the 422")
	b.pick("#ydelses_uuid", "længerevarende ophold")
	if v := b.value("#ydelses_uuid"); strings.Contains(v, " > ") || v == "" {
		t.Errorf("Ydelses-UUID shows %q, want the leaf of its path", v)
	}
	// A code without a path shows its whole text and no path line.
	b.pick("#betalingskommune", "101")
	if v := b.value("#betalingskommune"); !strings.HasPrefix(v, "101 ") || evaluate[bool](b, `!!document.getElementById("betalingskommune").title`) {
		t.Errorf("Betalingskommune shows %q (with a title)", v)
	}
	b.waitGone("#betalingskommune-sti")
}

// TestBrowser_FocusFirstField (issue 17, faster paths): every form starts with the focus in
// its first field, so the user types at once (CPR on Opret); a refused form (422) starts on
// its error summary instead, as DKFDS recommends.
func TestBrowser_FocusFirstField(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	ys := b.ydelserOf("101", demo.NielsHansenCPR)
	sag := strconv.FormatInt(ys[0].SagID, 10)

	// Opret: typed at once, without a click, the keys go into the CPR field.
	b.visit("/sager/ny")
	b.waitFor("the focus in a field", `document.activeElement !== document.body`)
	b.press("150362-1235")
	if v := b.value("#cpr"); v != "150362-1235" {
		t.Errorf("typed at once on Opret, the CPR field holds %q (focus on #%s)", v, b.focusedID())
	}
	for _, c := range []struct{ path, first string }{
		{"/sager/" + sag + "/ydelser/ny", "indsatskode"},
		{editURL(ys[0]), ""}, // decided below: the checked Varighed, or the first date
		{"/sager/" + sag + "/rediger", "navn"},
		{"/kontaktoplysninger", "faglig-navn"},
	} {
		b.visit(c.path)
		b.waitFor("the focus in a field on "+c.path, `document.activeElement !== document.body`)
		want := c.first
		if want == "" {
			want = evaluate[string](b, `(document.querySelector('input[name="varighed"]:checked') || document.querySelector("#bevillingsdato")).id`)
		}
		if got := b.focusedID(); got != want {
			t.Errorf("on %s the focus is on #%s, want #%s", c.path, got, want)
		}
	}

	// 422: the focus is on the error summary, whose link leads to the field.
	b.visit("/sager/ny")
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusUnprocessableEntity {
		t.Fatalf("an empty Opret: status %d", b.status)
	}
	b.waitFor("the focus on the error summary", `document.activeElement && document.activeElement.id === "error-summary"`)
	b.axe("opret-fejl, fokus på fejlopsummeringen")
	b.click(`#error-summary a[href="#cpr"]`)
	if got := b.focusedID(); got != "cpr" {
		t.Errorf("the summary's link to CPR-nummer put the focus on #%s", got)
	}

	// Opret bruger of a kommune administrator.
	b.logout()
	b.login("kommuneadmin.101@demo.invalid", demo.Password)
	b.visit("/brugere/ny")
	b.waitFor("the focus in a field", `document.activeElement !== document.body`)
	if got := b.focusedID(); got != "bruger-navn" {
		t.Errorf("on Opret bruger the focus is on #%s, want #bruger-navn", got)
	}
}

// TestBrowser_OpretConfirmationLinks (issue 17, faster paths): after Opret the confirmation
// on the next, empty form links to the new sag and to Tilføj ydelse for it.
func TestBrowser_OpretConfirmationLinks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.beginOpret("280791-4563", "1.3", "01-11-2025")
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusOK || b.path() != "/sager/ny" {
		t.Fatalf("Opret: status %d on %s", b.status, b.path())
	}
	if got := b.text("#flash"); !strings.Contains(got, "Sagen for CPR-nummer 280791-4563 er oprettet med ydelsen 1.3.") {
		t.Errorf("the confirmation reads %q", got)
	}
	if got := b.focusedID(); got != "cpr" {
		t.Errorf("after Opret the focus is on #%s, want #cpr for the next sag", got)
	}
	b.axe("opret, bekræftelse")
	sag := strconv.FormatInt(b.ydelserOf("101", "2807914563")[0].SagID, 10)
	b.follow(`#flash a[href="/sager/` + sag + `/ydelser/ny"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("h1"), "Tilføj ydelse") || !strings.Contains(b.text("main"), "280791-4563") {
		t.Fatalf("Tilføj ydelse from the confirmation: status %d, %q", b.status, brief(b.text("main")))
	}
	b.visit("/sager/ny")
	if evaluate[bool](b, `!!document.getElementById("flash")`) {
		t.Errorf("the confirmation is shown again on the next visit")
	}
	// Se sagen, from a second Opret.
	b.beginOpret("030485-9996", "1.3", "01-11-2025")
	b.follow(`button[value="opret"]`)
	b.follow(`#flash a[href^="/sager/"]:not([href$="/ny"])`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "030485-9996") {
		t.Fatalf("Se sagen from the confirmation: status %d on %s, %q", b.status, b.path(), brief(b.text("main")))
	}
}
