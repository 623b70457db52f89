package domain

import (
	"fmt"
	"time"
)

// CheckOphold checks Y6, one stay at a time: when y is residential (Indsats.Residential)
// its period must not overlap the period of another residential ydelse of the same sag
// (others; the one with y's ID is skipped when y.ID != 0). Periods are half-open
// [Startdato, Slutdato), no Slutdato = open-ended, so a neutralised ydelse (Slutdato =
// Startdato, Y2) overlaps nothing and a stay may start the day the previous one ends. It
// returns ok=false and a message for FieldStartdato naming the first overlapping ydelse.
func CheckOphold(y Ydelse, others []Ydelse, c *Snapshot) (string, bool) {
	if c == nil || !residential(c, y.Indsatskode) {
		return "", true
	}
	for _, o := range others {
		if y.ID != 0 && o.ID == y.ID || !residential(c, o.Indsatskode) || sameStay(y, o) {
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

// sameStay tells whether two ydelser are rows of one FFB ydelse with several Ydelses-UUIDs
// (Y4: each is its own row with otherwise the same data): the same stay, not two.
func sameStay(a, b Ydelse) bool {
	return a.TilbudsUUID != "" && a.YdelsesUUID != b.YdelsesUUID && a.Indsatskode == b.Indsatskode &&
		a.Startdato.Equal(b.Startdato) && equalDates(a.Slutdato, b.Slutdato) && a.PNummer == b.PNummer &&
		a.AfdelingsUUID == b.AfdelingsUUID && a.TilbudsUUID == b.TilbudsUUID
}

func equalDates(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
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
