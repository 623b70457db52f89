package generate

import (
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"

	"indberet/tenant/domain"
)

// IndsatsShares are the relative shares of the indsatskoder among generated ydelser: our own
// rough estimate from DST's statistics on *handicap og udsatte voksne* (socialpædagogisk
// støtte after § 85 the largest group, then the day offers of §§ 103–104, the stays of
// §§ 107–108 and § 85 in a housing-like offer, and the support persons of §§ 96–98). A
// code of the code list that is not here gets the share 0.5; a code here that is not in the
// code list is never used.
var IndsatsShares = map[string]float64{
	"1.12.0.2": 30,  // § 85, other socialpædagogisk støtte
	"1.1":      13,  // § 104 aktivitets- og samværstilbud
	"1.12.0.1": 9,   // § 85 in a housing-like offer (a stay)
	"1.13.4":   8,   // § 97 ledsageordning
	"1.4":      6,   // § 103 beskyttet beskæftigelse
	"1.8.1":    6,   // § 108 long-term stay
	"1.8.2":    5,   // § 107 temporary stay
	"1.18.2":   5,   // § 82 b
	"1.18.1":   4,   // § 82 a
	"1.3":      3,   // § 102 behandling
	"1.13.2":   2,   // § 96 BPA
	"1.17":     1.5, // § 95
	"1.18.3":   1.5, // § 82 c
	"1.12.1.1": 1,   // § 85 a CTI
	"1.12.1.2": 0.5, // § 85 a ICM
	"1.12.1.3": 0.5, // § 85 a ACT
	"1.13.3":   0.5, // § 98
	"1.19.1":   0.5, // § 117 a, one-off help
	"1.19.2":   0.2,
	"1.19.3":   0.2,
	"1.19.4":   0.2,
}

// firstStart is the first Startdato generated: the 2013 system's first day (I4).
var firstStart = time.Date(2013, 7, 1, 0, 0, 0, 0, time.UTC)

// old2018 is the first day of the 2018 målgruppe codes (Y3) and the last day + 1 of the
// 2013 tilbudstyper.
var old2018 = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	fornavne = []string{"Anna", "Mads", "Sofie", "Jens", "Ida", "Peter", "Maria", "Lars", "Emma", "Ole",
		"Karen", "Frederik", "Mette", "Søren", "Hanne", "Bjørn", "Lærke", "Mikkel", "Åse", "Niels"}
	efternavne = []string{"Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
		"Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
		"Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen"}
	funktionsvurderinger = []string{"", "", "", "A", "B", "C", "C", "D", "E"}
)

// sag is one generated sag. Its ydelser are batch.ydelser[firstYdelse : firstYdelse+nYdelser].
type sag struct {
	cpr, navn, funktionsvurdering, kilde string
	created                              time.Time
	indberettet                          time.Time // zero: not delivered
	firstYdelse, nYdelser                int
}

// ydelse is one generated ydelse. Zero dates and UUIDs are NULL. Its målgrupper are
// batch.maalgrupper[firstMG : firstMG+nMG], the primary first.
type ydelse struct {
	sag                               int // index of the sag in the batch
	indsats                           *domain.Indsats
	varighed                          string
	bevilling, start, forventet, slut time.Time
	betaling                          string
	tilbudstypeScheme, tilbudstype    string
	pNummer                           string
	afdeling, tilbuds, ydelses        uuid.UUID
	i107                              int8 // 0 unanswered, 1 ja, -1 nej
	created, updated, indberettet     time.Time
	firstMG, nMG                      int
}

type maalgruppe struct {
	ydelse       int // index of the ydelse in the batch
	scheme, code string
	primaer      bool
}

// batch is the generated data of one kommune, without ids (the loader numbers them).
type batch struct {
	kommune     string
	sager       []sag
	ydelser     []ydelse
	maalgrupper []maalgruppe
}

// offer is a tilbudssted of a kommune (Y5): P-nummer, Afdelings-UUID and, for data from the
// 2013 rules, a tilbudstype.
type offer struct {
	pNummer     string
	afdeling    uuid.UUID
	tilbudstype string // an old_2013 code, or "" when the list has none
}

// world is what every kommune's generation reads: the code lists sorted into what the
// choices need, and the dates. It is not changed once made.
type world struct {
	snap     *domain.Snapshot
	today    time.Time // UTC midnight
	lastRun  time.Time // the latest delivery run (the 14th, I1) on or before today
	kommuner []string  // every kommunekode, for Betalingskommune

	indsatser  []domain.Indsats
	indsatsCum []float64 // cumulative shares of indsatser

	primary   map[string][]domain.MaalgruppeKode // per scheme, the groups that may be primary
	secondary map[string][]domain.MaalgruppeKode // per scheme, every group
	ffbTilbud []domain.Tilbudstype               // FFB Tilbud leaves (Tilbuds-UUID, Y4)
	ffbYdelse []domain.FFBYdelse                 // FFB Ydelse leaves (Ydelses-UUID, Y4)
	oldTilbud []domain.Tilbudstype               // old_2013 tilbudstyper (Y5, 2013 rules)
}

func newWorld(snap *domain.Snapshot, today time.Time) *world {
	w := &world{snap: snap, today: today, primary: map[string][]domain.MaalgruppeKode{},
		secondary: map[string][]domain.MaalgruppeKode{}}
	w.lastRun = time.Date(today.Year(), today.Month(), 14, 2, 0, 0, 0, time.UTC)
	if today.Day() < 14 {
		w.lastRun = w.lastRun.AddDate(0, -1, 0)
	}
	for _, k := range snap.Kommuner() {
		w.kommuner = append(w.kommuner, k.Kode)
	}
	sum := 0.0
	for _, i := range snap.Indsatser() {
		share, ok := IndsatsShares[i.Code]
		if !ok {
			share = 0.5
		}
		sum += share
		w.indsatser = append(w.indsatser, i)
		w.indsatsCum = append(w.indsatsCum, sum)
	}
	for _, m := range snap.Maalgrupper() {
		w.secondary[m.Scheme] = append(w.secondary[m.Scheme], m)
		if m.PrimaryAllowed {
			w.primary[m.Scheme] = append(w.primary[m.Scheme], m)
		}
	}
	for _, t := range snap.Tilbudstyper("ffb") {
		if t.Leaf != nil && *t.Leaf {
			w.ffbTilbud = append(w.ffbTilbud, t)
		}
	}
	for _, f := range snap.FFBYdelser() {
		if f.Leaf {
			w.ffbYdelse = append(w.ffbYdelse, f)
		}
	}
	w.oldTilbud = snap.Tilbudstyper("old_2013")
	return w
}

// nextRun is the first delivery run (the 14th at 02:00 UTC) after t, or zero when it is
// after the last run.
func (w *world) nextRun(t time.Time) time.Time {
	run := time.Date(t.Year(), t.Month(), 14, 2, 0, 0, 0, time.UTC)
	if !run.After(t) {
		run = run.AddDate(0, 1, 0)
	}
	if run.After(w.lastRun) {
		return time.Time{}
	}
	return run
}

// seedOf mixes the seed with the kommunekode, so each kommune's data depends only on both.
func seedOf(seed uint64, kode string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(kode))
	return seed ^ h.Sum64()
}

// buildKommune generates n sager of kommune kode. existing are the kommune's CPR numbers
// already in the database, never reused.
func (w *world) buildKommune(kode string, n int, seed uint64, existing []string) *batch {
	s := seedOf(seed, kode)
	g := &kommuneGen{w: w, kode: kode, rng: rand.New(rand.NewPCG(s, 0x59444C53)), cprs: NewCPRs(s, existing),
		b: &batch{kommune: kode, sager: make([]sag, 0, n), ydelser: make([]ydelse, 0, n*9/4+8),
			maalgrupper: make([]maalgruppe, 0, n*3+8)}}
	g.offers = make([]offer, 3+n/150)
	for i := range g.offers {
		o := offer{pNummer: "9" + kode + leftPad(i, 6),
			afdeling: uuid.NewSHA1(uuid.NameSpaceURL, []byte("indberet-generate:"+kode+":"+strconv.Itoa(i)))}
		if len(w.oldTilbud) > 0 {
			o.tilbudstype = w.oldTilbud[g.rng.IntN(len(w.oldTilbud))].Code
		}
		g.offers[i] = o
	}
	for range n {
		g.sag()
	}
	return g.b
}

// kommuneGen generates one kommune's batch.
type kommuneGen struct {
	w      *world
	kode   string
	rng    *rand.Rand
	cprs   *CPRs
	offers []offer
	b      *batch
}

func (g *kommuneGen) days(from, to time.Time) time.Time {
	n := int(to.Sub(from).Hours() / 24)
	if n <= 0 {
		return from
	}
	return from.AddDate(0, 0, g.rng.IntN(n+1))
}

func (g *kommuneGen) chance(p float64) bool { return g.rng.Float64() < p }

// sag adds one sag with 1–4 ydelser: about a third closed (every Slutdato before today, S6),
// stays that never overlap (Y6), about half of the sager delivered on the runs after their
// changes (I2).
func (g *kommuneGen) sag() {
	w, b := g.w, g.b
	closed := g.chance(1.0 / 3)
	n := 1
	switch r := g.rng.Float64(); {
	case r < 0.15:
		n = 4
	case r < 0.40:
		n = 3
	case r < 0.70:
		n = 2
	}
	latest := w.today.AddDate(0, 0, -30)
	if closed {
		latest = w.today.AddDate(0, 0, -120)
	}
	first := g.days(firstStart, latest)
	age := 18 + g.rng.IntN(62)
	if g.chance(0.1) {
		age = 80 + g.rng.IntN(10)
	}
	birth := first.AddDate(-age, 0, -g.rng.IntN(365))
	s := sag{
		cpr:                g.cprs.Next(birth, g.chance(0.5)),
		navn:               fornavne[g.rng.IntN(len(fornavne))] + " " + efternavne[g.rng.IntN(len(efternavne))],
		funktionsvurdering: funktionsvurderinger[g.rng.IntN(len(funktionsvurderinger))],
		kilde:              "egne",
		firstYdelse:        len(b.ydelser),
	}
	if g.chance(0.1) {
		s.kilde = "system" // S9: delivered system to system, in All only
	}
	sagIndex := len(b.sager)

	start := first
	for j := 0; j < n; j++ {
		if j > 0 {
			start = start.AddDate(0, 0, 30+g.rng.IntN(690))
			if start.After(latest) {
				break
			}
		}
		y, ok := g.ydelse(sagIndex, start)
		if !ok {
			continue
		}
		last := j == n-1
		switch {
		case y.varighed == "styk":
			y.slut = y.start.AddDate(0, 0, 1+g.rng.IntN(14))
		case closed:
			y.slut = g.ended(y.start)
		case last && g.chance(0.15):
			y.slut = w.today.AddDate(0, 0, 30+g.rng.IntN(700)) // ends in the future: still open
		case !last && g.chance(0.5):
			y.slut = g.ended(y.start)
		}
		if g.chance(0.25) {
			y.forventet = y.start.AddDate(0, 0, 180+g.rng.IntN(1320))
		}
		b.ydelser = append(b.ydelser, y)
	}
	ys := b.ydelser[s.firstYdelse:]
	if len(ys) == 0 {
		// No code was valid on the chosen dates: a plain § 85 ydelse keeps the sag (S2).
		b.ydelser = append(b.ydelser, g.fallback(sagIndex, first))
		ys = b.ydelser[s.firstYdelse:]
	}

	// Y6: one stay at a time. Starts grow, so a stay still running when the next one
	// starts ends that day (periods are half-open).
	prevStay := -1
	for j := range ys {
		if !ys[j].indsats.Residential {
			continue
		}
		if prevStay >= 0 {
			p := &ys[prevStay]
			if p.slut.IsZero() || p.slut.After(ys[j].start) {
				p.slut = ys[j].start
			}
		}
		prevStay = j
	}

	for j := range ys {
		g.maalgrupper(s.firstYdelse+j, &ys[j])
	}

	// Y4: now and then an FFB ydelse with a second Ydelses-UUID, as its own row with
	// otherwise the same data, målgrupper included (one stay, not two).
	if n := len(ys); n < 4 {
		if y := ys[n-1]; y.tilbuds != uuid.Nil && g.chance(0.1) {
			other := w.ffbYdelse[g.rng.IntN(len(w.ffbYdelse))]
			if u := uuid.MustParse(other.UUID); u != y.ydelses && other.ValidAt(y.start) {
				y.ydelses = u
				mgs := b.maalgrupper[y.firstMG : y.firstMG+y.nMG]
				y.firstMG = len(b.maalgrupper)
				for _, m := range mgs {
					m.ydelse = len(b.ydelser)
					b.maalgrupper = append(b.maalgrupper, m)
				}
				b.ydelser = append(b.ydelser, y)
				ys = b.ydelser[s.firstYdelse:]
			}
		}
	}

	// The times of registration and delivery (I2).
	delivered := s.kilde == "system" || g.chance(0.5)
	for j := range ys {
		y := &ys[j]
		y.created = y.bevilling.Add(9 * time.Hour)
		y.updated = y.created
		if !y.slut.IsZero() && !y.slut.After(w.today) {
			y.updated = y.slut.Add(9 * time.Hour) // the Slutdato was registered when it came
		}
		if s.created.IsZero() || y.created.Before(s.created) {
			s.created = y.created
		}
		if delivered {
			y.indberettet = w.nextRun(y.updated)
			if y.indberettet.After(s.indberettet) {
				s.indberettet = y.indberettet
			}
		}
	}
	s.nYdelser = len(ys)
	b.sager = append(b.sager, s)
}

// ended is a Slutdato after start and before today.
func (g *kommuneGen) ended(start time.Time) time.Time {
	end := start.AddDate(0, 0, 30+g.rng.IntN(1470))
	if yesterday := g.w.today.AddDate(0, 0, -1); end.After(yesterday) {
		end = yesterday
	}
	if !end.After(start) {
		return time.Time{} // too recent to have ended: stays open
	}
	return end
}

// ydelse draws a ydelse of the sag starting on start: an indsatskode by IndsatsShares valid
// on that day, with the fields Y4 and Y5 require. ok is false when no code fits the day.
func (g *kommuneGen) ydelse(sagIndex int, start time.Time) (ydelse, bool) {
	w := g.w
	newRules := !start.Before(domain.FFBStart)
	var ind *domain.Indsats
	for try := 0; try < 20 && ind == nil; try++ {
		i := &w.indsatser[sort.SearchFloat64s(w.indsatsCum, g.rng.Float64()*w.indsatsCum[len(w.indsatsCum)-1])]
		if i.ValidAt(start) && (!i.FFB || !newRules || len(w.ffbTilbud) > 0 && len(w.ffbYdelse) > 0) {
			ind = i
		}
	}
	if ind == nil {
		return ydelse{}, false
	}
	y := ydelse{sag: sagIndex, indsats: ind, varighed: ind.VarighedDefault, start: start, betaling: g.kode,
		bevilling: start.AddDate(0, 0, -g.rng.IntN(46))}
	if y.varighed == "" {
		y.varighed = "periode"
	}
	if g.chance(0.04) {
		y.betaling = w.kommuner[g.rng.IntN(len(w.kommuner))] // another kommune pays
	}
	if ind.FFB && newRules { // Y4
		if t := w.ffbTilbud[g.rng.IntN(len(w.ffbTilbud))]; t.ValidAt(start) {
			y.tilbuds = uuid.MustParse(t.Code)
		}
		if f := w.ffbYdelse[g.rng.IntN(len(w.ffbYdelse))]; f.ValidAt(start) {
			y.ydelses = uuid.MustParse(f.UUID)
		}
		if y.tilbuds == uuid.Nil || y.ydelses == uuid.Nil {
			return ydelse{}, false
		}
	}
	o := g.offers[g.rng.IntN(len(g.offers))]
	placed := func() { y.pNummer, y.afdeling = o.pNummer, o.afdeling }
	switch ind.RequiresTilbudssted { // Y5
	case "yes":
		if start.Before(old2018) && o.tilbudstype != "" && g.chance(0.6) {
			y.tilbudstypeScheme, y.tilbudstype, y.pNummer = "old_2013", o.tilbudstype, o.pNummer
		} else {
			placed()
		}
	case "if_in_107_botilbud":
		if newRules {
			y.i107 = -1
			if g.chance(0.25) {
				y.i107 = 1
				placed()
			}
		}
	default:
		if g.chance(0.1) {
			placed()
		}
	}
	return y, true
}

// fallback is a ydelse of the most common kind that needs no tilbudssted, for a sag whose
// draws all failed.
func (g *kommuneGen) fallback(sagIndex int, start time.Time) ydelse {
	for i := range g.w.indsatser {
		ind := &g.w.indsatser[i]
		if ind.ValidAt(start) && !ind.FFB && ind.RequiresTilbudssted == "no" {
			return ydelse{sag: sagIndex, indsats: ind, varighed: "periode", start: start, bevilling: start,
				betaling: g.kode}
		}
	}
	panic("generate: no indsatskode without FFB and tilbudssted is valid on " + start.Format(time.DateOnly))
}

// maalgrupper draws the målgrupper of y (Y3): one primary and up to two secondary ones, all
// from one scheme the start date allows (mostly the old codes while they apply) and valid on it.
func (g *kommuneGen) maalgrupper(yIndex int, y *ydelse) {
	schemes := domain.MaalgruppeSchemes(y.start)
	scheme := schemes[len(schemes)-1] // ffb, allowed on every date
	if len(schemes) > 1 && g.chance(0.9) {
		scheme = schemes[0]
	}
	b := g.b
	y.firstMG = len(b.maalgrupper)
	pick := func(list []domain.MaalgruppeKode) (domain.MaalgruppeKode, bool) {
		for try := 0; try < 20 && len(list) > 0; try++ {
			if m := list[g.rng.IntN(len(list))]; m.ValidAt(y.start) {
				return m, true
			}
		}
		return domain.MaalgruppeKode{}, false
	}
	p, ok := pick(g.w.primary[scheme])
	if !ok {
		scheme = "ffb"
		if p, ok = pick(g.w.primary[scheme]); !ok {
			panic("generate: no primary målgruppe is valid on " + y.start.Format(time.DateOnly))
		}
	}
	b.maalgrupper = append(b.maalgrupper, maalgruppe{ydelse: yIndex, scheme: p.Scheme, code: p.Code, primaer: true})
	extra := 0
	switch r := g.rng.Float64(); {
	case r < 0.08:
		extra = 2
	case r < 0.30:
		extra = 1
	}
	for range extra {
		m, ok := pick(g.w.secondary[scheme])
		if !ok || m.Code == p.Code || g.hasMG(y.firstMG, m) {
			continue
		}
		b.maalgrupper = append(b.maalgrupper, maalgruppe{ydelse: yIndex, scheme: m.Scheme, code: m.Code})
	}
	y.nMG = len(b.maalgrupper) - y.firstMG
}

func (g *kommuneGen) hasMG(from int, m domain.MaalgruppeKode) bool {
	for _, x := range g.b.maalgrupper[from:] {
		if x.scheme == m.Scheme && x.code == m.Code {
			return true
		}
	}
	return false
}

func leftPad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
