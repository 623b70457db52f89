package views

import "strings"

// Kontaktperson is one contact person on the Kontaktoplysninger screen (K1): the values as
// stored or as typed, the version the form was opened with, and the Danish message of each
// wrong field.
type Kontaktperson struct {
	Rolle                            string // "faglig", "teknisk" or "kvittering" (tenant.Kontaktrolle)
	Navn, Telefon, Email             string
	Version                          string // sent back in a hidden field; "0" when none is registered
	NavnFejl, TelefonFejl, EmailFejl string
}

// KontaktpersonerForm is the content of the Kontaktoplysninger screen of a kommune.
type KontaktpersonerForm struct {
	Personer []Kontaktperson // the three roles in the order of K1
	ReadOnly bool            // the user may only read (laeser): values, no form
	Conflict bool            // someone else saved first (HTTP 409): Personer are the stored values
}

// KommuneKontaktpersoner are one kommune's contact persons, for DST's overview of every kommune.
type KommuneKontaktpersoner struct {
	Label    string // "København (101)"
	Personer []Kontaktperson
}

// KontaktConflictText is shown when two people save the contact persons at the same time
// and the other one was first.
const KontaktConflictText = "Kontaktoplysningerne er ændret af en anden, siden du åbnede siden. Her er de gemte værdier."

// KontaktManglerText is the message when the kommune has not registered all three contact
// persons (K1, K2).
const KontaktManglerText = "Kommunen skal angive kontaktoplysninger, før der kan oprettes sager."

// KontaktpersonerPath is the address of the Kontaktoplysninger screen.
const KontaktpersonerPath = "/kontaktoplysninger"

// kontaktLegend is the name of a role as the 2025 manual and the form show it (K1).
func kontaktLegend(rolle string) string {
	switch rolle {
	case "faglig":
		return "Fagligt ansvarlig"
	case "teknisk":
		return "Teknisk ansvarlig"
	case "kvittering":
		return "Kvitteringsmodtager"
	}
	return rolle
}

// kontaktHelp says what Danmarks Statistik uses the role for (K1, K3).
func kontaktHelp(rolle string) string {
	switch rolle {
	case "faglig":
		return "Den person, Danmarks Statistik kontakter med spørgsmål om indholdet af indberetningen."
	case "teknisk":
		return "Den person, Danmarks Statistik kontakter om tekniske forhold."
	case "kvittering":
		return "Modtager kvitteringen på e-mail efter hver indberetning."
	}
	return ""
}

func kontaktFieldID(rolle, field string) string { return rolle + "-" + field }

// kontaktFeltLabels are the labels of a contact person's fields.
var kontaktFeltLabels = map[string]string{"navn": "Kontaktperson", "telefon": "Telefonnr.", "email": "Email-adresse"}

// KontaktFeltLabel names a field of the Kontaktoplysninger form by its role and label
// ("Fagligt ansvarlig: Kontaktperson" for faglig-navn), or "" for a name that is not one.
func KontaktFeltLabel(name string) string {
	rolle, felt, _ := strings.Cut(name, "-")
	l, ok := kontaktFeltLabels[felt]
	if !ok || kontaktLegend(rolle) == rolle {
		return ""
	}
	return kontaktLegend(rolle) + ": " + l
}

// errors lists the form's errors for the ErrorSummary, each named by its role.
func (f KontaktpersonerForm) errors() []FieldError {
	var errs []FieldError
	for _, k := range f.Personer {
		for _, e := range []struct{ field, msg string }{{"navn", k.NavnFejl}, {"telefon", k.TelefonFejl}, {"email", k.EmailFejl}} {
			if e.msg != "" {
				errs = append(errs, FieldError{FieldID: kontaktFieldID(k.Rolle, e.field), Message: kontaktLegend(k.Rolle) + ": " + e.msg})
			}
		}
	}
	return errs
}

func orIkkeAngivet(s string) string {
	if s == "" {
		return "Ikke angivet"
	}
	return s
}
