package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
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
func ValidateKode(l Liste, in KodeInput, c *Snapshot) (Kode, Errors) {
	if c == nil {
		c = NewSnapshot(nil, nil, nil, nil, nil)
	}
	errs := Errors{}
	var k Kode
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
	case KindIndsats:
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
	case KindMaalgruppe:
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
func ValidateTexts(l Liste, tekst, paragraf, kilde string) (Texts, Errors) {
	errs := Errors{}
	t := Texts{Name: strings.TrimSpace(tekst), Source: strings.TrimSpace(kilde)}
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
func ValidateUdgaar(k Kode, s string) (time.Time, Errors) {
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
	if validFrom != nil && !d.After(DateOf(*validFrom)) {
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
func keptOf(stored *Ydelse, start *time.Time) keptCodes {
	if stored == nil || start == nil || !DateOf(stored.Startdato).Equal(DateOf(*start)) {
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

// The code lists as DST manages them on the code-list screens (tenant/codes, manage.go).

// Kind is the shape of a code list's rows: which table, which attributes.
type Kind int

// The kinds of code lists.
const (
	KindIndsats     Kind = iota // indsatskoder: paragraph, FFB, tilbudssted, ophold, varighed
	KindMaalgruppe              // maalgrupper of one scheme: primary allowed, FFB parent
	KindTilbudstype             // tilbudstyper of one scheme: FFB parent path and leaf
	KindFFBYdelse               // ffb_ydelser: parent path and leaf
)

// Liste is one code list as DST manages it.
type Liste struct {
	Key    string // the address segment: /koder/<Key>
	Title  string // Danish
	Kind   Kind
	Scheme string // the scheme of målgrupper and tilbudstyper ("old_2013", "old_2018", "ffb")
}

// Lister are the code lists DST manages, in the order the screens show them. Kommuner are
// not among them: the 98 kommuner are the platform administrator's.
var Lister = []Liste{
	{"indsatskoder", "Indsatskoder", KindIndsats, ""},
	{"maalgrupper-2013", "Målgrupper 2013–2017", KindMaalgruppe, "old_2013"},
	{"maalgrupper-2018", "Målgrupper 2018–2024", KindMaalgruppe, "old_2018"},
	{"maalgrupper-ffb", "FFB-målgrupper", KindMaalgruppe, "ffb"},
	{"tilbudstyper", "Tilbudstyper", KindTilbudstype, "old_2013"},
	{"ffb-tilbud", "FFB-tilbud (Tilbuds-UUID)", KindTilbudstype, "ffb"},
	{"ffb-ydelser", "FFB-ydelser (Ydelses-UUID)", KindFFBYdelse, ""},
}

// ListeByKey returns the list with the key.
func ListeByKey(key string) (Liste, bool) {
	i := slices.IndexFunc(Lister, func(l Liste) bool { return l.Key == key })
	if i < 0 {
		return Liste{}, false
	}
	return Lister[i], true
}

// UUIDs tells whether the list's codes are FFB concept UUIDs (lower-case).
func (l Liste) UUIDs() bool { return l.Scheme == "ffb" || l.Kind == KindFFBYdelse }

// HasParagraph tells whether the list's codes carry a paragraph (indsatskoder).
func (l Liste) HasParagraph() bool { return l.Kind == KindIndsats }

// HasParentPath tells whether the list's codes carry a parent path and a leaf flag (FFB
// tilbud and FFB ydelser).
func (l Liste) HasParentPath() bool {
	return l.Kind == KindFFBYdelse || l.Kind == KindTilbudstype && l.Scheme == "ffb"
}

// Kode is one code of a Liste as DST manages it: the attributes of every list (each list
// uses its own), its validity, and how many ydelser use it.
type Kode struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// KindIndsats.
	Paragraph           string `json:"paragraph,omitempty"`
	FFB                 bool   `json:"ffb,omitempty"`
	RequiresTilbudssted string `json:"requires_tilbudssted,omitempty"`
	Residential         bool   `json:"residential,omitempty"`
	VarighedDefault     string `json:"varighed_default,omitempty"`
	// KindMaalgruppe.
	PrimaryAllowed bool   `json:"primary_allowed,omitempty"`
	ParentCode     string `json:"parent_code,omitempty"` // FFB målgrupper: the parent's UUID
	// FFB tilbud and FFB ydelser.
	ParentPath string `json:"parent_path,omitempty"`
	Leaf       *bool  `json:"leaf,omitempty"`

	Source    string     `json:"source,omitempty"`
	ValidFrom *time.Time `json:"valid_from,omitempty"`
	ValidTo   *time.Time `json:"valid_to,omitempty"` // the last day it may be used; nil: no end
	// AddedAt is set for a code DST added on the screens (deletable while unused).
	AddedAt *time.Time `json:"-"`
	// Uses is the number of ydelser, in every kommune, that use the code.
	Uses int64 `json:"-"`
	// Path is the name with its parents' ("Ydelse > Ophold > Længerevarende ophold") for
	// FFB codes, the name for the others.
	Path string `json:"-"`
}

// UdgaarFra is the first day the code may no longer be used (ValidTo + 1 day), or nil.
func (k Kode) UdgaarFra() *time.Time {
	if k.ValidTo == nil {
		return nil
	}
	d := DateOf(*k.ValidTo).AddDate(0, 0, 1)
	return &d
}

// Deletable tells whether the code may be deleted: added by DST and used by no ydelse.
func (k Kode) Deletable() bool { return k.AddedAt != nil && k.Uses == 0 }

// Texts are what DST may change of a code after it exists: its name, its paragraph
// (indsatskoder) and its source.
type Texts struct {
	Name      string `json:"name"`
	Paragraph string `json:"paragraph,omitempty"`
	Source    string `json:"source"`
}

// OrderKoder gives each code of list l its Path and puts them in the order of the
// Snapshot's lists (natural code order; FFB codes in tree order), for the code-list screens.
func OrderKoder(l Liste, ks []Kode) {
	setPaths(l, ks)
	slices.SortFunc(ks, func(a, b Kode) int {
		return orderIn(schemeOf(l), a.Path, a.Code, b.Path, b.Code)
	})
}

// schemeOf is "ffb" for the lists ordered as a tree (orderIn).
func schemeOf(l Liste) string {
	if l.UUIDs() {
		return "ffb"
	}
	return "old"
}

// setPaths gives each code its Path: FFB målgrupper by walking ParentCode within the list,
// FFB tilbud and ydelser from ParentPath.
func setPaths(l Liste, ks []Kode) {
	tree := &Snapshot{maalgrupper: map[codeKey]MaalgruppeKode{}}
	for _, k := range ks {
		tree.maalgrupper[codeKey{l.Scheme, k.Code}] = MaalgruppeKode{Scheme: l.Scheme, Code: k.Code, Name: k.Name, ParentCode: k.ParentCode}
	}
	for i, k := range ks {
		switch {
		case l.Kind == KindMaalgruppe && k.ParentCode != "":
			ks[i].Path = tree.walkPath(tree.maalgrupper[codeKey{l.Scheme, k.Code}])
		case l.HasParentPath():
			ks[i].Path = JoinPath(k.ParentPath, k.Name)
		default:
			ks[i].Path = k.Name
		}
	}
}
