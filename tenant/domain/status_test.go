package domain_test

import (
	"testing"
	"time"

	"indberet/tenant/domain"
)

func TestS6_SagStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		slutdatoer []*time.Time
		want       domain.Status
	}{
		{name: "S6 no ydelser", want: domain.IkkeAfsluttet},
		{name: "S6 one open ydelse", slutdatoer: []*time.Time{nil}, want: domain.IkkeAfsluttet},
		{name: "S6 ended yesterday", slutdatoer: []*time.Time{dayPtr("2025-06-09")}, want: domain.Afsluttet},
		{name: "S6 ends today", slutdatoer: []*time.Time{dayPtr("2025-06-10")}, want: domain.IkkeAfsluttet},
		{name: "S6 ends tomorrow", slutdatoer: []*time.Time{dayPtr("2025-06-11")}, want: domain.IkkeAfsluttet},
		{name: "S6 all ended", slutdatoer: []*time.Time{dayPtr("2016-08-31"), dayPtr("2021-01-31")}, want: domain.Afsluttet},
		{name: "S6 latest not yet ended", slutdatoer: []*time.Time{dayPtr("2016-08-31"), dayPtr("2025-12-31")}, want: domain.IkkeAfsluttet},
		{name: "S6 one still open", slutdatoer: []*time.Time{dayPtr("2016-08-31"), nil}, want: domain.IkkeAfsluttet},
	} {
		if got := domain.SagStatus(tc.slutdatoer, today); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got.Label(), tc.want.Label())
		}
	}
	// Today counts by its own calendar date: 00:30 in Copenhagen is already the next day.
	justAfterMidnight := time.Date(2025, 6, 10, 0, 30, 0, 0, time.FixedZone("CEST", 7200))
	if got := domain.SagStatus([]*time.Time{dayPtr("2025-06-09")}, justAfterMidnight); got != domain.Afsluttet {
		t.Errorf("just after midnight: %s", got.Label())
	}
}

func TestS6_YdelseAfsluttet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		slut *time.Time
		want bool
	}{{nil, false}, {dayPtr("2025-06-09"), true}, {dayPtr("2025-06-10"), false}, {dayPtr("2030-01-02"), false}} {
		if got := domain.YdelseAfsluttet(tc.slut, today); got != tc.want {
			t.Errorf("YdelseAfsluttet(%v) = %v", tc.slut, got)
		}
	}
}

func TestS6_Label(t *testing.T) {
	t.Parallel()
	if domain.Afsluttet.Label() != "Afsluttet" || domain.IkkeAfsluttet.Label() != "Ikke afsluttet" {
		t.Error("labels")
	}
}

// TestStatusOf: the list's rows carry afsluttet derived by YdelseAfsluttet; their label is
// the same as SagStatus's (issue 16: the list had its own copy of the rule and the label).
func TestStatusOf(t *testing.T) {
	t.Parallel()
	if domain.StatusOf(true) != domain.Afsluttet || domain.StatusOf(false) != domain.IkkeAfsluttet {
		t.Errorf("StatusOf(true) = %v, StatusOf(false) = %v", domain.StatusOf(true), domain.StatusOf(false))
	}
}
