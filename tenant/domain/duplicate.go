package domain

import (
	"fmt"
	"strings"
)

// CheckDuplicate refuses an exact duplicate of another ydelse of the same sag (Y4, issue 17
// #7): the same indsatskode, Startdato, Slutdato and Ydelses-UUID (none on both counts as the
// same) as one of others; y's own row (by ID) is skipped when y.ID != 0. The rows of one FFB
// ydelse differ by their Ydelses-UUID (Y4), so a second row with the same one registers the
// same ydelse twice. It returns the field the message goes on (Ydelses-UUID when y has one,
// else Startdato) and the Danish message.
func CheckDuplicate(y Ydelse, others []Ydelse) (field, msg string, ok bool) {
	for _, o := range others {
		if y.ID != 0 && o.ID == y.ID || o.Indsatskode != y.Indsatskode ||
			!DateOf(o.Startdato).Equal(DateOf(y.Startdato)) || !equalDates(o.Slutdato, y.Slutdato) ||
			!strings.EqualFold(o.YdelsesUUID, y.YdelsesUUID) {
			continue
		}
		if y.YdelsesUUID != "" {
			return FieldYdelsesUUID, fmt.Sprintf("Sagen har allerede ydelsen %s med samme startdato (%s), slutdato og Ydelses-UUID. "+
				"Vælg en anden Ydelses-UUID, eller ret den eksisterende ydelse.", y.Indsatskode, FormatDate(y.Startdato)), false
		}
		return FieldStartdato, fmt.Sprintf("Sagen har allerede ydelsen %s med samme startdato (%s) og slutdato. "+
			"Ret den eksisterende ydelse i stedet for at oprette den igen.", y.Indsatskode, FormatDate(y.Startdato)), false
	}
	return "", "", true
}
