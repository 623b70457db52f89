package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"indberet/views"
)

// The confirmation of *Opret* for the empty form that follows it, in the session: its text
// and the new sag's id, so it links to the sag and to *Tilføj ydelse* for it (issue 17).
const (
	oprettetSagKey   = "oprettet_sag"
	oprettetTekstKey = "oprettet_tekst"
)

// setOprettet keeps the confirmation of the sag sagID that Opret created for the next page.
func (a *App) setOprettet(c *fiber.Ctx, sagID int64, text string) error {
	s := reqOf(c).session
	s.Values[oprettetSagKey] = strconv.FormatInt(sagID, 10)
	s.Values[oprettetTekstKey] = text
	return a.saveSession(c)
}

// takeOprettet returns the pending confirmation of *Opret* (nil when there is none) and
// removes it from the session.
func (a *App) takeOprettet(c *fiber.Ctx) *views.Oprettet {
	s := reqOf(c).session
	id, err := strconv.ParseInt(sessionValue(s, oprettetSagKey), 10, 64)
	if err != nil {
		return nil
	}
	o := &views.Oprettet{Text: sessionValue(s, oprettetTekstKey), SagURL: sagURL(id, ""), TilfoejURL: sagURL(id, "/ydelser/ny")}
	delete(s.Values, oprettetSagKey)
	delete(s.Values, oprettetTekstKey)
	if err := a.saveSession(c); err != nil {
		a.deps.Logger.Error("save session after the Opret confirmation", "err", err)
	}
	return o
}
