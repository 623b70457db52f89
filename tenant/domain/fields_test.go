package domain_test

import (
	"regexp"
	"testing"
	"time"

	"indberet/tenant/domain"
)

// TestFieldsNameEveryMessage: every field a rule can put a message on is in domain.Fields, with a
// label and a rule id of DOMAIN.md, once; so the forms' error summary and the fejlopgørelse
// name each message.
func TestFieldsNameEveryMessage(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range domain.Fields {
		if seen[f.Name] || f.Label == "" || !regexp.MustCompile(`^[SY][0-9]$`).MatchString(f.Rule) {
			t.Errorf("field %+v: twice, without a label, or without a rule id", f)
		}
		seen[f.Name] = true
	}
	snap := snapshot(t)
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	bad := []domain.YdelseInput{
		{Indsatskode: "x", Varighed: "x", Bevillingsdato: "x", Startdato: "x", ForventetSlutdato: "x", Slutdato: "x",
			Betalingskommune: "x", Tilbudstype: "x", PNummer: "x", AfdelingsUUID: "x", TilbudsUUID: "x", YdelsesUUID: "x",
			PrimaerMaalgruppe: "x", SekundaereMaalgrupper: []string{"x"}, I107Botilbud: "x", TilbudPostnr: "x"},
		{Indsatskode: "1.3", Startdato: "01-01-2020", Slutdato: "01-01-2019"},
		{},
	}
	for _, in := range bad {
		_, errs := domain.ValidateYdelse(in, snap, "101", today)
		for field := range errs {
			if !seen[field] {
				t.Errorf("domain.ValidateYdelse puts a message on %q, which domain.Fields does not name", field)
			}
		}
	}
	_, errs := domain.ValidateSag(domain.SagInput{CPR: "x", Navn: "", Funktionsvurdering: "Z"})
	for field := range errs {
		if !seen[field] {
			t.Errorf("domain.ValidateSag puts a message on %q, which domain.Fields does not name", field)
		}
	}
}
