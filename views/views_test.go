package views

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"golang.org/x/net/html"
)

const testToken = "dGVzdC10b2tlbi1fLQ_abc-123" // base64url, like the real tokens

var (
	kommuneUser = &User{Name: "Karen Jensen", Email: "kj@kk.dk", KommuneKode: "101", KommuneNavn: "København", RoleLabel: "Indberetter"}
	dstUser     = &User{Name: "Dorte Statistiker", Email: "ds@dst.dk", RoleLabel: "Danmarks Statistik"}
)

func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	return buf.String()
}

func parse(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	for _, c := range strings.Fields(v) {
		if c == class {
			return true
		}
	}
	return false
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func findAll(root *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
	})
	return out
}

func byTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// checkPage runs the checks every full page must pass and returns the parsed document.
func checkPage(t *testing.T, out string, p Page) *html.Node {
	t.Helper()
	if !strings.HasPrefix(out, "<!doctype html>") && !strings.HasPrefix(out, "<!DOCTYPE html>") {
		t.Errorf("page does not start with a doctype: %.40q", out)
	}
	doc := parse(t, out)

	htmls := findAll(doc, byTag("html"))
	if len(htmls) != 1 {
		t.Fatalf("want 1 <html>, got %d", len(htmls))
	}
	if lang, _ := attr(htmls[0], "lang"); lang != "da" {
		t.Errorf(`<html lang=%q>, want "da"`, lang)
	}

	// Title.
	titles := findAll(doc, byTag("title"))
	if len(titles) != 1 || text(titles[0]) != p.Title+" – Indberet" {
		t.Errorf("title = %v, want %q", titles, p.Title+" – Indberet")
	} else if got := text(titles[0]); got != p.Title+" – Indberet" {
		t.Errorf("title = %q", got)
	}

	// CSP: scripts only by src, no inline styles, no <style>, no on* handlers.
	scripts := findAll(doc, byTag("script"))
	if len(scripts) != 4 {
		t.Errorf("want 4 <script> tags (htmx, idiomorph, dkfds, app), got %d", len(scripts))
	}
	var srcs []string
	for _, s := range scripts {
		src, ok := attr(s, "src")
		if !ok || src == "" {
			t.Errorf("<script> without src: %v", s.Attr)
		}
		if _, ok := attr(s, "defer"); !ok {
			t.Errorf("<script src=%q> without defer", src)
		}
		if s.FirstChild != nil {
			t.Errorf("<script src=%q> has inline content %q", src, text(s))
		}
		srcs = append(srcs, src)
	}
	if strings.Join(srcs, " ") != HtmxJSPath+" "+IdiomorphJSPath+" "+DKFDSJSPath+" "+AppJSPath {
		t.Errorf("script order = %v", srcs)
	}
	if n := len(findAll(doc, byTag("style"))); n != 0 {
		t.Errorf("found %d <style> elements", n)
	}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		for _, a := range n.Attr {
			if a.Key == "style" {
				t.Errorf("<%s> has a style= attribute: %q", n.Data, a.Val)
			}
			if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(a.Key, "hx-on") {
				t.Errorf("<%s> has an inline event handler %s=%q", n.Data, a.Key, a.Val)
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(a.Val), "javascript:") {
				t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
			}
		}
	})

	// Stylesheets.
	var css []string
	for _, l := range findAll(doc, byTag("link")) {
		if rel, _ := attr(l, "rel"); rel == "stylesheet" {
			h, _ := attr(l, "href")
			css = append(css, h)
		}
	}
	if strings.Join(css, " ") != DKFDSCSSPath+" "+AppCSSPath {
		t.Errorf("stylesheets = %v", css)
	}

	// htmx config meta.
	var htmxCfg, csrfMeta string
	var haveCSRFMeta bool
	for _, m := range findAll(doc, byTag("meta")) {
		switch name, _ := attr(m, "name"); name {
		case "htmx-config":
			htmxCfg, _ = attr(m, "content")
		case "csrf-token":
			csrfMeta, haveCSRFMeta = attr(m, "content")
		}
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(htmxCfg), &cfg); err != nil || cfg["includeIndicatorStyles"] != false {
		t.Errorf("htmx-config meta = %q (%v), want includeIndicatorStyles false", htmxCfg, err)
	}

	// CSRF token: meta tag and body hx-headers (JSON, properly escaped).
	bodies := findAll(doc, byTag("body"))
	if len(bodies) != 1 {
		t.Fatalf("want 1 <body>, got %d", len(bodies))
	}
	if p.CSRFToken != "" {
		if !haveCSRFMeta || csrfMeta != p.CSRFToken {
			t.Errorf("csrf-token meta = %q, want %q", csrfMeta, p.CSRFToken)
		}
		hx, ok := attr(bodies[0], "hx-headers")
		if !ok {
			t.Fatalf("<body> has no hx-headers")
		}
		var hdr map[string]string
		if err := json.Unmarshal([]byte(hx), &hdr); err != nil {
			t.Fatalf("hx-headers %q is not JSON: %v", hx, err)
		}
		if len(hdr) != 1 || hdr["X-Csrf-Token"] != p.CSRFToken {
			t.Errorf("hx-headers = %v, want X-Csrf-Token=%q", hdr, p.CSRFToken)
		}
		if !strings.Contains(out, `hx-headers="{&#34;X-Csrf-Token&#34;:&#34;`+p.CSRFToken+`&#34;}"`) {
			t.Errorf("hx-headers not HTML-escaped as expected in %s", out)
		}
	}

	// Landmarks, skip link, one h1.
	for _, tag := range []string{"header", "main", "footer"} {
		if n := len(findAll(doc, byTag(tag))); n != 1 {
			t.Errorf("want 1 <%s>, got %d", tag, n)
		}
	}
	mains := findAll(doc, byTag("main"))
	if len(mains) == 1 {
		if id, _ := attr(mains[0], "id"); id != "main-content" {
			t.Errorf(`<main id=%q>, want "main-content"`, id)
		}
	}
	skips := findAll(doc, func(n *html.Node) bool { return n.Data == "a" && hasClass(n, "skipnav") })
	if len(skips) != 1 {
		t.Errorf("want 1 skip link, got %d", len(skips))
	} else if h, _ := attr(skips[0], "href"); h != "#main-content" || text(skips[0]) != "Gå til sideindhold" {
		t.Errorf("skip link = %q %q", h, text(skips[0]))
	}
	if n := len(findAll(doc, byTag("h1"))); n != 1 {
		t.Errorf("want 1 <h1>, got %d", n)
	}

	// ids unique; every label points at an existing form control.
	ids := map[string]bool{}
	for _, n := range findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "id"); return ok }) {
		id, _ := attr(n, "id")
		if ids[id] {
			t.Errorf("duplicate id %q", id)
		}
		ids[id] = true
	}
	for _, l := range findAll(doc, byTag("label")) {
		f, _ := attr(l, "for")
		if f == "" || !ids[f] {
			t.Errorf("label %q points at missing id %q", text(l), f)
		}
	}

	// Header, footer and logout.
	all := text(doc)
	for _, want := range []string{SolutionName, "Danmarks Statistik · Indberetning af handicap og udsatte voksne"} {
		if !strings.Contains(all, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	logouts := findAll(doc, func(n *html.Node) bool {
		a, _ := attr(n, "action")
		return n.Data == "form" && a == "/logout"
	})
	if p.User == nil {
		if len(logouts) != 0 {
			t.Errorf("logged-out page has a logout form")
		}
		if strings.Contains(all, "Log ud") {
			t.Errorf("logged-out page says Log ud")
		}
	} else {
		if len(logouts) == 0 {
			t.Errorf("no logout form")
		}
		for _, f := range logouts {
			if m, _ := attr(f, "method"); m != "post" {
				t.Errorf("logout form method %q", m)
			}
			checkCSRFField(t, f, p.CSRFToken)
			if !strings.Contains(text(f), "Log ud") {
				t.Errorf("logout form without 'Log ud' button")
			}
		}
		for _, want := range []string{p.User.Name, p.User.RoleLabel, p.User.KommuneLabel()} {
			if !strings.Contains(all, want) {
				t.Errorf("header lacks %q", want)
			}
		}
	}
	return doc
}

func checkCSRFField(t *testing.T, form *html.Node, token string) {
	t.Helper()
	fields := findAll(form, func(n *html.Node) bool {
		name, _ := attr(n, "name")
		return n.Data == "input" && name == "_csrf"
	})
	if len(fields) != 1 {
		t.Errorf("form has %d _csrf fields, want 1", len(fields))
		return
	}
	typ, _ := attr(fields[0], "type")
	val, _ := attr(fields[0], "value")
	if typ != "hidden" || val != token {
		t.Errorf("_csrf field type=%q value=%q, want hidden %q", typ, val, token)
	}
}

func mainText(doc *html.Node) string {
	m := findAll(doc, byTag("main"))
	if len(m) != 1 {
		return ""
	}
	return text(m[0])
}

func TestKommuneLabel(t *testing.T) {
	if got := kommuneUser.KommuneLabel(); got != "København (101)" {
		t.Errorf("got %q", got)
	}
	if got := dstUser.KommuneLabel(); got != "Alle kommuner" {
		t.Errorf("got %q", got)
	}
	var nilUser *User
	if got := nilUser.KommuneLabel(); got != "" {
		t.Errorf("nil user: got %q", got)
	}
}

func TestLayoutHeaderUser(t *testing.T) {
	for _, u := range []*User{kommuneUser, dstUser} {
		p := Page{Title: "Forside", User: u, CSRFToken: testToken, Flash: "Indberetningen er gemt."}
		out := render(t, HomePage(p, Home{}))
		doc := checkPage(t, out, p)
		if !strings.Contains(mainText(doc), "Indberetningen er gemt.") {
			t.Errorf("flash not shown")
		}
		// Issue 17 #9: a confirmation is a DKFDS success alert; a note an info alert.
		flash := findAll(doc, func(n *html.Node) bool { return hasClass(n, "alert-success") })
		if len(flash) != 1 || len(findAll(doc, func(n *html.Node) bool { return hasClass(n, "alert-info") })) != 0 {
			t.Errorf("want 1 success alert for the flash, got %d", len(flash))
		}
		p.Flash, p.FlashNote = "Der var ingen ændringer at gemme.", true
		doc = checkPage(t, render(t, HomePage(p, Home{})), p)
		if len(findAll(doc, func(n *html.Node) bool { return hasClass(n, "alert-info") })) != 1 ||
			len(findAll(doc, func(n *html.Node) bool { return hasClass(n, "alert-success") })) != 0 {
			t.Errorf("a note is not one info alert")
		}
		// The confirmation of Opret links to the new sag and to Tilføj ydelse for it (issue 17).
		p.Flash, p.FlashNote = "Sagen for CPR-nummer 150362-1235 er oprettet med ydelsen 1.3.", false
		p.FlashLinks = []FlashLink{{Text: "Se sagen", URL: "/sager/7"}, {Text: "Tilføj ydelse til sagen", URL: "/sager/7/ydelser/ny"}}
		out = render(t, HomePage(p, Home{}))
		checkPage(t, out, p)
		for _, want := range []string{`class="alert alert-success" role="status" id="flash"`, "er oprettet med ydelsen 1.3.",
			`<a href="/sager/7">Se sagen</a>`, `<a href="/sager/7/ydelser/ny">Tilføj ydelse til sagen</a>`} {
			if !strings.Contains(out, want) {
				t.Errorf("the confirmation with links lacks %s", want)
			}
		}
	}
	out := render(t, HomePage(Page{Title: "Forside", User: dstUser, CSRFToken: testToken}, Home{}))
	if !strings.Contains(out, "Alle kommuner") {
		t.Errorf("DST user header lacks 'Alle kommuner'")
	}
	if strings.Contains(out, "alert-info") || strings.Contains(out, "alert-success") {
		t.Errorf("alert without flash")
	}
}

func TestLoginPage(t *testing.T) {
	p := Page{Title: "Log ind", CSRFToken: testToken}

	t.Run("empty", func(t *testing.T) {
		out := render(t, LoginPage(p, LoginForm{}))
		doc := checkPage(t, out, p)
		mt := mainText(doc)
		for _, want := range []string{"Log ind", "E-mail", "Adgangskode"} {
			if !strings.Contains(mt, want) {
				t.Errorf("login page lacks %q", want)
			}
		}
		if len(findAll(doc, func(n *html.Node) bool { return hasClass(n, "alert") })) != 0 {
			t.Errorf("alert without error")
		}
		if len(findAll(doc, func(n *html.Node) bool { return hasClass(n, "form-error") })) != 0 {
			t.Errorf("form-error without error")
		}
		forms := findAll(doc, func(n *html.Node) bool { a, _ := attr(n, "action"); return n.Data == "form" && a == "/login" })
		if len(forms) != 1 {
			t.Fatalf("want 1 login form, got %d", len(forms))
		}
		if m, _ := attr(forms[0], "method"); m != "post" {
			t.Errorf("login form method %q", m)
		}
		checkCSRFField(t, forms[0], testToken)
		inputs := map[string]*html.Node{}
		for _, in := range findAll(forms[0], byTag("input")) {
			name, _ := attr(in, "name")
			inputs[name] = in
		}
		for name, want := range map[string][2]string{
			"email":    {"email", "username"},
			"password": {"password", "current-password"},
		} {
			in := inputs[name]
			if in == nil {
				t.Errorf("no input %q", name)
				continue
			}
			typ, _ := attr(in, "type")
			ac, _ := attr(in, "autocomplete")
			if typ != want[0] || ac != want[1] || !hasClass(in, "form-input") {
				t.Errorf("input %q: type=%q autocomplete=%q class ok=%v", name, typ, ac, hasClass(in, "form-input"))
			}
			if _, ok := attr(in, "aria-invalid"); ok {
				t.Errorf("input %q aria-invalid without error", name)
			}
		}
		buttons := findAll(forms[0], byTag("button"))
		if len(buttons) != 1 || text(buttons[0]) != "Log ind" || !hasClass(buttons[0], "button-primary") {
			t.Errorf("login button wrong")
		}
	})

	t.Run("error", func(t *testing.T) {
		f := LoginForm{Email: `karen"<b>@kk.dk`, Error: "Forkert e-mail eller adgangskode."}
		out := render(t, LoginPage(p, f))
		doc := checkPage(t, out, p)
		if strings.Contains(out, "<b>") {
			t.Errorf("e-mail not escaped")
		}
		alerts := findAll(doc, func(n *html.Node) bool { return hasClass(n, "alert-error") })
		if len(alerts) != 1 {
			t.Fatalf("want 1 error alert, got %d", len(alerts))
		}
		if r, _ := attr(alerts[0], "role"); r != "alert" {
			t.Errorf("error alert role=%q", r)
		}
		if !strings.Contains(text(alerts[0]), f.Error) {
			t.Errorf("error alert lacks the message")
		}
		if n := len(findAll(doc, func(n *html.Node) bool { return hasClass(n, "form-group") && hasClass(n, "form-error") })); n != 2 {
			t.Errorf("want 2 form-group.form-error, got %d", n)
		}
		for _, in := range findAll(doc, func(n *html.Node) bool { return hasClass(n, "form-input") }) {
			if v, _ := attr(in, "aria-invalid"); v != "true" {
				t.Errorf("input without aria-invalid")
			}
			if d, _ := attr(in, "aria-describedby"); d != "login-error" {
				t.Errorf("input aria-describedby=%q", d)
			}
			name, _ := attr(in, "name")
			val, hasVal := attr(in, "value")
			if name == "email" && val != f.Email {
				t.Errorf("e-mail value = %q, want %q", val, f.Email)
			}
			if name == "password" && hasVal {
				t.Errorf("password has a value")
			}
		}
		// The alert comes before the form.
		if strings.Index(out, "alert-error") > strings.Index(out, `action="/login"`) {
			t.Errorf("error alert is not above the form")
		}
	})
}

func TestHomePage(t *testing.T) {
	p := Page{Title: "Forside", User: kommuneUser, CSRFToken: testToken}
	h := Home{Links: []HomeLink{
		{Href: "/indberetninger", Label: "Se listen over alle indberetninger", Description: "Find og ret indberetninger."},
		{Href: "/upload", Label: "Indlæs fil"},
		{Href: "javascript:alert(1)", Label: "Ond"},
	}}
	out := render(t, HomePage(p, h))
	doc := checkPage(t, out, p)
	mt := mainText(doc)
	for _, want := range []string{"Velkommen til Indberet", "Se listen over alle indberetninger", "Find og ret indberetninger.", "Indlæs fil"} {
		if !strings.Contains(mt, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	cards := findAll(doc, func(n *html.Node) bool { return n.Data == "a" && hasClass(n, "card") })
	if len(cards) != 3 {
		t.Fatalf("want 3 cards, got %d", len(cards))
	}
	if h, _ := attr(cards[0], "href"); h != "/indberetninger" {
		t.Errorf("card href %q", h)
	}

	out = render(t, HomePage(p, Home{}))
	checkPage(t, out, p)
	if !strings.Contains(out, "Der er ingen funktioner") {
		t.Errorf("no text for an empty home page")
	}
}

func TestNoRightPage(t *testing.T) {
	const want = "For at benytte systemet skal du have tildelt rettigheden 'Ret til at administrere data for handicappede' af din virk administrator."
	if NoRightText != want {
		t.Fatalf("NoRightText changed: %q", NoRightText)
	}
	p := Page{Title: "Manglende rettighed", User: &User{Name: "Ole Olsen", KommuneKode: "851", KommuneNavn: "Aalborg", RoleLabel: "Ingen rettighed"}, CSRFToken: testToken}
	out := render(t, NoRightPage(p))
	doc := checkPage(t, out, p)
	alerts := findAll(doc, func(n *html.Node) bool { return hasClass(n, "alert") })
	if len(alerts) != 1 || text(alerts[0]) != want {
		t.Fatalf("want one alert with exactly the T2 text, got %d", len(alerts))
	}
	// Nothing but the (visually hidden) heading and the message in main.
	h1 := findAll(doc, byTag("h1"))
	if mt := mainText(doc); mt != text(h1[0])+want && mt != text(h1[0])+" "+want {
		t.Errorf("main has more than the message: %q", mt)
	}
	if !hasClass(h1[0], "sr-only") {
		t.Errorf("h1 is visible")
	}
	if len(findAll(findAll(doc, byTag("main"))[0], byTag("a"))) != 0 {
		t.Errorf("links in main")
	}
}

func TestErrorPage(t *testing.T) {
	cases := []struct {
		status           int
		heading, message string
	}{
		{403, "Ingen adgang", "Du har ikke adgang til siden."},
		{404, "Siden findes ikke", "Siden, du leder efter, findes ikke."},
		{500, "Der skete en fejl", "Prøv igen senere."},
	}
	for _, c := range cases {
		for _, u := range []*User{nil, kommuneUser} {
			p := Page{Title: c.heading, User: u, CSRFToken: testToken}
			out := render(t, ErrorPage(p, c.status, c.heading, c.message))
			doc := checkPage(t, out, p)
			if h1 := findAll(doc, byTag("h1")); text(h1[0]) != c.heading {
				t.Errorf("h1 = %q", text(h1[0]))
			}
			mt := mainText(doc)
			for _, want := range []string{c.message, "Gå til forsiden"} {
				if !strings.Contains(mt, want) {
					t.Errorf("%d page lacks %q", c.status, want)
				}
			}
			if !strings.Contains(mt, "Fejlkode: "+itoa(c.status)) {
				t.Errorf("%d page lacks the status code", c.status)
			}
		}
	}
}

func TestNoCSRFToken(t *testing.T) {
	out := render(t, LoginPage(Page{Title: "Log ind"}, LoginForm{}))
	if strings.Contains(out, "hx-headers") || strings.Contains(out, `name="csrf-token"`) {
		t.Errorf("empty token rendered")
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestDumpHTML writes sample renderings of every page to $VIEWS_DUMP_DIR
// (skipped when unset), for looking at them in a browser or running axe-core:
//
//	VIEWS_DUMP_DIR=/tmp/views go test ./views -run TestDumpHTML
func TestDumpHTML(t *testing.T) {
	dir := os.Getenv("VIEWS_DUMP_DIR")
	if dir == "" {
		t.Skip("VIEWS_DUMP_DIR not set")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	home := Home{Links: []HomeLink{
		{Href: "/indberetninger", Label: "Se listen over alle indberetninger", Description: "Find, se og ret kommunens indberetninger."},
		{Href: "/indberetninger/ny", Label: "Opret indberetning", Description: "Indberet en ny borger."},
		{Href: "/brugere", Label: "Brugere", Description: "Se kommunens brugere og deres roller."},
	}}
	pages := map[string]templ.Component{
		"login.html":       LoginPage(Page{Title: "Log ind", CSRFToken: testToken}, LoginForm{}),
		"login-error.html": LoginPage(Page{Title: "Log ind", CSRFToken: testToken}, LoginForm{Email: "karen@kk.dk", Error: "Forkert e-mail eller adgangskode."}),
		"home.html":        HomePage(Page{Title: "Forside", User: kommuneUser, CSRFToken: testToken, Flash: "Du er nu logget ind."}, home),
		"home-dst.html":    HomePage(Page{Title: "Forside", User: dstUser, CSRFToken: testToken}, home),
		"noright.html":     NoRightPage(Page{Title: "Manglende rettighed", User: kommuneUser, CSRFToken: testToken}),
		"404.html":         ErrorPage(Page{Title: "Siden findes ikke", User: kommuneUser, CSRFToken: testToken}, 404, "Siden findes ikke", "Siden, du leder efter, findes ikke eller er flyttet."),
	}
	for name, c := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(render(t, c)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRefusedPageTitle (issue 17 #9): a page answering a refused form (422, 409) keeps its
// title with "Fejl: " before it; others have none.
func TestRefusedPageTitle(t *testing.T) {
	p := Page{Title: "Opret sag", User: kommuneUser, CSRFToken: testToken}
	for status, want := range map[int]string{200: "<title>Opret sag – Indberet</title>",
		422: "<title>Fejl: Opret sag – Indberet</title>", 409: "<title>Fejl: Opret sag – Indberet</title>"} {
		var buf bytes.Buffer
		if err := HomePage(p, Home{}).Render(WithStatus(context.Background(), status), &buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), want) {
			t.Errorf("status %d: want %s", status, want)
		}
	}
}
