package app

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/domain"
	"indberet/views"
)

// viewSag is GET /sager/:id: the read-only view of a sag with every field of its ydelser, for
// users who may not change it (laeser, DST) and for the rows of All (read only). DST names
// the kommune (?kommune=147) and sees what All shows, the delivered data (S9, T3); anyone
// else sees their own kommune's sag, another kommune's id is 404 (T1). The CPR number shown
// is logged under the sag's kommune.
func (a *App) viewSag(c *fiber.Ctx) error {
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
// the forms (domain.Fields) and dates DD-MM-YYYY.
func (a *App) sagVisning(snap *domain.Snapshot, s domain.Sag, ydelser []domain.Ydelse) views.SagVisning {
	today := a.today()
	shown := sagShown(s)
	indberettet := "Ikke indberettet"
	if s.IndberettetAt != nil {
		indberettet = views.DateDK(s.IndberettetAt.In(copenhagen))
	}
	v := views.SagVisning{
		Heading: "Sag " + domain.FormatCPR(s.CPR),
		Sag: []views.Felt{
			{Label: domain.FieldLabel(domain.FieldCPR), Value: shown[domain.FieldCPR]},
			{Label: domain.FieldLabel(domain.FieldNavn), Value: shown[domain.FieldNavn]},
			{Label: domain.FieldLabel(domain.FieldFunktionsvurdering), Value: shown[domain.FieldFunktionsvurdering]},
			{Label: domain.FieldLabel(domain.FieldBemaerkninger), Value: shown[domain.FieldBemaerkninger]},
			{Label: "Status", Value: domain.SagStatus([]*time.Time{s.SlutdatoMax}, today).Label()},
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

// sagShown is a sag's fields as the screens show them, by field name: the read-only view
// and the comparison of a lost race (konflikt.go).
func sagShown(s domain.Sag) map[string]string {
	fv := s.Funktionsvurdering
	if t := domain.FunktionsvurderingText(fv); t != "" {
		fv += " " + t
	}
	return map[string]string{domain.FieldCPR: domain.FormatCPR(s.CPR), domain.FieldNavn: s.Navn,
		domain.FieldFunktionsvurdering: fv, domain.FieldBemaerkninger: s.Bemaerkninger}
}

// ydelseShown is a ydelse's fields as the screens show them, by field name (Y1–Y5): codes
// with their names, dates DD-MM-YYYY. The read-only view and the comparison of a lost race
// (konflikt.go) show them alike.
func ydelseShown(snap *domain.Snapshot, y domain.Ydelse) map[string]string {
	in := domain.YdelseInputOf(y)
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
	return map[string]string{
		domain.FieldIndsatskode:           indsatsLabel(snap, y.Indsatskode),
		domain.FieldVarighed:              views.VarighedLabel(y.Varighed),
		domain.FieldBevillingsdato:        in.Bevillingsdato,
		domain.FieldStartdato:             in.Startdato,
		domain.FieldForventetSlutdato:     in.ForventetSlutdato,
		domain.FieldSlutdato:              in.Slutdato,
		domain.FieldPrimaerMaalgruppe:     primaer,
		domain.FieldSekundaereMaalgrupper: strings.Join(sekundaere, "; "),
		domain.FieldBetalingskommune:      betaler,
		domain.FieldI107Botilbud:          map[string]string{"ja": "Ja", "nej": "Nej"}[in.I107Botilbud],
		domain.FieldPNummer:               y.PNummer,
		domain.FieldAfdelingsUUID:         y.AfdelingsUUID,
		domain.FieldTilbudstype:           tilbudstype,
		domain.FieldTilbudNavn:            y.TilbudNavn,
		domain.FieldTilbudAdresse:         y.TilbudAdresse,
		domain.FieldTilbudPostnr:          y.TilbudPostnr,
		domain.FieldTilbudsUUID:           tilbudsUUID,
		domain.FieldYdelsesUUID:           ydelsesUUID,
	}
}

// ydelseFelter are the fields of a ydelse (Y1–Y5) in the order of the form.
func ydelseFelter(snap *domain.Snapshot, y domain.Ydelse, today time.Time) []views.Felt {
	shown := ydelseShown(snap, y)
	felt := func(field string) views.Felt { return views.Felt{Label: domain.FieldLabel(field), Value: shown[field]} }
	indberettet := "Ikke indberettet"
	if y.IndberettetAt != nil {
		indberettet = views.DateDK(y.IndberettetAt.In(copenhagen))
	}
	fs := []views.Felt{
		felt(domain.FieldIndsatskode),
		felt(domain.FieldVarighed),
		felt(domain.FieldBevillingsdato),
		felt(domain.FieldStartdato),
		felt(domain.FieldForventetSlutdato),
		felt(domain.FieldSlutdato),
		{Label: "Primær målgruppe", Value: shown[domain.FieldPrimaerMaalgruppe]},
		{Label: "Sekundære målgrupper", Value: shown[domain.FieldSekundaereMaalgrupper]},
		felt(domain.FieldBetalingskommune),
	}
	if y.I107Botilbud != nil {
		fs = append(fs, views.Felt{Label: "Gives støtten i botilbud efter § 107?", Value: shown[domain.FieldI107Botilbud]})
	}
	fs = append(fs, felt(domain.FieldPNummer), felt(domain.FieldAfdelingsUUID), felt(domain.FieldTilbudstype))
	if y.TilbudNavn != "" || y.TilbudAdresse != "" || y.TilbudPostnr != "" { // Y5: the 2013 rules
		fs = append(fs, felt(domain.FieldTilbudNavn), felt(domain.FieldTilbudAdresse), felt(domain.FieldTilbudPostnr))
	}
	return append(fs,
		felt(domain.FieldTilbudsUUID),
		felt(domain.FieldYdelsesUUID),
		views.Felt{Label: "Status", Value: domain.YdelseStatus(y.Slutdato, today).Label()},
		views.Felt{Label: "Indberettet", Value: indberettet})
}
