package codes

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

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

// Maalgruppe is one målgruppe of a scheme ("old_2013", "old_2018" or "ffb"; Y3).
type Maalgruppe struct {
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
// parent path, never by UUID alone. Only a Maalgruppe got from a Snapshot knows its parents.
func (m Maalgruppe) Path() string {
	if m.path == "" {
		return m.Name
	}
	return m.path
}

// ValidAt tells whether the group may be used for a ydelse starting on day.
func (m Maalgruppe) ValidAt(day time.Time) bool {
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
func (t Tilbudstype) Path() string { return joinPath(t.ParentPath, t.Name) }

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
func (f FFBYdelse) Path() string { return joinPath(f.ParentPath, f.Name) }

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
	maalgrupper  map[schemeCode]Maalgruppe
	tilbudstyper map[schemeCode]Tilbudstype
	ffbYdelser   map[string]FFBYdelse
	kommuner     map[string]Kommune

	indsatsList     []Indsats
	maalgruppeLists map[string][]Maalgruppe
	tilbudstypeList map[string][]Tilbudstype
	ffbYdelseList   []FFBYdelse
	kommuneList     []Kommune
}

type schemeCode struct{ scheme, code string }

// Scheme names, in the order the lists present them.
var schemeOrder = []string{"old_2013", "old_2018", "ffb"}

// NewSnapshot builds a snapshot of the given rows. The order of the arguments does not
// matter: the lists are ordered by their content (see the list methods), so a snapshot read
// from the tables equals one made from the CSV files. A later row with the same key replaces
// an earlier one.
func NewSnapshot(ind []Indsats, mg []Maalgruppe, tt []Tilbudstype, fy []FFBYdelse, km []Kommune) *Snapshot {
	s := &Snapshot{
		indsatser:       map[string]Indsats{},
		maalgrupper:     map[schemeCode]Maalgruppe{},
		tilbudstyper:    map[schemeCode]Tilbudstype{},
		ffbYdelser:      map[string]FFBYdelse{},
		kommuner:        map[string]Kommune{},
		maalgruppeLists: map[string][]Maalgruppe{},
		tilbudstypeList: map[string][]Tilbudstype{},
	}
	for _, i := range ind {
		s.indsatser[i.Code] = i
	}
	for _, m := range mg {
		m.path = ""
		s.maalgrupper[schemeCode{m.Scheme, m.Code}] = m
	}
	for key, m := range s.maalgrupper {
		if m.ParentCode != "" {
			m.path = s.walkPath(m)
			s.maalgrupper[key] = m
		}
	}
	for _, t := range tt {
		s.tilbudstyper[schemeCode{t.Scheme, t.Code}] = t
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
		slices.SortFunc(list, func(a, b Maalgruppe) int {
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
func (s *Snapshot) walkPath(m Maalgruppe) string {
	names := []string{m.Name}
	seen := map[string]bool{m.Code: true}
	for p := m.ParentCode; p != "" && !seen[p]; {
		parent, ok := s.maalgrupper[schemeCode{m.Scheme, p}]
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
func (s *Snapshot) Maalgruppe(scheme, code string) (Maalgruppe, bool) {
	m, ok := s.maalgrupper[schemeCode{scheme, code}]
	return m, ok
}

// Tilbudstype returns the tilbudstype with the code in the scheme.
func (s *Snapshot) Tilbudstype(scheme, code string) (Tilbudstype, bool) {
	t, ok := s.tilbudstyper[schemeCode{scheme, code}]
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
func (s *Snapshot) Maalgrupper(schemes ...string) []Maalgruppe {
	if len(schemes) == 0 {
		schemes = allSchemes(s.maalgruppeLists)
	}
	var out []Maalgruppe
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

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + " > " + name
}

// validAt tells whether day lies within [from, to], both ends included, nil = unbounded.
// Only the calendar date of each time counts.
func validAt(from, to *time.Time, day time.Time) bool {
	d := dateOf(day)
	if from != nil && d.Before(dateOf(*from)) {
		return false
	}
	return to == nil || !d.After(dateOf(*to))
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Querier runs a query; *pgxpool.Pool, *pgx.Conn and pgx.Tx satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Read makes a snapshot of the code-list tables as they are now (with DST's corrections).
func Read(ctx context.Context, q Querier) (*Snapshot, error) {
	ind, err := query(ctx, q, "indsatskoder", `SELECT code, name_da, paragraph, ffb, requires_tilbudssted,
		residential, varighed_default, valid_from, valid_to FROM indsatskoder`,
		func(r pgx.CollectableRow) (i Indsats, err error) {
			err = r.Scan(&i.Code, &i.Name, &i.Paragraph, &i.FFB, &i.RequiresTilbudssted, &i.Residential,
				&i.VarighedDefault, &i.ValidFrom, &i.ValidTo)
			return i, err
		})
	if err != nil {
		return nil, err
	}
	mg, err := query(ctx, q, "maalgrupper", `SELECT scheme, code, name_da, coalesce(parent_code, ''),
		primary_allowed, valid_from, valid_to FROM maalgrupper`,
		func(r pgx.CollectableRow) (m Maalgruppe, err error) {
			err = r.Scan(&m.Scheme, &m.Code, &m.Name, &m.ParentCode, &m.PrimaryAllowed, &m.ValidFrom, &m.ValidTo)
			return m, err
		})
	if err != nil {
		return nil, err
	}
	tt, err := query(ctx, q, "tilbudstyper", `SELECT scheme, code, name_da, parent_path, leaf, valid_from, valid_to
		FROM tilbudstyper`,
		func(r pgx.CollectableRow) (t Tilbudstype, err error) {
			err = r.Scan(&t.Scheme, &t.Code, &t.Name, &t.ParentPath, &t.Leaf, &t.ValidFrom, &t.ValidTo)
			return t, err
		})
	if err != nil {
		return nil, err
	}
	fy, err := query(ctx, q, "ffb_ydelser", `SELECT uuid::text, name_da, parent_path, leaf, valid_from, valid_to
		FROM ffb_ydelser`,
		func(r pgx.CollectableRow) (f FFBYdelse, err error) {
			err = r.Scan(&f.UUID, &f.Name, &f.ParentPath, &f.Leaf, &f.ValidFrom, &f.ValidTo)
			return f, err
		})
	if err != nil {
		return nil, err
	}
	km, err := query(ctx, q, "kommuner", `SELECT kommune_kode, navn FROM kommuner`,
		func(r pgx.CollectableRow) (k Kommune, err error) {
			err = r.Scan(&k.Kode, &k.Navn)
			return k, err
		})
	if err != nil {
		return nil, err
	}
	return NewSnapshot(ind, mg, tt, fy, km), nil
}

func query[T any](ctx context.Context, q Querier, table, sql string, scan pgx.RowToFunc[T]) ([]T, error) {
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	return out, nil
}

// FromCSV makes a snapshot of the embedded CSV files, parsed as Load parses them: for tests
// and tools that need the code lists without a database.
func FromCSV() (*Snapshot, error) {
	f, err := readFiles()
	if err != nil {
		return nil, err
	}
	return NewSnapshot(values(f.indsatser), values(f.maalgrupper), values(f.tilbudstyper),
		values(f.ffbYdelser), values(f.kommuner)), nil
}
