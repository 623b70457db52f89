package e2e

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/domain"
)

// listeRows is the CPR numbers of the rows the list shows, in order, and its count line.
func (b *browser) listeRows() (cprs []string, antal string) {
	b.t.Helper()
	cprs = evaluate[[]string](b, `Array.from(document.querySelectorAll(".liste-tabel tbody tr td:nth-child(2)")).map(td => td.innerText.trim())`)
	return cprs, evaluate[string](b, `(document.querySelector(".liste-antal") || {}).innerText || ""`)
}

// waitThroughNavigation is waitFor across a navigation the step starts but does not wait
// for (Back: htmx, its history cache off, loads the page again after the history step): an
// evaluation the navigation cuts off is tried again.
func (b *browser) waitThroughNavigation(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("wait for %s: not so after %s (%v, on %s)", what, stepTimeout, err, b.location())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sixDigitsRE is six digits in a row: a CPR number, or the date part of one.
var sixDigitsRE = regexp.MustCompile(`[0-9]{6}`)

// TestBrowser_ListePages (issue 17, faster paths): the overview offers Forrige side beside
// Næste side, and each page has its URL, which holds no CPR number, so reload and the
// browser's Back show the same page: page 1 → Næste side → Næste side → Forrige side →
// reload → Back, the right rows each time.
func TestBrowser_ListePages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// 120 sager more than the demo's 31 in 101: four pages of Kun sager.
	ctx := context.Background()
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
		for i := range 120 {
			cpr := fmt.Sprintf("%02d%02d72%04d", 1+(i*11)%28, 1+i%12, 3000+i)
			if _, err := tx.InsertSag(ctx, domain.Sag{CPR: cpr, Navn: fmt.Sprint("Borger ", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.visit("/indberetninger/egne?visning=kun-sager&filter=alle")
	var seen []string // every CPR number shown, with its dash
	// checkURL fails the test when the page's URL holds a CPR number shown, or six digits.
	checkURL := func(step string) string {
		t.Helper()
		loc := b.location()
		u, _ := url.QueryUnescape(loc)
		for _, cpr := range seen {
			if strings.Contains(u, cpr) || strings.Contains(u, strings.ReplaceAll(cpr, "-", "")) {
				t.Errorf("%s: URL %s holds the CPR number %s", step, loc, cpr)
			}
		}
		if sixDigitsRE.MatchString(strings.TrimPrefix(u, b.baseURL)) {
			t.Errorf("%s: URL %s holds six digits in a row", step, loc)
		}
		return loc
	}
	// page waits for the count line want and the page's 50 rows, the document loaded and no
	// htmx swap under way (a Back loads the page again: its count line can be there before
	// all its rows are), and returns the rows, checking the URL.
	page := func(step, want string) []string {
		t.Helper()
		b.waitThroughNavigation(step+": "+want, `((document.querySelector(".liste-antal") || {}).innerText || "").startsWith(`+jsString(want)+`) &&
			document.readyState === "complete" && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling") &&
			document.querySelectorAll(".liste-tabel tbody tr").length === 50`)
		rows, _ := b.listeRows()
		if len(rows) == 0 {
			t.Fatalf("%s: no rows", step)
		}
		seen = append(seen, rows...)
		checkURL(step)
		return rows
	}
	p1 := page("page 1", "Viser 1–50 af 151 sager")
	b.axe("liste-side-1")
	if evaluate[bool](b, `!!document.querySelector(".liste-sider a, .liste-sider button") &&
		Array.from(document.querySelectorAll(".liste-sider a, .liste-sider button")).some(e => e.innerText.trim() === "Forrige side")`) {
		t.Error("page 1 offers Forrige side")
	}
	sideButton := func(rel string) string { return `.liste-sider a[rel="` + rel + `"]` }
	b.click(sideButton("next"))
	p2 := page("Næste side", "Viser 51–100 af 151 sager")
	url2 := b.location()
	if !strings.Contains(url2, "efter=") {
		t.Errorf("page 2 is not in the URL: %s", url2)
	}
	b.click(sideButton("next"))
	p3 := page("Næste side again", "Viser 101–150 af 151 sager")
	url3 := b.location()
	b.axe("liste-side-3")
	// again checks that step shows the page seen before, rows and URL.
	again := func(step, want string, rows []string, wantURL string) {
		t.Helper()
		if got := page(step, want); !slices.Equal(got, rows) {
			t.Errorf("%s shows %v, want %v", step, got, rows)
		}
		if loc := b.location(); wantURL != "" && loc != wantURL {
			t.Errorf("%s: URL %s, want %s", step, loc, wantURL)
		}
	}
	b.click(sideButton("prev"))
	again("Forrige side", "Viser 51–100 af 151 sager", p2, url2)
	b.do("reload", chromedp.Reload())
	again("reload", "Viser 51–100 af 151 sager", p2, url2)
	b.do("Back", chromedp.NavigateBack())
	again("Back", "Viser 101–150 af 151 sager", p3, url3)
	b.do("Back", chromedp.NavigateBack())
	again("Back again", "Viser 51–100 af 151 sager", p2, url2)
	b.do("Back", chromedp.NavigateBack())
	again("Back to page 1", "Viser 1–50 af 151 sager", p1, "")
	// The pages are the list in CPR order, none twice.
	all := slices.Concat(p1, p2, p3)
	if !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != 150 {
		t.Errorf("pages 1–3: %d rows, sorted %v", len(all), slices.IsSorted(all))
	}
}
