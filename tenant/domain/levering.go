package domain

import (
	"bytes"
	"time"
)

// The delivery's rules for each ydelse (I2, I6, I8, Y2): whether it goes into a document, and
// as which *indberetningstype*. The document itself (worker/delivery_xml.go) writes what these
// decide.

// ReportingType is a record's *indberetningstype*.
type ReportingType string

// The reporting types of a record (I2, I6).
const (
	Ny          ReportingType = "Ny"          // a ydelse DST has not had
	Aendring    ReportingType = "Ændring"     // a ydelse DST has had, whose content changed
	Annullering ReportingType = "Annullering" // a delivered ydelse neutralised since (Y2, I6)
)

// Neutraliseret tells whether a ydelse is neutralised (Y2): a Periodeydelse with Slutdato =
// Startdato. A Stykydelse is a one-off help whose Slutdato is its Startdato by nature; it
// cannot be neutralised (Y8).
func Neutraliseret(y Ydelse) bool {
	return y.Varighed != "styk" && y.Slutdato != nil && y.Slutdato.Format(time.DateOnly) == y.Startdato.Format(time.DateOnly)
}

// ReportingTypeOf decides whether and how a ydelse goes into a delivery, from whether it is
// neutralised, the content hash of its last delivered record (nil: never delivered) and the
// content hash of its record now:
//
//   - never delivered, not neutralised: Ny;
//   - never delivered, neutralised: left out, and not marked delivered (I6: DST leaves
//     neutralised ydelser out, and it never had this one; it can still be deleted, Y8);
//   - delivered with the same content: left out (I2: the same state is never delivered twice);
//   - delivered, content changed, neutralised now: Annullering (I6, S7);
//   - delivered, content changed otherwise: Ændring.
func ReportingTypeOf(neutralised bool, delivered, now []byte) (ReportingType, bool) {
	switch {
	case delivered == nil && neutralised:
		return "", false
	case delivered == nil:
		return Ny, true
	case bytes.Equal(delivered, now):
		return "", false
	case neutralised:
		return Annullering, true
	}
	return Aendring, true
}

// GenleveringTypeOf is the reporting type of a ydelse in a genlevering (I8) that was in the
// version it replaces, from whether it is neutralised now and the type of its record there:
// the new version replaces the old one, so it says what changed since the state before the
// periode. Such a ydelse always gets a record (DST discards the old version, record and all):
//
//   - neutralised now: Annullering (also for one that was Ny: DST has seen it in the old
//     version, and the record says plainly that it does not hold);
//   - Ny in the old version (DST did not have it before the periode): Ny;
//   - otherwise (Ændring, Annullering, or unknown from before 00027): Ændring.
func GenleveringTypeOf(neutralised bool, previous string) ReportingType {
	switch {
	case neutralised:
		return Annullering
	case previous == string(Ny):
		return Ny
	}
	return Aendring
}
