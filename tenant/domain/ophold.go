package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// CheckOphold checks Y6, one stay at a time: when y is residential (Indsats.Residential)
// its period must not overlap the period of another residential ydelse of the same sag
// (others, as they will be after the save; the one with y's ID is skipped when y.ID != 0,
// and so are the other rows of y's stay, SameStay). Periods are half-open [Startdato,
// Slutdato), no Slutdato = open-ended, so a neutralised ydelse (Slutdato = Startdato, Y2)
// overlaps nothing and a stay may start the day the previous one ends. It returns ok=false
// and a message naming the first overlapping ydelse, for the field OpholdField names.
func CheckOphold(y Ydelse, others []Ydelse, c *Snapshot) (string, bool) {
	if c == nil || !residential(c, y.Indsatskode) {
		return "", true
	}
	for _, o := range others {
		if y.ID != 0 && o.ID == y.ID || !residential(c, o.Indsatskode) || SameStay(y, o) {
			continue
		}
		if overlaps(y.Startdato, y.Slutdato, o.Startdato, o.Slutdato) {
			end := "uden slutdato"
			if o.Slutdato != nil {
				end = "til " + FormatDate(*o.Slutdato)
			}
			return fmt.Sprintf("Borgeren er allerede på et ophold i perioden: %s fra %s (%s).",
				o.Indsatskode, FormatDate(o.Startdato), end), false
		}
	}
	return "", true
}

// OpholdField is the form field CheckOphold's message goes on (issue 17 #9): the field of
// the change that made y overlap another stay, compared with the stored ydelse (nil for a
// new one) — Startdato, else Slutdato, else P-nummer, else Afdelings-UUID; Startdato when
// nothing of these changed (a new ydelse).
func OpholdField(y Ydelse, stored *Ydelse) string {
	switch {
	case stored == nil || !DateOf(y.Startdato).Equal(DateOf(stored.Startdato)):
		return FieldStartdato
	case !equalDates(y.Slutdato, stored.Slutdato):
		return FieldSlutdato
	case y.PNummer != stored.PNummer:
		return FieldPNummer
	case y.AfdelingsUUID != stored.AfdelingsUUID:
		return FieldAfdelingsUUID
	}
	return FieldStartdato
}

// SameStay tells whether two ydelser are rows of one stay (Y4, Y6): one FFB ydelse with
// several Ydelses-UUIDs is a row per Ydelses-UUID with otherwise the same data, so rows with
// the same indsatskode, the same tilbudssted (P-nummer, Afdelings-UUID, Tilbuds-UUID) and the
// same Startdato and Slutdato but different Ydelses-UUIDs are one ophold for Y6, not
// overlapping ones. Ending or moving the stay changes all of them (StayRows, MoveWithStay).
func SameStay(a, b Ydelse) bool {
	return a.YdelsesUUID != "" && b.YdelsesUUID != "" && !strings.EqualFold(a.YdelsesUUID, b.YdelsesUUID) &&
		a.Indsatskode == b.Indsatskode && DateOf(a.Startdato).Equal(DateOf(b.Startdato)) &&
		equalDates(a.Slutdato, b.Slutdato) && a.PNummer == b.PNummer &&
		strings.EqualFold(a.AfdelingsUUID, b.AfdelingsUUID) && strings.EqualFold(a.TilbudsUUID, b.TilbudsUUID)
}

// StayRows returns the other rows of y's stay among all (SameStay; y itself, by ID, is
// left out), in all's order: the rows an edit of y's stay changes with it (Y6).
func StayRows(y Ydelse, all []Ydelse) []Ydelse {
	var out []Ydelse
	for _, o := range all {
		if o.ID != y.ID && SameStay(y, o) {
			out = append(out, o)
		}
	}
	return out
}

// MoveWithStay returns row, another row of the stay whose row y is now (StayRows of its
// stored version), with y's values of what makes the rows one stay (SameStay): Startdato,
// Slutdato and the tilbudssted (P-nummer, Afdelings-UUID, Tilbuds-UUID). Ending or moving
// the stay so changes every row of it alike and they stay one stay (Y6).
func MoveWithStay(row, y Ydelse) Ydelse {
	row.Startdato, row.Slutdato = y.Startdato, y.Slutdato
	row.PNummer, row.AfdelingsUUID, row.TilbudsUUID = y.PNummer, y.AfdelingsUUID, y.TilbudsUUID
	return row
}

// CheckInSag checks the valid ydelse y (a new one: stored nil, or a change of stored)
// against the sag's other ydelser as they will be after the save (others): no exact
// duplicate (Y4, CheckDuplicate) and one stay at a time (Y6, CheckOphold, the message on the
// field whose change made the overlap, OpholdField). A message goes into errs.
func CheckInSag(y Ydelse, stored *Ydelse, others []Ydelse, c *Snapshot, errs Errors) {
	if field, msg, ok := CheckDuplicate(y, others); !ok {
		errs.Add(field, msg)
	} else if msg, ok := CheckOphold(y, others, c); !ok {
		errs.Add(OpholdField(y, stored), msg)
	}
}

// MoveStay ends or moves a stay as a whole (Y4, Y6): it returns the other rows of y's stay
// (rows, as stored: StayRows) with y's dates and tilbudssted (MoveWithStay), each checked as
// a change of its own (Y1–Y5, ValidateYdelseChange), and all (the sag's ydelser) with them in
// their place: the sag as it will be after the save, for CheckInSag. A row the change makes
// invalid puts its message, naming its Ydelses-UUID, on the field in errs.
func MoveStay(y Ydelse, rows, all []Ydelse, c *Snapshot, ownKommune string, today time.Time, errs Errors) (moved, after []Ydelse) {
	after = slices.Clone(all)
	for _, row := range rows {
		m, rerrs := ValidateYdelseChange(YdelseInputOf(MoveWithStay(row, y)), row, c, ownKommune, today)
		for _, f := range Fields {
			if msg, ok := rerrs[f.Name]; ok {
				errs.Add(f.Name, "Opholdets række med Ydelses-UUID "+row.YdelsesUUID+": "+msg)
			}
		}
		m.ID, m.SagID, m.Version = row.ID, row.SagID, row.Version
		moved = append(moved, m)
		if i := slices.IndexFunc(after, func(o Ydelse) bool { return o.ID == row.ID }); i >= 0 {
			after[i] = m
		}
	}
	return moved, after
}

func equalDates(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && DateOf(*a).Equal(DateOf(*b))
}

func residential(c *Snapshot, indsatskode string) bool {
	i, ok := c.Indsats(indsatskode)
	return ok && i.Residential
}

// overlaps tells whether the half-open periods [s1, e1) and [s2, e2) share a day; a nil end
// is open, an empty period (end not after start) shares nothing.
func overlaps(s1 time.Time, e1 *time.Time, s2 time.Time, e2 *time.Time) bool {
	s1, s2 = DateOf(s1), DateOf(s2)
	empty := func(s time.Time, e *time.Time) bool { return e != nil && !DateOf(*e).After(s) }
	if empty(s1, e1) || empty(s2, e2) {
		return false
	}
	return (e2 == nil || s1.Before(DateOf(*e2))) && (e1 == nil || s2.Before(DateOf(*e1)))
}
