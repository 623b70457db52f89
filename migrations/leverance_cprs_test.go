package migrations_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"indberet/tenant"
)

// TestLeveranceCPRsOfExistingLeverancer: 00017 gives a leverance delivered before it the CPR
// numbers of its document (each once), under each kommune's own setting.
func TestLeveranceCPRsOfExistingLeverancer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, provider := migrationDB(t)
	if _, err := provider.ApplyVersion(ctx, 17, false); err != nil {
		t.Fatalf("down 00017: %v", err)
	}
	doc := []byte("<L><R><CPR>0101801234</CPR></R><R><CPR>0202815678</CPR></R><R><CPR>0101801234</CPR></R></L>")
	var id int64
	err := db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `INSERT INTO leverancer (kommune_kode, periode, document, sha256, byte_size,
			antal_sager, antal_ydelser, antal_nye, antal_aendrede, antal_afsluttede, antal_neutraliserede)
			VALUES ('147', '2026M09', $1, $2, $3, 2, 3, 3, 0, 0, 0) RETURNING id`, doc, strings.Repeat("a", 64), len(doc)).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.ApplyVersion(ctx, 17, true); err != nil {
		t.Fatalf("up 00017: %v", err)
	}
	err = db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
		cprs, err := tx.LeveranceCPRs(ctx, id)
		slices.Sort(cprs)
		if err == nil && !slices.Equal(cprs, []string{"0101801234", "0202815678"}) {
			t.Errorf("CPR numbers of the leverance %v, want the document's two", cprs)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
