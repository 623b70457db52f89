package domain_test

import (
	"testing"
	"time"

	"indberet/tenant/domain"
)

func ydelse(id int64, code, start, slut string) domain.Ydelse {
	y := domain.Ydelse{ID: id, Indsatskode: code, Startdato: day(start)}
	if slut != "" {
		y.Slutdato = dayPtr(slut)
	}
	return y
}

func TestY6_CheckOphold(t *testing.T) {
	t.Parallel()
	c := snapshot(t)
	const overlapClosed = "Borgeren er allerede på et ophold i perioden: 1.8.1 fra 01-02-2024 (til 31-12-2024)."
	closed := ydelse(1, "1.8.1", "2024-02-01", "2024-12-31")
	for _, tc := range []struct {
		name   string
		y      domain.Ydelse
		others []domain.Ydelse
		msg    string
	}{
		{name: "Y6 no other ydelse", y: ydelse(0, "1.8.2", "2024-06-01", "")},
		{name: "Y6 overlapping stay", y: ydelse(0, "1.8.2", "2024-06-01", ""), others: []domain.Ydelse{closed}, msg: overlapClosed},
		{name: "Y6 stay inside another", y: ydelse(0, "1.12.0.1", "2024-03-01", "2024-04-01"), others: []domain.Ydelse{closed},
			msg: "Borgeren er allerede på et ophold i perioden: 1.8.1 fra 01-02-2024 (til 31-12-2024)."},
		{name: "Y6 open stay starting before another", y: ydelse(0, "1.8.2", "2023-01-05", ""), others: []domain.Ydelse{closed}, msg: overlapClosed},
		{name: "Y6 stay ending the day the other starts", y: ydelse(0, "1.8.2", "2023-01-05", "2024-02-01"), others: []domain.Ydelse{closed}},
		{name: "Y6 stay ending the day after the other starts", y: ydelse(0, "1.8.2", "2023-01-05", "2024-02-02"), others: []domain.Ydelse{closed}, msg: overlapClosed},
		{name: "Y6 stay starting the day the other ends", y: ydelse(0, "1.8.2", "2024-12-31", ""), others: []domain.Ydelse{closed}},
		{name: "Y6 stay starting the day before the other ends", y: ydelse(0, "1.8.2", "2024-12-30", ""), others: []domain.Ydelse{closed}, msg: overlapClosed},
		{name: "Y6 other stay without slutdato", y: ydelse(0, "1.8.2", "2030-01-05", "2030-02-05"),
			others: []domain.Ydelse{ydelse(1, "1.8.1", "2025-02-01", "")},
			msg:    "Borgeren er allerede på et ophold i perioden: 1.8.1 fra 01-02-2025 (uden slutdato)."},
		{name: "Y6 other stay neutralised", y: ydelse(0, "1.8.2", "2024-06-01", ""),
			others: []domain.Ydelse{ydelse(1, "1.8.1", "2024-06-01", "2024-06-01")}},
		{name: "Y6 this stay neutralised", y: ydelse(0, "1.8.2", "2024-06-01", "2024-06-01"), others: []domain.Ydelse{closed}},
		{name: "Y6 this ydelse not a stay", y: ydelse(0, "1.3", "2024-06-01", ""), others: []domain.Ydelse{closed}},
		{name: "Y6 day offers run beside a stay", y: ydelse(0, "1.8.2", "2024-06-01", ""),
			others: []domain.Ydelse{ydelse(1, "1.1", "2024-01-01", ""), ydelse(2, "1.4", "2024-01-01", "")}},
		{name: "Y6 editing the stay itself", y: ydelse(1, "1.8.1", "2024-03-01", "2025-12-31"), others: []domain.Ydelse{closed}},
		{name: "Y6 the first overlapping one is named", y: ydelse(3, "1.8.2", "2020-01-01", ""),
			others: []domain.Ydelse{ydelse(1, "1.3", "2020-01-01", ""), ydelse(2, "1.12.0.1", "2021-03-04", "2021-05-06"), closed},
			msg:    "Borgeren er allerede på et ophold i perioden: 1.12.0.1 fra 04-03-2021 (til 06-05-2021)."},
		{name: "Y6 unknown codes are not stays", y: ydelse(0, "9.9", "2024-06-01", ""), others: []domain.Ydelse{closed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, ok := domain.CheckOphold(tc.y, tc.others, c)
			if msg != tc.msg || ok != (tc.msg == "") {
				t.Errorf("CheckOphold = %q, %v; want %q", msg, ok, tc.msg)
			}
		})
	}
	// Dates from another location count by their calendar date.
	y := domain.Ydelse{Indsatskode: "1.8.2", Startdato: time.Date(2024, 12, 31, 0, 0, 0, 0, time.FixedZone("CET", 3600))}
	if msg, ok := domain.CheckOphold(y, []domain.Ydelse{closed}, c); !ok {
		t.Errorf("CET start on the last day: %s", msg)
	}
	if _, ok := domain.CheckOphold(ydelse(0, "1.8.2", "2024-06-01", ""), []domain.Ydelse{closed}, nil); !ok {
		t.Error("nil snapshot: no stays known")
	}
}

// TestY6_Y4CopiesAreOneStay: the rows of one FFB ydelse with several Ydelses-UUIDs (Y4) are
// one stay, not overlapping stays; a stay at another place in the same period still is.
func TestY6_Y4CopiesAreOneStay(t *testing.T) {
	t.Parallel()
	c := snapshot(t)
	first := ydelse(1, "1.8.1", "2025-02-01", "")
	first.PNummer, first.AfdelingsUUID = "9000000101", "7b0c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	first.TilbudsUUID, first.YdelsesUUID = "498fe92c-d7f7-41cd-9404-5b38fe113be0", "5af56051-8413-4115-aaa2-83a0767e1137"
	copy := first
	copy.ID, copy.YdelsesUUID = 0, "35b593cf-724f-4058-9f31-fe1b3e8df124"
	if msg, ok := domain.CheckOphold(copy, []domain.Ydelse{first}, c); !ok {
		t.Errorf("Y4 copy refused as an overlapping stay: %s", msg)
	}
	elsewhere := copy
	elsewhere.PNummer = "9000000102"
	if _, ok := domain.CheckOphold(elsewhere, []domain.Ydelse{first}, c); ok {
		t.Error("a stay at another place in the same period was accepted")
	}
	same := first
	same.ID = 0
	if _, ok := domain.CheckOphold(same, []domain.Ydelse{first}, c); ok {
		t.Error("the same stay with the same Ydelses-UUID twice was accepted")
	}
}
