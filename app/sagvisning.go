package app

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/codes"
	"indberet/tenant/rules"
	"indberet/views"
)

// visSag is GET /sager/:id: the read-only view of a sag with every field of its ydelser, for
// users who may not change it (laeser, DST) and for the rows of All (read only). DST names
// the kommune (?kommune=147) and sees what All shows, the delivered data (S9, T3); anyone
// else sees their own kommune's sag, another kommune's id is 404 (T1). The CPR number shown
// is logged under the sag's kommune.
func (a *App) visSag(c *fiber.Ctx) error {
	r, err := a.target(c)
	if err != nil {
		return err
	}
	s := scope(c)
	kommune := c.Query("kommune")
	if s.Kommune == "" && a.kommuner[kommune] == "" {
		return fiber.ErrNotFound
	}
	var v views.SagVisning
	err = a.inScope(c, func(tx *tenant.Tx) error {
		sag, ydelser, err := tx.ShowSagVisning(r.ctx, kommune, r.id, "sag "+strconv.FormatInt(r.id, 10))
		if err != nil {
			return err
		}
		v = a.sagVisning(r.snap, sag, ydelser)
		return nil
	})
	if err != nil {
		return err
	}
	v.ListeURL, v.ListeTil = "/indberetninger", "Se listen over alle indberetninger"
	if s.Kommune == "" {
		v.KunIndberettet = true
		v.ListeURL = views.ListeURL(kommune, string(tenant.ListeAlle), string(tenant.VisningSagerOgYdelser), string(tenant.FilterAlle), 0)
		v.ListeTil = "Tilbage til All (read only) – " + a.kommuner[kommune] + " (" + kommune + ")"
	}
	return a.render(c, fiber.StatusOK, views.SagVisningPage(a.page(c, "Sag"), v))
}

// sagVisning is the sag and its ydelser as the read-only view shows them, with the labels of
// the forms (rules.Fields) and dates DD-MM-YYYY.
func (a *App) sagVisning(snap *codes.Snapshot, s tenant.Sag, ydelser []tenant.Ydelse) views.SagVisning {
	today := a.today()
	fv := s.Funktionsvurdering
	if t := rules.FunktionsvurderingText(fv); t != "" {
		fv += " " + t
	}
	indberettet := "Ikke indberettet"
	if s.IndberettetAt != nil {
		indberettet = views.DateDK(s.IndberettetAt.In(copenhagen))
	}
	v := views.SagVisning{
		Heading: "Sag " + rules.FormatCPR(s.CPR),
		Sag: []views.Felt{
			{Label: rules.FieldLabel(rules.FieldCPR), Value: rules.FormatCPR(s.CPR)},
			{Label: rules.FieldLabel(rules.FieldNavn), Value: s.Navn},
			{Label: rules.FieldLabel(rules.FieldFunktionsvurdering), Value: fv},
			{Label: rules.FieldLabel(rules.FieldBemaerkninger), Value: s.Bemaerkninger},
			{Label: "Status", Value: rules.SagStatus([]*time.Time{s.SlutdatoMax}, today).Label()},
			{Label: "Indberettet", Value: indberettet},
		},
	}
	for _, y := range ydelser {
		v.Ydelser = append(v.Ydelser, views.YdelseVisning{
			ID: "ydelse-" + strconv.FormatInt(y.ID, 10), Heading: indsatsLabel(snap, y.Indsatskode),
			Felter: ydelseFelter(snap, y, today),
		})
	}
	return v
}

// ydelseFelter are the fields of a ydelse (Y1–Y5) in the order of the form.
func ydelseFelter(snap *codes.Snapshot, y tenant.Ydelse, today time.Time) []views.Felt {
	in := rules.YdelseInputOf(y)
	felt := func(field, value string) views.Felt { return views.Felt{Label: rules.FieldLabel(field), Value: value} }
	var primaer string
	var sekundaere []string
	for _, m := range y.Maalgrupper {
		label := m.Scheme + ":" + m.Code
		if mg, ok := snap.Maalgruppe(m.Scheme, m.Code); ok {
			label = maalgruppeLabel(snap, mg)
		}
		if m.Primaer {
			primaer = label
		} else {
			sekundaere = append(sekundaere, label)
		}
	}
	betaler := y.Betalingskommune
	if k, ok := snap.Kommune(y.Betalingskommune); ok {
		betaler += " " + k.Navn
	}
	tilbudstype := in.Tilbudstype
	if t, ok := snap.Tilbudstype(y.TilbudstypeScheme, y.Tilbudstype); ok {
		tilbudstype = t.Code + " " + t.Name
	}
	tilbudsUUID := y.TilbudsUUID
	if t, ok := snap.Tilbudstype("ffb", y.TilbudsUUID); ok && y.TilbudsUUID != "" {
		tilbudsUUID += " " + t.Path()
	}
	ydelsesUUID := y.YdelsesUUID
	if f, ok := snap.FFBYdelse(y.YdelsesUUID); ok && y.YdelsesUUID != "" {
		ydelsesUUID += " " + f.Path()
	}
	varighed := map[string]string{"periode": "Periodeydelse", "styk": "Stykydelse"}[y.Varighed]
	indberettet := "Ikke indberettet"
	if y.IndberettetAt != nil {
		indberettet = views.DateDK(y.IndberettetAt.In(copenhagen))
	}
	fs := []views.Felt{
		felt(rules.FieldIndsatskode, indsatsLabel(snap, y.Indsatskode)),
		felt(rules.FieldVarighed, varighed),
		felt(rules.FieldBevillingsdato, in.Bevillingsdato),
		felt(rules.FieldStartdato, in.Startdato),
		felt(rules.FieldForventetSlutdato, in.ForventetSlutdato),
		felt(rules.FieldSlutdato, in.Slutdato),
		{Label: "Primær målgruppe", Value: primaer},
		{Label: "Sekundære målgrupper", Value: strings.Join(sekundaere, "; ")},
		felt(rules.FieldBetalingskommune, betaler),
	}
	if in.I107Botilbud != "" {
		fs = append(fs, views.Felt{Label: "Gives støtten i botilbud efter § 107?", Value: map[string]string{"ja": "Ja", "nej": "Nej"}[in.I107Botilbud]})
	}
	fs = append(fs,
		felt(rules.FieldPNummer, y.PNummer),
		felt(rules.FieldAfdelingsUUID, y.AfdelingsUUID),
		felt(rules.FieldTilbudstype, tilbudstype))
	if y.TilbudNavn != "" || y.TilbudAdresse != "" || y.TilbudPostnr != "" { // Y5: the 2013 rules
		fs = append(fs, felt(rules.FieldTilbudNavn, y.TilbudNavn), felt(rules.FieldTilbudAdresse, y.TilbudAdresse),
			felt(rules.FieldTilbudPostnr, y.TilbudPostnr))
	}
	return append(fs,
		felt(rules.FieldTilbudsUUID, tilbudsUUID),
		felt(rules.FieldYdelsesUUID, ydelsesUUID),
		views.Felt{Label: "Status", Value: rules.YdelseStatus(y.Slutdato, today).Label()},
		views.Felt{Label: "Indberettet", Value: indberettet})
}
