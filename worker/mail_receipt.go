package worker

import (
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"strconv"
	"strings"
	texttemplate "text/template"

	"indberet/tenant"
	"indberet/tenant/domain"
	"indberet/views"
)

// The receipt e-mail (I3): what a kommune's Kvitteringsmodtager (K1) receives when the
// kommune's data has been delivered to DST, in Danish, as plain text and as HTML.

// msgNoKvitteringsmodtager is the reason recorded when a kommune has no Kvitteringsmodtager:
// the receipt cannot be sent, and trying again will not help until the kommune registers one.
const msgNoKvitteringsmodtager = "Kommunen har ingen kvitteringsmodtager under Kontaktoplysninger, så kvitteringen kunne ikke sendes."

// receipt is what the templates of the receipt show.
type receipt struct {
	Navn       string // the Kvitteringsmodtager's name
	Kommune    string // "København (101)"
	Periode    string // "2026M10"
	PeriodeDK  string // "oktober 2026"
	Leveret    string // "14-11-2026 kl. 02:00"
	Tal        tenant.LeveranceTal
	SHA256     string
	Link       string
	Kontakt    string // DST's address for questions
	Kvittering string // the subject
	// Genlevering is "Genlevering (version 2) af 2026M10" for a redelivery (I8), "" for the
	// ordinary delivery; Aarsag is its reason.
	Genlevering string
	Aarsag      string
}

// dstKontakt is where the 2025 manual sends questions about the reporting.
const dstKontakt = "handicap@dst.dk"

var danishMonths = [...]string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
	"september", "oktober", "november", "december"}

// periodeDK writes a periode as Danish words: "2026M10" is "oktober 2026".
func periodeDK(p string) string {
	y, m, err := domain.ParsePeriode(p)
	if err != nil {
		return p
	}
	return danishMonths[m-1] + " " + strconv.Itoa(y)
}

// leveranceLink is the address of the leverance's page in the app (its route: views).
func leveranceLink(baseURL string, id int64) string {
	return strings.TrimRight(baseURL, "/") + views.LeverancePath(id)
}

// receiptMail builds the receipt of leverance l of kommune k for its Kvitteringsmodtager to
// (nil: the kommune has none; the e-mail is then recorded as fejlet with the reason).
func receiptMail(cfg MailConfig, l tenant.Leverance, k tenant.Kommune, to *domain.Kontaktperson) (tenant.NewMail, error) {
	kommune := k.Navn + " (" + k.Kode + ")"
	r := receipt{Kommune: kommune, Periode: l.Periode, PeriodeDK: periodeDK(l.Periode),
		Leveret: l.CreatedAt.In(copenhagen).Format("02-01-2006 kl. 15:04"), Tal: l.Tal, SHA256: l.SHA256,
		Link: leveranceLink(cfg.BaseURL, l.ID), Kontakt: dstKontakt,
		Kvittering: "Kvittering for indberetning til Danmarks Statistik: " + kommune + ", " + periodeDK(l.Periode)}
	if l.Genlevering() {
		r.Genlevering = fmt.Sprintf("Genlevering (version %d) af %s", l.Version, l.Periode)
		r.Aarsag = l.Aarsag
		r.Kvittering = "Kvittering for genlevering til Danmarks Statistik: " + kommune + ", " + periodeDK(l.Periode) +
			fmt.Sprintf(" (version %d)", l.Version)
	}
	m := tenant.NewMail{Kind: tenant.MailKvittering, LeveranceID: l.ID, From: cfg.From, Subject: r.Kvittering,
		MessageID: "kvittering-" + l.Kommune + "-" + strconv.FormatInt(l.ID, 10) + "@" + mailDomain(cfg.From), Link: r.Link}
	if to != nil {
		m.ToName, m.ToAddress, r.Navn = to.Navn, to.Email, to.Navn
	} else {
		m.Status, m.LastError = tenant.MailFejlet, msgNoKvitteringsmodtager
	}
	var text, html strings.Builder
	if err := receiptText.Execute(&text, r); err != nil {
		return m, err
	}
	if err := receiptHTML.Execute(&html, r); err != nil {
		return m, err
	}
	m.Text, m.HTML = text.String(), html.String()
	return m, nil
}

// mailDomain is the domain of the sender's address, for the Message-ID.
func mailDomain(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at >= 0 {
			return a.Address[at+1:]
		}
	}
	return "indberet.invalid"
}

var receiptText = texttemplate.Must(texttemplate.New("text").Parse(`{{if .Navn}}Kære {{.Navn}}{{else}}Til kommunens kvitteringsmodtager{{end}}

Danmarks Statistik har modtaget {{if .Genlevering}}en genlevering af {{end}}indberetningen af handicap og udsatte voksne fra {{.Kommune}} for {{.PeriodeDK}}.
{{if .Genlevering}}
{{.Genlevering}}. Den erstatter den tidligere version for perioden; alle versioner kan hentes.
Årsag: {{.Aarsag}}
{{end}}
Kommune:      {{.Kommune}}
Periode:      {{.Periode}}
Indberettet:  {{.Leveret}}

Det blev indberettet:
  Sager:                {{.Tal.Sager}}
  Ydelser:              {{.Tal.Ydelser}}
    heraf nye:          {{.Tal.Nye}}
    heraf ændrede:      {{.Tal.Aendrede}}
    heraf neutraliserede: {{.Tal.Neutraliserede}}
  Afsluttede sager:     {{.Tal.Afsluttede}}

Kontrolsum (SHA-256): {{.SHA256}}

Se indberetningen, og hent de indberettede data (Hent data fra Danmarks Statistik):
{{.Link}}

Du får denne kvittering, fordi du er kommunens kvitteringsmodtager under Kontaktoplysninger i Indberet. Mailen kan ikke besvares. Har du spørgsmål til indberetningen, så skriv til {{.Kontakt}}.

Med venlig hilsen
Danmarks Statistik
`))

var receiptHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="da">
<head>
<meta charset="utf-8">
<title>{{.Kvittering}}</title>
</head>
<body>
<p>{{if .Navn}}Kære {{.Navn}}{{else}}Til kommunens kvitteringsmodtager{{end}}</p>
<p>Danmarks Statistik har modtaget {{if .Genlevering}}en genlevering af {{end}}indberetningen af handicap og udsatte voksne fra {{.Kommune}} for {{.PeriodeDK}}.</p>
{{if .Genlevering}}<p><strong>{{.Genlevering}}.</strong> Den erstatter den tidligere version for perioden; alle versioner kan hentes.<br>Årsag: {{.Aarsag}}</p>
{{end}}
<table>
<tr><th align="left">Kommune</th><td>{{.Kommune}}</td></tr>
<tr><th align="left">Periode</th><td>{{.Periode}}</td></tr>
<tr><th align="left">Indberettet</th><td>{{.Leveret}}</td></tr>
</table>
<h2>Det blev indberettet</h2>
<table>
<tr><th align="left">Sager</th><td align="right">{{.Tal.Sager}}</td></tr>
<tr><th align="left">Ydelser</th><td align="right">{{.Tal.Ydelser}}</td></tr>
<tr><td>heraf nye</td><td align="right">{{.Tal.Nye}}</td></tr>
<tr><td>heraf ændrede</td><td align="right">{{.Tal.Aendrede}}</td></tr>
<tr><td>heraf neutraliserede</td><td align="right">{{.Tal.Neutraliserede}}</td></tr>
<tr><th align="left">Afsluttede sager</th><td align="right">{{.Tal.Afsluttede}}</td></tr>
</table>
<p>Kontrolsum (SHA-256): <code>{{.SHA256}}</code></p>
<p><a href="{{.Link}}">Se indberetningen, og hent de indberettede data</a> (Hent data fra Danmarks Statistik).</p>
<p>Du får denne kvittering, fordi du er kommunens kvitteringsmodtager under Kontaktoplysninger i Indberet. Mailen kan ikke besvares. Har du spørgsmål til indberetningen, så skriv til <a href="mailto:{{.Kontakt}}">{{.Kontakt}}</a>.</p>
<p>Med venlig hilsen<br>Danmarks Statistik</p>
</body>
</html>
`))
