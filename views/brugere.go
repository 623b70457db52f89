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
	// HandlingOphaevSpaerring forgets the user's failed logins (issue 14 #5).
	HandlingOphaevSpaerring = "ophaev-spaerring"
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
	Login            Loginforsoeg
}

// Loginforsoeg is what an administrator sees of a user's failed logins (issue 14 #5): how
// many are not yet forgotten, and from how many addresses the user is refused for now.
type Loginforsoeg struct {
	Mislykkede  int
	Senest      string // the last failure, DD-MM-YYYY HH:MM (Copenhagen)
	Spaerret    int    // addresses refused now
	SpaerretTil string // when the last of their locks ends, DD-MM-YYYY HH:MM
}

// Aktiv tells whether there is anything to lift.
func (l Loginforsoeg) Aktiv() bool { return l.Mislykkede > 0 || l.Spaerret > 0 }

// Status is the short Danish status of the lists: "Spærret fra 2 adresser",
// "3 mislykkede forsøg", or "" when there are none.
func (l Loginforsoeg) Status() string {
	switch {
	case l.Spaerret > 0:
		return "Spærret fra " + antal(l.Spaerret, "adresse", "adresser")
	case l.Mislykkede > 0:
		return antal(l.Mislykkede, "mislykket forsøg", "mislykkede forsøg")
	}
	return ""
}

// Beskrivelse says it in sentences for the user's page.
func (l Loginforsoeg) Beskrivelse() []string {
	if !l.Aktiv() {
		return []string{"Ingen mislykkede forsøg på at logge ind."}
	}
	out := []string{antal(l.Mislykkede, "mislykket forsøg", "mislykkede forsøg") + " på at logge ind, senest " + l.Senest + "."}
	if l.Spaerret > 0 {
		out = append(out, "Login er spærret fra "+antal(l.Spaerret, "adresse", "adresser")+" til "+l.SpaerretTil+
			". Fra andre adresser kan brugeren logge ind med sin adgangskode.")
	}
	return out
}

// HiddenField is a form's hidden input.
type HiddenField struct{ Name, Value string }

// antal is n with the singular or plural noun: "1 adresse", "2 adresser".
func antal(n int, ental, flertal string) string {
	if n == 1 {
		return "1 " + ental
	}
	return strconv.Itoa(n) + " " + flertal
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
