package views

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"indberet/tenant/domain"

	"github.com/a-h/templ"
)

// The list screens (lister.templ): *Se listen over alle indberetninger* with the two lists
// of S9, and a list with its views, filters (S8) and CPR search. A CPR number never goes
// into a URL these screens render: links carry the list, view, filter, sag id and the page's
// cursor (ids, tenant's cursor) only; the search, and the pages of a search, are POSTed.

// Indberetninger is the overview of the two lists with their numbers of sager (S9).
type Indberetninger struct {
	Egne, Alle int
}

// The ids of the parts of a list page that htmx swaps.
const (
	ListeIndholdID    = "liste-indhold"    // views, filters, search and results
	ListeResultaterID = "liste-resultater" // count, table and pages
	listeCPRFejlID    = "liste-cpr-fejl"   // the message of the search field
)

// Liste is a list page (S8, S9).
type Liste struct {
	// Kommune is the kommune DST reads (T3), kept in every link and form of the page; "" for
	// a kommune's own users. KommuneNavn is its name, for the heading.
	Kommune     string
	KommuneNavn string
	Liste       string // "egne" or "alle"
	Visning     string // "sager-og-ydelser", "kun-sager" or "ydelser-ved-sag"
	Filter      string // "alle", "afsluttede" or "ikke-afsluttede"
	SagID       int64  // the sag of Ydelser ved sag; 0 for none
	SagCPR      string // the CPR number (10 digits) and name of that sag, for the heading
	SagNavn     string

	CPR      string // the search field as the user typed it
	Prefix   string // the digits searched for (what the page buttons send)
	CPRError string // the message of the search field (HTTP 422)
	Message  string // an error above the table, e.g. nothing selected (HTTP 422)

	Rows   []ListeRow
	Total  int    // rows of the whole list
	Offset int    // rows on the pages before this one
	Next   string // the cursor of the next page; "" on the last
	Prev   string // the cursor of the previous page when Offset > 0; "" when that is the first

	CanWrite bool // Opret, Tilføj sag, Tilføj ydelse, Redigér and the rows' links
	// KontaktMangler: the kommune has not registered its contact persons, so no sag can be
	// created yet (K1): Opret and Tilføj sag are not offered; the toolbar says why.
	KontaktMangler bool
	CSRFToken      string
}

// ListeRow is one row: a sag (Kun sager) or a ydelse with its sag.
type ListeRow struct {
	Valgt        string // the value of the row's radio: "sag:<id>" or "ydelse:<id>"
	CPR          string // 10 digits
	Navn         string
	AntalYdelser int // Kun sager

	Indsats          string // ydelse rows: code and name
	Startdato        string // DD-MM-YYYY
	Slutdato         string
	Betalingskommune string

	Afsluttet   bool   // S6
	Indberettet string // the date of delivery, DD-MM-YYYY; "" when not delivered (I2)

	EditURL   string // "" when the user may not edit
	DeleteURL string // "" when the row may not be deleted (S7, Y8) or the user may not
	ViewURL   string // the read-only view of the sag, for users who may not edit
}

// ListeNavn is the name of a list as the manual writes it (S9).
func ListeNavn(liste string) string {
	if liste == "alle" {
		return "All (read only)"
	}
	return "Egne IDEP"
}

// ListeURL is the address of a list (of DST's kommune, or "" for the user's own) in a view
// and filter: real and bookmarkable, never with a CPR number.
func ListeURL(kommune, liste, visning, filter string, sag int64) string {
	q := url.Values{}
	if kommune != "" {
		q.Set("kommune", kommune)
	}
	q.Set("visning", visning)
	q.Set("filter", filter)
	if visning == "ydelser-ved-sag" && sag != 0 {
		q.Set("sag", strconv.FormatInt(sag, 10))
	}
	return "/indberetninger/" + liste + "?" + q.Encode()
}

// ListeSideURL is ListeURL at the page after cursor efter ("" for the first page).
func ListeSideURL(kommune, liste, visning, filter string, sag int64, efter string) string {
	u := ListeURL(kommune, liste, visning, filter, sag)
	if efter != "" {
		u += "&efter=" + url.QueryEscape(efter)
	}
	return u
}

// sideURL is the address of the page after cursor efter of the list in its view and filter.
func (l Liste) sideURL(efter string) string {
	return ListeSideURL(l.Kommune, l.Liste, l.Visning, l.Filter, l.SagID, efter)
}

// listeURL is ListeURL of the page's kommune.
func (l Liste) listeURL(visning, filter string, sag int64) string {
	return ListeURL(l.Kommune, l.Liste, visning, filter, sag)
}

// Heading is the list's name, with the kommune's for DST.
func (l Liste) Heading() string {
	if l.Kommune == "" {
		return ListeNavn(l.Liste)
	}
	return ListeNavn(l.Liste) + " – " + strings.TrimSpace(l.KommuneNavn+" ("+l.Kommune+")")
}

// SagVisningURL is the read-only view of a sag (of DST's kommune, or "" for the user's own).
func SagVisningURL(sag int64, kommune string) string {
	u := "/sager/" + strconv.FormatInt(sag, 10)
	if kommune != "" {
		u += "?kommune=" + url.QueryEscape(kommune)
	}
	return u
}

// listePostURL is where the search and the pages of a list are POSTed.
func listePostURL(liste string) string { return "/indberetninger/" + liste }

// listeValgtKommuneURL is the list DST's choice of kommune opens.
const listeValgtKommuneURL = "/indberetninger/alle"

// listeValgtURL is where the toolbar sends the selected row (a GET form: ids only).
func listeValgtURL(liste string) string { return "/indberetninger/" + liste + "/valgt" }

type visningLink struct{ Value, Label string }

var visninger = []visningLink{
	{"sager-og-ydelser", "Sager og ydelser"},
	{"kun-sager", "Kun sager"},
	{"ydelser-ved-sag", "Ydelser ved sag"},
}

var filtre = []visningLink{
	{"alle", "Alle sager"},
	{"afsluttede", "Afsluttede sager"},
	{"ikke-afsluttede", "Ikke afsluttede sager"},
}

// switchAttrs are the htmx attributes of a view or filter link: it POSTs the new view and
// filter with the search field (so the search stays, out of the URL), swaps the list and
// pushes the link's own address.
// switchLink is one link of a switchNav: the view and filter it leads to.
type switchLink struct {
	label, visning, filter string
	current                bool
}

// visningLinks are the links to the three views, keeping the filter (S8).
func visningLinks(l Liste) []switchLink {
	var out []switchLink
	for _, v := range visninger {
		out = append(out, switchLink{label: v.Label, visning: v.Value, filter: l.Filter, current: v.Value == l.Visning})
	}
	return out
}

// filterLinks are the links to the three filters, keeping the view (S6, S8).
func filterLinks(l Liste) []switchLink {
	var out []switchLink
	for _, f := range filtre {
		out = append(out, switchLink{label: f.Label, visning: l.Visning, filter: f.Value, current: f.Value == l.Filter})
	}
	return out
}

func switchAttrs(l Liste, visning, filter string) templ.Attributes {
	vals, _ := json.Marshal(map[string]string{"kommune": l.Kommune, "visning": visning, "filter": filter,
		"sag": strconv.FormatInt(l.SagID, 10)})
	return templ.Attributes{
		"hx-post":     listePostURL(l.Liste),
		"hx-vals":     string(vals),
		"hx-include":  "#liste-cpr",
		"hx-target":   "#" + ListeIndholdID,
		"hx-swap":     "outerHTML",
		"hx-push-url": l.listeURL(visning, filter, l.SagID),
	}
}

// TalDK writes n with Danish thousands separators: 1.234.
func TalDK(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// antalTekst is the count above the table: "1.234 sager", or "Viser 51–100 af 1.234 sager"
// when the list has more than one page.
func (l Liste) antalTekst() string {
	one, many := "ydelse", "ydelser"
	if l.Visning == "kun-sager" {
		one, many = "sag", "sager"
	}
	unit := many
	if l.Total == 1 {
		unit = one
	}
	if l.Offset == 0 && l.Next == "" {
		return TalDK(l.Total) + " " + unit
	}
	return "Viser " + TalDK(l.Offset+1) + "–" + TalDK(l.Offset+len(l.Rows)) + " af " + TalDK(l.Total) + " " + unit
}

func (l Liste) kunSager() bool { return l.Visning == "kun-sager" }

// vaelgSag tells whether the view is Ydelser ved sag without a sag chosen.
func (l Liste) vaelgSag() bool { return l.Visning == "ydelser-ved-sag" && l.SagID == 0 }

func (l Liste) columns() int {
	if l.kunSager() {
		return 7
	}
	return 10
}

func radioID(valgt string) string { return "valgt-" + strings.ReplaceAll(valgt, ":", "-") }

// label names the row for a screen reader: the CPR number and, in a ydelse row, the indsats.
func (r ListeRow) label() string {
	if r.Indsats == "" {
		return domain.FormatCPR(r.CPR)
	}
	return domain.FormatCPR(r.CPR) + " " + r.Indsats
}

func currentIf(on bool) string {
	if on {
		return "page"
	}
	return "false"
}
