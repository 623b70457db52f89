package domain_test

import (
	"maps"
	"strings"
	"testing"

	"indberet/tenant/domain"
)

func TestErrors(t *testing.T) {
	t.Parallel()
	e := domain.Errors{}
	if !e.OK() {
		t.Error("empty Errors not OK")
	}
	e.Add(domain.FieldCPR, "første")
	e.Add(domain.FieldCPR, "anden")
	if e.OK() || e[domain.FieldCPR] != "første" {
		t.Errorf("Errors %v: want the first message kept", e)
	}
	var zero domain.Errors
	if !zero.OK() {
		t.Error("nil Errors not OK")
	}
}

func TestS3_ValidateSag(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		in   domain.SagInput
		want domain.Sag
		errs domain.Errors
	}{
		{name: "S3 all fields, trimmed, lower-case funktionsvurdering",
			in:   domain.SagInput{CPR: " 150362-1235 ", Navn: "  Niels Hansen ", Funktionsvurdering: " c", Bemaerkninger: " Eksemplet. \n"},
			want: domain.Sag{CPR: "1503621235", Navn: "Niels Hansen", Funktionsvurdering: "C", Bemaerkninger: "Eksemplet."}},
		{name: "S3 only CPR", in: domain.SagInput{CPR: "1503621235"}, want: domain.Sag{CPR: "1503621235"}},
		{name: "S3 CPR required", in: domain.SagInput{CPR: "  "},
			errs: domain.Errors{domain.FieldCPR: "Angiv CPR-nummeret."}},
		{name: "S5 CPR form", in: domain.SagInput{CPR: "150362-123"},
			errs: domain.Errors{domain.FieldCPR: msgCPRFormat}},
		{name: "S5 CPR date", in: domain.SagInput{CPR: "310462-1235"},
			errs: domain.Errors{domain.FieldCPR: msgCPRDate}},
		{name: "S5 CPR century", in: domain.SagInput{CPR: "150345-5235"},
			errs: domain.Errors{domain.FieldCPR: msgCPRCentury}},
		{name: "S3 funktionsvurdering outside A-E", in: domain.SagInput{CPR: "1503621235", Funktionsvurdering: "F"},
			want: domain.Sag{CPR: "1503621235"},
			errs: domain.Errors{domain.FieldFunktionsvurdering: "Vælg en samlet funktionsvurdering fra A til E."}},
		{name: "S3 navn of 200 characters", in: domain.SagInput{CPR: "1503621235", Navn: strings.Repeat("æ", 200)},
			want: domain.Sag{CPR: "1503621235", Navn: strings.Repeat("æ", 200)}},
		{name: "S3 navn too long", in: domain.SagInput{CPR: "1503621235", Navn: strings.Repeat("ø", 201)},
			want: domain.Sag{CPR: "1503621235", Navn: strings.Repeat("ø", 201)},
			errs: domain.Errors{domain.FieldNavn: "Navnet må højst være 200 tegn."}},
		{name: "S3 bemærkninger too long", in: domain.SagInput{CPR: "1503621235", Bemaerkninger: strings.Repeat("å", 2001)},
			want: domain.Sag{CPR: "1503621235", Bemaerkninger: strings.Repeat("å", 2001)},
			errs: domain.Errors{domain.FieldBemaerkninger: "Bemærkningerne må højst være 2000 tegn."}},
		{name: "S3 text the database cannot store",
			in:   domain.SagInput{CPR: "1503621235", Navn: "Niels\xff", Bemaerkninger: "a\x00b"},
			want: domain.Sag{CPR: "1503621235", Navn: "Niels\xff", Bemaerkninger: "a\x00b"},
			errs: domain.Errors{domain.FieldNavn: "Teksten indeholder tegn, der ikke kan gemmes.",
				domain.FieldBemaerkninger: "Teksten indeholder tegn, der ikke kan gemmes."}},
		{name: "S3 every error at once", in: domain.SagInput{Funktionsvurdering: "x", Navn: strings.Repeat("n", 201)},
			want: domain.Sag{Navn: strings.Repeat("n", 201)},
			errs: domain.Errors{domain.FieldCPR: "Angiv CPR-nummeret.",
				domain.FieldFunktionsvurdering: "Vælg en samlet funktionsvurdering fra A til E.",
				domain.FieldNavn:               "Navnet må højst være 200 tegn."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, errs := domain.ValidateSag(c.in)
			if c.errs == nil {
				c.errs = domain.Errors{}
			}
			if !maps.Equal(errs, c.errs) {
				t.Errorf("errors %v, want %v", errs, c.errs)
			}
			if got != c.want {
				t.Errorf("sag %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestS3_FunktionsvurderingText(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{"A": "Intet problem", "B": "Let problem", "C": "Moderat problem",
		"D": "Svært problem", "E": "Fuldstændigt problem", "e": "Fuldstændigt problem", "": "", "F": "", "AB": ""} {
		if got := domain.FunktionsvurderingText(code); got != want {
			t.Errorf("FunktionsvurderingText(%q) = %q, want %q", code, got, want)
		}
	}
}
