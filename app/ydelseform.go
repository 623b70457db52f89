package app

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant/domain"
	"indberet/views"
)

// The parts the sag and ydelse screens share: reading the posted fields, turning a stored
// ydelse back into form values, and building the view of the ydelse fields with the picker
// options and the fields the chosen indsatskode requires (Y3–Y5).

// summary lists errs in form order, each named by its field's label and linking to it (the
// field ids are the names).
func summary(errs domain.Errors) []views.FieldError {
	var out []views.FieldError
	for _, f := range domain.Fields {
		if msg, ok := errs[f.Name]; ok {
			out = append(out, views.FieldError{FieldID: f.Name, Message: f.Label + ": " + msg})
		}
	}
	return out
}

func sagInput(c *fiber.Ctx) domain.SagInput {
	return domain.SagInput{
		CPR:                bodyValue(c, domain.FieldCPR),
		Navn:               bodyValue(c, domain.FieldNavn),
		Funktionsvurdering: bodyValue(c, domain.FieldFunktionsvurdering),
		Bemaerkninger:      bodyValue(c, domain.FieldBemaerkninger),
	}
}

func ydelseInput(c *fiber.Ctx) domain.YdelseInput {
	var sek []string
	for _, v := range c.Request().PostArgs().PeekMulti(domain.FieldSekundaereMaalgrupper) {
		sek = append(sek, string(v))
	}
	in := domain.YdelseInput{
		Indsatskode:           bodyValue(c, domain.FieldIndsatskode),
		Varighed:              bodyValue(c, domain.FieldVarighed),
		PrimaerMaalgruppe:     bodyValue(c, domain.FieldPrimaerMaalgruppe),
		SekundaereMaalgrupper: sek,
		Bevillingsdato:        bodyValue(c, domain.FieldBevillingsdato),
		Startdato:             bodyValue(c, domain.FieldStartdato),
		ForventetSlutdato:     bodyValue(c, domain.FieldForventetSlutdato),
		Slutdato:              bodyValue(c, domain.FieldSlutdato),
		Betalingskommune:      bodyValue(c, domain.FieldBetalingskommune),
		Tilbudstype:           bodyValue(c, domain.FieldTilbudstype),
		PNummer:               bodyValue(c, domain.FieldPNummer),
		AfdelingsUUID:         bodyValue(c, domain.FieldAfdelingsUUID),
		TilbudsUUID:           bodyValue(c, domain.FieldTilbudsUUID),
		YdelsesUUID:           bodyValue(c, domain.FieldYdelsesUUID),
		I107Botilbud:          bodyValue(c, domain.FieldI107Botilbud),
		TilbudNavn:            bodyValue(c, domain.FieldTilbudNavn),
		TilbudAdresse:         bodyValue(c, domain.FieldTilbudAdresse),
		TilbudPostnr:          bodyValue(c, domain.FieldTilbudPostnr),
	}
	// Y1: a Varighed the form preselected as the indsatskode's default, not chosen, is no
	// choice: the (new) indsatskode's default applies (issue 17 #6).
	if v := bodyValue(c, "varighed_forvalgt"); v != "" && v == in.Varighed {
		in.Varighed = ""
	}
	return in
}

// indsatsLabel is how an indsatskode is shown: "1.8.1 Længerevarende botilbud … (SEL § 108)".
func indsatsLabel(snap *domain.Snapshot, code string) string {
	ind, ok := snap.Indsats(code)
	if !ok {
		return code
	}
	return ind.Code + " " + ind.Name + " (" + ind.Paragraph + ")"
}

var schemeLabels = map[string]string{"old_2013": "2013-listen", "old_2018": "2018-listen", "ffb": "FFB"}

func maalgruppeLabel(snap *domain.Snapshot, m domain.MaalgruppeKode) string {
	if m.Scheme == "ffb" {
		return m.Path()
	}
	return m.Code + " " + m.Name + " (" + schemeLabels[m.Scheme] + ")"
}

// ydelseForm builds the ydelse fields of a form from the typed values. own is the user's
// kommune (the default Betalingskommune); locked shows the indsatskode without a picker (Y7).
func (a *App) ydelseForm(snap *domain.Snapshot, in domain.YdelseInput, errs domain.Errors, locked bool) views.YdelseForm {
	var start *time.Time
	if t, err := domain.ParseDate(in.Startdato); err == nil {
		start = &t
	}
	n := domain.NeedsFor(snap, in.Indsatskode, start, in.I107Botilbud)
	var forvalgt string
	if in.Varighed == "" { // Y1: the indsatskode's default until the user chooses
		in.Varighed, forvalgt = n.VarighedDefault, n.VarighedDefault
	}
	f := views.YdelseForm{
		Values: in, Errors: errs, IndsatsLocked: locked, IndsatsLabel: indsatsLabel(snap, in.Indsatskode),
		FieldsURL: "/ydelsesfelter", VarighedForvalgt: forvalgt,
		Needs: views.YdelseNeeds{
			FFB: n.FFB, TilbudsUUID: n.TilbudsUUID, YdelsesUUID: n.YdelsesUUID, AskI107: n.AskI107,
			PNummer: n.PNummer, AfdelingsUUID: n.AfdelingsUUID,
			Legacy:      in.TilbudNavn != "" || in.TilbudAdresse != "" || in.TilbudPostnr != "",
			Tilbudstype: domain.TilbudstypeApplies(start),
		},
	}
	switch {
	case start == nil:
		f.Needs.SchemesHint = "Hvilke målgruppekoder der kan bruges, afhænger af startdatoen."
	case !start.Before(domain.FFBStart):
		f.Needs.SchemesHint = "Ydelser med startdato 1. januar 2025 eller senere bruger FFB-målgrupperne."
	default:
		f.Needs.SchemesHint = "Ydelser med startdato til og med 31. december 2024 kan bruge både de gamle og FFB-målgrupperne."
	}
	none := views.Option{Value: "", Label: "Vælg"}
	f.Indsatser = []views.Option{none}
	for _, ind := range snap.Indsatser() {
		f.Indsatser = append(f.Indsatser, views.Option{Value: ind.Code, Label: indsatsLabel(snap, ind.Code),
			Search: strings.ReplaceAll(ind.Paragraph, " ", "")})
	}
	f.Primaer = []views.Option{none}
	for _, m := range snap.Maalgrupper(n.Schemes...) {
		o := views.Option{Value: m.Scheme + ":" + m.Code, Label: maalgruppeLabel(snap, m), Search: m.Code}
		if m.PrimaryAllowed {
			f.Primaer = append(f.Primaer, o)
		}
		f.Sekundaere = append(f.Sekundaere, o)
	}
	f.Primaer = keepChosen(f.Primaer, in.PrimaerMaalgruppe, func(v string) string {
		scheme, code, _ := strings.Cut(v, ":")
		if m, ok := snap.Maalgruppe(scheme, code); ok {
			return maalgruppeLabel(snap, m)
		}
		return v
	})
	f.Kommuner = []views.Option{none}
	for _, k := range snap.Kommuner() {
		f.Kommuner = append(f.Kommuner, views.Option{Value: k.Kode, Label: k.Kode + " " + k.Navn})
	}
	f.Tilbudstyper = []views.Option{{Value: "", Label: "Ingen"}}
	for _, t := range snap.Tilbudstyper("old_2013") {
		f.Tilbudstyper = append(f.Tilbudstyper, views.Option{Value: t.Scheme + ":" + t.Code, Label: t.Code + " " + t.Name})
	}
	f.TilbudsUUIDs = []views.Option{none}
	for _, t := range snap.Tilbudstyper("ffb") {
		f.TilbudsUUIDs = append(f.TilbudsUUIDs, views.Option{Value: t.Code, Label: t.Path(), Search: t.Code})
	}
	f.YdelsesUUIDs = []views.Option{none}
	for _, y := range snap.FFBYdelser() {
		label := y.Path()
		if y.Leaf {
			label += " (laveste niveau)"
		}
		f.YdelsesUUIDs = append(f.YdelsesUUIDs, views.Option{Value: y.UUID, Label: label, Search: y.UUID})
	}
	return f
}

// keepChosen adds the chosen value to the options when they do not offer it (a målgruppe
// that the new start date does not allow, Y3), marked as such: nothing the user chose
// disappears without a word, and saving says why it is refused.
func keepChosen(opts []views.Option, chosen string, label func(string) string) []views.Option {
	if chosen == "" {
		return opts
	}
	for _, o := range opts {
		if o.Value == chosen {
			return opts
		}
	}
	return append(opts, views.Option{Value: chosen, Label: label(chosen) + " (gælder ikke for startdatoen)"})
}

// ydelsesfelter re-renders the ydelse fields for the chosen indsatskode and start date
// (htmx, POST /ydelsesfelter), keeping every typed value, so the fields they make required
// are marked at once (Y4, Y5).
func (a *App) ydelsesfelter(c *fiber.Ctx) error {
	snap, err := a.codes(c.UserContext())
	if err != nil {
		return err
	}
	in := ydelseInput(c)
	f := a.ydelseForm(snap, in, nil, c.FormValue("indsats_laast") == "1")
	f.VarighedLocked = c.FormValue("varighed_laast") == "1" // Y8: shown as it is; the save checks it
	return a.render(c, fiber.StatusOK, views.YdelseFields(f))
}
