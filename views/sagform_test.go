package views

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"indberet/tenant/domain"
)

func ydelseFormFixture(errs domain.Errors) YdelseForm {
	return YdelseForm{
		Values: domain.YdelseInput{Indsatskode: "1.8.1", Startdato: "01-02-2025", PNummer: "12", Varighed: "periode",
			SekundaereMaalgrupper: []string{"ffb:b"}},
		Errors:       errs,
		Needs:        YdelseNeeds{FFB: true, TilbudsUUID: true, YdelsesUUID: true, PNummer: true, AfdelingsUUID: true},
		Indsatser:    []Option{{Value: "", Label: "Vælg"}, {Value: "1.8.1", Label: "1.8.1 Længerevarende botilbud (SEL § 108)"}},
		Primaer:      []Option{{Value: "", Label: "Vælg"}, {Value: "ffb:a", Label: "A"}},
		Sekundaere:   []Option{{Value: "ffb:a", Label: "A"}, {Value: "ffb:b", Label: "B"}},
		Kommuner:     []Option{{Value: "101", Label: "101 København"}},
		Tilbudstyper: []Option{{Value: "", Label: "Ingen"}},
		TilbudsUUIDs: []Option{{Value: "", Label: "Vælg"}},
		YdelsesUUIDs: []Option{{Value: "", Label: "Vælg"}},
		FieldsURL:    "/ydelsesfelter",
	}
}

// checkDescribedBy: every aria-describedby names elements that exist.
func checkDescribedBy(t *testing.T, doc *html.Node) {
	t.Helper()
	ids := map[string]bool{}
	walk(doc, func(n *html.Node) {
		if id, ok := attr(n, "id"); ok {
			ids[id] = true
		}
	})
	walk(doc, func(n *html.Node) {
		if d, ok := attr(n, "aria-describedby"); ok {
			for _, id := range strings.Fields(d) {
				if !ids[id] {
					t.Errorf("aria-describedby names missing id %q", id)
				}
			}
		}
	})
}

// TestOpretSagPage: the Opret form with messages keeps the values, marks the fields, links
// the summary to them and needs no inline script or style (Y7, S1).
func TestOpretSagPage(t *testing.T) {
	p := Page{Title: "Opret sag", User: kommuneUser, CSRFToken: testToken}
	errs := domain.Errors{domain.FieldCPR: "CPR-nummeret skal have 10 cifre (DDMMÅÅ-LLLL).", domain.FieldPNummer: "P-nummeret skal have 10 cifre."}
	f := OpretSag{
		Sag:      SagForm{Values: domain.SagInput{CPR: "1503", Navn: "Niels"}, Errors: errs, ExistingSagID: 7, Funktionsvurde: FunktionsvurderingOptions()},
		Ydelse:   ydelseFormFixture(errs),
		Summary:  []FieldError{{FieldID: "cpr", Message: errs[domain.FieldCPR]}, {FieldID: "p_nummer", Message: errs[domain.FieldPNummer]}},
		ListeURL: "/indberetninger/egne",
	}
	out := render(t, OpretSagPage(p, f))
	doc := checkPage(t, out, p)
	checkDescribedBy(t, doc)
	for _, want := range []string{`value="1503"`, `value="Niels"`, `value="12"`, `id="cpr-error"`, `id="p_nummer-error"`,
		`href="#cpr"`, `/sager/7/ydelser/ny`, "E – Fuldstændigt problem", ">Opret<", "Gem og stop", ">Luk<"} {
		if !strings.Contains(out, want) {
			t.Errorf("Opret page lacks %s", want)
		}
	}
	if !strings.Contains(out, `value="ffb:b" checked`) {
		t.Error("the chosen secondary målgruppe is not kept")
	}
	// Issue 17: the secondary målgrupper are a multi-select over checkboxes that work without
	// JavaScript; the form takes the focus at its first field, a refused one at the summary.
	for _, want := range []string{`<fieldset id="maalgrupper_sekundaere" data-multipicker`, `id="maalgrupper_sekundaere-legend"`,
		`type="checkbox" id="maalgrupper_sekundaere-1" name="maalgrupper_sekundaere" value="ffb:b" checked`,
		`data-focus-first`, `id="error-summary" data-module="error-summary" tabindex="-1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("Opret page lacks %s", want)
		}
	}
}

// TestRedigerPages: the edit pages show CPR and indsatskode without a control (S4, Y7).
func TestRedigerPages(t *testing.T) {
	p := Page{Title: "Redigér ydelse", User: kommuneUser, CSRFToken: testToken}
	yf := ydelseFormFixture(nil)
	yf.IndsatsLocked, yf.IndsatsLabel = true, "1.8.1 Længerevarende botilbud (SEL § 108)"
	out := render(t, RedigerYdelsePage(p, RedigerYdelse{Sag: SagHeader{ID: 1, CPR: "150362-1235", ListeURL: "/x"}, YdelseID: 2, Version: 3,
		Ydelse: yf, Conflict: &Conflict{Heading: "Ydelsen er ikke gemt", Text: "Ydelsen er ændret af en anden", Who: "a@b.dk",
			Rows: []ConflictRow{{Label: "Slutdato", Mine: "30-06-2026", Saved: ""}}}, Delete: DeleteOption{Instead: "Neutralisér"}}))
	doc := checkPage(t, out, p)
	checkDescribedBy(t, doc)
	if strings.Contains(out, `<select class="form-select " id="indsatskode"`) || !strings.Contains(out, "Indsatskoden kan ikke ændres") {
		t.Error("the indsatskode can be chosen on Redigér")
	}
	for _, want := range []string{"Gem og næste", `name="version" value="3"`, "Ydelsen er ændret af en anden", "Neutralisér",
		`<th scope="row">Slutdato</th><td>30-06-2026</td><td>(tomt)</td>`, "Gemt af a@b.dk"} {
		if !strings.Contains(out, want) {
			t.Errorf("Redigér ydelse lacks %s", want)
		}
	}
	p.Title = "Redigér sag"
	out = render(t, RedigerSagPage(p, RedigerSag{Sag: SagHeader{ID: 1, CPR: "150362-1235"}, CanWrite: true,
		Form:    SagForm{CPRLocked: true, Values: domain.SagInput{CPR: "150362-1235"}, Funktionsvurde: FunktionsvurderingOptions()},
		Ydelser: []YdelseRow{{ID: 2, Indsats: "1.3 Behandling", EditURL: "/ydelser/2/rediger", DeleteURL: "/ydelser/2/slet"}}}))
	checkDescribedBy(t, checkPage(t, out, p))
	if strings.Contains(out, `name="cpr"`) {
		t.Error("the CPR can be changed on Redigér sag (S4)")
	}
	p.Title = "Slet ydelse"
	out = render(t, ConfirmDeletePage(p, ConfirmDelete{Heading: "Slet ydelse", Warning: "Ydelsen 1.3 slettes.", Action: "/ydelser/2/slet", CancelTo: "/x"}))
	checkPage(t, out, p)
	if !strings.Contains(out, "Ja, slet") || !strings.Contains(out, `action="/ydelser/2/slet"`) {
		t.Error("confirmation without its form")
	}
}
