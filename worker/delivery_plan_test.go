package worker

import (
	"slices"
	"testing"
	"time"

	"indberet/tenant"
)

// TestRunEnqueuesLargestFirst: a run's kommune jobs go into the queue largest kommune first
// (ties by kommunekode), so a large kommune does not run last beside an idle worker; the
// plan itself, and so the messages, keep the kommuner by code (I1).
func TestRunEnqueuesLargestFirst(t *testing.T) {
	t.Parallel()
	ks := []tenant.KommunePeriode{
		{Kode: "101", Navn: "København", Aktiv: true, FoerstePeriode: "2026M10", Ydelser: 353240},
		{Kode: "147", Navn: "Frederiksberg", Aktiv: true, FoerstePeriode: "2026M10", Ydelser: 20000},
		{Kode: "751", Navn: "Aarhus", Aktiv: true, FoerstePeriode: "2026M10", Ydelser: 195862},
		{Kode: "851", Navn: "Aalborg", Aktiv: true, FoerstePeriode: "2026M10", Ydelser: 118902},
		{Kode: "860", Navn: "Hjørring", Aktiv: true, FoerstePeriode: "2026M10", Ydelser: 20000},
		{Kode: "825", Navn: "Læsø", Aktiv: false, FoerstePeriode: "2026M10", Ydelser: 999999},
	}
	p := planRun("2026M10", nil, ks, nil, time.Date(2026, 11, 14, 2, 0, 0, 0, time.UTC))
	if want := []string{"101", "147", "751", "851", "860"}; !slices.Equal(p.Deliver, want) {
		t.Errorf("plan.Deliver = %v, want by code %v", p.Deliver, want)
	}
	if got, want := p.largestFirst(), []string{"101", "751", "851", "147", "860"}; !slices.Equal(got, want) {
		t.Errorf("largestFirst = %v, want %v", got, want)
	}
}
