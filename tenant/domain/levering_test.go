package domain_test

import (
	"testing"
	"time"

	"indberet/tenant/domain"
)

// TestReportingTypeOf: I2, I6 — which ydelser go into a delivery, and as what.
func TestReportingTypeOf(t *testing.T) {
	t.Parallel()
	h1, h2 := []byte{1}, []byte{2}
	for _, c := range []struct {
		name        string
		neutralised bool
		delivered   []byte
		want        domain.ReportingType
		included    bool
	}{
		{"new", false, nil, domain.Ny, true},
		{"new, neutralised: DST never had it (I6)", true, nil, "", false},
		{"delivered, unchanged (I2)", false, h2, "", false},
		{"delivered, unchanged, neutralised before", true, h2, "", false},
		{"delivered, changed", false, h1, domain.Aendring, true},
		{"delivered, neutralised since (Y2, I6)", true, h1, domain.Annullering, true},
	} {
		got, ok := domain.ReportingTypeOf(c.neutralised, c.delivered, h2)
		if got != c.want || ok != c.included {
			t.Errorf("%s: %q %v, want %q %v", c.name, got, ok, c.want, c.included)
		}
	}
}

func TestNeutraliseret(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	same := start
	later := start.AddDate(0, 0, 1)
	for _, c := range []struct {
		varighed string
		slut     *time.Time
		want     bool
	}{
		{"periode", &same, true}, // Y2
		{"periode", &later, false},
		{"periode", nil, false},
		{"styk", &same, false}, // Y8: a one-off help ends the day it starts
	} {
		if got := domain.Neutraliseret(domain.Ydelse{Varighed: c.varighed, Startdato: start, Slutdato: c.slut}); got != c.want {
			t.Errorf("%s, slut %v: %v, want %v", c.varighed, c.slut, got, c.want)
		}
	}
}

// TestGenleveringTypeOf: a ydelse of the version a genlevering replaces always has a record
// (I8): Annullering when neutralised now, Ny when it was Ny there, else Ændring.
func TestGenleveringTypeOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		neutralised bool
		previous    string
		want        domain.ReportingType
	}{
		{true, "Ny", domain.Annullering},
		{true, "Ændring", domain.Annullering},
		{false, "Ny", domain.Ny},
		{false, "Ændring", domain.Aendring},
		{false, "Annullering", domain.Aendring},
		{false, "", domain.Aendring}, // before 00027
	} {
		if got := domain.GenleveringTypeOf(c.neutralised, c.previous); got != c.want {
			t.Errorf("GenleveringTypeOf(%v, %q) = %q, want %q", c.neutralised, c.previous, got, c.want)
		}
	}
}
