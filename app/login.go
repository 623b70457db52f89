package app

import (
	"errors"
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant/accounts"
	"indberet/tenant/websession"
	"indberet/views"
)

// loginForm shows the login page (E-mail, Adgangskode, Log ind). ?next= is the page to go
// to after login (a local path, localPath; issue 17 #3). A logged-in user goes there, or to
// the start page.
func (a *App) loginForm(c *fiber.Ctx) error {
	next := localPath(c.Query("next"))
	if reqOf(c).user != nil {
		return redirect(c, orRoot(next))
	}
	if err := a.ensureCSRFToken(c); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, views.LoginPage(a.page(c, "Log ind"), views.LoginForm{Next: next}))
}

// orRoot is p, or the start page when p is "".
func orRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// login checks e-mail and password. A wrong one is answered with 422 and the e-mail kept; a
// login from an address locked out of the account (issue 14 #5) with 429, Retry-After and
// how long to wait. Success gives the session a new id and a new CSRF token.
func (a *App) login(c *fiber.Ctx) error {
	email := bodyValue(c, "email")
	u, err := a.deps.Accounts.Login(c.UserContext(), email, bodyValue(c, "password"), clientIP(c))
	var throttled *accounts.ThrottledError
	switch {
	case errors.As(err, &throttled):
		return a.loginFailed(c, fiber.StatusTooManyRequests, email,
			"For mange mislykkede forsøg på at logge ind. "+retryAfter(c, throttled))
	case errors.Is(err, accounts.ErrInvalidCredentials):
		return a.loginFailed(c, fiber.StatusUnprocessableEntity, email, "Forkert e-mail eller adgangskode.")
	case errors.Is(err, accounts.ErrDeactivated):
		return a.loginFailed(c, fiber.StatusUnprocessableEntity, email,
			"Din konto er deaktiveret. Kontakt din kommunes administrator.")
	case errors.Is(err, accounts.ErrKommuneInactive): // T3
		return a.loginFailed(c, fiber.StatusUnprocessableEntity, email,
			"Din kommune er ikke aktiveret i løsningen. Kontakt platformens administrator, som aktiverer kommunen.")
	case err != nil:
		return err
	}
	r := reqOf(c)
	r.session.Values[websession.UserIDKey] = strconv.FormatInt(u.ID, 10)
	r.session.Values[csrfKey] = newToken()
	if err := a.regenerateSession(c); err != nil {
		return err
	}
	a.deps.Logger.InfoContext(c.UserContext(), "login", "user_id", u.ID, "ip", clientIP(c))
	return redirect(c, orRoot(localPath(bodyValue(c, "next"))))
}

// retryAfter sets Retry-After to the wait of a throttled login or password change and
// returns it in Danish words: "Prøv igen om 16 sekunder.".
func retryAfter(c *fiber.Ctx, t *accounts.ThrottledError) string {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(t.RetryAfter.Seconds())))))
	return "Prøv igen om " + views.VentetidDK(t.RetryAfter) + "."
}

func (a *App) loginFailed(c *fiber.Ctx, status int, email, msg string) error {
	return a.render(c, status, views.LoginPage(a.page(c, "Log ind"),
		views.LoginForm{Email: email, Error: msg, Next: localPath(bodyValue(c, "next"))}))
}

// logout ends the session server-side and expires the cookie.
func (a *App) logout(c *fiber.Ctx) error {
	r := reqOf(c)
	r.session.Options.MaxAge = -1
	if err := a.saveSession(c); err != nil {
		return err
	}
	return redirect(c, "/login")
}
