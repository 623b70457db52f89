package domain

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The code lists of CODES.md as values: each list's entries (Indsats, MaalgruppeKode,
// Tilbudstype, FFBYdelse, Kommune) and Snapshot, an immutable in-memory copy of all of them
// that the rules and the forms read. tenant/codes reads a Snapshot from the tables (Read) or
// from the embedded files (FromCSV).

// Indsats is one indsatskode (indsatser.csv, table indsatskoder).
type Indsats struct {
	Code      string
	Name      string
	Paragraph string
	// FFB tells that the FFB fields are mandatory from 2025-01-01 (Y4).
	FFB bool
	// RequiresTilbudssted is "yes", "no" or "if_in_107_botilbud" (Y5).
	RequiresTilbudssted string
	// Residential marks a stay, for the one-stay-at-a-time rule (Y6).
	Residential bool
	// VarighedDefault is "periode" or "styk" (Y1).
	VarighedDefault string
	ValidFrom       time.Time
	ValidTo         *time.Time
}

// ValidAt tells whether the code may be used for a ydelse starting on day.
func (i Indsats) ValidAt(day time.Time) bool {
	return validAt(&i.ValidFrom, i.ValidTo, day)
}

// MaalgruppeKode is one målgruppe of the code lists, in a scheme ("old_2013", "old_2018" or "ffb"; Y3).
type MaalgruppeKode struct {
	Scheme string
	// Code is the code of the old schemes, or the FFB concept UUID (lower-case).
	Code string
	Name string
	// ParentCode is the parent's code within the scheme (FFB only), or "".
	ParentCode string
	// PrimaryAllowed tells whether the group may be the primary målgruppe.
	PrimaryAllowed bool
	ValidFrom      *time.Time
	ValidTo        *time.Time

	path string // set by NewSnapshot
}

// Path returns "Parent > Child > Name" for FFB groups (walking ParentCode within the
// scheme), and Name for the old ones. CODES.md: FFB groups are shown by name with their
// parent path, never by UUID alone. Only a MaalgruppeKode got from a Snapshot knows its parents.
func (m MaalgruppeKode) Path() string {
	if m.path == "" {
		return m.Name
	}
	return m.path
}

// ValidAt tells whether the group may be used for a ydelse starting on day.
func (m MaalgruppeKode) ValidAt(day time.Time) bool {
	return validAt(m.ValidFrom, m.ValidTo, day)
}

// Tilbudstype is one tilbudstype: an old DST tilbudskode (scheme "old_2013") or an FFB Tilbud
// (scheme "ffb", the candidates for Tilbuds-UUID, Y4).
type Tilbudstype struct {
	Scheme     string
	Code       string
	Name       string
	ParentPath string // "Tilbud > Dagtilbud til voksne" for FFB, "" for the old codes
	Leaf       *bool  // nil when unknown (the old codes)
	ValidFrom  *time.Time
	ValidTo    *time.Time
}

// Path returns "ParentPath > Name", or Name when there is no parent path.
func (t Tilbudstype) Path() string { return JoinPath(t.ParentPath, t.Name) }

// ValidAt tells whether the tilbudstype may be used for a ydelse starting on day.
func (t Tilbudstype) ValidAt(day time.Time) bool { return validAt(t.ValidFrom, t.ValidTo, day) }

// FFBYdelse is one concept of the FFB Ydelse hierarchy, a candidate for Ydelses-UUID (Y4).
type FFBYdelse struct {
	UUID       string // lower-case
	Name       string
	ParentPath string
	Leaf       bool
	ValidFrom  *time.Time
	ValidTo    *time.Time
}

// Path returns "ParentPath > Name", or Name when there is no parent path.
func (f FFBYdelse) Path() string { return JoinPath(f.ParentPath, f.Name) }

// ValidAt tells whether the FFB ydelse may be used for a ydelse starting on day.
func (f FFBYdelse) ValidAt(day time.Time) bool { return validAt(f.ValidFrom, f.ValidTo, day) }

// Kommune is one of the 98 municipalities, as a code list (for Betalingskommune, Y1).
type Kommune struct {
	Kode string // 3 digits
	Navn string
}

// Snapshot is an immutable in-memory copy of the code lists, for validation and pickers.
// It is safe for concurrent use. The ordered lists are returned as copies.
type Snapshot struct {
	indsatser    map[string]Indsats
	maalgrupper  map[codeKey]MaalgruppeKode
	tilbudstyper map[codeKey]Tilbudstype
	ffbYdelser   map[string]FFBYdelse
	kommuner     map[string]Kommune

	indsatsList     []Indsats
	maalgruppeLists map[string][]MaalgruppeKode
	tilbudstypeList map[string][]Tilbudstype
	ffbYdelseList   []FFBYdelse
	kommuneList     []Kommune
}

// codeKey is the key of a målgruppe or tilbudstype: its scheme and code.
type codeKey struct{ scheme, code string }

// Scheme names, in the order the lists present them.
var schemeOrder = []string{"old_2013", "old_2018", "ffb"}

// NewSnapshot builds a snapshot of the given rows. The order of the arguments does not
// matter: the lists are ordered by their content (see the list methods), so a snapshot read
// from the tables equals one made from the CSV files. A later row with the same key replaces
// an earlier one.
func NewSnapshot(ind []Indsats, mg []MaalgruppeKode, tt []Tilbudstype, fy []FFBYdelse, km []Kommune) *Snapshot {
	s := &Snapshot{
		indsatser:       map[string]Indsats{},
		maalgrupper:     map[codeKey]MaalgruppeKode{},
		tilbudstyper:    map[codeKey]Tilbudstype{},
		ffbYdelser:      map[string]FFBYdelse{},
		kommuner:        map[string]Kommune{},
		maalgruppeLists: map[string][]MaalgruppeKode{},
		tilbudstypeList: map[string][]Tilbudstype{},
	}
	for _, i := range ind {
		s.indsatser[i.Code] = i
	}
	for _, m := range mg {
		m.path = ""
		s.maalgrupper[codeKey{m.Scheme, m.Code}] = m
	}
	for key, m := range s.maalgrupper {
		if m.ParentCode != "" {
			m.path = s.walkPath(m)
			s.maalgrupper[key] = m
		}
	}
	for _, t := range tt {
		s.tilbudstyper[codeKey{t.Scheme, t.Code}] = t
	}
	for _, f := range fy {
		s.ffbYdelser[f.UUID] = f
	}
	for _, k := range km {
		s.kommuner[k.Kode] = k
	}

	s.indsatsList = sortedValues(s.indsatser, func(a, b Indsats) int { return CompareCodes(a.Code, b.Code) })
	for _, m := range s.maalgrupper {
		s.maalgruppeLists[m.Scheme] = append(s.maalgruppeLists[m.Scheme], m)
	}
	for _, list := range s.maalgruppeLists {
		slices.SortFunc(list, func(a, b MaalgruppeKode) int {
			return orderIn(a.Scheme, a.Path(), a.Code, b.Path(), b.Code)
		})
	}
	for _, t := range s.tilbudstyper {
		s.tilbudstypeList[t.Scheme] = append(s.tilbudstypeList[t.Scheme], t)
	}
	for _, list := range s.tilbudstypeList {
		slices.SortFunc(list, func(a, b Tilbudstype) int {
			return orderIn(a.Scheme, a.Path(), a.Code, b.Path(), b.Code)
		})
	}
	s.ffbYdelseList = sortedValues(s.ffbYdelser, func(a, b FFBYdelse) int {
		return orderIn("ffb", a.Path(), a.UUID, b.Path(), b.UUID)
	})
	s.kommuneList = sortedValues(s.kommuner, func(a, b Kommune) int { return cmp.Compare(a.Kode, b.Kode) })
	return s
}

// walkPath joins the names from the root of m's scheme down to m. A missing parent ends
// the walk; a cycle is cut where it closes.
func (s *Snapshot) walkPath(m MaalgruppeKode) string {
	names := []string{m.Name}
	seen := map[string]bool{m.Code: true}
	for p := m.ParentCode; p != "" && !seen[p]; {
		parent, ok := s.maalgrupper[codeKey{m.Scheme, p}]
		if !ok {
			break
		}
		seen[p] = true
		names = append(names, parent.Name)
		p = parent.ParentCode
	}
	slices.Reverse(names)
	return strings.Join(names, " > ")
}

// orderIn orders two entries of one scheme: FFB entries by their path (so every entry
// follows its parent, siblings alphabetically in Danish order), the old codes by code in
// natural order.
func orderIn(scheme, pathA, codeA, pathB, codeB string) int {
	if scheme == "ffb" {
		if c := comparePaths(pathA, pathB); c != 0 {
			return c
		}
	}
	return CompareCodes(codeA, codeB)
}

// Indsats returns the indsats with the code.
func (s *Snapshot) Indsats(code string) (Indsats, bool) {
	i, ok := s.indsatser[code]
	return i, ok
}

// IndsatsNavn is the name of the indsats with the code, "" when the lists do not have it.
func (s *Snapshot) IndsatsNavn(code string) string { return s.indsatser[code].Name }

// Maalgruppe returns the målgruppe with the code in the scheme.
func (s *Snapshot) Maalgruppe(scheme, code string) (MaalgruppeKode, bool) {
	m, ok := s.maalgrupper[codeKey{scheme, code}]
	return m, ok
}

// Tilbudstype returns the tilbudstype with the code in the scheme.
func (s *Snapshot) Tilbudstype(scheme, code string) (Tilbudstype, bool) {
	t, ok := s.tilbudstyper[codeKey{scheme, code}]
	return t, ok
}

// FFBYdelse returns the FFB ydelse with the (lower-case) UUID.
func (s *Snapshot) FFBYdelse(uuid string) (FFBYdelse, bool) {
	f, ok := s.ffbYdelser[uuid]
	return f, ok
}

// Kommune returns the kommune with the 3-digit code.
func (s *Snapshot) Kommune(kode string) (Kommune, bool) {
	k, ok := s.kommuner[kode]
	return k, ok
}

// KommuneNavn is the name of the kommune with the 3-digit code, "" when unknown.
func (s *Snapshot) KommuneNavn(kode string) string { return s.kommuner[kode].Navn }

// Indsatser returns the indsatser by code in natural order (1.8.2 before 1.12.0.1).
func (s *Snapshot) Indsatser() []Indsats { return slices.Clone(s.indsatsList) }

// Maalgrupper returns the målgrupper of the schemes, scheme after scheme in the order
// given; all schemes (old_2013, old_2018, ffb, then any other) when none is given. Within
// a scheme the old codes come in natural code order, the FFB groups in tree order (each
// after its parent, siblings alphabetically).
func (s *Snapshot) Maalgrupper(schemes ...string) []MaalgruppeKode {
	if len(schemes) == 0 {
		schemes = allSchemes(s.maalgruppeLists)
	}
	var out []MaalgruppeKode
	for _, sc := range schemes {
		out = append(out, s.maalgruppeLists[sc]...)
	}
	return out
}

// Tilbudstyper returns the tilbudstyper of the scheme in the order of Maalgrupper; all
// schemes when scheme is "".
func (s *Snapshot) Tilbudstyper(scheme string) []Tilbudstype {
	if scheme != "" {
		return slices.Clone(s.tilbudstypeList[scheme])
	}
	var out []Tilbudstype
	for _, sc := range allSchemes(s.tilbudstypeList) {
		out = append(out, s.tilbudstypeList[sc]...)
	}
	return out
}

// FFBYdelser returns the FFB ydelser in tree order (each after its parent, siblings
// alphabetically).
func (s *Snapshot) FFBYdelser() []FFBYdelse { return slices.Clone(s.ffbYdelseList) }

// Kommuner returns the kommuner by code.
func (s *Snapshot) Kommuner() []Kommune { return slices.Clone(s.kommuneList) }

// allSchemes returns the known schemes of lists in schemeOrder, then any other by name.
func allSchemes[T any](lists map[string][]T) []string {
	var other []string
	for sc := range lists {
		if !slices.Contains(schemeOrder, sc) {
			other = append(other, sc)
		}
	}
	slices.Sort(other)
	return append(slices.Clone(schemeOrder), other...)
}

func sortedValues[K comparable, V any](m map[K]V, compare func(a, b V) int) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, compare)
	return out
}

// CompareCodes compares two codes such as "1.8.2" and "1.12.0.1" part by part, numerically
// where both parts are numbers (so 1.8.2 < 1.12.0.1 and 2 < 10), a prefix first.
func CompareCodes(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, errA := strconv.ParseUint(pa[i], 10, 64)
		nb, errB := strconv.ParseUint(pb[i], 10, 64)
		var c int
		switch {
		case errA == nil && errB == nil:
			c = cmp.Compare(na, nb)
		case errA == nil:
			c = -1 // numbers before words
		case errB == nil:
			c = 1
		default:
			c = strings.Compare(pa[i], pb[i])
		}
		if c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(pa), len(pb)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// comparePaths compares "A > B > C" paths segment by segment in Danish alphabetical order.
func comparePaths(a, b string) int {
	sa, sb := strings.Split(a, " > "), strings.Split(b, " > ")
	for i := 0; i < len(sa) && i < len(sb); i++ {
		if c := compareDanish(sa[i], sb[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(sa), len(sb))
}

// compareDanish compares case-insensitively with æ, ø, å after z, then byte-wise.
func compareDanish(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	for i := 0; i < len(ra) && i < len(rb); i++ {
		if c := cmp.Compare(danishRank(ra[i]), danishRank(rb[i])); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(ra), len(rb)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func danishRank(r rune) rune {
	switch r {
	case 'æ', 'ä':
		return 'z' + 1
	case 'ø', 'ö':
		return 'z' + 2
	case 'å':
		return 'z' + 3
	}
	return r
}

// JoinPath writes a code's path: "parent > name", or name without a parent.
func JoinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + " > " + name
}

// validAt tells whether day lies within [from, to], both ends included, nil = unbounded.
// Only the calendar date of each time counts.
func validAt(from, to *time.Time, day time.Time) bool {
	d := DateOf(day)
	if from != nil && d.Before(DateOf(*from)) {
		return false
	}
	return to == nil || !d.After(DateOf(*to))
}
