package domain

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"indberet/tenant"
	"indberet/tenant/codes"
)

// The code-list forms of DST (DOMAIN.md "Code lists", T3): a new code with its attributes
// and validity, changed texts, and the day a code is retired from (*udgår fra*).
//
// What a retirement means for ydelser (Y1 indsatskode, Y3 målgrupper, Y4 Tilbuds-UUID and
// Ydelses-UUID): a code retired from D is valid to D − 1, and a code is checked with ValidAt
// on the ydelse's Startdato when it is chosen: for a new ydelse, and for a stored one when
// the code is new on it or its Startdato changes. A stored ydelse that keeps its code and its
// Startdato is never refused for the code's later retirement (keptOf), also when DST retires
// the code from a day before the ydelse's start: the kommune can still end it (*Slutdato*)
// and change its other fields (issue 15 #6). The fejlopgørelse (SagFejl) still names such a
// ydelse, whose code does not apply on its Startdato.

// The form field names of the code-list forms: the keys of Errors.
const (
	FieldKode           = "kode"
	FieldTekst          = "tekst"
	FieldParagraf       = "paragraf"
	FieldKilde          = "kilde"
	FieldFFB            = "ffb"
	FieldTilbudssted    = "tilbudssted"
	FieldOphold         = "ophold"
	FieldVarighedStd    = "varighed_standard"
	FieldPrimaerTilladt = "primaer_tilladt"
	FieldOverordnet     = "overordnet"
	FieldSti            = "sti"
	FieldLavesteNiveau  = "laveste_niveau"
	FieldGyldigFra      = "gyldig_fra"
	FieldUdgaarFra      = "udgaar_fra"
)

// Lengths of the texts of a code.
const (
	KodeTekstMax = 300
	KodeKildeMax = 1000
)

// KodeInput is what the form *Tilføj kode* sends, as typed. Yes/no fields are "ja" or
// "nej"; Tilbudssted is "yes", "no" or "if_in_107_botilbud" (Y5); Varighed "periode" or
// "styk" (Y1).
type KodeInput struct {
	Kode, Tekst, Paragraf, Kilde                   string
	FFB, Tilbudssted, Ophold, Varighed             string
	PrimaerTilladt, Overordnet, Sti, LavesteNiveau string
	GyldigFra, UdgaarFra                           string
}

var codeRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

// ValidateKode checks a new code of list l and returns it ready for codes.AddKode. The FFB
// parent of a målgruppe must be in the list (c). That the code is new is the database's to
// tell (codes.ErrDuplicate).
func ValidateKode(l codes.Liste, in KodeInput, c *codes.Snapshot) (codes.Kode, Errors) {
	if c == nil {
		c = codes.NewSnapshot(nil, nil, nil, nil, nil)
	}
	errs := Errors{}
	var k codes.Kode
	code := strings.TrimSpace(in.Kode)
	switch {
	case code == "":
		errs.Add(FieldKode, "Angiv koden.")
	case l.UUIDs():
		if u, err := ParseUUID(code); err != nil {
			errs.Add(FieldKode, err.Error())
		} else {
			k.Code = u
		}
	case !codeRE.MatchString(code):
		errs.Add(FieldKode, "Koden skal være tal adskilt af punktum, fx 1.8.3.")
	default:
		k.Code = code
	}
	t, terrs := ValidateTexts(l, in.Tekst, in.Paragraf, in.Kilde)
	for f, m := range terrs {
		errs.Add(f, m)
	}
	k.Name, k.Paragraph, k.Source = t.Name, t.Paragraph, t.Source

	switch l.Kind {
	case codes.KindIndsats:
		k.FFB = yesNo(errs, FieldFFB, in.FFB, "Svar, om indsatsen er omfattet af FFB fra 01-01-2025.")
		k.Residential = yesNo(errs, FieldOphold, in.Ophold, "Svar, om indsatsen er et ophold.")
		switch v := strings.TrimSpace(in.Tilbudssted); v {
		case "yes", "no", "if_in_107_botilbud":
			k.RequiresTilbudssted = v
		default:
			errs.Add(FieldTilbudssted, "Vælg, hvornår P-nummer og Afdelings-UUID skal udfyldes.")
		}
		switch v := strings.TrimSpace(in.Varighed); v {
		case "periode", "styk":
			k.VarighedDefault = v
		default:
			errs.Add(FieldVarighedStd, "Vælg periodeydelse eller stykydelse.")
		}
	case codes.KindMaalgruppe:
		k.PrimaryAllowed = yesNo(errs, FieldPrimaerTilladt, in.PrimaerTilladt, "Svar, om målgruppen kan være primær.")
		if p := strings.TrimSpace(in.Overordnet); p != "" && l.UUIDs() {
			if u, err := ParseUUID(p); err != nil {
				errs.Add(FieldOverordnet, err.Error())
			} else if _, ok := c.Maalgruppe(l.Scheme, u); !ok {
				errs.Add(FieldOverordnet, "Den overordnede målgruppe findes ikke i listen.")
			} else if u == k.Code {
				errs.Add(FieldOverordnet, "En målgruppe kan ikke være sin egen overordnede.")
			} else {
				k.ParentCode = u
			}
		}
	}
	if l.HasParentPath() {
		k.ParentPath = strings.Join(strings.Fields(in.Sti), " ")
		leaf := yesNo(errs, FieldLavesteNiveau, in.LavesteNiveau, "Svar, om koden er på laveste niveau.")
		k.Leaf = &leaf
	}

	if strings.TrimSpace(in.GyldigFra) == "" {
		errs.Add(FieldGyldigFra, "Angiv datoen, koden gælder fra.")
	} else {
		k.ValidFrom = parseDate(errs, FieldGyldigFra, in.GyldigFra)
	}
	if strings.TrimSpace(in.UdgaarFra) != "" {
		if d, msg := udgaarFra(in.UdgaarFra, k.ValidFrom); msg != "" {
			errs.Add(FieldUdgaarFra, msg)
		} else {
			to := d.AddDate(0, 0, -1)
			k.ValidTo = &to
		}
	}
	return k, errs
}

// ValidateTexts checks the texts of a code: a name (*Tekst*), for indsatskoder a paragraph,
// and an optional source (*Kilde*).
func ValidateTexts(l codes.Liste, tekst, paragraf, kilde string) (codes.Texts, Errors) {
	errs := Errors{}
	t := codes.Texts{Name: strings.TrimSpace(tekst), Source: strings.TrimSpace(kilde)}
	switch {
	case t.Name == "":
		errs.Add(FieldTekst, "Angiv kodens tekst.")
	case utf8.RuneCountInString(t.Name) > KodeTekstMax:
		errs.Add(FieldTekst, fmt.Sprintf("Teksten må højst være på %d tegn.", KodeTekstMax))
	}
	if l.HasParagraph() {
		t.Paragraph = strings.Join(strings.Fields(paragraf), " ")
		switch {
		case t.Paragraph == "":
			errs.Add(FieldParagraf, "Angiv paragraffen, fx SEL § 108.")
		case utf8.RuneCountInString(t.Paragraph) > KodeTekstMax:
			errs.Add(FieldParagraf, fmt.Sprintf("Paragraffen må højst være på %d tegn.", KodeTekstMax))
		}
	}
	if utf8.RuneCountInString(t.Source) > KodeKildeMax {
		errs.Add(FieldKilde, fmt.Sprintf("Kilden må højst være på %d tegn.", KodeKildeMax))
	}
	return t, errs
}

// ValidateUdgaar checks the day code k is to be retired from: a date after the day it
// became valid.
func ValidateUdgaar(k codes.Kode, s string) (time.Time, Errors) {
	errs := Errors{}
	d, msg := udgaarFra(s, k.ValidFrom)
	if msg != "" {
		errs.Add(FieldUdgaarFra, msg)
	}
	return d, errs
}

// udgaarFra parses a retire date and checks it against the first valid day (nil: none).
func udgaarFra(s string, validFrom *time.Time) (time.Time, string) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, "Angiv datoen, koden udgår fra."
	}
	d, err := ParseDate(s)
	if err != nil {
		return time.Time{}, err.Error()
	}
	if validFrom != nil && !d.After(dateOf(*validFrom)) {
		return time.Time{}, "Datoen, koden udgår fra, skal ligge efter den dato, koden gælder fra (" + FormatDate(*validFrom) + ")."
	}
	return d, ""
}

// yesNo reads a "ja"/"nej" field, adding msg when it is neither.
func yesNo(errs Errors, field, v, msg string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "ja":
		return true
	case "nej":
		return false
	}
	errs.Add(field, msg)
	return false
}

// keptCodes are the codes a stored ydelse keeps with its Startdato unchanged: those not
// checked against the code lists' dates again (Y1, Y3, Y4; see the top of this file). The
// zero value keeps none (a new ydelse).
type keptCodes map[keptCode]bool

type keptCode struct{ kind, code string }

// keptOf are the codes of stored that a change starting on start keeps: all of them when
// start is stored's Startdato, none for a new ydelse (stored nil), a changed Startdato or one
// that could not be read. The Bevillingsdato does not count (Y2).
func keptOf(stored *tenant.Ydelse, start *time.Time) keptCodes {
	if stored == nil || start == nil || !dateOf(stored.Startdato).Equal(dateOf(*start)) {
		return nil
	}
	k := keptCodes{{"indsats", stored.Indsatskode}: true}
	for _, m := range stored.Maalgrupper {
		k[keptCode{"maalgruppe", m.Scheme + ":" + m.Code}] = true
	}
	if stored.TilbudsUUID != "" {
		k[keptCode{"tilbud", strings.ToLower(stored.TilbudsUUID)}] = true
	}
	if stored.YdelsesUUID != "" {
		k[keptCode{"ydelse", strings.ToLower(stored.YdelsesUUID)}] = true
	}
	return k
}

// Indsats tells whether the indsatskode is kept.
func (k keptCodes) Indsats(code string) bool { return k[keptCode{"indsats", code}] }

// Maalgruppe tells whether the målgruppe is kept, primary or secondary.
func (k keptCodes) Maalgruppe(scheme, code string) bool {
	return k[keptCode{"maalgruppe", scheme + ":" + code}]
}

// TilbudsUUID tells whether the Tilbuds-UUID (lower-case) is kept.
func (k keptCodes) TilbudsUUID(u string) bool { return k[keptCode{"tilbud", u}] }

// YdelsesUUID tells whether the Ydelses-UUID (lower-case) is kept.
func (k keptCodes) YdelsesUUID(u string) bool { return k[keptCode{"ydelse", u}] }
