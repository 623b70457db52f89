package views

// KommunerPath is the address of *Kommuner*, the platform administrator's list of the 98
// kommuner (T3).
const KommunerPath = "/kommuner"

// AlleBrugerePath is the address of *Alle brugere*, every user of every kommune (T3).
const AlleBrugerePath = "/alle-brugere"

// KommunePath is the address of one kommune's page.
func KommunePath(kode string) string { return KommunerPath + "/" + kode }

// Kommuner is the list of the 98 kommuner.
type Kommuner struct {
	Rows []KommuneRow
}

// KommuneRow is one kommune in the list.
type KommuneRow struct {
	URL, Kode, Navn string
	Aktiv, Demo     bool
	Brugere         string // how many users
	Kontakt         string // "Angivet", or "Mangler (1 af 3)"
}

// KommuneSide is one kommune's page: its status, users and contact persons, activating and
// deactivating it, and creating its first administrator.
type KommuneSide struct {
	URL, Kode, Navn string
	Aktiv, Demo     bool
	Brugere         string
	BrugereURL      string // the kommune's users in *Alle brugere*
	Kontakt         string
	Administratorer string // how many active administrators
	// AdminURL is *Opret kommuneadministrator* while the kommune has no active administrator.
	AdminURL string
	// The periodes of the deliveries (I7): the kommune's first periode, its latest delivered
	// ("" none) and its next.
	FoerstePeriode, SenestLeveret, NaestePeriode string
	// The activation's field *Første periode* (only while the kommune has delivered nothing),
	// kept with its message when refused (422), and its default (the month before today).
	Aktivering AktiverKommune
}

// AktiverKommune is the activation form's field *Første periode* (I7).
type AktiverKommune struct {
	FoerstePeriode, Fejl string
	Standard             string // the first periode when the field is left empty
}

func (f AktiverKommune) errors() []FieldError {
	return presentErrors(FieldError{"aktiver-foerste-periode", f.Fejl})
}

// DeaktiverKommune asks before a kommune is deactivated.
type DeaktiverKommune struct {
	Action, Tilbage, Navn string
	Brugere               int // how many users it has
}

// NyKommuneadmin is the form that creates a kommune's first administrator.
type NyKommuneadmin struct {
	Action, Tilbage, Kommune string
	Navn, Email              string
	NavnFejl, EmailFejl      string
	// Fejl is a message about the whole form (the kommune has an administrator).
	Fejl string
}

func (f NyKommuneadmin) errors() []FieldError {
	return presentErrors(FieldError{"admin-navn", f.NavnFejl}, FieldError{"admin-email", f.EmailFejl})
}

// AlleBrugere is every user of every kommune, or of the kommune chosen in the filter.
type AlleBrugere struct {
	Kommune  string   // the filter's value: "" for all, a kommunekode, or "-" for users of no kommune
	Kommuner []Option // the filter's choices
	Rows     []AlleBrugereRow
}

// AlleBrugereRow is one user in *Alle brugere*.
type AlleBrugereRow struct {
	Navn, Email, Kommune string
	Roller               string
	Aktiv                bool
	SenesteLogin         string
	Login                Loginforsoeg
	// Ophaev are the fields of *Ophæv spærring* for a user of no kommune (DST, platform)
	// with failed logins; nil otherwise (a kommune's administrator lifts its users', T1).
	Ophaev []HiddenField
}

func aktivKommune(aktiv bool) string {
	if aktiv {
		return "Aktiv"
	}
	return "Ikke aktiv"
}

// orIkkeLeveret is a periode, or "Ikke leveret endnu" for none.
func orIkkeLeveret(periode string) string {
	if periode == "" {
		return "Ikke leveret endnu"
	}
	return periode
}
