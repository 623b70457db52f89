package domain

import (
	"time"
	_ "time/tzdata" // Europe/Copenhagen also where the system has no zoneinfo
)

// Copenhagen is the time zone of the dates of the rules: a ydelse is afsluttet (S6), a code
// valid (Y1), a periode ended (I1) by the date in Denmark.
var Copenhagen = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		panic(err) // time/tzdata is embedded: cannot happen
	}
	return loc
}()

// Today is the date in Denmark at now, as a UTC midnight like the dates the rules compare
// (ParseDate, S6).
func Today(now time.Time) time.Time {
	y, m, d := now.In(Copenhagen).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
