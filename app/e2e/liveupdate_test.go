package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"indberet/tenant/demo"
)

// holdRequests pauses every request of the page whose URL matches pattern (Fetch domain
// wildcards) until release is called: a slow network made exact, so a test can type while a
// live update is under way, as a user on a slow line does.
type heldRequests struct {
	b    *browser
	mu   sync.Mutex
	ids  []fetch.RequestID
	seen int
}

func (b *browser) holdRequests(pattern string) *heldRequests {
	b.t.Helper()
	h := &heldRequests{b: b}
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			h.mu.Lock()
			h.ids = append(h.ids, e.RequestID)
			h.seen++
			h.mu.Unlock()
		}
	}); err != nil {
		b.t.Fatalf("listen for paused requests: %v", err)
	}
	b.do("hold "+pattern, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}})
		return err
	}))
	return h
}

// waitHeld waits until n requests in all have been held.
func (h *heldRequests) waitHeld(n int) {
	h.b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		h.mu.Lock()
		seen := h.seen
		h.mu.Unlock()
		if seen >= n {
			return
		}
		if time.Now().After(deadline) {
			h.b.t.Fatalf("wait for request %d to be held: only %d after %s", n, seen, stepTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// count is how many requests have been held in all.
func (h *heldRequests) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen
}

// release lets every held request go on. A request the page has aborted meanwhile is gone
// from the browser: its error is ignored.
func (h *heldRequests) release() {
	h.b.t.Helper()
	h.mu.Lock()
	ids := h.ids
	h.ids = nil
	h.mu.Unlock()
	for _, id := range ids {
		ctx, cancel := context.WithTimeout(h.b.ctx, stepTimeout)
		_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
		cancel()
	}
}

// activeID is the id of the focused element ("" for <body>).
func (b *browser) activeID() string {
	b.t.Helper()
	return evaluate[string](b, `document.activeElement && document.activeElement !== document.body ? document.activeElement.id : ""`)
}

// tabTo presses Tab until the element with the given id has the focus (at most max times).
func (b *browser) tabTo(id string, max int) {
	b.t.Helper()
	for range max {
		b.press(kb.Tab)
		if b.activeID() == id {
			return
		}
	}
	b.t.Fatalf("Tab did not reach #%s in %d presses (focus on %q)", id, max, b.activeID())
}

// settled waits until no htmx request is under way and the swapped content has settled.
func (b *browser) settled() {
	b.t.Helper()
	b.waitFor("htmx to settle", `!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")`)
}

// TestBrowser_LiveUpdateKeepsTyping (issue 17 #2): a live update of the ydelse fields never
// replaces the field the user is in or has changed since the request was sent, and the focus
// stays where it is. The live updates are held (a slow line) while the test types with real
// key events and no pause; each is let go in the middle of typing.
func TestBrowser_LiveUpdateKeepsTyping(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.visit("/sager/ny")
	held := b.holdRequests("*/ydelsesfelter")

	// 1. Choose the indsatskode with the keyboard; the update arrives while the user is still
	// in the picker: the focus stays in it.
	b.click("#indsatskode")
	b.press("97")
	b.press(kb.ArrowDown)
	b.press(kb.Enter)
	held.waitHeld(1)
	chosen := b.value("select[name=indsatskode]")
	if chosen == "" {
		t.Fatal(`"97", ArrowDown, Enter chose no indsatskode`)
	}
	held.release()
	b.settled()
	if id := b.activeID(); id != "indsatskode" {
		t.Errorf("after the live update of the indsatskode the focus is on %q, want the picker #indsatskode", id)
	}

	// 2. Another indsatskode (a stay, § 108); on to Startdato at once and type it, leave it
	// (a second update while the first is under way: it must not be dropped, but sent when
	// the first is done), and type in the next field; each update is let go in the middle of
	// the typing.
	b.do("select the picker's text", chromedp.Evaluate[chromedp.Void](`document.querySelector("#indsatskode").select()`))
	b.press("108")
	b.press(kb.ArrowDown)
	b.press(kb.Enter)
	held.waitHeld(2)
	b.tabTo("startdato", 5)
	b.press("01-02-2025")
	b.press(kb.Tab) // change: the start date's update
	if id := b.activeID(); id != "forventet_slutdato" {
		t.Fatalf("Tab from Startdato went to %q", id)
	}
	b.press("31-12-")
	held.release() // the indsatskode's update
	b.press("20")
	held.waitHeld(3) // the start date's, sent after the first
	b.press("2")
	held.release()
	b.press("5")
	b.settled()
	if got := b.value("#startdato"); got != "01-02-2025" {
		t.Errorf("Startdato = %q after the live updates, want every typed character: 01-02-2025", got)
	}
	if got := b.value("#forventet_slutdato"); got != "31-12-2025" {
		t.Errorf("Forventet slutdato = %q after the live updates, want every typed character: 31-12-2025", got)
	}
	if id := b.activeID(); id != "forventet_slutdato" {
		t.Errorf("after the live updates the focus is on %q, want #forventet_slutdato", id)
	}
	if got := b.value("select[name=indsatskode]"); got == chosen || got == "" {
		t.Errorf("indsatskode = %q, want the § 108 code chosen second", got)
	}
	// The start date's update was sent (not dropped behind the first): the fields follow
	// both the § 108 code (P-nummer required, Y5) and the start date (FFB målgrupper, Y3).
	b.waitFor("P-nummer required", `document.querySelector("#p_nummer").getAttribute("aria-required") === "true"`)
	if hint := b.text("#maalgruppe_primaer-hint"); !strings.Contains(hint, "1. januar 2025 eller senere") {
		t.Errorf("the start date's live update did not arrive: Primær målgruppe hint %q", hint)
	}

	// 3. A changed field the user has left keeps its value too: a new start date (an update,
	// held), Forventet slutdato retyped, on to Slutdato, and the update let go mid-typing.
	before := held.count()
	b.click("#startdato")
	b.do("select Startdato", chromedp.Evaluate[chromedp.Void](`document.querySelector("#startdato").select()`))
	b.press("01-03-2025")
	b.press(kb.Tab)
	held.waitHeld(before + 1)
	b.do("select Forventet slutdato", chromedp.Evaluate[chromedp.Void](`document.querySelector("#forventet_slutdato").select()`))
	b.press("30-06-2026")
	b.tabTo("slutdato", 2)
	b.press("30-0")
	held.release()
	b.press("6-2026")
	b.settled()
	for id, want := range map[string]string{"startdato": "01-03-2025", "forventet_slutdato": "30-06-2026", "slutdato": "30-06-2026"} {
		if got := b.value("#" + id); got != want {
			t.Errorf("#%s = %q after the live update, want %q", id, got, want)
		}
	}
	if id := b.activeID(); id != "slutdato" {
		t.Errorf("after the third live update the focus is on %q, want #slutdato", id)
	}

	// The pickers and the secondary målgrupper's multi-select survive the morphs whole: one
	// each, and the hidden select still carries the value.
	for _, sel := range []string{"#indsatskode-group", "#maalgruppe_primaer-group", "#betalingskommune-group"} {
		if n := evaluate[int](b, fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel+" .combobox"))); n != 1 {
			t.Errorf("%s has %d pickers, want 1", sel, n)
		}
	}
	if n := evaluate[int](b, `document.querySelectorAll("#maalgrupper_sekundaere .multipicker").length`); n != 1 {
		t.Errorf("the secondary målgrupper have %d multi-selects, want 1", n)
	}
	// Its search field is still named by the legend: the id app.js gave the legend survives.
	if named := evaluate[bool](b, `(() => {
		const i = document.querySelector("#maalgrupper_sekundaere .multipicker input[aria-labelledby]");
		return !!i && i.getAttribute("aria-labelledby").split(" ").every((id) => !!document.getElementById(id));
	})()`); !named {
		t.Errorf("after the live updates the multi-select's search field is labelled by an element that is gone")
	}
	b.axe("opret-efter-live-opdatering")
}
