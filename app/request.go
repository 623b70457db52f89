package app

import (
	"net/http"
	"net/netip"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/sessions"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/accounts"
	"indberet/views"
)

// request is what the middleware learns about a request, kept in c.Locals.
type request struct {
	httpReq *http.Request     // the net/http form of the request, for gorilla/sessions
	session *sessions.Session // the server-side session (IsNew: none yet)
	user    *accounts.User    // nil when not logged in
	roles   []string          // the user's roles in their domain
	ip      string            // the client's address (findClient)
	route   string            // the pattern of the route table's route that answers (markRoute)
}

const requestKey = "indberet.request"

func reqOf(c *fiber.Ctx) *request {
	r, _ := c.Locals(requestKey).(*request)
	if r == nil {
		r = &request{}
		c.Locals(requestKey, r)
	}
	return r
}

// clientIP is the client's address, the one place the app reads it: the peer's, or what a
// trusted proxy says (TRUSTED_PROXIES, config.Proxies; issue 14 #5), as findClient found it.
func clientIP(c *fiber.Ctx) string {
	if ip := reqOf(c).ip; ip != "" {
		return ip
	}
	return peer(c).String()
}

// findClient is the first middleware: it finds the request's client address for clientIP,
// taking the proxy's header only from a peer in TRUSTED_PROXIES.
func (a *App) findClient(c *fiber.Ctx) error {
	p := a.deps.Config.Proxies
	var values []string
	if p.Trusts(peer(c)) {
		for _, v := range c.Request().Header.PeekAll(p.Header) {
			values = append(values, string(v))
		}
	}
	reqOf(c).ip = p.ClientIP(peer(c), values)
	return c.Next()
}

// peer is the address the request's connection comes from.
func peer(c *fiber.Ctx) netip.Addr {
	a, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	return a.Unmap()
}

// actor is who the request acts as, for the audit and CPR access logs. A HEAD is a probe:
// it shows nothing, so its transactions keep nothing, no CPR access record either (issue 14
// review #2); every store the handlers reach takes its scope from here.
func actor(c *fiber.Ctx) tenant.Actor {
	a := tenant.Actor{IP: clientIP(c), Probe: c.Method() == fiber.MethodHead}
	if u := reqOf(c).user; u != nil {
		a.UserID, a.Email = u.ID, u.Email
	}
	return a
}

// scope is the kommune scope of the logged-in user: their kommune, or every kommune (read)
// for DST and platform users (T1, T3).
func scope(c *fiber.Ctx) tenant.Scope {
	u := reqOf(c).user
	s := tenant.Scope{Actor: actor(c)}
	if u != nil {
		s.Kommune = u.Kommune
		s.AllKommuner = u.Kommune == ""
	}
	return s
}

// page is the page frame of the request: the user in the header and the CSRF token.
func (a *App) page(c *fiber.Ctx, title string) views.Page {
	r := reqOf(c)
	p := views.Page{Title: title, CSRFToken: csrfToken(r.session)}
	f := a.takeFlash(c)
	p.Flash, p.FlashNote = f.Text, f.Note
	if f.SagID != 0 { // the sag Opret created (issue 17)
		p.FlashLinks = []views.FlashLink{{Text: "Se sagen", URL: sagURL(f.SagID, "")},
			{Text: "Tilføj ydelse til sagen", URL: sagURL(f.SagID, "/ydelser/ny")}}
	}
	if u := r.user; u != nil {
		p.User = &views.User{Name: u.Name, Email: u.Email, KommuneKode: u.Kommune, KommuneNavn: a.kommuner[u.Kommune],
			KontoLink: a.can(c, access.AccountSelf)}
		for _, name := range r.roles {
			if role, ok := access.RoleByName(name); ok {
				if p.User.RoleLabel != "" {
					p.User.RoleLabel += ", "
				}
				p.User.RoleLabel += role.Label
			}
		}
	}
	return p
}
