package app

import (
	"slices"
	"strings"

	"indberet/tenant/domain"
	"indberet/views"
)

// The answer to a lost race (optimistic locking, issue 17 #8): someone saved the sag or the
// ydelse after the form was opened. Nothing typed is thrown away: the form comes back with
// the user's own values and the saved version, beside a comparison of the fields where they
// differ from what the other person saved, so a second save puts them on top.

// conflict compares what the user tried to save (mine) with what is saved, field by field
// in the order of the forms, both as the forms show them; who is who saved it.
func conflict(what, who string, mine, saved map[string]string) views.Conflict {
	c := views.Conflict{
		Heading: what + " er ikke gemt",
		Text: what + " er ændret af " + orSomeone(who) + ", siden du åbnede den. Formularen viser dine værdier. " +
			"Sammenlign dem med de gemte herunder, ret dem om nødvendigt, og gem igen: så gemmes dine værdier oven på de gemte.",
		Who: orSomeone(who),
	}
	for _, f := range domain.Fields {
		if mine[f.Name] != saved[f.Name] {
			c.Rows = append(c.Rows, views.ConflictRow{Label: f.Label, Mine: mine[f.Name], Saved: saved[f.Name]})
		}
	}
	return c
}

func orSomeone(who string) string {
	if who == "" {
		return "en anden"
	}
	return who
}

// sagShown is a sag's fields as *Redigér sag* shows them.
func sagShown(in domain.SagInput) map[string]string {
	m := map[string]string{domain.FieldNavn: in.Navn, domain.FieldBemaerkninger: in.Bemaerkninger}
	if in.Funktionsvurdering != "" {
		m[domain.FieldFunktionsvurdering] = in.Funktionsvurdering + " – " + domain.FunktionsvurderingText(in.Funktionsvurdering)
	}
	return m
}

// ydelseShown is a ydelse's fields as *Redigér ydelse* shows them: codes with their names.
func ydelseShown(snap *domain.Snapshot, in domain.YdelseInput) map[string]string {
	m := map[string]string{
		domain.FieldIndsatskode: indsatsLabel(snap, in.Indsatskode), domain.FieldBevillingsdato: in.Bevillingsdato,
		domain.FieldStartdato: in.Startdato, domain.FieldForventetSlutdato: in.ForventetSlutdato, domain.FieldSlutdato: in.Slutdato,
		domain.FieldPNummer: in.PNummer, domain.FieldAfdelingsUUID: in.AfdelingsUUID, domain.FieldTilbudNavn: in.TilbudNavn,
		domain.FieldTilbudAdresse: in.TilbudAdresse, domain.FieldTilbudPostnr: in.TilbudPostnr,
		domain.FieldVarighed:     map[string]string{"periode": "Periodeydelse", "styk": "Stykydelse"}[in.Varighed],
		domain.FieldI107Botilbud: map[string]string{"ja": "Ja", "nej": "Nej"}[in.I107Botilbud],
	}
	maalgruppe := func(v string) string {
		scheme, code, _ := strings.Cut(v, ":")
		if mg, ok := snap.Maalgruppe(scheme, code); ok {
			return maalgruppeLabel(snap, mg)
		}
		return v
	}
	if in.PrimaerMaalgruppe != "" {
		m[domain.FieldPrimaerMaalgruppe] = maalgruppe(in.PrimaerMaalgruppe)
	}
	var sek []string
	for _, v := range in.SekundaereMaalgrupper {
		sek = append(sek, maalgruppe(v))
	}
	slices.Sort(sek)
	m[domain.FieldSekundaereMaalgrupper] = strings.Join(sek, "; ")
	if k, ok := snap.Kommune(in.Betalingskommune); ok {
		m[domain.FieldBetalingskommune] = k.Kode + " " + k.Navn
	} else {
		m[domain.FieldBetalingskommune] = in.Betalingskommune
	}
	m[domain.FieldTilbudstype] = in.Tilbudstype
	if scheme, code, ok := strings.Cut(in.Tilbudstype, ":"); ok {
		if t, ok := snap.Tilbudstype(scheme, code); ok {
			m[domain.FieldTilbudstype] = t.Code + " " + t.Name
		}
	}
	m[domain.FieldTilbudsUUID] = in.TilbudsUUID
	if t, ok := snap.Tilbudstype("ffb", in.TilbudsUUID); ok {
		m[domain.FieldTilbudsUUID] = t.Path()
	}
	m[domain.FieldYdelsesUUID] = in.YdelsesUUID
	if y, ok := snap.FFBYdelse(in.YdelsesUUID); ok {
		m[domain.FieldYdelsesUUID] = y.Path()
	}
	return m
}
