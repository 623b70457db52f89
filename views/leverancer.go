package views

import (
	"net/url"
	"strconv"
	"strings"
)

// The delivery screens (leverancer.templ): *Hent data fra Danmarks Statistik* (I5: a
// kommune's leverancer, each with its document to download), DST's *Leveringsoversigt* (the
// leverance of every kommune's latest periode, its next periode and its delivery state,
// contact persons missing, *Start levering*; I1, I7, I9) and the
// *Udbakke* (every e-mail the system sent or recorded, I3).

// Addresses of the delivery screens.
const (
	LeverancerPath = "/leverancer"
	LeveringPath   = "/levering"
	GenleverPath   = "/levering/genlever"
	UdbakkePath    = "/udbakke"
)

// LeverancePath is the address of one leverance's page.
func LeverancePath(id int64) string { return LeverancerPath + "/" + strconv.FormatInt(id, 10) }

// LeveranceDocumentPath is the download of a leverance's XML document.
func LeveranceDocumentPath(id int64) string { return LeverancePath(id) + "/dokument" }

// UdbakkeMailPath is the address of one e-mail in the Udbakke.
func UdbakkeMailPath(id int64) string { return UdbakkePath + "/" + strconv.FormatInt(id, 10) }

// UdbakkeHTMLPath is the HTML body of an e-mail, shown as the receiver sees it.
func UdbakkeHTMLPath(id int64) string { return UdbakkeMailPath(id) + "/html" }

// PageURL is path with the kommune filter and the cursor of the next page (the id the
// page before it ends with).
func PageURL(path, kommune string, efter int64) string {
	q := url.Values{}
	if kommune != "" {
		q.Set("kommune", kommune)
	}
	if efter != 0 {
		q.Set("efter", strconv.FormatInt(efter, 10))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// Tal are the counts of a leverance (I3).
type Tal struct {
	Sager, Ydelser, Nye, Aendrede, Afsluttede, Neutraliserede int
}

// Kvittering is the state of a leverance's receipt (I3).
type Kvittering struct {
	Status string // "Sendt", "Fejlet", "Gemt lokalt", "Afventer"; "" when none is recorded yet
	Fejlet bool
	Fejl   string // the last error
	URL    string // the e-mail in the Udbakke; "" when the user may not read it
}

// LeveranceRow is one leverance.
type LeveranceRow struct {
	URL         string
	Version     int    // 1, or 2, 3, … for a genlevering of the periode (I8)
	Aarsag      string // the genlevering's reason
	DocumentURL string // the XML document; "" when the user may not download it
	Kommune     string // "København (101)"
	Periode     string // "2026M10"
	Leveret     string // DD-MM-YYYY HH:MM
	Tal         Tal
	SHA256      string
	Kvittering  Kvittering
}

// Leverancer is *Hent data fra Danmarks Statistik*: the leverancer the user may read.
type Leverancer struct {
	AlleKommuner bool     // DST: every kommune's, with a kommune column and filter
	Kommune      string   // the filter ("" : all)
	KommuneValg  []Option // the filter's choices
	Rows         []LeveranceRow
	NextURL      string // the next page; "" on the last
	Hent         bool   // the user may download the documents (they hold CPR numbers)
}

// LeveranceSide is one leverance's page.
type LeveranceSide struct {
	LeveranceRow
	Bytes string // the document's size, e.g. "12 kB"
}

// Levering is DST's *Leveringsoversigt*: per active kommune the leverance of its latest
// periode, its next periode and delivery state (I7, I9) and its missing contact persons
// (K1), and the form *Start levering* (I1).
type Levering struct {
	Rows      []LeveringRow
	IGang     []LeveringIGang // the deliveries not finished yet
	Mangler   int             // kommuner that miss contact persons
	KanStarte bool            // the user may start a delivery
	Form      StartLevering
	Genlever  Genlever
}

// LeveringIGang is a kommune's delivery that is queued, running or waiting to be tried
// again, with its state in Danish ("I kø", "Gået i stå — genstartes automatisk" …).
type LeveringIGang struct {
	Kommune, Periode, Status string
	GaaetIStaa               bool // its worker died (issue 14 #8)
}

// LeveringRow is one kommune of the overview.
type LeveringRow struct {
	Kommune string
	Seneste *LeveranceRow // the leverance of its latest periode (I7); nil: never delivered
	Naeste  string        // its next periode (I7)
	Mangler []string      // the names of the missing contact persons (K1)
	// Its delivery of the current periode (I9): "Leveret", "I kø", "Fejlet", "Forsinket" or
	// "Afventer kørslen 14-01-2027"; Advarsel marks the last three; Forklaring is the reason
	// of a failure or when it was due.
	Status, Forklaring string
	Advarsel           bool
}

// StartLevering is the form *Start levering*: the periode and optionally one kommune, kept
// with a message per wrong field when refused (422).
type StartLevering struct {
	Periode, Kommune         string
	KommuneValg              []Option
	PeriodeFejl, KommuneFejl string
}

func (f StartLevering) errors() []FieldError {
	return presentErrors(FieldError{"levering-periode", f.PeriodeFejl}, FieldError{"levering-kommune", f.KommuneFejl})
}

// VersionTekst is the leverance's periode with its version when it is a genlevering (I8):
// "2026M10", "2026M10 (version 2)".
func (r LeveranceRow) VersionTekst() string {
	if r.Version > 1 {
		return r.Periode + " (version " + strconv.Itoa(r.Version) + ")"
	}
	return r.Periode
}

// Genlever is the form *Genlever* (I8): a kommune that has delivered, the periode (empty:
// its latest delivered one) and the required reason, kept with a message per wrong field
// when refused (422).
type Genlever struct {
	Kommune, Periode, Aarsag             string
	KommuneValg                          []Option // the kommuner with a delivered periode, with it
	KommuneFejl, PeriodeFejl, AarsagFejl string
}

func (f Genlever) errors() []FieldError {
	return presentErrors(FieldError{"genlever-kommune", f.KommuneFejl}, FieldError{"genlever-periode", f.PeriodeFejl},
		FieldError{"genlever-aarsag", f.AarsagFejl})
}

// Udbakke is the list of e-mails, newest first.
type Udbakke struct {
	AlleKommuner bool // DST and platform administrators: every kommune's, with a kommune column
	Lokalt       bool // no SMTP_URL: e-mails are recorded, not sent
	Rows         []UdbakkeRow
	NextURL      string
}

// UdbakkeRow is one e-mail.
type UdbakkeRow struct {
	URL      string
	Kommune  string
	Til      string // "Navn <adresse>", or "Ingen modtager"
	Emne     string
	Status   string
	Fejlet   bool
	Fejl     string
	Forsoeg  int
	Oprettet string // DD-MM-YYYY HH:MM
	Sendt    string // DD-MM-YYYY HH:MM; "" when not sent
	// SendIgen is the e-mail's page at its Send igen (I10) when it may be sent again and the
	// user may order it; "" otherwise.
	SendIgen string
}

// UdbakkeMail is one e-mail as sent, with its orders to send and *Send igen* (I10).
type UdbakkeMail struct {
	UdbakkeRow
	Fra          string
	MessageID    string
	Tekst        string // the plain-text body
	HTMLURL      string // the HTML body
	LeveranceURL string // the leverance it is the receipt of; "" for none or when the user may not see it
	Afsendelser  []UdbakkeAfsendelse
	// SendIgenURL is the form's action; "" when the e-mail is not to be sent again (sent, or
	// waiting) or the user may not order it.
	SendIgenURL  string
	SendIgenLink string // the address the link of a Send igen starts with (BASE_URL)
	SendIgenFejl string // why a Send igen was refused (422)
}

// UdbakkeAfsendelse is one order to send an e-mail (I10): the first, made when the receipt
// was recorded, or a Send igen, with its result.
type UdbakkeAfsendelse struct {
	Bestilt   string // DD-MM-YYYY HH:MM
	Af        string // the user's e-mail, or "Automatisk efter leveringen"
	Til       string // "Navn <adresse>", or "Ingen modtager"
	Link      string // the leverance's address in the e-mail; "" when not recorded (before 00028)
	Status    string
	Fejlet    bool
	Forsoeg   int // SMTP attempts
	Fejl      string
	Afsluttet string // DD-MM-YYYY HH:MM; "" while it waits
}

// SendIgenPath is the address of a Send igen of an e-mail (I10).
func SendIgenPath(id int64) string { return UdbakkeMailPath(id) + "/send-igen" }

// kommuneOrd is "kommune" or "kommuner" after a number.
func kommuneOrd(n int) string { return flertal(n, "kommune", "kommuner") }

// flertal is one when n is 1, otherwise many: "1 række", "2 rækker".
func flertal(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// joinDK joins words as Danish does: "a, b og c".
func joinDK(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " og " + words[len(words)-1]
}

// KontaktLegend is the name of a contact person's role (K1), e.g. "Kvitteringsmodtager".
func KontaktLegend(rolle string) string { return kontaktLegend(rolle) }
