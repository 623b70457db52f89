package views

import (
	"indberet/tenant/domain"
)

// The sag and ydelse forms (sagform.templ): *Opret* (a new sag with its first ydelse, S2),
// *Tilføj ydelse*, *Redigér* of a sag (S4: not the CPR) and of a ydelse (Y7: not the
// indsatskode), and the delete confirmations (S7, Y8). The handler prepares everything the
// form shows — values as typed, the Danish messages, the picker options and which fields the
// chosen indsatskode makes required — so the templates decide nothing.

// SagHeader is the sag a ydelse form belongs to, shown above it.
type SagHeader struct {
	ID       int64
	CPR      string // DDMMYY-SSSS
	Navn     string
	Status   string // "Afsluttet" / "Ikke afsluttet" (S6)
	Leveret  string // "Indberettet 14-10-2026" or ""
	ListeURL string // where Luk and Gem og stop go
}

// YdelseNeeds is what the chosen indsatskode and start date require (Y3–Y5).
type YdelseNeeds struct {
	FFB                    bool // show Tilbuds-UUID and Ydelses-UUID at all (Y4)
	TilbudsUUID            bool // required
	YdelsesUUID            bool // required
	AskI107                bool // ask whether the support is given in a §107 residence (Y5)
	PNummer, AfdelingsUUID bool // required (Y5)
	Legacy                 bool // show the 2013-rules fields (name, address, postcode of the offer)
	Tilbudstype            bool // offer the 2013 rules' optional Tilbudstype (start before 2025, Y1)
	SchemesHint            string
}

// YdelseForm is the ydelse part of a form.
type YdelseForm struct {
	Values        domain.YdelseInput
	Errors        domain.Errors
	Needs         YdelseNeeds
	IndsatsLocked bool   // editing: the indsatskode is shown, not chosen (Y7)
	IndsatsLabel  string // "1.8.1 Længerevarende botilbud … (SEL § 108)"
	Indsatser     []Option
	Primaer       []Option // målgrupper that may be primary, for the start date
	Sekundaere    []Option // every målgruppe for the start date
	Kommuner      []Option
	Tilbudstyper  []Option // old DST tilbudskoder
	TilbudsUUIDs  []Option // FFB Tilbud
	YdelsesUUIDs  []Option // FFB Ydelse
	FieldsURL     string   // where the field group is re-rendered when the indsatskode or start date changes
	// VarighedLocked shows the Varighed without a choice: the ydelse is delivered (Y8).
	VarighedLocked bool
	// VarighedForvalgt is the Varighed preselected as the indsatskode's default (Y1), not
	// chosen by the user; sent back so a new indsatskode's default replaces it (issue 17 #6).
	VarighedForvalgt string
}

// SagForm is the sag part of the *Opret* form and of *Redigér sag*.
type SagForm struct {
	Values         domain.SagInput
	Errors         domain.Errors
	CPRLocked      bool   // editing: the CPR is shown, not typed (S4)
	ExistingSagID  int64  // S1: the kommune already has a sag for the typed CPR
	CheckURL       string // where the typed CPR is checked for an existing sag at once (S1); "" when locked
	Funktionsvurde []Option
}

// OpretSag is the *Opret* page: a new sag with its first ydelse.
type OpretSag struct {
	Sag            SagForm
	Ydelse         YdelseForm
	Summary        []FieldError
	KontaktMangler bool // K1: refused until the three contact persons exist
	// FormWithheld: K1 holds before anything is typed, so the page says so instead of
	// offering a form that cannot be saved.
	FormWithheld bool
	ListeURL     string
}

// TilfoejYdelse is the *Tilføj ydelse* page for a sag.
type TilfoejYdelse struct {
	Sag       SagHeader
	Ydelse    YdelseForm
	Summary   []FieldError
	Kopi      bool // the form is a copy of an FFB ydelse, for the next Ydelses-UUID (Y4)
	Overfoert bool // the ydelse was typed on *Opret* for a CPR number that has this sag (S1)
}

// RedigerYdelse is the *Redigér* page of a ydelse.
type RedigerYdelse struct {
	Sag       SagHeader
	YdelseID  int64
	Version   int
	Ydelse    YdelseForm
	Summary   []FieldError
	Conflict  *Conflict // the save was refused: someone else saved first; the form shows the user's values
	Delete    DeleteOption
	KopiURL   string // FFB: copy to add the next Ydelses-UUID (Y4); "" otherwise
	Position  string // "Ydelse 2 af 3"
	Stay      StayChoice
	Leveret   string
	UpdatedBy string
}

// StayChoice offers to change all rows of a stay at once (Y4, Y6): a stay with several
// Ydelses-UUIDs is a row per Ydelses-UUID, ended or moved together.
type StayChoice struct {
	Rows int  // the rows of the stay, this one included; the choice is shown from 2
	All  bool // checked: the change applies to all of them
}

// RedigerSag is the *Redigér* page of a sag, with its ydelser.
type RedigerSag struct {
	Sag      SagHeader
	Version  int
	Form     SagForm
	Summary  []FieldError
	Conflict *Conflict
	Ydelser  []YdelseRow
	Delete   DeleteOption
	CanWrite bool
}

// Conflict is the answer to a save refused because someone else saved first (optimistic
// locking): the form carries the user's values and the saved version, and Rows compare them
// with what is saved, so a second save puts them on top.
type Conflict struct {
	Heading, Text string
	Who           string // who saved (an email, or "en anden")
	Rows          []ConflictRow
}

// ConflictRow is one field whose value the user typed differs from the saved one.
type ConflictRow struct {
	Label       string
	Mine, Saved string // as the form shows them; "" for empty
}

// YdelseRow is one ydelse in the list on *Redigér sag*.
type YdelseRow struct {
	ID                  int64
	Indsats             string
	Startdato, Slutdato string
	Status, Leveret     string
	EditURL, DeleteURL  string // DeleteURL "" when it cannot be deleted (Y8)
}

// DeleteOption is whether a sag or ydelse can be deleted (S7, Y8): the URL of its
// confirmation, or what to do instead.
type DeleteOption struct {
	URL     string
	Instead string
}

// ConfirmDelete is the confirmation page of a delete: exactly what will be removed.
type ConfirmDelete struct {
	Heading  string // "Slet ydelse" / "Slet sag"
	Warning  string // domain.DeleteYdelseWarning …
	Items    []string
	Action   string // the POST URL; "" when it cannot be deleted
	Instead  string // why not, and what to do instead
	CancelTo string
}

// FunktionsvurderingOptions are the choices of *Funktionsvurdering* (S3) with their meaning.
func FunktionsvurderingOptions() []Option {
	opts := []Option{{Value: "", Label: "Ikke angivet"}}
	for _, c := range []string{"A", "B", "C", "D", "E"} {
		opts = append(opts, Option{Value: c, Label: c + " – " + domain.FunktionsvurderingText(c)})
	}
	return opts
}

// VarighedLabel is how a Varighed is shown (Y1): "Periodeydelse" or "Stykydelse".
func VarighedLabel(v string) string {
	for _, o := range VarighedValg {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

func errOf(e domain.Errors, field string) string {
	if e == nil {
		return ""
	}
	return e[field]
}
