package app

import (
	"bytes"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"indberet/tenant/domain"
	"indberet/views"
)

// crawledForm is a form found on a page: where it goes, how, and its fields with the
// values the page gave them (the first option of a select, checked boxes only).
type crawledForm struct {
	page   string
	method string
	action string
	htmx   bool
	fields url.Values
	names  []string // the fields a user types or picks, in page order
}

// crawl walks the pages a logged-in client c reaches by links and GET forms from "/",
// one page per shape of URL (digits as N), and returns the forms it saw and the links.
func crawl(t *testing.T, c *client, start ...string) (forms []crawledForm, links []string) {
	t.Helper()
	seen := map[string]bool{}
	queue := slices.Clone(start)
	for len(queue) > 0 && len(seen) < 200 {
		u := queue[0]
		queue = queue[1:]
		if seen[urlShape(u)] {
			continue
		}
		seen[urlShape(u)] = true
		r := c.get(u)
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "html") {
			continue
		}
		links = append(links, u)
		base, _ := url.Parse(u)
		walkElements(parseHTML(t, r.body), func(n *html.Node) {
			switch n.Data {
			case "a":
				if next, ok := sameSite(base, attrOf(n, "href")); ok {
					queue = append(queue, next)
				}
			case "form":
				f := formOf(base, n)
				forms = append(forms, f)
				if f.method == "GET" {
					queue = append(queue, f.action+"?"+f.fields.Encode())
				}
			}
		})
	}
	return forms, links
}

var digitsRE = regexp.MustCompile(`[0-9]+`)

// urlShape is u with its digits as N and its query's values left out.
func urlShape(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range p.Query() {
			if !yield(k) {
				return
			}
		}
	})
	segs := strings.Split(p.Path, "/")
	for i, s := range segs {
		if digitsRE.MatchString(s) {
			segs[i] = "N"
		}
	}
	return strings.Join(segs, "/") + "?" + strings.Join(keys, "&")
}

// sameSite resolves href against base and tells whether the crawl follows it: a page of
// the app, not a static file, River UI or a download.
func sameSite(base *url.URL, href string) (string, bool) {
	if href == "" || strings.HasPrefix(href, "#") {
		return "", false
	}
	u, err := base.Parse(href)
	if err != nil || u.Host != base.Host || u.Scheme != base.Scheme || u.Opaque != "" {
		return "", false
	}
	u.Fragment = ""
	p := u.Path
	if strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/jobs") || strings.HasSuffix(p, "/fil") ||
		strings.HasSuffix(p, "/dokument") {
		return "", false
	}
	return u.RequestURI(), true
}

// formOf reads a form element.
func formOf(base *url.URL, n *html.Node) crawledForm {
	f := crawledForm{page: base.RequestURI(), method: strings.ToUpper(attrOf(n, "method")), fields: url.Values{}}
	action := attrOf(n, "action")
	if hx := attrOf(n, "hx-post"); hx != "" {
		f.htmx = true
		if action == "" {
			action, f.method = hx, "POST"
		}
	}
	if f.method == "" {
		f.method = "GET"
	}
	u, _ := base.Parse(action)
	f.action = u.Path
	var walk func(m *html.Node)
	walk = func(m *html.Node) {
		if m.Type == html.ElementNode {
			name := attrOf(m, "name")
			switch {
			case name == "":
			case m.Data == "input":
				switch attrOf(m, "type") {
				case "checkbox", "radio":
					if hasAttr(m, "checked") {
						f.fields.Add(name, attrOf(m, "value"))
					}
				case "submit", "button", "image", "file":
				default:
					f.fields.Set(name, attrOf(m, "value"))
				}
				if name != views.CSRFFieldName && !slices.Contains(f.names, name) {
					f.names = append(f.names, name)
				}
			case m.Data == "textarea":
				text := ""
				if m.FirstChild != nil && m.FirstChild.Type == html.TextNode {
					text = m.FirstChild.Data
				}
				f.fields.Set(name, text)
				f.names = append(f.names, name)
			case m.Data == "select":
				f.fields.Set(name, firstOption(m))
				f.names = append(f.names, name)
			case m.Data == "button" && attrOf(m, "value") != "":
				if !f.fields.Has(name) {
					f.fields.Set(name, attrOf(m, "value"))
				}
				if !slices.Contains(f.names, name) {
					f.names = append(f.names, name)
				}
			}
		}
		for ch := m.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(n)
	return f
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func firstOption(sel *html.Node) string {
	var first, selected string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "option" {
			v := attrOf(n, "value")
			if first == "" {
				first = v
			}
			if hasAttr(n, "selected") {
				selected = v
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(sel)
	if selected != "" {
		return selected
	}
	return first
}

// badTexts are texts PostgreSQL cannot store in a text column (issue 14 #6).
var badTexts = map[string]string{"NUL": "a\x00b", "invalid UTF-8": "a\xffb"}

// TestBadCharactersNever500 (issue 14 #6): every field of every form the roles reach, every
// query parameter of their links and every segment of their paths, with a NUL byte or
// invalid UTF-8, is answered 422 with a Danish message, never 500.
func TestBadCharactersNever500(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.listeFixture()
	type result struct{ what, got string }
	var bad []result
	check := func(c *client, what string, req *http.Request, want ...int) {
		if want == nil {
			want = []int{http.StatusUnprocessableEntity}
		}
		r := c.do(req)
		if !slices.Contains(want, r.status) {
			bad = append(bad, result{what, http.StatusText(r.status)})
		}
	}
	for _, user := range []string{"", "indberetter.751@demo.invalid", "kommuneadmin.751@demo.invalid", "dst@demo.invalid",
		"platform@demo.invalid"} {
		c := b.client()
		start := []string{"/login"}
		if user != "" {
			c.login(user)
			start = []string{"/", "/indberetninger/egne?visning=kun-sager", "/indberetninger/alle?kommune=751"}
		}
		forms, links := crawl(t, c, start...)
		for _, f := range forms {
			for _, name := range f.names {
				for kind, text := range badTexts {
					v := url.Values{}
					for k, vs := range f.fields {
						v[k] = slices.Clone(vs)
					}
					v.Set(name, text)
					what := user + " " + f.method + " " + urlShape(f.action) + " " + name + " " + kind
					if f.method == "GET" {
						check(c, what, httptest.NewRequest("GET", f.action+"?"+v.Encode(), nil))
						continue
					}
					v.Set(views.CSRFFieldName, c.csrf)
					req := newFormRequest(f.action, v)
					if f.htmx {
						req.Header.Set("HX-Request", "true")
					}
					check(c, what, req)
				}
			}
		}
		for _, l := range links {
			u, _ := url.Parse(l)
			for k := range u.Query() {
				for kind, text := range badTexts {
					q := u.Query()
					q.Set(k, text)
					check(c, user+" GET "+urlShape(l)+" "+k+" "+kind, httptest.NewRequest("GET", u.Path+"?"+q.Encode(), nil))
				}
			}
			// A route parameter is the path as sent: percent-encoded bytes stay encoded (no handler
			// unescapes them), so they name nothing (404); raw bytes are checked (422).
			segs := strings.Split(u.Path, "/")
			for i := 2; i < len(segs); i++ {
				for kind, text := range badTexts {
					s := slices.Clone(segs)
					s[i] = url.PathEscape(text)
					what := user + " GET " + urlShape(l) + " segment " + segs[i] + " " + kind
					check(c, what, httptest.NewRequest("GET", strings.Join(s, "/"), nil), http.StatusNotFound, http.StatusUnprocessableEntity)
				}
				s := slices.Clone(segs)
				s[i] = "a\xffb"
				req := httptest.NewRequest("GET", "/", nil)
				req.RequestURI = strings.Join(s, "/") // as sent, not escaped
				check(c, user+" GET "+urlShape(l)+" raw segment "+segs[i], req, http.StatusNotFound, http.StatusUnprocessableEntity)
			}
		}
	}
	sort.Slice(bad, func(i, j int) bool { return bad[i].what < bad[j].what })
	for _, r := range bad {
		t.Errorf("%s: %s", r.what, r.got)
	}
}

// TestCSRFTokenOnlyFromBodyOrHeader (issue 14 #10): a token in the query string lands in
// logs, history and Referer headers; it is refused (403, nothing saved). The form body,
// urlencoded or multipart, and the X-Csrf-Token header are accepted.
func TestCSRFTokenOnlyFromBodyOrHeader(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("kommuneadmin.751@demo.invalid")
	form := withVersions(t, c.get(views.KontaktpersonerPath).body, kontaktValues())
	c.post(views.KontaktpersonerPath+"?"+url.Values{views.CSRFFieldName: {c.csrf}}.Encode(), form, false).
		mustStatus(t, http.StatusForbidden).mustContain(t, "Siden er udløbet")
	if got := b.kontaktpersoner("751"); len(got) != 0 {
		t.Fatalf("saved with the token in the query string: %v", got)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		_ = mw.WriteField(k, vs[0])
	}
	_ = mw.WriteField(views.CSRFFieldName, c.csrf)
	_ = mw.Close()
	req := httptest.NewRequest("POST", views.KontaktpersonerPath, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	c.do(req).mustStatus(t, http.StatusSeeOther)
	if got := b.kontaktpersoner("751"); len(got) != 3 {
		t.Fatalf("multipart form with its token: %d contact persons saved, want 3", len(got))
	}
	req = newFormRequest("/logout", url.Values{})
	req.Header.Set(views.CSRFHeaderName, c.csrf)
	c.do(req).mustStatus(t, http.StatusSeeOther)
}

// TestSixteenInputs (issue 14 #6): the inputs whose NUL byte or invalid UTF-8 reached
// PostgreSQL as a 500 each answer 422 with the field named; a plain form gets a page with
// the way back to it, an htmx form the message in the page's message region (its own part
// untouched).
func TestSixteenInputs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	type input struct {
		user, path, page string
		form             url.Values
		field, label     string
		htmx             string // the HX-Target of the form when htmx sends it
	}
	log := url.Values{"bruger": {"a@b.dk"}, "handling": {"sag.update"}, "kommune": {"101"}}
	kode := url.Values{"handling": {"tekster"}, "tekst": {"Dagbehandling"}, "kilde": {"DST 2026"}}
	ny := newIndsats()
	ny.Set("kilde", "DST")
	inputs := []input{
		{"", "/login", "/login", url.Values{"email": {"laeser.101@demo.invalid"}, "password": {"x"}}, "email", "E-mail", ""},
		{"kommuneadmin.751@demo.invalid", views.KontaktpersonerPath, views.KontaktpersonerPath, kontaktValues(), "faglig-navn", "Fagligt ansvarlig: Kontaktperson", ""},
		{"kommuneadmin.751@demo.invalid", views.KontaktpersonerPath, views.KontaktpersonerPath, kontaktValues(), "teknisk-navn", "Teknisk ansvarlig: Kontaktperson", ""},
		{"kommuneadmin.751@demo.invalid", views.KontaktpersonerPath, views.KontaktpersonerPath, kontaktValues(), "kvittering-navn", "Kvitteringsmodtager: Kontaktperson", ""},
		{"kommuneadmin.751@demo.invalid", "/brugere/ny", "/brugere/ny", url.Values{"navn": {"Anne"}, "email": {"anne@kk.dk"}, "roller": {"laeser"}}, "navn", "Navn", ""},
		{"platform@demo.invalid", "/kommuner/151/administrator", "/kommuner/151/administrator", url.Values{"navn": {"Bente"}, "email": {"b@ballerup.example"}}, "navn", "Navn", ""},
		{"kommuneadmin.751@demo.invalid", views.AuditLogPath, views.AuditLogPath, log, "bruger", "Bruger", views.LogIndholdID},
		{"kommuneadmin.751@demo.invalid", views.AuditLogPath, views.AuditLogPath, log, "handling", "Handling", views.LogIndholdID},
		{"dst@demo.invalid", views.AuditLogPath, views.AuditLogPath, log, "kommune", "Kommune", views.LogIndholdID},
		{"kommuneadmin.751@demo.invalid", views.CPRAccessPath, views.CPRAccessPath, url.Values{"bruger": {"a@b.dk"}}, "bruger", "Bruger", views.LogIndholdID},
		{"dst@demo.invalid", "/koder/indsatskoder/ny", "/koder/indsatskoder/ny", ny, "tekst", "Tekst", ""},
		{"dst@demo.invalid", "/koder/indsatskoder/ny", "/koder/indsatskoder/ny", ny, "paragraf", "Paragraf", ""},
		{"dst@demo.invalid", "/koder/indsatskoder/ny", "/koder/indsatskoder/ny", ny, "kilde", "Kilde", ""},
		{"dst@demo.invalid", "/koder/tilbudstyper/1.2", "/koder/tilbudstyper/1.2", kode, "tekst", "Tekst", ""},
		{"dst@demo.invalid", "/koder/tilbudstyper/1.2", "/koder/tilbudstyper/1.2", kode, "kilde", "Kilde", ""},
		// The sixteenth, the list cursor, is opaque to this check: TestForgedCursors.
	}
	clients := map[string]*client{}
	for _, in := range inputs {
		c := clients[in.user]
		if c == nil {
			c = b.client()
			if in.user != "" {
				c.login(in.user)
			}
			clients[in.user] = c
		}
		for kind, text := range badTexts {
			form := url.Values{}
			for k, v := range in.form {
				form[k] = slices.Clone(v)
			}
			if in.path == views.KontaktpersonerPath {
				form = withVersions(t, c.get(in.page).body, form)
			} else {
				c.get(in.page)
			}
			form.Set(in.field, text)
			what := in.path + " " + in.field + " " + kind
			msg := "Feltet «" + in.label + "» indeholder tegn, der ikke kan gemmes (fx et nul-tegn). Ret teksten, og prøv igen."
			r := c.post(in.path, form, true)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.body), msg) {
				t.Errorf("%s: %d, want 422 with %q:\n%s", what, r.status, msg, r.body)
			}
			checkRettelse(t, what, r, "post", in.path, in.field, form)
			if in.htmx == "" {
				continue
			}
			form.Set(views.CSRFFieldName, c.csrf)
			req := newFormRequest(in.path, form)
			req.Header.Set("HX-Request", "true")
			req.Header.Set("HX-Target", in.htmx)
			r = c.do(req)
			if r.status != http.StatusUnprocessableEntity || r.header.Get("HX-Retarget") != "#"+views.BeskedID ||
				r.header.Get("HX-Reselect") != "#"+views.BeskedFejlID || strings.Contains(r.body, "<form") ||
				!strings.Contains(html.UnescapeString(r.body), msg) {
				t.Errorf("htmx %s: %d, HX-Retarget %q, want 422 with the message for the region:\n%s", what, r.status,
					r.header.Get("HX-Retarget"), r.body)
			}
			query := url.Values{in.field: {text}, "fra": {"01-01-2025"}}
			r = c.get(in.path + "?" + query.Encode()) // the filters as a link
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.body), msg) {
				t.Errorf("GET %s: %d, want 422 with %q", what, r.status, msg)
			}
			checkRettelse(t, "GET "+what, r, "get", in.path, in.field, query)
		}
	}
}

// checkRettelse checks that r, the refusal of sent (method to path) for its field bad,
// holds the request again as a form: to the same address, the refused field with the
// characters taken out, every other value as sent, passwords empty, the CSRF token of a POST.
func checkRettelse(t *testing.T, what string, r response, method, path, bad string, sent url.Values) {
	t.Helper()
	var forms []crawledForm
	walkElements(parseHTML(t, r.body), func(n *html.Node) {
		if n.Data == "form" && attrOf(n, "action") == path {
			forms = append(forms, formOf(&url.URL{Path: path}, n))
		}
	})
	if len(forms) != 1 || !strings.EqualFold(forms[0].method, method) {
		t.Errorf("%s: %d %s forms to %s in the refusal, want the request again:\n%s", what, len(forms), method, path, r.body)
		return
	}
	f := forms[0]
	for k, vs := range sent {
		want := slices.Clone(vs)
		switch {
		case k == views.CSRFFieldName:
			continue
		case k == bad:
			want = []string{domain.StorableOnly(vs[0])}
		case slices.Contains(inputPasswords, k):
			want = []string{""}
		}
		if got := f.fields[k]; !slices.Equal(got, want) {
			t.Errorf("%s: the refusal's form sends %s=%q, want %q", what, k, got, want)
		}
	}
	if (method == "post") != (f.fields.Get(views.CSRFFieldName) != "") {
		t.Errorf("%s: CSRF token %q in a %s form", what, f.fields.Get(views.CSRFFieldName), method)
	}
}

// TestForgedCursors (issue 14 #6): a list or log cursor the server did not write (an offset
// that showed "Viser -9.223.372.036.854.775.808–…", a CPR number with a NUL byte that
// reached PostgreSQL) shows the first page with a message, 422.
func TestForgedCursors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.listeFixture()
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	admin := b.client()
	admin.login("kommuneadmin.751@demo.invalid")
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, forged := range []string{
		enc("9223372036854775807|kun-sager|0502801234"), enc("kun-sager|9223372036854775807|0502801234"),
		enc("kun-sager|50|05028\x0001234"), enc("50|kun-sager|05028\x0001234"), enc("kun-sager|50|0502801234\xff"),
		enc("-1|kun-sager|0502801234"), "bm90LWEtY3Vyc29y",
	} {
		form := url.Values{"efter": {forged}, "visning": {"kun-sager"}, "filter": {"alle"}}
		c.post("/indberetninger/egne", form, true).mustStatus(t, http.StatusUnprocessableEntity).
			mustContain(t, msgSideUgyldig, "Anna Åben", "<!doctype html>").mustNotContain(t, "Viser -")
		c.hxPost("/indberetninger/egne", form, views.ListeResultaterID).mustStatus(t, http.StatusUnprocessableEntity).
			mustContain(t, msgSideUgyldig, "Anna Åben").mustNotContain(t, "Viser -")
	}
	for _, forged := range []string{
		enc("9223372036854775807|1748779200000000|7"), enc("5|1748779200000000|0"), enc("5|x|7"), "%%",
	} {
		for _, path := range []string{views.AuditLogPath, views.CPRAccessPath} {
			admin.get(path+"?"+url.Values{"efter": {forged}}.Encode()).mustStatus(t, http.StatusUnprocessableEntity).
				mustContain(t, msgSideUgyldig).mustNotContain(t, "Viser -")
		}
	}
}
