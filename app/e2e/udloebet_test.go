package e2e

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"indberet/tenant/demo"
)

// formValues is every value the page's form would send but the CSRF token,
// as "name=value" in order.
func (b *browser) formValues() []string {
	b.t.Helper()
	return evaluate[[]string](b, `(() => {
		const out = [];
		new FormData(document.querySelector("main form")).forEach((v, k) => { if (k !== "_csrf") out.push(k + "=" + v); });
		return out.sort();
	})()`)
}

// logoutInOtherTab opens the start page in a second tab of the same browser (the same
// cookies) and logs out there, as a user does who forgot the first tab.
func (b *browser) logoutInOtherTab() {
	b.t.Helper()
	tab, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	ctx, stop := context.WithTimeout(tab, stepTimeout)
	defer stop()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(b.baseURL+"/"),
		chromedp.Click(chromedp.CSS(`.portal-user .logout-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#login-email")),
	); err != nil {
		b.t.Fatalf("log out in another tab: %v", err)
	}
}

// storage is what the page's origin keeps: the sessionStorage entries as "key=value", and
// how many entries localStorage has.
func (b *browser) storage() (session []string, local int) {
	b.t.Helper()
	session = evaluate[[]string](b, `Object.keys(sessionStorage).map(k => k + "=" + sessionStorage.getItem(k))`)
	return session, evaluate[int](b, `localStorage.length`)
}

// kept tells whether some sessionStorage entry holds s.
func kept(session []string, s string) bool {
	return strings.Contains(strings.Join(session, "\n"), s)
}

// TestBrowser_EndedSessionKeepsForm (issue 17 #3): Opret filled in, the session ended in
// another tab, Opret clicked: the refusal leads to the login, and after it the user is back
// on Opret with every value, and Opret saves. The values were only in the tab's
// sessionStorage (never localStorage, never a URL), and are gone once put back. Logged in
// as someone else, nothing comes back.
func TestBrowser_EndedSessionKeepsForm(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const cpr = "280791-4563"
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.visit("/sager/ny")
	b.fill("#cpr", cpr)
	b.fill("#navn", "Test Testesen")
	b.fill("#bemaerkninger", "Skrevet før sessionen sluttede")
	b.pick("#indsatskode", "behandling")
	b.settle()
	b.fill("#startdato", "01-11-2025")
	b.settle()
	b.pick("#maalgruppe_primaer", "fysisk kommunikationsnedsættelse")
	// A secondary målgruppe (whatever widget shows them, the checkbox carries it).
	b.do("choose a secondary målgruppe", chromedp.Evaluate[chromedp.Void](`(() => {
		const c = document.querySelector('input[name="maalgrupper_sekundaere"]');
		c.checked = true;
		c.dispatchEvent(new Event("change", {bubbles: true}));
	})()`))
	typed := b.formValues()
	for _, want := range []string{"cpr=" + cpr, "indsatskode=1.3", "startdato=01-11-2025", "maalgrupper_sekundaere="} {
		if !strings.Contains(strings.Join(typed, "\n"), want) {
			t.Fatalf("the form before sending lacks %q: %v", want, typed)
		}
	}

	b.logoutInOtherTab()
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusForbidden || !strings.Contains(b.text("main"), "Du er logget ud") {
		t.Fatalf("Opret after logout in another tab: %d %q", b.status, b.text("main"))
	}
	b.waitVisible("[data-kladde-afvist]") // "Det, du skrev …, er gemt i denne fane"
	if s, l := b.storage(); !kept(s, cpr) || l != 0 {
		t.Errorf("after the refusal: sessionStorage %v, %d in localStorage; want the form in sessionStorage only", s, l)
	}
	b.axe("udloebet")

	b.follow("#udloebet-videre")
	if p, loc := b.path(), b.location(); p != "/login" || !strings.Contains(loc, "next=%2Fsager%2Fny") || strings.Contains(loc, "280791") {
		t.Fatalf("Log ind igen went to %s", loc)
	}
	b.fill("#login-email", "indberetter.101@demo.invalid")
	b.fill("#login-password", demo.Password)
	b.follow(`form[action="/login"] button[type="submit"]`)
	if b.path() != "/sager/ny" {
		t.Fatalf("after login: on %s, want back on /sager/ny", b.location())
	}
	b.waitVisible("#kladde-genskabt")
	b.settled()
	if got := b.formValues(); !reflect.DeepEqual(got, typed) {
		t.Errorf("after login the form holds\n  %v\nwant what was typed\n  %v", got, typed)
	}
	if s, l := b.storage(); kept(s, cpr) || l != 0 {
		t.Errorf("after the values came back: sessionStorage %v, %d in localStorage; want the form gone", s, l)
	}
	if b.value("#indsatskode") == "" || b.value("#maalgruppe_primaer") == "" {
		t.Errorf("the pickers show no choice: %q, %q", b.value("#indsatskode"), b.value("#maalgruppe_primaer"))
	}
	b.axe("opret-genskabt")
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusOK || !strings.Contains(b.text("main"), "er oprettet") {
		t.Fatalf("Opret after the values came back: %d %q", b.status, b.text("main"))
	}

	// The same, but another user logs in: the values are not shown, and are gone.
	b.fill("#cpr", "010190-1234")
	b.logoutInOtherTab()
	b.follow(`button[value="opret"]`)
	if b.status != http.StatusForbidden {
		t.Fatalf("second Opret after logout: %d", b.status)
	}
	b.follow("#udloebet-videre")
	b.fill("#login-email", "indberetter.147@demo.invalid")
	b.fill("#login-password", demo.Password)
	b.follow(`form[action="/login"] button[type="submit"]`)
	if b.path() != "/sager/ny" {
		t.Fatalf("after login as another user: on %s", b.location())
	}
	b.settled()
	if got := b.value("#cpr"); got != "" {
		t.Errorf("another user's Opret shows the CPR number typed before: %q", got)
	}
	if s, l := b.storage(); kept(s, "010190-1234") || l != 0 {
		t.Errorf("after login as another user: sessionStorage %v, %d in localStorage; want the form gone", s, l)
	}
}
