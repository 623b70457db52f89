package migrations_test

import (
	"context"
	"testing"

	"indberet/tenant"
)

// TestListeTaellingCountsExistingSager: 00015 applied to a database that already holds
// sager gives them their kept counts (each kommune filled under its own setting, as the
// policies bind the owner too), and its Down removes it all again.
func TestListeTaellingCountsExistingSager(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, provider := migrationDB(t)
	if _, err := provider.ApplyVersion(ctx, 15, false); err != nil {
		t.Fatalf("down 00015: %v", err)
	}
	for _, k := range []string{"101", "147"} {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			for i, cpr := range []string{"0101801234", "0101811234", "0101821234"} {
				if _, err := tx.ToolTx().Exec(ctx, `INSERT INTO sager (kommune_kode, cpr, navn, kilde, indberettet_at)
					VALUES ($1, $2, 'N', $3, CASE WHEN $4 THEN now() END)`, k, cpr, []string{"egne", "system"}[i%2], i > 0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := provider.ApplyVersion(ctx, 15, true); err != nil {
		t.Fatalf("up 00015: %v", err)
	}
	for _, k := range []string{"101", "147"} {
		err := db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			n, err := tx.ListCounts(ctx)
			if err == nil && (n.Egne != 2 || n.Alle != 2) {
				t.Errorf("%s: kept counts %+v, want 2 in Egne IDEP and 2 delivered", k, n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
