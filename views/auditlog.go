package views

import "net/url"

// The log viewers (auditlog.templ): *Revisionslog*, the audit log (who changed what, with
// the state before and after), and *CPR-adgangslog*, who saw or exported which CPR numbers.
// Both are read only and paged newest first. A CPR number typed in a filter goes only in POST
// bodies, never in a URL: with it the pages are POST forms, without it plain links.

// The addresses of the log viewers.
const (
	AuditLogPath  = "/revision"
	CPRAccessPath = "/cpr-adgang"
)

// The names of the filter fields, and the keys of LogFilter.Errors.
const (
	LogFeltKommune  = "kommune"
	LogFeltBruger   = "bruger"
	LogFeltHandling = "handling"
	LogFeltSag      = "sag"
	LogFeltCPR      = "cpr"
	LogFeltFra      = "fra"
	LogFeltTil      = "til"
	LogFeltEfter    = "efter" // the cursor of the next page
)

// LogFilter is the filter form of a log viewer: the values as typed (kept when the server
// refuses them, HTTP 422), the messages, and the choices.
type LogFilter struct {
	Path                                          string // AuditLogPath or CPRAccessPath
	Kommune, Bruger, Handling, Sag, CPR, Fra, Til string
	Errors                                        map[string]string
	Kommuner                                      []Option // DST and platform: every kommune; nil for a kommune's administrator
	Handlinger                                    []Option // the audit log's actions; nil: no such field
	MedSag                                        bool     // the audit log's field Sag
	// MedCPR offers the CPR filter: to readers who may see sager (issue 14 #3). A CPR number
	// sent all the same is shown back with its message.
	MedCPR    bool
	CSRFToken string
	// Besked is a message above the records, which are shown: the page asked for could not
	// be (a cursor the server did not write, issue 14 #6), so these are the first page's.
	Besked string
}

// Summary is the filter's messages in the order of the fields, for the error summary.
func (f LogFilter) Summary() []FieldError {
	var out []FieldError
	for _, k := range []string{LogFeltKommune, LogFeltBruger, LogFeltHandling, LogFeltSag, LogFeltCPR, LogFeltFra, LogFeltTil} {
		if msg, ok := f.Errors[k]; ok {
			out = append(out, FieldError{FieldID: "log-" + k, Message: msg})
		}
	}
	return out
}

// query is the filter as URL parameters, without the CPR number (which never goes in a URL).
func (f LogFilter) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{LogFeltKommune: f.Kommune, LogFeltBruger: f.Bruger, LogFeltHandling: f.Handling,
		LogFeltSag: f.Sag, LogFeltFra: f.Fra, LogFeltTil: f.Til} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// hidden is the filter as sorted name, value pairs without the CPR number, for the hidden
// fields of a page form.
func (f LogFilter) hidden() [][2]string {
	q := f.query()
	var out [][2]string
	for _, k := range []string{LogFeltKommune, LogFeltBruger, LogFeltHandling, LogFeltSag, LogFeltFra, LogFeltTil} {
		if v := q.Get(k); v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// pageURL is the address of the page after cursor efter ("" for the first page) of a filter
// without a CPR number.
func (f LogFilter) pageURL(efter string) string {
	q := f.query()
	if efter != "" {
		q.Set(LogFeltEfter, efter)
	}
	if len(q) == 0 {
		return f.Path
	}
	return f.Path + "?" + q.Encode()
}

// LogSide is where a page of a log is: the records before it and the cursor of the next.
type LogSide struct {
	Offset, Antal int
	Next          string // "" on the last page
}

// Tekst is "Viser 51–100", or "" when everything fits on one page.
func (s LogSide) Tekst() string {
	if s.Offset == 0 && s.Next == "" {
		return ""
	}
	return "Viser " + TalDK(s.Offset+1) + "–" + TalDK(s.Offset+s.Antal)
}

// Revision is the audit log viewer's page.
type Revision struct {
	Filter       LogFilter
	Records      []AuditRow
	Side         LogSide
	AlleKommuner bool // the records may be of several kommuner: show the kommune of each
}

// AuditRow is one change.
type AuditRow struct {
	Tid      string // DD-MM-YYYY HH:MM, Danish time
	Kommune  string // "101 København", "000 Platformen"
	Bruger   string
	IP       string
	Handling string // "Sag ændret"
	Ting     string // "Sag 17", "Ydelse 33 (sag 17)"
	Felter   []DiffFelt
	// Skjult: a change of a sag, ydelse or contact person the reader may not see (issue 14
	// #3); SkjultTekst stands where its fields would.
	Skjult bool
}

// SkjultTekst stands in the Revisionslog for the fields of a change the reader may not see.
const SkjultTekst = "Skjult: du har ikke adgang til indholdet"

// DiffFelt is one field of a change: its value before and after; Aendret marks a change.
type DiffFelt struct {
	Felt, Foer, Efter string
	Aendret           bool
}

// CPRAccessView is the CPR access log viewer's page.
type CPRAccessView struct {
	Filter       LogFilter
	Records      []CPRAccessRow
	Side         LogSide
	AlleKommuner bool
}

// CPRAccessRow is one access: how many CPR numbers it covered, not which.
type CPRAccessRow struct {
	Tid, Kommune, Bruger, IP, Handling, Detalje string
	AntalCPR                                    int
}
