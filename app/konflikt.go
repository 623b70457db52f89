package app

import (
	"indberet/tenant/domain"
	"indberet/views"
)

// The answer to a lost race (optimistic locking, issue 17 #8): someone saved the sag or the
// ydelse after the form was opened. Nothing typed is thrown away: the form comes back with
// the user's own values and the saved version, beside a comparison of the fields where they
// differ from what the other person saved, so a second save puts them on top.

// conflict compares what the user tried to save (mine) with what is saved, field by field
// in the order of the forms, both as the screens show them (sagShown, ydelseShown); who is
// who saved it.
func conflict(what, who string, mine, saved map[string]string) views.Conflict {
	c := views.Conflict{
		Heading: what + " er ikke gemt",
		Text: what + " er ændret af " + orSomeone(who) + ", siden du åbnede den. Formularen viser dine værdier. " +
			"Sammenlign dem med de gemte herunder, ret dem om nødvendigt, og gem igen: så gemmes dine værdier oven på de gemte.",
		Who: orSomeone(who),
	}
	for _, f := range domain.Fields {
		if mine[f.Name] != saved[f.Name] {
			c.Rows = append(c.Rows, views.ConflictRow{Label: f.Label, Mine: mine[f.Name], Saved: saved[f.Name]})
		}
	}
	return c
}

func orSomeone(who string) string {
	if who == "" {
		return "en anden"
	}
	return who
}
