package app

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"indberet/views"
)

// An ended session must not throw away a form (issue 17 #3). A form POST whose CSRF token
// is missing or stale – the session ended (logout in another tab, the idle limit, a
// deactivated user) or the page is from before a new login – is refused (403, nothing
// saved), and the refusal leads back: to the login page with the form's path as `next`, or,
// for a user still logged in, to the form. The typed values never reach the server twice:
// static/app.js keeps what the form sent in the tab's sessionStorage (never localStorage,
// never a URL) when it is submitted, keeps it when this page says the form was refused, and
// puts it back into the same form for the same user after login; any other page clears it.

// Texts of the refusal.
const (
	udloebetLoggedUdHeading = "Du er logget ud"
	udloebetLoggedUdText    = "Formularen blev ikke sendt, fordi du ikke længere er logget ind. Det sker, når du logger ud i en anden fane, når du ikke har brugt Indberet i et stykke tid, eller når din session ellers er afsluttet. Log ind igen for at komme tilbage til formularen."
	udloebetHeading         = "Siden er udløbet"
	udloebetText            = "Formularen blev ikke sendt, fordi sikkerhedsnøglen mangler eller er udløbet, fx fordi du har logget ind igen i en anden fane. Gå tilbage til formularen, og send den igen."
	udloebetLoginText       = "Formularen kunne ikke sendes, fordi sikkerhedsnøglen mangler eller er udløbet. Genindlæs siden, og prøv igen."
	udloebetHtmxText        = "Siden kan ikke opdateres, fordi du ikke længere er logget ind. Skriv videre, og klik på knappen, når du er færdig: så kan du logge ind igen uden at miste det, du har skrevet."
	udloebetHtmxStaleText   = "Siden kan ikke opdateres, fordi sikkerhedsnøglen er udløbet. Skriv videre, og klik på knappen, når du er færdig: så kommer du tilbage til formularen uden at miste det, du har skrevet."
)

// refuseStaleForm answers a state-changing request that failed the CSRF check (checkCSRF).
func (a *App) refuseStaleForm(c *fiber.Ctx) error {
	r := reqOf(c)
	if hxRequest(c).Enabled {
		heading, text := udloebetLoggedUdHeading, udloebetHtmxText
		if r.user != nil {
			heading, text = udloebetHeading, udloebetHtmxStaleText
		}
		return a.renderBesked(c, fiber.StatusForbidden, views.Besked{Heading: heading, Lines: []string{text}})
	}
	if c.Path() == "/login" { // a login page from an ended anonymous session: no form to keep
		return a.render(c, fiber.StatusForbidden, views.UdloebetPage(a.page(c, udloebetHeading), views.Udloebet{
			Heading: udloebetHeading, Text: udloebetLoginText, Link: "/login", LinkText: "Log ind"}))
	}
	u := views.Udloebet{Heading: udloebetLoggedUdHeading, Text: udloebetLoggedUdText, FormPath: a.formPath(c),
		LinkText: "Log ind igen", Link: "/login"}
	if u.FormPath != "" {
		u.Link = loginURL(u.FormPath)
	}
	if r.user != nil {
		u.Heading, u.Text, u.LinkText, u.Link = udloebetHeading, udloebetText, "Tilbage til formularen", u.FormPath
		if u.Link == "" {
			u.LinkText, u.Link = "Gå til forsiden", "/"
		}
	}
	return a.render(c, fiber.StatusForbidden, views.UdloebetPage(a.page(c, u.Heading), u))
}

// formPath is the path of the page of the refused form: the request's own path when the
// route table has a page (GET) at it, as every form of the sag screens does (/sager/ny,
// /sager/17/ydelser/ny …); "" otherwise (/logout has no page).
func (a *App) formPath(c *fiber.Ctx) string {
	pattern := reqOf(c).route
	for _, rt := range a.routes {
		if rt.Method == fiber.MethodGet && rt.Path == pattern {
			return localPath(c.Path())
		}
	}
	return ""
}

// loginURL is the login page that returns to path after login.
func loginURL(path string) string {
	if path = localPath(path); path == "" || path == "/" {
		return "/login"
	}
	return "/login?" + url.Values{"next": {path}}.Encode()
}

// localPath returns p when it is a path of this site to go to after login ("/sager/ny",
// "/sager/17/ydelser/ny"), and "" for anything else, so `next` is no open redirect: no other
// site (//evil.example, https://evil.example, /\evil.example), no query or fragment, only
// the characters of the app's paths, and not the login or logout itself.
func localPath(p string) string {
	if len(p) < 1 || len(p) > 256 || p[0] != '/' || strings.HasPrefix(p, "//") {
		return ""
	}
	for i := 0; i < len(p); i++ {
		ch := p[i]
		ok := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
			ch == '/' || ch == '-' || ch == '_' || ch == '.' || ch == '~'
		if !ok {
			return ""
		}
	}
	if strings.Contains(p, "/./") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") ||
		strings.HasSuffix(p, "/.") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Path != p {
		return ""
	}
	switch p {
	case "/login", "/logout":
		return ""
	}
	return p
}
