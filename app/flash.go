package app

import (
	"github.com/gofiber/fiber/v2"

	"indberet/tenant/access"
)

const flashKey = "flash"

// setFlash keeps a one-off message in the session for the next page the user sees
// ("Sagen er oprettet."), so it survives the redirect after a POST.
func (a *App) setFlash(c *fiber.Ctx, msg string) error {
	reqOf(c).session.Values[flashKey] = msg
	return a.saveSession(c)
}

// takeFlash returns the pending flash message and removes it from the session.
func (a *App) takeFlash(c *fiber.Ctx) string {
	r := reqOf(c)
	if r.session == nil {
		return ""
	}
	msg := sessionValue(r.session, flashKey)
	if msg == "" {
		return ""
	}
	delete(r.session.Values, flashKey)
	if err := a.saveSession(c); err != nil {
		a.deps.Logger.Error("save session after flash", "err", err)
	}
	return msg
}

// can tells whether the logged-in user holds p; screens use it to show or leave out
// actions (the route table still decides what is allowed).
func (a *App) can(c *fiber.Ctx, p access.Permission) bool {
	u := reqOf(c).user
	if u == nil {
		return false
	}
	ok, err := a.deps.Enforcer.Allowed(u.ID, u.Kommune, p)
	return err == nil && ok
}
