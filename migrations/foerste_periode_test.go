package migrations_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// TestFoerstePeriodeOfExistingKommuner: 00026 gives the kommuner that exist a first periode
// that keeps today's state valid (I7): a kommune that has delivered its earliest delivered
// periode (its next stays the month after its latest), one that has not the month before now.
func TestFoerstePeriodeOfExistingKommuner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner, provider := migrationDB(t)
	if _, err := provider.ApplyVersion(ctx, 26, false); err != nil {
		t.Fatalf("down 00026: %v", err)
	}
	if _, err := owner.Exec(ctx, `UPDATE kommuner SET aktiv = true WHERE kommune_kode IN ('101', '147')`); err != nil {
		t.Fatal(err)
	}
	doc := []byte("<L/>")
	for _, p := range []string{"2026M11", "2026M08"} { // out of order, as before I7
		err := db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
			_, err := tx.ToolTx().Exec(ctx, `INSERT INTO leverancer (kommune_kode, periode, document, sha256, byte_size,
				antal_sager, antal_ydelser, antal_nye, antal_aendrede, antal_afsluttede, antal_neutraliserede)
				VALUES ('147', $1, $2, $3, $4, 0, 0, 0, 0, 0, 0)`, p, doc, strings.Repeat("a", 64), len(doc))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := provider.ApplyVersion(ctx, 26, true); err != nil {
		t.Fatalf("up 00026: %v", err)
	}
	var ks []tenant.KommunePeriode
	err := db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) (err error) {
		ks, err = tx.KommunePerioder(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	monthBefore := domain.PeriodeBefore(time.Now())
	for _, k := range ks {
		want, next := monthBefore, monthBefore
		if k.Kode == "147" {
			want, next = "2026M08", "2026M12"
		}
		if got := domain.NaestePeriode(k.SenestLeveret, k.FoerstePeriode); k.FoerstePeriode != want || got != next {
			t.Errorf("kommune %s: first periode %s, next %s; want %s and %s", k.Kode, k.FoerstePeriode, got, want, next)
		}
	}
	// A kommune made later gets the column's default, the month before now.
	var def string
	if err := owner.QueryRow(ctx, `INSERT INTO kommuner (kommune_kode, navn) VALUES ('999', 'Prøve') RETURNING foerste_periode`).
		Scan(&def); err != nil || def != monthBefore {
		t.Errorf("a new kommune's first periode %q (%v), want %s", def, err, monthBefore)
	}
}
