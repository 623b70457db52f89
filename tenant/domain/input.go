package domain

import (
	"time"
)

// YdelseInputOf is a stored ydelse as the form would send it: the values Redigér and the
// copy of Y4 start from, and what the fejlopgørelse (E2) checks stored ydelser with, so
// stored data meets exactly the rules a form meets.
func YdelseInputOf(y Ydelse) YdelseInput {
	in := YdelseInput{
		Indsatskode:       y.Indsatskode,
		Varighed:          y.Varighed,
		Bevillingsdato:    FormatOptDate(y.Bevillingsdato),
		Startdato:         FormatDate(y.Startdato),
		ForventetSlutdato: FormatOptDate(y.ForventetSlutdato),
		Slutdato:          FormatOptDate(y.Slutdato),
		Betalingskommune:  y.Betalingskommune,
		PNummer:           y.PNummer,
		AfdelingsUUID:     y.AfdelingsUUID,
		TilbudsUUID:       y.TilbudsUUID,
		YdelsesUUID:       y.YdelsesUUID,
		TilbudNavn:        y.TilbudNavn,
		TilbudAdresse:     y.TilbudAdresse,
		TilbudPostnr:      y.TilbudPostnr,
	}
	if y.Tilbudstype != "" {
		in.Tilbudstype = y.TilbudstypeScheme + ":" + y.Tilbudstype
	}
	if y.I107Botilbud != nil {
		in.I107Botilbud = map[bool]string{true: "ja", false: "nej"}[*y.I107Botilbud]
	}
	for _, m := range y.Maalgrupper {
		if m.Primaer {
			in.PrimaerMaalgruppe = m.Scheme + ":" + m.Code
		} else {
			in.SekundaereMaalgrupper = append(in.SekundaereMaalgrupper, m.Scheme+":"+m.Code)
		}
	}
	return in
}

// SagInputOf is a stored sag as the form would send it.
func SagInputOf(s Sag) SagInput {
	return SagInput{CPR: s.CPR, Navn: s.Navn, Funktionsvurdering: s.Funktionsvurdering, Bemaerkninger: s.Bemaerkninger}
}

// FormatOptDate is FormatDate of t, or "" for no date.
func FormatOptDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return FormatDate(*t)
}
