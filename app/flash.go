package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant/access"
)

// The one-off message for the next page the user sees, in the session: its text under
// flashKey; flashNoteKey = "1" for a note that is no confirmation; flashSagKey the id of the
// sag it confirms (*Opret*), which it links to.
const (
	flashKey     = "flash"
	flashNoteKey = "flash_note"
	flashSagKey  = "flash_sag"
)

// flash is the one-off message of the session.
type flash struct {
	Text  string
	Note  bool  // confirms nothing ("Der var ingen ændringer at gemme."): shown as information
	SagID int64 // the sag created: the message links to it and to *Tilføj ydelse* for it
}

// setFlash keeps a one-off confirmation in the session for the next page the user sees
// ("Sagen er oprettet."), so it survives the redirect after a POST; it is shown as a success.
func (a *App) setFlash(c *fiber.Ctx, msg string) error { return a.putFlash(c, flash{Text: msg}) }

// setNote is setFlash of a message that confirms nothing ("Der var ingen ændringer at
// gemme."): it is shown as information.
func (a *App) setNote(c *fiber.Ctx, msg string) error {
	return a.putFlash(c, flash{Text: msg, Note: true})
}

// putFlash keeps f in the session for the next page.
func (a *App) putFlash(c *fiber.Ctx, f flash) error {
	s := reqOf(c).session
	s.Values[flashKey] = f.Text
	delete(s.Values, flashNoteKey)
	delete(s.Values, flashSagKey)
	if f.Note {
		s.Values[flashNoteKey] = "1"
	}
	if f.SagID != 0 {
		s.Values[flashSagKey] = strconv.FormatInt(f.SagID, 10)
	}
	return a.saveSession(c)
}

// takeFlash returns the pending flash message and removes it from the session.
func (a *App) takeFlash(c *fiber.Ctx) flash {
	r := reqOf(c)
	if r.session == nil {
		return flash{}
	}
	f := flash{Text: sessionValue(r.session, flashKey)}
	if f.Text == "" {
		return flash{}
	}
	f.Note = sessionValue(r.session, flashNoteKey) == "1"
	f.SagID, _ = strconv.ParseInt(sessionValue(r.session, flashSagKey), 10, 64)
	for _, k := range []string{flashKey, flashNoteKey, flashSagKey} {
		delete(r.session.Values, k)
	}
	if err := a.saveSession(c); err != nil {
		a.deps.Logger.Error("save session after flash", "err", err)
	}
	return f
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
