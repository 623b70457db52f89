package views

import "net/url"

// KoderPath is the address of *Kodelister*, DST's code lists (T3).
const KoderPath = "/koder"

// KodelistePath is the address of one code list.
func KodelistePath(liste string) string { return KoderPath + "/" + liste }

// NyKodePath is the address of *Tilføj kode* in a list.
func NyKodePath(liste string) string { return KodelistePath(liste) + "/ny" }

// KodePath is the address of one code's page.
func KodePath(liste, kode string) string { return KodelistePath(liste) + "/" + url.PathEscape(kode) }

// The actions of the forms on a code's page (the field handling).
const (
	HandlingTekster    = "tekster"
	HandlingUdgaar     = "udgaar"
	HandlingGenindfoer = "genindfoer"
)

// Kodelister is the page of every code list.
type Kodelister struct {
	Lister []HomeLink
}

// Kodeliste is one list: its codes with their attributes, validity and use.
type Kodeliste struct {
	Titel, NyURL string
	Kolonner     []string // the headings of the list's own attributes
	Rows         []KodeRow
}

// KodeRow is one code in its list.
type KodeRow struct {
	URL, Kode, Tekst     string
	Attributter          []string // one per Kodeliste.Kolonner
	GyldigFra, GyldigTil string   // DD-MM-YYYY; "" when unbounded
	Udgaaet              bool     // retired as of today
	Ydelser              string   // how many ydelser use it
}

// KodeFelt is one field of the code forms: the typed value and the Danish message.
type KodeFelt struct {
	Value, Fejl string
}

// KodeSide is one code's page: what it is and how much it is used, its texts to change, the
// day it is retired from, and deleting a code added by mistake.
type KodeSide struct {
	Liste, ListeURL, URL, Kode string
	Oplysninger                [][2]string // label, value
	// The texts form.
	Tekst, Paragraf, Kilde KodeFelt
	MedParagraf            bool
	// The retire form; Udgaaet: a retire date is set (Genindfør is offered).
	UdgaarFra KodeFelt
	Udgaaet   bool
	// Bekraeft is the confirm step of a retire date that affects ydelser; nil: none.
	Bekraeft *UdgaarBekraeft
	// SletURL is the delete page of a deletable code; SletIkke says why it cannot be.
	SletURL, SletIkke string
}

// UdgaarBekraeft asks DST to confirm a retire date that affects ydelser (issue 15 #6): how
// many, in every kommune, start on or after it and how many run on it. The confirmation sends
// the counts back, so the code retires only with the counts DST saw.
type UdgaarBekraeft struct {
	UdgaarFra string // DD-MM-YYYY
	Fra       int    // ydelser starting on or after UdgaarFra
	IGang     int    // ydelser started before UdgaarFra, not ended before it
	Aendret   bool   // DST confirmed other counts: the ydelser changed since
}

// The hidden fields of the confirmation: the counts DST confirms.
const (
	FieldBekraeftFra   = "bekraeft_fra"
	FieldBekraeftIGang = "bekraeft_i_gang"
)

// YdelserDK is a number of ydelser in Danish: "1 ydelse", "1.234 ydelser".
func YdelserDK(n int) string { return TalDK(n) + " " + flertal(n, "ydelse", "ydelser") }

// Fejl are the form's messages for the error summary.
func (k KodeSide) Fejl() []FieldError {
	return fieldErrors(map[string]KodeFelt{"kode-tekst": k.Tekst, "kode-paragraf": k.Paragraf, "kode-kilde": k.Kilde,
		"kode-udgaar_fra": k.UdgaarFra}, []string{"kode-tekst", "kode-paragraf", "kode-kilde", "kode-udgaar_fra"})
}

// NyKode is the form *Tilføj kode* of a list: the fields its kind of code has, each with the
// typed value and a message (keyed by the domain.Field… names of domain.KodeInput).
type NyKode struct {
	Liste, Action, Tilbage string
	Indsats                bool // paragraph, FFB, tilbudssted, ophold, varighed
	Maalgruppe             bool // primary allowed
	Overordnet             bool // FFB målgrupper: the parent's UUID
	Sti                    bool // FFB tilbud and ydelser: the parent path and leaf
	UUID                   bool // the code is an FFB UUID
	Felter                 map[string]KodeFelt
}

// F is the field with the name (empty when not sent).
func (n NyKode) F(name string) KodeFelt { return n.Felter[name] }

// NyKodeOrder is the order of the fields of NyKode, for the error summary.
var NyKodeOrder = []string{"kode", "tekst", "paragraf", "ffb", "tilbudssted", "ophold", "varighed_standard",
	"primaer_tilladt", "overordnet", "sti", "laveste_niveau", "gyldig_fra", "udgaar_fra", "kilde"}

// Fejl are the form's messages for the error summary.
func (n NyKode) Fejl() []FieldError {
	byID := map[string]KodeFelt{}
	var order []string
	for _, name := range NyKodeOrder {
		byID["kode-"+name] = n.Felter[name]
		order = append(order, "kode-"+name)
	}
	return fieldErrors(byID, order)
}

func fieldErrors(felter map[string]KodeFelt, order []string) []FieldError {
	var out []FieldError
	for _, id := range order {
		if m := felter[id].Fejl; m != "" {
			out = append(out, FieldError{FieldID: id, Message: m})
		}
	}
	return out
}

// JaNej are the choices of a yes/no question.
var JaNej = []Option{{Value: "ja", Label: "Ja"}, {Value: "nej", Label: "Nej"}}

// TilbudsstedValg are the choices of when an indsats needs P-nummer and Afdelings-UUID (Y5).
var TilbudsstedValg = []Option{
	{Value: "yes", Label: "Altid fra 01-01-2025"},
	{Value: "if_in_107_botilbud", Label: "Når støtten gives i botilbud efter § 107"},
	{Value: "no", Label: "Aldrig (valgfrie)"},
}

// VarighedValg are the choices of the default Varighed (Y1).
var VarighedValg = []Option{{Value: "periode", Label: "Periodeydelse"}, {Value: "styk", Label: "Stykydelse"}}

func one(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}
