package domain_test

import (
	"strings"
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

// stayRow is a row of the FFB §108 stay of issue 17 #1 with the Ydelses-UUID u.
func stayRow(id int64, u string) domain.Ydelse {
	y := ydelse(id, "1.8.1", "2025-02-01", "")
	y.PNummer, y.AfdelingsUUID = "9000000101", "7b0c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	y.TilbudsUUID, y.YdelsesUUID = "498fe92c-d7f7-41cd-9404-5b38fe113be0", u
	return y
}

// TestY6_SameStay: which rows are one stay (Y4, Y6): same indsatskode, tilbudssted and dates,
// different Ydelses-UUIDs.
func TestY6_SameStay(t *testing.T) {
	t.Parallel()
	a := stayRow(1, "5af56051-8413-4115-aaa2-83a0767e1137")
	b := stayRow(2, "35b593cf-724f-4058-9f31-fe1b3e8df124")
	for _, tc := range []struct {
		name string
		mod  func(*domain.Ydelse)
		same bool
	}{
		{"Y6 another Ydelses-UUID is the same stay", func(*domain.Ydelse) {}, true},
		{"Y6 Afdelings-UUID in capitals is the same place", func(y *domain.Ydelse) { y.AfdelingsUUID = "7B0C1A2E-3D4F-4A5B-8C6D-7E8F9A0B1C2D" }, true},
		{"Y6 a date in another location is the same day", func(y *domain.Ydelse) {
			y.Startdato = time.Date(2025, 2, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600))
		}, true},
		{"Y6 the same Ydelses-UUID is the same row twice", func(y *domain.Ydelse) { y.YdelsesUUID = a.YdelsesUUID }, false},
		{"Y6 no Ydelses-UUID", func(y *domain.Ydelse) { y.YdelsesUUID = "" }, false},
		{"Y6 another indsatskode", func(y *domain.Ydelse) { y.Indsatskode = "1.8.2" }, false},
		{"Y6 another start", func(y *domain.Ydelse) { y.Startdato = day("2025-02-02") }, false},
		{"Y6 ended", func(y *domain.Ydelse) { y.Slutdato = dayPtr("2026-01-31") }, false},
		{"Y6 another P-nummer", func(y *domain.Ydelse) { y.PNummer = "9000000102" }, false},
		{"Y6 another Afdelings-UUID", func(y *domain.Ydelse) { y.AfdelingsUUID = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b" }, false},
		{"Y6 another Tilbuds-UUID", func(y *domain.Ydelse) { y.TilbudsUUID = "9401777d-bdc5-4f52-9804-63c8cae9a792" }, false},
	} {
		o := b
		tc.mod(&o)
		if got := domain.SameStay(a, o); got != tc.same {
			t.Errorf("%s: SameStay = %v", tc.name, got)
		}
		if got := domain.SameStay(o, a); got != tc.same {
			t.Errorf("%s: SameStay the other way = %v", tc.name, got)
		}
	}
}

// TestY6_EndingAStay (issue 17 #1): the rows of a stay are found, ended or moved together,
// and stay one stay for Y6; one row ended or moved alone overlaps its former rows.
func TestY6_EndingAStay(t *testing.T) {
	t.Parallel()
	c := snapshot(t)
	first, second := stayRow(1, "5af56051-8413-4115-aaa2-83a0767e1137"), stayRow(2, "35b593cf-724f-4058-9f31-fe1b3e8df124")
	other := ydelse(3, "1.3", "2025-02-01", "")
	all := []domain.Ydelse{other, first, second}
	if got := domain.StayRows(first, all); len(got) != 1 || got[0].ID != 2 {
		t.Fatalf("StayRows(first) = %+v, want the second row", got)
	}
	if got := domain.StayRows(other, all); len(got) != 0 {
		t.Errorf("StayRows of a ydelse that is no stay: %+v", got)
	}

	ended := first
	ended.Slutdato = dayPtr("2026-01-31")
	moved := domain.MoveWithStay(second, ended)
	if !domain.SameStay(ended, moved) || moved.YdelsesUUID != second.YdelsesUUID || moved.ID != 2 {
		t.Errorf("MoveWithStay: %+v is not the ended stay's row", moved)
	}
	if msg, ok := domain.CheckOphold(ended, []domain.Ydelse{other, ended, moved}, c); !ok {
		t.Errorf("Y6 the stay ended with all its rows: %s", msg)
	}
	if _, ok := domain.CheckOphold(ended, all, c); ok {
		t.Error("Y6 one row ended alone does not overlap the rest of its stay")
	}

	elsewhere := first
	elsewhere.PNummer, elsewhere.AfdelingsUUID = "9000000102", "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
	moved = domain.MoveWithStay(second, elsewhere)
	if moved.PNummer != "9000000102" || moved.AfdelingsUUID != elsewhere.AfdelingsUUID || moved.Slutdato != nil {
		t.Errorf("MoveWithStay to another place: %+v", moved)
	}
	if msg, ok := domain.CheckOphold(elsewhere, []domain.Ydelse{other, elsewhere, moved}, c); !ok {
		t.Errorf("Y6 the stay moved with all its rows: %s", msg)
	}
	if _, ok := domain.CheckOphold(elsewhere, all, c); ok {
		t.Error("Y6 one row moved alone is not at another place in the same period")
	}
}

// TestY6_OpholdField (issue 17 #9): the Y6 message goes on the field whose change made the
// overlap.
func TestY6_OpholdField(t *testing.T) {
	t.Parallel()
	stored := stayRow(1, "5af56051-8413-4115-aaa2-83a0767e1137")
	for _, tc := range []struct {
		name  string
		mod   func(*domain.Ydelse)
		field string
	}{
		{"Y6 nothing changed", func(*domain.Ydelse) {}, domain.FieldStartdato},
		{"Y6 Startdato changed", func(y *domain.Ydelse) { y.Startdato = day("2025-01-15"); y.Slutdato = dayPtr("2026-01-01") }, domain.FieldStartdato},
		{"Y6 Slutdato changed", func(y *domain.Ydelse) { y.Slutdato = dayPtr("2026-01-01") }, domain.FieldSlutdato},
		{"Y6 P-nummer changed", func(y *domain.Ydelse) { y.PNummer = "9000000102"; y.AfdelingsUUID = "x" }, domain.FieldPNummer},
		{"Y6 Afdelings-UUID changed", func(y *domain.Ydelse) { y.AfdelingsUUID = "x" }, domain.FieldAfdelingsUUID},
	} {
		y := stored
		tc.mod(&y)
		if got := domain.OpholdField(y, &stored); got != tc.field {
			t.Errorf("%s: OpholdField = %q, want %q", tc.name, got, tc.field)
		}
	}
	if got := domain.OpholdField(stored, nil); got != domain.FieldStartdato {
		t.Errorf("Y6 a new ydelse: OpholdField = %q", got)
	}
}

// TestY6_MoveStay (issue 17 #1): MoveStay gives every other row of the stay the edited row's
// dates and place, puts them in the sag as it will be, and names the row whose own check
// fails (here the second row lacks its primær målgruppe) by its Ydelses-UUID.
func TestY6_MoveStay(t *testing.T) {
	t.Parallel()
	c := snapshot(t)
	first, second := stayRow(1, "5af56051-8413-4115-aaa2-83a0767e1137"), stayRow(2, "35b593cf-724f-4058-9f31-fe1b3e8df124")
	second.SagID, second.Version = 7, 3
	other := ydelse(3, "1.3", "2025-02-01", "")
	all := []domain.Ydelse{other, first, second}
	ended := first
	ended.Slutdato = dayPtr("2026-01-31")
	errs := domain.Errors{}
	moved, after := domain.MoveStay(ended, []domain.Ydelse{second}, all, c, "101", day("2026-02-01"), errs)
	if len(moved) != 1 || moved[0].ID != 2 || moved[0].SagID != 7 || moved[0].Version != 3 ||
		moved[0].Slutdato == nil || !moved[0].Slutdato.Equal(day("2026-01-31")) {
		t.Fatalf("moved = %+v, want the second row ended 31-01-2026 with its id, sag and version", moved)
	}
	if len(after) != 3 || after[0].ID != 3 || after[2].Slutdato == nil || all[2].Slutdato != nil {
		t.Errorf("after = %+v, want the sag's rows with the second ended (and all untouched)", after)
	}
	msg := errs[domain.FieldPrimaerMaalgruppe]
	if !strings.HasPrefix(msg, "Opholdets række med Ydelses-UUID "+second.YdelsesUUID+": ") {
		t.Errorf("the second row's own message = %q, want it named by its Ydelses-UUID", msg)
	}
}
