package domain

import (
	"fmt"
	"strings"
)

// CanDeleteYdelse tells whether a ydelse may be deleted (Y8): only while it has not been
// delivered (indberettet). Otherwise instead says what to do: neutralise a Periodeydelse
// (Y2); a delivered Stykydelse cannot be undone.
func CanDeleteYdelse(delivered bool, varighed string) (ok bool, instead string) {
	switch {
	case !delivered:
		return true, ""
	case varighed == "styk":
		return false, "Ydelsen er indberettet som stykydelse og kan ikke fortrydes."
	}
	return false, "Ydelsen er indberettet og kan ikke slettes. Neutralisér den i stedet ved at sætte slutdato = startdato (Redigér)."
}

// CanDeleteSag tells whether a sag may be deleted (S7): only while neither it nor any of
// its ydelser has been delivered. Otherwise instead explains how to close it.
func CanDeleteSag(sagDelivered bool, ydelserDelivered int) (ok bool, instead string) {
	if !sagDelivered && ydelserDelivered == 0 {
		return true, ""
	}
	return false, "Sagen er indberettet og kan ikke slettes. Luk den i stedet ved at sætte slutdato = startdato " +
		"på alle åbne ydelser (Redigér); så udelader Danmarks Statistik den ved næste indberetning."
}

// DeleteYdelseWarning is the confirmation text before a ydelse is deleted (Y8); deleting
// the only ydelse of a sag deletes the sag too, and the warning says so.
func DeleteYdelseWarning(indsatskode string, onlyYdelse bool, cpr string) string {
	if onlyYdelse {
		return fmt.Sprintf("Ydelsen %s slettes. Det er sagens eneste ydelse, så sagen for CPR-nummer %s slettes også. "+
			"Det kan ikke fortrydes.", indsatskode, FormatCPR(cpr))
	}
	return fmt.Sprintf("Ydelsen %s slettes. Det kan ikke fortrydes.", indsatskode)
}

// CheckIndsatskodeUnchanged refuses a changed indsatskode on edit (Y7).
func CheckIndsatskodeUnchanged(old, new string) (string, bool) {
	if strings.TrimSpace(old) == strings.TrimSpace(new) {
		return "", true
	}
	return "Indsatskoden kan ikke ændres. Slet ydelsen og opret en ny, hvis koden er forkert.", false
}

// CheckVarighedUnchanged refuses a changed Varighed of a delivered ydelse (Y8): a delivered
// Stykydelse cannot be undone, and as a Periodeydelse it could be neutralised; nor does a
// delivered Periodeydelse become a Stykydelse. Before delivery it may change (Y7).
func CheckVarighedUnchanged(delivered bool, stored, new string) (string, bool) {
	if !delivered || strings.TrimSpace(stored) == strings.TrimSpace(new) {
		return "", true
	}
	return "Varigheden kan ikke ændres, efter ydelsen er indberettet. En indberettet stykydelse kan ikke fortrydes; " +
		"en periodeydelse afsluttes med en slutdato.", false
}

// CheckCPRUnchanged refuses a changed CPR number on edit (S4); the same number written with
// or without dash and spaces is unchanged.
func CheckCPRUnchanged(old, new string) (string, bool) {
	if cprKey(old) == cprKey(new) {
		return "", true
	}
	return "CPR-nummeret kan ikke ændres. Slet sagen, hvis den ikke er indberettet, eller luk alle dens ydelser " +
		"med slutdato = startdato og opret en ny sag.", false
}

// cprKey is the 10 digits of a well-formed CPR number, or the trimmed text otherwise.
func cprKey(s string) string {
	if d, err := cprDigits(s); err == nil {
		return d
	}
	return strings.TrimSpace(s)
}
