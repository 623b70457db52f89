package domain_test

import (
	"testing"
	"time"

	"indberet/tenant/domain"
)

// TestSagFejl: a stored sag with a bad CPR number and two overlapping stays gives the rules
// each breaks with their rule ids, the sag's first (S5), and Y6 for both stays beside their
// own fields' rules; a sound sag gives none.
func TestSagFejl(t *testing.T) {
	t.Parallel()
	c := snapshot(t)
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	stay := func(id int64, start string) domain.Ydelse {
		y := ydelse(id, "1.8.1", start, "")
		y.Varighed, y.Bevillingsdato, y.Betalingskommune = "periode", dayPtr(start), "101"
		return y
	}
	a, b := stay(1, "2024-01-01"), stay(2, "2024-06-01")
	got := domain.SagFejl(domain.Sag{CPR: "3213801234", Navn: "N"}, []domain.Ydelse{a, b}, c, "101", today)
	want := map[string]bool{}
	for _, f := range got {
		id := int64(0)
		if f.Ydelse != nil {
			id = f.Ydelse.ID
		}
		want[f.Regel+" "+f.Felt+" "+string(rune('0'+id))] = true
		if f.Forklaring == "" {
			t.Errorf("%+v: no message", f)
		}
	}
	for _, k := range []string{"S5 CPR-nummer 0", "Y6 Startdato 1", "Y6 Startdato 2"} {
		if !want[k] {
			t.Errorf("SagFejl gave %v, want among them %q", want, k)
		}
	}
	if len(got) == 0 || got[0].Ydelse != nil || got[0].Regel != "S5" {
		t.Errorf("the sag's own rule first: %+v", got)
	}
	if f := domain.SagFejl(domain.Sag{CPR: "0502801234", Navn: "N"}, nil, c, "101", today); len(f) != 0 {
		t.Errorf("a sound sag: %+v", f)
	}
}
