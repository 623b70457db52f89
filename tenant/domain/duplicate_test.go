package domain_test

import (
	"testing"

	"indberet/tenant/domain"
)

// TestY4_CheckDuplicate: an exact duplicate (same indsatskode, dates and Ydelses-UUID) of a
// ydelse of the sag is refused (issue 17 #7); a row with another Ydelses-UUID is the next row
// of the same FFB ydelse (Y4), and any other difference makes another ydelse.
func TestY4_CheckDuplicate(t *testing.T) {
	t.Parallel()
	stay := ydelse(1, "1.8.1", "2025-02-01", "")
	stay.YdelsesUUID = ffbYdelse
	other := func(mod func(*domain.Ydelse)) domain.Ydelse {
		y := stay
		y.ID = 0
		mod(&y)
		return y
	}
	const dupFFB = "Sagen har allerede ydelsen 1.8.1 med samme startdato (01-02-2025), slutdato og Ydelses-UUID. " +
		"Vælg en anden Ydelses-UUID, eller ret den eksisterende ydelse."
	treatment := ydelse(2, "1.3", "2025-11-01", "2026-01-31")
	for _, tc := range []struct {
		name   string
		y      domain.Ydelse
		others []domain.Ydelse
		field  string
		msg    string
	}{
		{name: "Y4 no other ydelse", y: other(func(*domain.Ydelse) {})},
		{name: "Y4 exact duplicate", y: other(func(*domain.Ydelse) {}), others: []domain.Ydelse{treatment, stay},
			field: domain.FieldYdelsesUUID, msg: dupFFB},
		{name: "Y4 Ydelses-UUID in capitals is the same", y: other(func(y *domain.Ydelse) { y.YdelsesUUID = "5AF56051-8413-4115-AAA2-83A0767E1137" }),
			others: []domain.Ydelse{stay}, field: domain.FieldYdelsesUUID, msg: dupFFB},
		{name: "Y4 another Ydelses-UUID is the next row", y: other(func(y *domain.Ydelse) { y.YdelsesUUID = "35b593cf-724f-4058-9f31-fe1b3e8df124" }),
			others: []domain.Ydelse{stay}},
		{name: "Y4 another start", y: other(func(y *domain.Ydelse) { y.Startdato = day("2025-02-02") }), others: []domain.Ydelse{stay}},
		{name: "Y4 a slutdato", y: other(func(y *domain.Ydelse) { y.Slutdato = dayPtr("2025-12-31") }), others: []domain.Ydelse{stay}},
		{name: "Y4 another indsatskode", y: other(func(y *domain.Ydelse) { y.Indsatskode = "1.8.2" }), others: []domain.Ydelse{stay}},
		{name: "Y4 editing the ydelse itself", y: stay, others: []domain.Ydelse{treatment, stay}},
		{name: "Y4 duplicate without Ydelses-UUID", y: ydelse(0, "1.3", "2025-11-01", "2026-01-31"), others: []domain.Ydelse{stay, treatment},
			field: domain.FieldStartdato, msg: "Sagen har allerede ydelsen 1.3 med samme startdato (01-11-2025) og slutdato. " +
				"Ret den eksisterende ydelse i stedet for at oprette den igen."},
		{name: "Y4 edit onto another ydelse", y: ydelse(3, "1.3", "2025-11-01", "2026-01-31"), others: []domain.Ydelse{treatment},
			field: domain.FieldStartdato, msg: "Sagen har allerede ydelsen 1.3 med samme startdato (01-11-2025) og slutdato. " +
				"Ret den eksisterende ydelse i stedet for at oprette den igen."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			field, msg, ok := domain.CheckDuplicate(tc.y, tc.others)
			if field != tc.field || msg != tc.msg || ok != (tc.msg == "") {
				t.Errorf("CheckDuplicate = %q, %q, %v; want %q, %q", field, msg, ok, tc.field, tc.msg)
			}
		})
	}
}
