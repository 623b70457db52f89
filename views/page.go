// Package views holds the server-rendered HTML (templ components) of Indberet.
//
// The UI is Danish and uses the dkfds design system (Virk theme). Because of
// the Content-Security-Policy (script-src 'self'; style-src 'self') no
// component may render inline <script> content or style= attributes: all
// behaviour lives in /static/app.js and all styling in dkfds or /static/app.css.
package views

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/a-h/templ"
)

// Static asset paths (served from the embedded static.FS under /static/).
const (
	DKFDSCSSPath = "/static/vendor/dkfds/css/dkfds-virkdk.min.css"
	DKFDSJSPath  = "/static/vendor/dkfds/js/dkfds.min.js"
	HtmxJSPath   = "/static/vendor/htmx/htmx.min.js"
	AppCSSPath   = "/static/app.css"
	FaviconPath  = "/static/favicon.svg"
	AppJSPath    = "/static/app.js"
)

// IdiomorphJSPath is idiomorph with its htmx extension "morph": live updates morph the page
// instead of replacing it, so focus and typing stay (issue 17 #2).
const IdiomorphJSPath = "/static/vendor/idiomorph/idiomorph-ext.min.js"

// SolutionName is the name of the solution shown in the header.
const SolutionName = "Indberet – Handicap og udsatte voksne"

// htmxMetaConfig switches off htmx's inline indicator <style> (it would
// violate style-src 'self'); the indicator styles are in app.css instead.
const htmxMetaConfig = `{"includeIndicatorStyles":false}`

// CSRFFieldName is the name of the hidden form field carrying the CSRF token.
const CSRFFieldName = "_csrf"

// CSRFHeaderName is the request header htmx sends the CSRF token in.
const CSRFHeaderName = "X-Csrf-Token"

// Page is what every full page needs.
type Page struct {
	Title     string // <title> is Title + " – Indberet"
	User      *User  // nil when not logged in
	CSRFToken string // put in <meta name="csrf-token"> and on <body hx-headers='{"X-Csrf-Token":"..."}'>
	Flash     string // optional one-off confirmation shown at the top (a DKFDS success alert)
	FlashNote bool   // Flash confirms nothing ("Der var ingen ændringer at gemme."): an info alert
	// FlashLinks go under the confirmation: the sag *Opret* created and *Tilføj ydelse* for it.
	FlashLinks []FlashLink
}

// FlashLink is a link under the one-off confirmation.
type FlashLink struct{ Text, URL string }

// User is the logged-in user as the header shows it.
type User struct {
	Name, Email              string
	KommuneKode, KommuneNavn string // empty for DST and platform users
	RoleLabel                string // Danish, e.g. "Indberetter", "Læser", "Kommuneadministrator", "Danmarks Statistik", "Platformadministrator"
	KontoLink                bool   // the user may open Min konto: the header links to it
}

// RoleText is the user's roles as the header shows them, or "Ingen rettigheder" for a user
// who holds none (T2), so the header never shows a bare "· København (101)".
func (u *User) RoleText() string {
	if u == nil {
		return ""
	}
	if strings.TrimSpace(u.RoleLabel) == "" {
		return "Ingen rettigheder"
	}
	return u.RoleLabel
}

// KommuneLabel is the kommune as the header shows it: "København (101)",
// or "Alle kommuner" for users not bound to one kommune (DST, platform).
func (u *User) KommuneLabel() string {
	if u == nil {
		return ""
	}
	navn := strings.TrimSpace(u.KommuneNavn)
	kode := strings.TrimSpace(u.KommuneKode)
	switch {
	case navn == "" && kode == "":
		return "Alle kommuner"
	case kode == "":
		return navn
	case navn == "":
		return "Kommune " + kode
	default:
		return navn + " (" + kode + ")"
	}
}

// LoginForm is the state of the login form.
type LoginForm struct {
	Email string // kept when the form is shown again
	Error string // shown in an error alert above the form; fields are marked invalid
	Next  string // a local path to go to after login (a hidden field), or ""
}

// Udloebet is the page of a form refused because the session ended or the page is stale
// (issue 17 #3).
type Udloebet struct {
	Heading, Text string
	// FormPath is the path of the refused form's page ("" when it has none). static/app.js
	// keeps what the form sent (sessionStorage) when this page names its path, and says so.
	FormPath       string
	Link, LinkText string // back: to login (with next) or to the form
}

// Home is the content of the front page.
type Home struct {
	Links []HomeLink
	// KontaktMangler: the user's kommune has not registered all three contact persons, so
	// the page leads with a call to Angiv kontaktoplysninger (K2).
	KontaktMangler bool
	// KanAngiveKontakt: the user may register them; otherwise the page says who must.
	KanAngiveKontakt bool
	// UdenDataret: the user lacks the right of T2 but may administer users, so the page
	// says why there are no data screens and where the right is given.
	UdenDataret bool
}

// HomeLink is one entry (card) on the front page.
type HomeLink struct {
	Href, Label, Description string
}

// pageTitle is the content of <title>: "Fejl: " before it when the page answers a refused
// request (WithStatus), so a screen reader says at once that the form was not accepted.
func pageTitle(ctx context.Context, p Page) string {
	t := strings.TrimSpace(p.Title)
	if t == "" {
		t = "Indberet"
	} else {
		t += " – Indberet"
	}
	if s, _ := ctx.Value(statusKey{}).(int); s == http.StatusUnprocessableEntity || s == http.StatusConflict {
		t = "Fejl: " + t
	}
	return t
}

type statusKey struct{}

// WithStatus gives the page components the HTTP status of their answer; a form refused with
// 422 or 409 gets "Fejl: " before its title (issue 17 #9). The app's render sets it.
func WithStatus(ctx context.Context, status int) context.Context {
	return context.WithValue(ctx, statusKey{}, status)
}

// bodyAttrs puts the CSRF token on <body hx-headers> so every htmx request
// sends it. The value is JSON; templ HTML-escapes it in the attribute.
func bodyAttrs(p Page) templ.Attributes {
	if p.CSRFToken == "" {
		return templ.Attributes{}
	}
	b, err := json.Marshal(map[string]string{CSRFHeaderName: p.CSRFToken})
	if err != nil { // cannot happen for a map[string]string
		return templ.Attributes{}
	}
	return templ.Attributes{"hx-headers": string(b)}
}
