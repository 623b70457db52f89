package domain

import "time"

// Status is the derived status of a sag (S6).
type Status int

// The statuses of a sag (S6).
const (
	IkkeAfsluttet Status = iota
	Afsluttet
)

// Label is the status as the UI shows it.
func (s Status) Label() string {
	if s == Afsluttet {
		return "Afsluttet"
	}
	return "Ikke afsluttet"
}

// StatusOf is the status of a row whose afsluttet was derived already (YdelseAfsluttet on
// the sag's latest or the ydelse's own Slutdato, S6), for its label.
func StatusOf(afsluttet bool) Status {
	if afsluttet {
		return Afsluttet
	}
	return IkkeAfsluttet
}

// SagStatus derives a sag's status from the Slutdato of each of its ydelser (S6): afsluttet
// when every ydelse has a Slutdato and the latest is before today; a sag without ydelser is
// ikke afsluttet. Only calendar dates count, each in its own location.
func SagStatus(slutdatoer []*time.Time, today time.Time) Status {
	if len(slutdatoer) == 0 {
		return IkkeAfsluttet
	}
	for _, s := range slutdatoer {
		if !YdelseAfsluttet(s, today) {
			return IkkeAfsluttet
		}
	}
	return Afsluttet
}

// YdelseAfsluttet tells whether a ydelse with Slutdato slut has ended before today (S6).
func YdelseAfsluttet(slut *time.Time, today time.Time) bool {
	return slut != nil && DateOf(*slut).Before(DateOf(today))
}

// YdelseStatus is a ydelse's own status by its Slutdato (S6).
func YdelseStatus(slut *time.Time, today time.Time) Status {
	if YdelseAfsluttet(slut, today) {
		return Afsluttet
	}
	return IkkeAfsluttet
}
