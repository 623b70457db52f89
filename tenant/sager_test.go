package tenant_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"indberet/tenant/domain"

	"indberet/tenant"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

var kbh = tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "test"}}

// TestSagAggregates checks what the triggers on ydelser keep on the sag for the lists:
// Antal ydelser (S8) and the latest Slutdato once every ydelse has one (S6).
func TestSagAggregates(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	var sagID, y1, y2 int64
	get := func() domain.Sag {
		t.Helper()
		var s domain.Sag
		if err := db.InScope(ctx, kbh, func(tx *tenant.Tx) (err error) { s, err = tx.Sag(ctx, sagID); return }); err != nil {
			t.Fatal(err)
		}
		return s
	}
	err := db.InScope(ctx, kbh, func(tx *tenant.Tx) (err error) {
		if sagID, err = tx.InsertSag(ctx, domain.Sag{CPR: "2802871230"}); err != nil {
			return err
		}
		base := domain.Ydelse{SagID: sagID, Indsatskode: "1.3", Startdato: date(2024, 3, 1), Betalingskommune: "101",
			Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2018", Code: "1.1.1", Primaer: true}}}
		if y1, err = tx.InsertYdelse(ctx, base); err != nil {
			return err
		}
		base.Slutdato = ptr(date(2024, 6, 30))
		y2, err = tx.InsertYdelse(ctx, base)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := get(); s.AntalYdelser != 2 || s.SlutdatoMax != nil {
		t.Fatalf("after insert: antal %d, slut %v; want 2, nil (one open)", s.AntalYdelser, s.SlutdatoMax)
	}
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
		y, err := tx.Ydelse(ctx, y1)
		if err != nil {
			return err
		}
		y.Slutdato = ptr(date(2024, 9, 30))
		return tx.UpdateYdelse(ctx, y)
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := get(); s.AntalYdelser != 2 || s.SlutdatoMax == nil || !s.SlutdatoMax.Equal(date(2024, 9, 30)) {
		t.Fatalf("after closing: antal %d, slut %v; want 2, 2024-09-30", s.AntalYdelser, s.SlutdatoMax)
	}
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
		deleted, err := tx.DeleteYdelse(ctx, y1)
		if deleted {
			t.Error("sag deleted with a ydelse left")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := get(); s.AntalYdelser != 1 || s.SlutdatoMax == nil || !s.SlutdatoMax.Equal(date(2024, 6, 30)) {
		t.Fatalf("after delete: antal %d, slut %v; want 1, 2024-06-30", s.AntalYdelser, s.SlutdatoMax)
	}
	// Y8: deleting the only ydelse deletes the sag.
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
		deleted, err := tx.DeleteYdelse(ctx, y2)
		if !deleted {
			t.Error("sag kept without ydelser (S2)")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error { _, err := tx.Sag(ctx, sagID); return err })
	if !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("sag after deleting its last ydelse: %v, want ErrNotFound", err)
	}
}

// TestSagVersionConflict: the second of two saves from the same version is refused.
func TestSagVersionConflict(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	var s domain.Sag
	err := db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
		id, err := tx.SagIDByCPR(ctx, "1503621235")
		if err != nil {
			return err
		}
		s, err = tx.Sag(ctx, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	first, second := s, s
	first.Navn, second.Navn = "Niels Hansen (første)", "Niels Hansen (anden)"
	if err := db.InScope(ctx, kbh, func(tx *tenant.Tx) error { return tx.UpdateSag(ctx, first) }); err != nil {
		t.Fatal(err)
	}
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error { return tx.UpdateSag(ctx, second) })
	if !errors.Is(err, tenant.ErrConflict) {
		t.Fatalf("second save: %v, want ErrConflict", err)
	}
	// S1: a second sag for the same CPR is refused.
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error { _, err := tx.InsertSag(ctx, domain.Sag{CPR: s.CPR}); return err })
	if !errors.Is(err, tenant.ErrSagExists) {
		t.Fatalf("duplicate cpr: %v, want ErrSagExists", err)
	}
	// T1: another kommune's id is not found.
	err = db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error { _, err := tx.Sag(ctx, s.ID); return err })
	if !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("sag of 101 seen from 147: %v, want ErrNotFound", err)
	}
}
