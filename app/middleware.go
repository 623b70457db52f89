package app

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gorilla/sessions"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/websession"
	"indberet/views"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "indberet_session"

const csrfKey = "csrf"

// contentSecurityPolicy allows only the app's own scripts, styles, fonts and images: no
// inline script or style, no framing, forms only to the app.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the security headers on every response.
func (a *App) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy) // River UI sets its own (jobs.go)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if a.deps.Config.Secure() {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

// requestLog writes one structured line per request: method, path (never the query string),
// status, duration, client and user.
func (a *App) requestLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := a.fiber.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	attrs := []any{"method", c.Method(), "path", c.Path(), "status", c.Response().StatusCode(),
		"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "ip", clientIP(c)}
	if u := reqOf(c).user; u != nil {
		attrs = append(attrs, "user_id", u.ID)
	}
	if hxRequest(c).Enabled {
		attrs = append(attrs, "htmx", true)
	}
	a.deps.Logger.InfoContext(c.UserContext(), "request", attrs...)
	return nil
}

// loadSession bridges gorilla/sessions into Fiber once per request: it loads the
// server-side session named by the cookie and the user it belongs to. A session whose user
// is gone or deactivated, or whose kommune is deactivated (T3), is ended.
func (a *App) loadSession(c *fiber.Ctx) error {
	if isStatic(c) {
		return c.Next()
	}
	httpReq, err := adaptor.ConvertRequest(c, false)
	if err != nil {
		return err
	}
	httpReq.RemoteAddr = net.JoinHostPort(clientIP(c), "0") // an IPv6 address in brackets
	// The session store keeps the User-Agent, the one header the app stores: cleaned here,
	// for every save of the session (login, CSRF token, flash messages).
	httpReq.Header.Set(fiber.HeaderUserAgent, storableHeader(httpReq.UserAgent()))
	// The session store reads the database with the request's context: its deadline too.
	httpReq = httpReq.WithContext(c.UserContext())
	r := reqOf(c)
	r.httpReq = httpReq
	r.session, err = a.deps.Sessions.Get(httpReq, SessionCookie)
	if err != nil {
		return err
	}
	uid, _ := strconv.ParseInt(sessionValue(r.session, websession.UserIDKey), 10, 64)
	if uid == 0 {
		return c.Next()
	}
	u, version, err := a.deps.Accounts.ForRequest(c.UserContext(), uid)
	if err != nil && !errors.Is(err, tenant.ErrNotFound) {
		return err
	}
	if err != nil || !u.MayWork() {
		r.session.Options.MaxAge = -1
		if err := a.saveSession(c); err != nil {
			return err
		}
		r.session = sessions.NewSession(a.deps.Sessions, SessionCookie)
		r.session.IsNew = true
		r.session.Options = &a.deps.Sessions.Options
		return c.Next()
	}
	if err := a.deps.Enforcer.RefreshTo(version); err != nil {
		return err
	}
	r.user = &u
	r.roles = a.deps.Enforcer.Roles(u.ID, u.Kommune)
	return c.Next()
}

func isStatic(c *fiber.Ctx) bool {
	p := c.Path()
	return len(p) >= 8 && p[:8] == "/static/" || p == "/healthz" || p == "/readyz"
}

func sessionValue(s *sessions.Session, key string) string {
	if s == nil {
		return ""
	}
	v, _ := s.Values[key].(string)
	return v
}

// saveSession writes the request's session and copies the cookie gorilla sets into
// Fiber's response.
func (a *App) saveSession(c *fiber.Ctx) error {
	r := reqOf(c)
	w := headerWriter{h: http.Header{}}
	if err := r.session.Save(r.httpReq, w); err != nil {
		return err
	}
	copyCookies(c, w.h)
	return nil
}

// regenerateSession gives the session a new id (at login).
func (a *App) regenerateSession(c *fiber.Ctx) error {
	r := reqOf(c)
	w := headerWriter{h: http.Header{}}
	if err := a.deps.Sessions.Regenerate(r.httpReq, w, r.session); err != nil {
		return err
	}
	copyCookies(c, w.h)
	return nil
}

func copyCookies(c *fiber.Ctx, h http.Header) {
	for _, v := range h.Values("Set-Cookie") {
		c.Response().Header.Add("Set-Cookie", v)
	}
}

// headerWriter is the http.ResponseWriter gorilla writes its Set-Cookie header into.
type headerWriter struct{ h http.Header }

func (w headerWriter) Header() http.Header         { return w.h }
func (w headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w headerWriter) WriteHeader(int)             {}

// csrfToken returns the session's CSRF token ("" when the session has none yet).
func csrfToken(s *sessions.Session) string { return sessionValue(s, csrfKey) }

// ensureCSRFToken gives the session a CSRF token if it has none, saving it.
func (a *App) ensureCSRFToken(c *fiber.Ctx) error {
	r := reqOf(c)
	if csrfToken(r.session) != "" {
		return nil
	}
	r.session.Values[csrfKey] = newToken()
	return a.saveSession(c)
}

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// checkCSRF refuses every state-changing request whose token (form field _csrf of the body,
// or the X-Csrf-Token header htmx sends; never the query string, which lands in logs,
// history and Referer headers: issue 14 #10) does not match the session's. The token is
// kept in the server-side session, so it works across instances without extra storage.
func (a *App) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if isJobsPath(c.Path()) {
		return c.Next() // River UI cannot send the token; jobs.go checks the origin instead
	}
	want := csrfToken(reqOf(c).session)
	got := c.Get(views.CSRFHeaderName)
	if got == "" {
		got = bodyValue(c, views.CSRFFieldName)
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return a.refuseStaleForm(c) // udloebet.go: back to the form after login (issue 17 #3)
	}
	return c.Next()
}

// authorize is the one check in front of every route: public routes pass, others need a
// logged-in user, and all but LoggedIn routes need the route's permission (Casbin). A route
// whose permission no role holds is denied to everyone. A user without the right of T2
// sees the T2 message and nothing else.
func (a *App) authorize(rt Route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if rt.Access.public {
			return c.Next()
		}
		r := reqOf(c)
		if r.user == nil {
			if c.Method() == fiber.MethodGet && !hxRequest(c).Enabled {
				return redirect(c, loginURL(c.Path())) // back here after login
			}
			return redirect(c, "/login")
		}
		if rt.Access.loggedIn {
			return c.Next()
		}
		ok, err := a.deps.Enforcer.Allowed(r.user.ID, r.user.Kommune, rt.Access.perm)
		if err != nil {
			return err
		}
		if ok {
			return c.Next()
		}
		if !access.HasDataRight(r.roles) {
			return a.render(c, fiber.StatusForbidden, views.NoRightPage(a.page(c, "Manglende rettighed")))
		}
		heading := "Ingen adgang"
		return a.render(c, fiber.StatusForbidden, views.ErrorPage(a.page(c, heading), fiber.StatusForbidden, heading,
			"Din rolle giver ikke adgang til denne side. Kontakt din kommunes administrator, hvis du mener, du skal have adgang."))
	}
}
