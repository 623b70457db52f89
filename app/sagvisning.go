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
	fv := s.Funktionsvurdering
	if t := domain.FunktionsvurderingText(fv); t != "" {
		fv += " " + t
	}
	indberettet := "Ikke indberettet"
	if s.IndberettetAt != nil {
		indberettet = views.DateDK(s.IndberettetAt.In(copenhagen))
	}
	v := views.SagVisning{
		Heading: "Sag " + domain.FormatCPR(s.CPR),
		Sag: []views.Felt{
			{Label: domain.FieldLabel(domain.FieldCPR), Value: domain.FormatCPR(s.CPR)},
			{Label: domain.FieldLabel(domain.FieldNavn), Value: s.Navn},
			{Label: domain.FieldLabel(domain.FieldFunktionsvurdering), Value: fv},
			{Label: domain.FieldLabel(domain.FieldBemaerkninger), Value: s.Bemaerkninger},
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

// ydelseFelter are the fields of a ydelse (Y1–Y5) in the order of the form.
func ydelseFelter(snap *domain.Snapshot, y domain.Ydelse, today time.Time) []views.Felt {
	in := domain.YdelseInputOf(y)
	felt := func(field, value string) views.Felt { return views.Felt{Label: domain.FieldLabel(field), Value: value} }
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
		felt(domain.FieldIndsatskode, indsatsLabel(snap, y.Indsatskode)),
		felt(domain.FieldVarighed, varighed),
		felt(domain.FieldBevillingsdato, in.Bevillingsdato),
		felt(domain.FieldStartdato, in.Startdato),
		felt(domain.FieldForventetSlutdato, in.ForventetSlutdato),
		felt(domain.FieldSlutdato, in.Slutdato),
		{Label: "Primær målgruppe", Value: primaer},
		{Label: "Sekundære målgrupper", Value: strings.Join(sekundaere, "; ")},
		felt(domain.FieldBetalingskommune, betaler),
	}
	if in.I107Botilbud != "" {
		fs = append(fs, views.Felt{Label: "Gives støtten i botilbud efter § 107?", Value: map[string]string{"ja": "Ja", "nej": "Nej"}[in.I107Botilbud]})
	}
	fs = append(fs,
		felt(domain.FieldPNummer, y.PNummer),
		felt(domain.FieldAfdelingsUUID, y.AfdelingsUUID),
		felt(domain.FieldTilbudstype, tilbudstype))
	if y.TilbudNavn != "" || y.TilbudAdresse != "" || y.TilbudPostnr != "" { // Y5: the 2013 rules
		fs = append(fs, felt(domain.FieldTilbudNavn, y.TilbudNavn), felt(domain.FieldTilbudAdresse, y.TilbudAdresse),
			felt(domain.FieldTilbudPostnr, y.TilbudPostnr))
	}
	return append(fs,
		felt(domain.FieldTilbudsUUID, tilbudsUUID),
		felt(domain.FieldYdelsesUUID, ydelsesUUID),
		views.Felt{Label: "Status", Value: domain.YdelseStatus(y.Slutdato, today).Label()},
		views.Felt{Label: "Indberettet", Value: indberettet})
}
