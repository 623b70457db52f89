package views

import "strconv"

// The export screens (eksport.templ): the button *Eksporter poster* on both lists (E1), the
// page of one export with its progress and, when it is done, the file, and the page of the
// kommune's exports with the order form of all three kinds (E1, E2).

// EksporterPath is the page of the exports; a POST there orders one.
const EksporterPath = "/eksporter"

// EksportStatusID is the id of the part of an export's page that polls its progress.
const EksportStatusID = "eksport-status"

// EksportPath is the page of export id.
func EksportPath(id int64) string { return EksporterPath + "/" + strconv.FormatInt(id, 10) }

// EksportFilPath is the download of export id's file.
func EksportFilPath(id int64) string { return EksportPath(id) + "/fil" }

// Eksport is one export as the screens show it.
type Eksport struct {
	ID         int64
	Kommune    string // "København (101)"
	Art        string // "CPR-liste", "CPR-liste til tabel 3", "Fejlopgørelse"
	Indhold    string // the list, view and filter: "Egne IDEP, Kun sager, Alle sager"
	Format     string // "CSV" or "Excel (XLSX)"
	BestiltAf  string
	BestiltAt  string // DD-MM-YYYY HH:MM
	UdloeberAt string // DD-MM-YYYY
	Status     string // "i-koe", "i-gang", EksportGaaetIStaa, "faerdig", "fejlet"
	Fejl       string // why the last attempt failed

	Gennemgaaet int // sager read so far
	IAlt        int // of this many
	Raekker     int // rows of the file
	AntalCPR    int // CPR numbers in the file
	Stoerrelse  string
}

// EksportGaaetIStaa is the status of an export whose worker died mid-attempt, which River
// runs again (issue 14 #8).
const EksportGaaetIStaa = "gaaet-i-staa"

// StatusTekst is the export's status in Danish.
func (e Eksport) StatusTekst() string {
	return map[string]string{"i-koe": "I kø", "i-gang": "I gang", EksportGaaetIStaa: "Gået i stå — genstartes automatisk",
		"faerdig": "Færdig", "fejlet": "Fejlet"}[e.Status]
}

// GaaetIStaa tells whether the export has stalled and will be started again.
func (e Eksport) GaaetIStaa() bool { return e.Status == EksportGaaetIStaa }

// Faerdig tells whether the file can be downloaded.
func (e Eksport) Faerdig() bool { return e.Status == "faerdig" }

// Fejlet tells whether the export has given up.
func (e Eksport) Fejlet() bool { return e.Status == "fejlet" }

// Procent is the progress in whole percent.
func (e Eksport) Procent() int {
	if e.IAlt == 0 {
		if e.Faerdig() {
			return 100
		}
		return 0
	}
	return min(100, e.Gennemgaaet*100/e.IAlt)
}

// Eksporter is the page of the exports with the order form.
type Eksporter struct {
	Rows        []Eksport
	VisKommune  bool // DST: the exports of every kommune, with a column for the kommune
	Bestilling  EksportBestilling
	KommuneValg []Option // DST: the kommune to export; nil for a kommune's users
	CSRFToken   string
}

// EksportBestilling is the order form, as typed, with the messages of a refused order (422).
type EksportBestilling struct {
	Art, Liste, Visning, Filter, Format, Kommune string
	Fejl                                         []FieldError
}

// fejlFor is the message of field id, if any.
func (b EksportBestilling) fejlFor(id string) string {
	for _, f := range b.Fejl {
		if f.FieldID == id {
			return f.Message
		}
	}
	return ""
}

// EksportArtTekst is the name of a kind of export.
func EksportArtTekst(art string) string {
	return map[string]string{"liste": "CPR-liste", "tabel3": "CPR-liste til tabel 3", "fejl": "Fejlopgørelse"}[art]
}

// EksportFormatTekst is the name of a format.
func EksportFormatTekst(format string) string {
	return map[string]string{"csv": "CSV", "xlsx": "Excel (XLSX)"}[format]
}

// VisningTekst is the name of a view of a list (S8).
func VisningTekst(v string) string { return labelOf(visninger, v) }

// FilterTekst is the name of a filter of a list (S8).
func FilterTekst(f string) string { return labelOf(filtre, f) }

func labelOf(links []visningLink, v string) string {
	for _, l := range links {
		if l.Value == v {
			return l.Label
		}
	}
	return v
}

func optionsOf(links []visningLink) []Option {
	out := make([]Option, len(links))
	for i, l := range links {
		out[i] = Option{Value: l.Value, Label: l.Label}
	}
	return out
}

// Tabel3Hjaelp says what the CPR list behind table 3 holds here: the manuals do not say
// (see worker/export_rows.go).
const Tabel3Hjaelp = "Vejledningen siger ikke, hvad tabel 3 i Danmarks Statistiks rapport viser. Her er det borgerne i ophold: " +
	"ydelser i længerevarende og midlertidige botilbud (§ 108 og § 107) og socialpædagogisk støtte i botilbudslignende " +
	"tilbud (§ 85), med tilbudssted."

// FejlHjaelp says what the fejlopgørelse holds.
const FejlHjaelp = "Sager og ydelser, der bryder en af reglerne for indberetning (de samme regler, som formularerne " +
	"tjekker), med reglens nummer og en forklaring."

// lister are the lists the order form offers: DST (who chooses a kommune) only All (read
// only), the delivered data (S9, T3); a kommune's user both.
func (v Eksporter) lister() []Option {
	alle := Option{Value: "alle", Label: ListeNavn("alle")}
	if v.KommuneValg != nil {
		return []Option{alle}
	}
	return []Option{alle, {Value: "egne", Label: ListeNavn("egne")}}
}
