package tenant_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// TestLeverancerStore: one leverance per kommune and periode (I2), the read API for the later
// screens (newest first, document on its own), read access by scope (T1, T3), and the
// documents are history the application cannot change.
func TestLeverancerStore(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	sum := strings.Repeat("a", 64)
	var first, second int64
	err := db.InScope(ctx, kbh, func(tx *tenant.Tx) (err error) {
		if first, err = tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M09", SHA256: sum,
			Tal: tenant.LeveranceTal{Sager: 1, Ydelser: 2, Nye: 2}}, []byte("<a/>")); err != nil {
			return err
		}
		second, err = tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M10", SHA256: sum}, []byte("<bb/>"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// I2: the same periode again fails, and rolls back.
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
		_, err := tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M10", SHA256: sum}, []byte("<c/>"))
		return err
	})
	if !errors.Is(err, tenant.ErrLeveranceExists) {
		t.Errorf("second leverance for 2026M10: err = %v, want ErrLeveranceExists", err)
	}
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
		ls, err := tx.Leverancer(ctx)
		if err != nil {
			return err
		}
		if len(ls) != 2 || ls[0].ID != second || ls[1].ID != first {
			t.Errorf("leverancer = %+v, want %d then %d", ls, second, first)
		} else if l := ls[1]; l.Periode != "2026M09" || l.Bytes != 4 || l.Tal.Ydelser != 2 || l.CreatedBy != "test" {
			t.Errorf("leverance %+v", l)
		}
		doc, gotSum, err := tx.LeveranceDocument(ctx, first)
		if err != nil || string(doc) != "<a/>" || gotSum != sum {
			t.Errorf("document = %q %q %v", doc, gotSum, err)
		}
		if _, err := tx.LeveranceForPeriode(ctx, "2026M08"); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("leverance for 2026M08: %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// T1: another kommune neither lists nor reads 101's documents; T3: DST reads them.
	err = db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
		if ls, err := tx.Leverancer(ctx); err != nil || len(ls) != 0 {
			t.Errorf("147 lists %v, %v", ls, err)
		}
		if _, _, err := tx.LeveranceDocument(ctx, first); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("147 reads 101's document: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		if _, _, err := tx.LeveranceDocument(ctx, first); err != nil {
			t.Errorf("DST reads 101's document: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`UPDATE leverancer SET document = 'x'`, `DELETE FROM leverancer`} {
		err := db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
			_, err := tx.ToolTx().Exec(ctx, sql)
			return err
		})
		if !isDenied(err) {
			t.Errorf("%s: err = %v, want permission denied", sql, err)
		}
	}
}

// TestMarkIndberettetRefusesChangedRows: a row saved by a user after the delivery read it is
// not marked (I2: nothing is marked delivered that the document does not hold as it is).
func TestMarkIndberettetRefusesChangedRows(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	var read []tenant.LeveranceYdelse
	err := db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
		return tx.EachLeveranceYdelse(ctx, false, func(r tenant.LeveranceYdelse) error {
			if len(read) < 2 {
				read = append(read, r)
			}
			return nil
		})
	})
	if err != nil || len(read) != 2 {
		t.Fatalf("read %d rows: %v", len(read), err)
	}
	// A user saves the second ydelse.
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
		y, err := tx.Ydelse(ctx, read[1].Ydelse.ID)
		if err != nil {
			return err
		}
		y.ForventetSlutdato = ptr(date(2030, 1, 31))
		return tx.UpdateYdelse(ctx, y)
	})
	if err != nil {
		t.Fatal(err)
	}
	mark := func(rows ...tenant.LeveranceYdelse) error {
		return db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
			id, err := tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M10", SHA256: strings.Repeat("b", 64)}, []byte("<a/>"))
			if err != nil {
				return err
			}
			var ss []tenant.IndberettetSag
			var ys []tenant.IndberettetYdelse
			for _, r := range rows {
				ss = append(ss, tenant.IndberettetSag{ID: r.SagID, Version: r.SagVersion})
				ys = append(ys, tenant.IndberettetYdelse{ID: r.Ydelse.ID, Version: r.Ydelse.Version, SHA256: []byte{1}})
			}
			return tx.MarkIndberettet(ctx, id, ss[:1], ys)
		})
	}
	if err := mark(read...); !errors.Is(err, tenant.ErrChangedDuringDelivery) {
		t.Fatalf("marking a changed ydelse: err = %v, want ErrChangedDuringDelivery", err)
	}
	if err := mark(read[0]); err != nil {
		t.Fatalf("marking an unchanged ydelse: %v", err)
	}
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
		a, err := tx.Ydelse(ctx, read[0].Ydelse.ID)
		if err != nil {
			return err
		}
		b, err := tx.Ydelse(ctx, read[1].Ydelse.ID)
		if err != nil {
			return err
		}
		if a.IndberettetAt == nil || b.IndberettetAt != nil {
			t.Errorf("delivered: first %v, changed %v; want only the first", a.IndberettetAt, b.IndberettetAt)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMarkIndberettetOnlyTheKommunesLeverance: with no foreign key on the marked rows'
// leverance (migration 00032), MarkIndberettet itself refuses a leverance that is not the
// kommune's, before it marks anything.
func TestMarkIndberettetOnlyTheKommunesLeverance(t *testing.T) {
	t.Parallel()
	db, _ := setup(t)
	ctx := context.Background()
	aarhus := tenant.Scope{Kommune: "751", Actor: tenant.Actor{Email: "test"}}
	var other int64
	err := db.InScope(ctx, aarhus, func(tx *tenant.Tx) (err error) {
		other, err = tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M10", SHA256: strings.Repeat("c", 64)}, []byte("<a/>"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var row tenant.LeveranceYdelse
	err = db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
		return tx.EachLeveranceYdelse(ctx, true, func(r tenant.LeveranceYdelse) error { row = r; return nil })
	})
	if err != nil || row.Ydelse.ID == 0 {
		t.Fatalf("read a row of 101: %v", err)
	}
	for _, id := range []int64{other, 999999} {
		err := db.InScope(ctx, kbh, func(tx *tenant.Tx) error {
			return tx.MarkIndberettet(ctx, id, []tenant.IndberettetSag{{ID: row.SagID, Version: row.SagVersion}},
				[]tenant.IndberettetYdelse{{ID: row.Ydelse.ID, Version: row.Ydelse.Version, SHA256: []byte{1}}})
		})
		if !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("marking 101's rows delivered in leverance %d: err = %v, want ErrNotFound", id, err)
		}
	}
}
