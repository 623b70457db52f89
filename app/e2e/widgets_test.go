package e2e

import (
	_ "embed"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"indberet/static"
)

// widgetsPage is a fixture page with the widgets of static/app.js: a searchable picker
// (select[data-combobox] with htmx on its change event) beside a checkbox list.
//
//go:embed testdata/widgets.html
var widgetsPage string

// fixtureCSP is the app's Content-Security-Policy (app/middleware.go), so the widgets are
// tested under the same rules: no inline script or style.
const fixtureCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// morePicker is the fragment GET /more swaps in: a second picker, to check that swapped-in
// content is enhanced (once).
const morePicker = `<div class="form-group">
	<label class="form-label" for="kontakt">Kontaktperson</label>
	<select class="form-select" id="kontakt" name="kontakt" data-combobox>
		<option value="">Ingen</option>
		<option value="1">Åse Ærø</option>
		<option value="2">Øjvind Ågård</option>
		<option value="3">Bent Hansen</option>
	</select>
</div>`

// serveWidgets serves the fixture: static/ (the embedded static.FS, as the app serves it),
// the page at /widgets, /echo (what htmx fetches on change), /more (a fragment) and
// /submit (echoes the posted form).
func serveWidgets(t *testing.T) string {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static.FS)))
	page := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", fixtureCSP)
		fmt.Fprint(w, body)
	}
	mux.HandleFunc("GET /widgets", func(w http.ResponseWriter, r *http.Request) { page(w, widgetsPage) })
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		page(w, "Valgt: "+html.EscapeString(r.URL.Query().Get("indsatskode")))
	})
	mux.HandleFunc("GET /more", func(w http.ResponseWriter, r *http.Request) { page(w, morePicker) })
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var lines []string
		for k, vs := range r.PostForm {
			lines = append(lines, k+"="+strings.Join(vs, ","))
		}
		sort.Strings(lines)
		page(w, `<!DOCTYPE html><html lang="da"><head><title>Modtaget</title></head><body><main><h1>Modtaget</h1><pre id="posted">`+
			html.EscapeString(strings.Join(lines, "\n"))+`</pre></main></body></html>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// visibleTexts is the text of every visible element matching sel, in page order.
func visibleTexts(b *browser, sel string) []string {
	b.t.Helper()
	return evaluate[[]string](b, fmt.Sprintf(
		`Array.from(document.querySelectorAll(%s)).filter(el => el.getClientRects().length).map(el => el.textContent.trim())`, jsString(sel)))
}

func wantTexts(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

const (
	option108 = "1.8.1 Længerevarende botilbud inklusiv tilknyttede ydelser (SEL § 108)"
	option107 = "1.9.1 Midlertidigt ophold (SEL § 107)"
	options   = "#ydelse-listbox [role=option]"
)

func TestBrowser_Widgets(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	b := startBrowser(t, chromium, serveWidgets(t))

	b.visit("/widgets")
	if b.status != http.StatusOK {
		t.Fatalf("GET /widgets: status %d", b.status)
	}
	b.waitVisible("input#ydelse[role=combobox]")

	// The picker took over the select's id (so the label names it), its description and
	// required; the select stays in the form, hidden from everyone, carrying the value.
	attrs := evaluate[map[string]string](b, `(() => {
		const i = document.getElementById("ydelse"), s = document.querySelector("select[name=indsatskode]");
		const lb = document.getElementById(i.getAttribute("aria-controls"));
		return {
			label: i.labels.length ? i.labels[0].textContent : "",
			describedby: i.getAttribute("aria-describedby") || "",
			required: String(i.required),
			expanded: i.getAttribute("aria-expanded"),
			autocomplete: i.getAttribute("aria-autocomplete"),
			listbox: lb ? lb.getAttribute("role") : "",
			listboxLabel: lb ? document.getElementById(lb.getAttribute("aria-labelledby")).textContent : "",
			selectID: s.id, selectHidden: s.getAttribute("aria-hidden"), selectTab: String(s.tabIndex),
			selectVisible: String(s.getClientRects().length > 0),
			pickers: String(document.querySelectorAll("[role=combobox]").length)
		};
	})()`)
	wantAttrs := map[string]string{
		"label": "Ydelse", "describedby": "ydelse-hint", "required": "true", "expanded": "false",
		"autocomplete": "list", "listbox": "listbox", "listboxLabel": "Ydelse",
		"selectID": "", "selectHidden": "true", "selectTab": "-1", "selectVisible": "false", "pickers": "1",
	}
	if !reflect.DeepEqual(attrs, wantAttrs) {
		t.Errorf("picker attributes:\n got %v\nwant %v", attrs, wantAttrs)
	}
	b.axe("widgets")

	// Record the change events on the select and on the document (they must bubble).
	evaluate[bool](b, `(() => {
		window.changes = []; window.bubbled = 0;
		document.querySelector("select[name=indsatskode]").addEventListener("change", e => window.changes.push(e.target.value));
		document.addEventListener("change", e => { if (e.target.name === "indsatskode") window.bubbled++; });
		return true;
	})()`)

	// Typing narrows the list to the options containing every typed word.
	b.fill("#ydelse", "bot")
	b.waitVisible("#ydelse-listbox")
	wantTexts(t, `options for "bot"`, visibleTexts(b, options), []string{option108})
	if v := evaluate[string](b, `document.getElementById("ydelse").getAttribute("aria-expanded")`); v != "true" {
		t.Errorf("aria-expanded %q while the list is open", v)
	}
	b.axe("widgets, list open")
	b.screenshot("widgets-picker-open")

	// ArrowDown highlights it, Enter selects it: the select's value changes, a bubbling
	// change event fires, htmx fetches on it, the list closes and the input shows the text.
	b.press(kb.ArrowDown)
	if got := evaluate[string](b, `(() => { const id = document.getElementById("ydelse").getAttribute("aria-activedescendant"); return id ? document.getElementById(id).textContent : ""; })()`); got != option108 {
		t.Errorf("active option after ArrowDown: %q", got)
	}
	b.press(kb.Enter)
	b.waitGone("#ydelse-listbox")
	if v := b.value("select[name=indsatskode]"); v != "1.8.1" {
		t.Errorf("select value %q, want 1.8.1", v)
	}
	if v := b.value("#ydelse"); v != option108 {
		t.Errorf("input shows %q, want the option's text", v)
	}
	wantTexts(t, "change events", evaluate[[]string](b, `window.changes`), []string{"1.8.1"})
	if n := evaluate[int](b, `window.bubbled`); n != 1 {
		t.Errorf("%d change events reached the document, want 1", n)
	}
	b.waitFor("htmx to fetch /echo on change", `document.getElementById("echo").textContent === "Valgt: 1.8.1"`)

	// Escape closes the list and restores the selection's text; nothing changes.
	b.fill("#ydelse", "kvinde")
	wantTexts(t, `options for "kvinde"`, visibleTexts(b, options), []string{"2.1.1 Kvindekrisecenter (SEL § 109)"})
	b.press(kb.Escape)
	b.waitGone("#ydelse-listbox")
	if v := b.value("#ydelse"); v != option108 {
		t.Errorf("after Escape the input shows %q, want %q", v, option108)
	}
	if v := b.value("select[name=indsatskode]"); v != "1.8.1" {
		t.Errorf("after Escape the select value is %q, want 1.8.1", v)
	}

	// Matching: every word, any case, Danish letters, data-search words too.
	for _, c := range []struct {
		typed string
		want  []string
	}{
		{"LÆNGERE", []string{option108}},
		{"døgn", []string{option108}}, // data-search
		{"misbrug", []string{"2.5.1 Stofmisbrugsbehandling (SEL § 101)"}},
		{"sel 107", []string{option107}}, // both words
		{"§ 10", []string{option108, option107, "2.1.1 Kvindekrisecenter (SEL § 109)", "2.5.1 Stofmisbrugsbehandling (SEL § 101)"}},
		{"ingenting", nil},
	} {
		b.fill("#ydelse", c.typed)
		got := visibleTexts(b, options)
		if len(got) == 0 {
			got = nil
		}
		wantTexts(t, fmt.Sprintf("options for %q", c.typed), got, c.want)
	}
	if got := b.text(".combobox-status"); got != "Ingen resultater" {
		t.Errorf("status with no match: %q", got)
	}
	b.press(kb.Escape)

	// The empty option means "none": a mouse click on it selects it.
	b.fill("#ydelse", "")
	if got := visibleTexts(b, options); len(got) != 7 || got[0] != "Vælg ydelse" {
		t.Errorf("options with nothing typed: %q, want all 7, none first", got)
	}
	b.click(options + ":first-child")
	b.waitGone("#ydelse-listbox")
	if v := b.value("select[name=indsatskode]"); v != "" {
		t.Errorf("after choosing none the select value is %q", v)
	}
	if v := b.value("#ydelse"); v != "" {
		t.Errorf("after choosing none the input shows %q, want it empty (the placeholder says it)", v)
	}
	wantTexts(t, "change events", evaluate[[]string](b, `window.changes`), []string{"1.8.1", ""})

	// Tab keeps the highlighted option and moves on to the next field.
	b.fill("#ydelse", "midl")
	b.press(kb.ArrowDown)
	b.press(kb.Tab)
	if v := b.value("select[name=indsatskode]"); v != "1.9.1" {
		t.Errorf("after Tab the select value is %q, want 1.9.1", v)
	}
	if id := evaluate[string](b, `document.activeElement.id`); id != "mg-1" {
		t.Errorf("after Tab the focus is on #%s, want the first checkbox #mg-1", id)
	}
	b.click("label[for=mg-3]")

	// Content htmx swaps in is enhanced, and nothing is enhanced twice.
	b.click("#more-button")
	b.waitVisible("input#kontakt[role=combobox]")
	evaluate[bool](b, `document.body.dispatchEvent(new CustomEvent("htmx:load", {bubbles: true, detail: {elt: document.body}}))`)
	if n := evaluate[int](b, `document.querySelectorAll("[role=combobox]").length`); n != 2 {
		t.Errorf("%d pickers after the swap and a second htmx:load, want 2", n)
	}
	if n := evaluate[int](b, `document.querySelectorAll("[role=listbox]").length`); n != 2 {
		t.Errorf("%d listboxes, want 2", n)
	}
	b.fill("#kontakt", "ærø")
	wantTexts(t, `options for "ærø"`, visibleTexts(b, "#kontakt-listbox [role=option]"), []string{"Åse Ærø"})
	b.press(kb.ArrowDown)
	b.press(kb.Enter)
	b.axe("widgets, after swap")

	// The form posts the hidden selects' values.
	b.follow(`button[type=submit]`)
	if got, want := b.text("#posted"), "indsatskode=1.9.1\nkontakt=1\nmaalgruppe=3"; got != want {
		t.Errorf("posted:\n%s\nwant:\n%s", got, want)
	}
}
