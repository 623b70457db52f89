package migrations_test

import (
	"context"
	"strings"
	"testing"

	"indberet/tenant"
)

// TestGenleveringMigration: 00027 (I8) keeps one leverance per kommune, periode and
// version; its Down restores one per periode while no genlevering exists, and refuses
// while one does (they are history, I5).
func TestGenleveringMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, provider := migrationDB(t)
	doc := []byte("<L/>")
	insert := func(version int, aarsag string) error {
		return db.InScope(ctx, tenant.Scope{Kommune: "147"}, func(tx *tenant.Tx) error {
			_, err := tx.ToolTx().Exec(ctx, `INSERT INTO leverancer (kommune_kode, periode, document, sha256, byte_size,
				antal_sager, antal_ydelser, antal_nye, antal_aendrede, antal_afsluttede, antal_neutraliserede,
				version, genlevering_aarsag)
				VALUES ('147', '2026M10', $1, $2, $3, 0, 0, 0, 0, 0, 0, $4, $5)`, doc, strings.Repeat("a", 64), len(doc), version, aarsag)
			return err
		})
	}
	if err := insert(1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := provider.ApplyVersion(ctx, 27, false); err != nil {
		t.Fatalf("down 00027 without genleveringer: %v", err)
	}
	if _, err := provider.ApplyVersion(ctx, 27, true); err != nil {
		t.Fatalf("up 00027: %v", err)
	}
	for _, c := range []struct {
		version int
		aarsag  string
		ok      bool
	}{
		{1, "", false},          // the same version again
		{2, "", false},          // a genlevering without a reason
		{1, "Rettelser", false}, // version 1 with a reason
		{2, "Rettelser", true},
	} {
		if err := insert(c.version, c.aarsag); (err == nil) != c.ok {
			t.Errorf("version %d reason %q: %v", c.version, c.aarsag, err)
		}
	}
	_, err := provider.ApplyVersion(ctx, 27, false)
	if err == nil || !strings.Contains(err.Error(), "there are genleveringer") {
		t.Errorf("down 00027 with a genlevering: %v, want refused", err)
	}
}
