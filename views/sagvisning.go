package views

// The read-only view of a sag (sagvisning.templ), for users who may not change it (laeser,
// DST) and for the rows of All (read only): the sag and every field of its ydelser with the
// labels of the forms, dates DD-MM-YYYY, and no edit or delete buttons.

// SagVisning is the read-only view of a sag.
type SagVisning struct {
	Heading  string // "Sag 150362-1235"
	Sag      []Felt
	Ydelser  []YdelseVisning
	ListeURL string // back to the list it came from
	ListeTil string // the link's text
	// KunIndberettet: DST sees what All (read only) shows, the delivered ydelser only (S9).
	KunIndberettet bool
}

// YdelseVisning is one ydelse of a SagVisning.
type YdelseVisning struct {
	ID      string // the anchor of the ydelse, "ydelse-17"
	Heading string // the indsats: "1.3 Psykologhjælp … (SEL § 102)"
	Felter  []Felt
}

// Felt is one field: its label as in the forms and its value as text ("" is shown as "–").
type Felt struct {
	Label, Value string
}
