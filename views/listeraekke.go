package views

import (
	"context"
	"html"
	"io"
	"strconv"
	"strings"

	"indberet/tenant/domain"

	"github.com/a-h/templ"
)

// listeRaekke is one row of a list's table (S8): the radio that chooses it, CPR number,
// Navn, the ydelse's columns or Antal ydelser, status (S6), delivery (I2) and the row's
// links; each cell has its column's name in data-title, which dkfds' table--responsive-headers
// shows above the cell on a narrow screen (issue 17). It is written by hand, not by templ: a page has up to 50 rows, and templ writes
// every expression through fmt.Sprint, which made the rows a fifth of the server's CPU in
// make bench's CPR search. The markup is what the templ version wrote, byte for byte
// (TestListeRaekke); every text is escaped as templ escapes it.
func listeRaekke(l Liste, r ListeRow) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		cpr, id, label := domain.FormatCPR(r.CPR), radioID(r.Valgt), r.label()
		b := make([]byte, 0, 1024)
		b = append(b, `<tr><td><div class="form-group-radio"><input class="form-radio" type="radio" name="valgt" id="`...)
		b = appendEscaped(b, id)
		b = append(b, `" value="`...)
		b = appendEscaped(b, r.Valgt)
		b = append(b, `"> <label for="`...)
		b = appendEscaped(b, id)
		b = append(b, `"><span class="sr-only">Vælg `...)
		b = appendEscaped(b, label)
		b = append(b, `</span></label></div></td><td class="liste-nowrap" data-title="CPR-nummer">`...)
		b = appendEscaped(b, cpr)
		b = append(b, `</td><td data-title="Navn">`...)
		b = appendEscaped(b, r.Navn)
		if l.kunSager() {
			b = append(b, `</td><td data-title="Antal ydelser">`...)
			b = strconv.AppendInt(b, int64(r.AntalYdelser), 10)
		} else {
			b = append(b, `</td><td data-title="Indsatskode">`...)
			b = appendEscaped(b, r.Indsats)
			b = append(b, `</td><td class="liste-nowrap" data-title="Startdato">`...)
			b = appendEscaped(b, r.Startdato)
			b = append(b, `</td><td class="liste-nowrap" data-title="Slutdato">`...)
			b = appendEscaped(b, r.Slutdato)
			b = append(b, `</td><td data-title="Betalingskommune">`...)
			b = appendEscaped(b, r.Betalingskommune)
		}
		b = append(b, `</td><td data-title="Status">`...)
		b = append(b, domain.StatusOf(r.Afsluttet).Label()...)
		if r.Indberettet != "" {
			b = append(b, `</td><td class="liste-nowrap" data-title="Indberettet">`...)
			b = appendEscaped(b, r.Indberettet)
			b = append(b, `</td>`...)
		} else {
			b = append(b, `</td><td data-title="Indberettet">Ikke indberettet</td>`...)
		}
		// The URLs are the app's own paths (app.listeRow), built from ids.
		b = append(b, `<td class="liste-raekke-handlinger">`...)
		if r.EditURL != "" {
			b = append(b, `<a href="`...)
			b = appendEscaped(b, r.EditURL)
			b = append(b, `">Redigér<span class="sr-only"> `...)
			b = appendEscaped(b, label)
			b = append(b, `</span></a> `...)
		}
		if r.ViewURL != "" {
			b = append(b, `<a href="`...)
			b = appendEscaped(b, r.ViewURL)
			b = append(b, `">Vis sag<span class="sr-only"> `...)
			b = appendEscaped(b, cpr)
			b = append(b, `</span></a> `...)
		}
		if r.DeleteURL != "" {
			b = append(b, `<a class="liste-slet" href="`...)
			b = appendEscaped(b, r.DeleteURL)
			b = append(b, `"><span class="icon icon-delete" aria-hidden="true"></span> <span class="sr-only">`...)
			if l.kunSager() {
				b = append(b, `Slet sag`...)
			} else {
				b = append(b, `Slet ydelse`...)
			}
			b = append(b, `</span></a>`...)
		}
		b = append(b, `</td></tr>`...)
		_, err := w.Write(b)
		return err
	})
}

// appendEscaped appends s to b escaped as templ.EscapeString escapes it (html.EscapeString),
// without an allocation when s has nothing to escape.
func appendEscaped(b []byte, s string) []byte {
	if !strings.ContainsAny(s, `<>&'"`) {
		return append(b, s...)
	}
	return append(b, html.EscapeString(s)...)
}
