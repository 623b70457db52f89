package app

import (
	"net/http"
	"os"

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

// clientIP is the client's address: Fly's proxy puts it in Fly-Client-IP (and overwrites
// what a client sends there); elsewhere it is the peer address.
func clientIP(c *fiber.Ctx) string {
	if onFly {
		if ip := c.Get("Fly-Client-IP"); ip != "" {
			return ip
		}
	}
	return c.IP()
}

var onFly = os.Getenv("FLY_APP_NAME") != ""

// actor is who the request acts as, for the audit and CPR access logs.
func actor(c *fiber.Ctx) tenant.Actor {
	a := tenant.Actor{IP: clientIP(c)}
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
	p := views.Page{Title: title, CSRFToken: csrfToken(r.session), Flash: a.takeFlash(c)}
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
