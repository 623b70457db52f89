package views

import (
	"context"
	"strings"
	"testing"
)

// TestListeRaekke keeps the hand-written list row (listeraekke.go) to the markup the templ
// version wrote, with every text escaped (a Navn with markup in it), and each cell's column
// name in data-title (issue 17).
func TestListeRaekke(t *testing.T) {
	ydelse := ListeRow{Valgt: "ydelse:7", CPR: "0101901234", Navn: `Anna <b>&"x'`, Indsats: "101 Bostøtte",
		Startdato: "01-02-2024", Betalingskommune: "101 København", Indberettet: "05-03-2024",
		EditURL: "/sager/1/ydelser/7", DeleteURL: "/ydelser/7/slet"}
	sag := ListeRow{Valgt: "sag:1", CPR: "0101901234", Navn: "Bo", AntalYdelser: 3, Afsluttet: true, ViewURL: "/sager/1"}
	cases := []struct {
		visning string
		row     ListeRow
		want    string
	}{
		{"sager-og-ydelser", ydelse, `<tr><td><div class="form-group-radio"><input class="form-radio" type="radio" name="valgt" id="valgt-ydelse-7" value="ydelse:7"> <label for="valgt-ydelse-7"><span class="sr-only">Vælg 010190-1234 101 Bostøtte</span></label></div></td><td class="liste-nowrap" data-title="CPR-nummer">010190-1234</td><td data-title="Navn">Anna &lt;b&gt;&amp;&#34;x&#39;</td><td data-title="Indsatskode">101 Bostøtte</td><td class="liste-nowrap" data-title="Startdato">01-02-2024</td><td class="liste-nowrap" data-title="Slutdato"></td><td data-title="Betalingskommune">101 København</td><td data-title="Status">Ikke afsluttet</td><td class="liste-nowrap" data-title="Indberettet">05-03-2024</td><td class="liste-raekke-handlinger"><a href="/sager/1/ydelser/7">Redigér<span class="sr-only"> 010190-1234 101 Bostøtte</span></a> <a class="liste-slet" href="/ydelser/7/slet"><span class="icon icon-delete" aria-hidden="true"></span> <span class="sr-only">Slet ydelse</span></a></td></tr>`},
		{"sager-og-ydelser", sag, `<tr><td><div class="form-group-radio"><input class="form-radio" type="radio" name="valgt" id="valgt-sag-1" value="sag:1"> <label for="valgt-sag-1"><span class="sr-only">Vælg 010190-1234</span></label></div></td><td class="liste-nowrap" data-title="CPR-nummer">010190-1234</td><td data-title="Navn">Bo</td><td data-title="Indsatskode"></td><td class="liste-nowrap" data-title="Startdato"></td><td class="liste-nowrap" data-title="Slutdato"></td><td data-title="Betalingskommune"></td><td data-title="Status">Afsluttet</td><td data-title="Indberettet">Ikke indberettet</td><td class="liste-raekke-handlinger"><a href="/sager/1">Vis sag<span class="sr-only"> 010190-1234</span></a> </td></tr>`},
		{"kun-sager", ydelse, `<tr><td><div class="form-group-radio"><input class="form-radio" type="radio" name="valgt" id="valgt-ydelse-7" value="ydelse:7"> <label for="valgt-ydelse-7"><span class="sr-only">Vælg 010190-1234 101 Bostøtte</span></label></div></td><td class="liste-nowrap" data-title="CPR-nummer">010190-1234</td><td data-title="Navn">Anna &lt;b&gt;&amp;&#34;x&#39;</td><td data-title="Antal ydelser">0</td><td data-title="Status">Ikke afsluttet</td><td class="liste-nowrap" data-title="Indberettet">05-03-2024</td><td class="liste-raekke-handlinger"><a href="/sager/1/ydelser/7">Redigér<span class="sr-only"> 010190-1234 101 Bostøtte</span></a> <a class="liste-slet" href="/ydelser/7/slet"><span class="icon icon-delete" aria-hidden="true"></span> <span class="sr-only">Slet sag</span></a></td></tr>`},
		{"kun-sager", sag, `<tr><td><div class="form-group-radio"><input class="form-radio" type="radio" name="valgt" id="valgt-sag-1" value="sag:1"> <label for="valgt-sag-1"><span class="sr-only">Vælg 010190-1234</span></label></div></td><td class="liste-nowrap" data-title="CPR-nummer">010190-1234</td><td data-title="Navn">Bo</td><td data-title="Antal ydelser">3</td><td data-title="Status">Afsluttet</td><td data-title="Indberettet">Ikke indberettet</td><td class="liste-raekke-handlinger"><a href="/sager/1">Vis sag<span class="sr-only"> 010190-1234</span></a> </td></tr>`},
	}
	for _, c := range cases {
		var b strings.Builder
		if err := listeRaekke(Liste{Visning: c.visning}, c.row).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("%s, %s:\n got %s\nwant %s", c.visning, c.row.Valgt, b.String(), c.want)
		}
	}
}
