package app

import (
	"github.com/gofiber/fiber/v2"

	"indberet/tenant/access"
)

// The one-off message for the next page the user sees, in the session: its text under
// flashKey and, for a note that is no confirmation, flashNoteKey = "1".
const (
	flashKey     = "flash"
	flashNoteKey = "flash_note"
)

// setFlash keeps a one-off confirmation in the session for the next page the user sees
// ("Sagen er oprettet."), so it survives the redirect after a POST; it is shown as a success.
func (a *App) setFlash(c *fiber.Ctx, msg string) error {
	s := reqOf(c).session
	s.Values[flashKey] = msg
	delete(s.Values, flashNoteKey)
	return a.saveSession(c)
}

// setNote is setFlash of a message that confirms nothing ("Der var ingen ændringer at
// gemme."): it is shown as information.
func (a *App) setNote(c *fiber.Ctx, msg string) error {
	s := reqOf(c).session
	s.Values[flashKey] = msg
	s.Values[flashNoteKey] = "1"
	return a.saveSession(c)
}

// takeFlash returns the pending flash message, and whether it is a note rather than a
// confirmation, and removes it from the session.
func (a *App) takeFlash(c *fiber.Ctx) (msg string, note bool) {
	r := reqOf(c)
	if r.session == nil {
		return "", false
	}
	msg = sessionValue(r.session, flashKey)
	if msg == "" {
		return "", false
	}
	note = sessionValue(r.session, flashNoteKey) == "1"
	delete(r.session.Values, flashKey)
	delete(r.session.Values, flashNoteKey)
	if err := a.saveSession(c); err != nil {
		a.deps.Logger.Error("save session after flash", "err", err)
	}
	return msg, note
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
