package views

import "strconv"

// BrugerePath is the address of *Brugere og rettigheder*, the kommune administrator's list of
// the kommune's users.
const BrugerePath = "/brugere"

// NyBrugerPath is the address of *Opret bruger*.
const NyBrugerPath = "/brugere/ny"

// BrugerPath is the address of one user's page.
func BrugerPath(id int64) string { return BrugerePath + "/" + strconv.FormatInt(id, 10) }

// The actions of the form on a user's page (the field handling).
const (
	HandlingRoller     = "roller"
	HandlingDeaktiver  = "deaktiver"
	HandlingGenaktiver = "genaktiver"
)

// Brugere is the list of the kommune's users.
type Brugere struct {
	Kommune string // "København (101)"
	Rows    []BrugerRow
}

// BrugerRow is one user in the list.
type BrugerRow struct {
	URL, Navn, Email string
	Roller           string // Danish labels, comma separated; "" when the user has none
	Aktiv            bool
	SenesteLogin     string // DD-MM-YYYY HH:MM (Copenhagen); "" when never
	Selv             bool   // the administrator looking at the list
}

// NyBruger is the form *Opret bruger*: the typed values and a message per wrong field.
type NyBruger struct {
	Navn, Email                    string
	Roller                         []Option // the rights to choose from (RolleValg)
	Valgte                         []string // the chosen ones
	NavnFejl, EmailFejl, RolleFejl string
}

// BrugerOprettet is the page after *Opret bruger*: the new user with the initial password,
// shown this once and never again.
type BrugerOprettet struct {
	Navn, Email, Roller string
	Adgangskode         string
	Links               []HomeLink // where to go next (Href, Label)
}

// RedigerBruger is one user's page: their rights and whether they may log in.
type RedigerBruger struct {
	URL, Navn, Email string
	Aktiv            bool
	SenesteLogin     string
	Selv             bool
	Roller           []Option
	Valgte           []string
	RolleFejl        string // the rights were not saved (e.g. the last administrator)
	AktivFejl        string // the user was not deactivated (the last administrator)
}

// RolleValg is the choice of a kommune role on the user forms, labelled as users know the
// rights (T2: *Ret til at administrere data for handicappede*).
func RolleValg(role string) Option {
	switch role {
	case "indberetter":
		return Option{Value: role, Label: "Ret til at administrere data for handicappede",
			Hint: "Indberetter: opretter, retter og sletter kommunens sager og ydelser."}
	case "laeser":
		return Option{Value: role, Label: "Læseadgang",
			Hint: "Læser: ser kommunens sager, ydelser og kontaktoplysninger uden at kunne ændre dem."}
	case "kommuneadmin":
		return Option{Value: role, Label: "Kommuneadministrator",
			Hint: "Opretter brugere og giver dem rettigheder i kommunen."}
	}
	return Option{Value: role, Label: role}
}

func (f NyBruger) errors() []FieldError {
	return presentErrors(FieldError{"bruger-navn", f.NavnFejl}, FieldError{"bruger-email", f.EmailFejl}, FieldError{"bruger-roller", f.RolleFejl})
}

func orIngen(roller string) string {
	if roller == "" {
		return "Ingen rettigheder"
	}
	return roller
}

func orAldrig(s string) string {
	if s == "" {
		return "Aldrig"
	}
	return s
}

func aktivLabel(aktiv bool) string {
	if aktiv {
		return "Aktiv"
	}
	return "Deaktiveret"
}
