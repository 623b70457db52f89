package worker

import (
	"context"
	"errors"
	"strings"
	"testing"

	"indberet/tenant"
	"indberet/tenant/demo"
)

// startGenlevering starts a genlevering as DST would (StartGenleveringTx in the read-all
// scope) and returns what it did.
func startGenlevering(t *testing.T, b *deliveryBundle, kommune, periode, aarsag string) (StartedGenlevering, error) {
	t.Helper()
	var g StartedGenlevering
	err := b.db.InScope(context.Background(), tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: "dst@test.invalid"}},
		func(tx *tenant.Tx) (err error) {
			g, err = StartGenleveringTx(context.Background(), b.client, tx, kommune, periode, aarsag)
			return err
		})
	return g, err
}

// TestGenlevering (I8): DST redelivers a kommune's latest periode with a reason. The new
// version holds every ydelse of the version it replaces (the same reporting type: it
// replaces the old document) and what changed since; both versions stay downloadable; the
// receipt says Genlevering and why; the audit log has it. Only the latest periode, and only
// with a reason. The next ordinary month after it delivers only what changed since (I2).
func TestGenlevering(t *testing.T) {
	t.Parallel()
	b := setupDelivery(t)
	ctx := context.Background()
	b.deliver(t, "2026M10")
	v1, doc1 := leverance(t, b.db, "101", "2026M10")
	if v1.Version != 1 || v1.Aarsag != "" {
		t.Fatalf("first delivery: version %d, reason %q", v1.Version, v1.Aarsag)
	}

	// A correction after the delivery: Niels Hansen's stay ends.
	inScope(t, b.db, "101", func(tx *tenant.Tx) error {
		niels, err := tx.SagIDByCPR(ctx, demo.NielsHansenCPR)
		if err != nil {
			return err
		}
		ys, err := tx.YdelserOfSag(ctx, niels)
		if err != nil {
			return err
		}
		ys[1].Slutdato = ptr(day(2026, 6, 30))
		return tx.UpdateYdelse(ctx, ys[1])
	})

	for _, c := range []struct{ periode, aarsag, field, msg string }{
		{"2026M10", "  ", "aarsag", "Skriv årsagen til genleveringen."},
		{"2026M09", "Rettelser", "periode", "kun den seneste leverede periode kan genleveres, og det er 2026M10"},
	} {
		_, err := startGenlevering(t, b, "101", c.periode, c.aarsag)
		var in *DeliveryInputError
		if !errors.As(err, &in) || in.Field != c.field || !strings.Contains(in.Msg, c.msg) {
			t.Errorf("genlevering of %s with %q: %v, want %s: %q", c.periode, c.aarsag, err, c.field, c.msg)
		}
	}

	const aarsag = "Slutdatoer var forkerte"
	g, err := startGenlevering(t, b, "101", "", aarsag)
	if err != nil || g.Version != 2 || g.Periode != "2026M10" {
		t.Fatalf("genlevering: %+v, %v", g, err)
	}
	b.settle(t)
	v2, doc2 := leverance(t, b.db, "101", "2026M10")
	validateXSD(t, doc2)
	if v2.Version != 2 || v2.Aarsag != aarsag || v2.ID == v1.ID {
		t.Fatalf("current leverance of 2026M10: %+v", v2)
	}
	// Every ydelse of version 1 again, each Ny as there (DST did not have them before the
	// periode); the ended stay with its Slutdato.
	if v2.Tal.Ydelser != v1.Tal.Ydelser || v2.Tal.Nye != v1.Tal.Nye || v2.Tal.Sager != v1.Tal.Sager {
		t.Errorf("version 2 counts %+v, version 1 %+v", v2.Tal, v1.Tal)
	}
	if !strings.Contains(string(doc2), "<dst:RefID>101-2026M10-2</dst:RefID>") ||
		!strings.Contains(string(doc2), "Genlevering (version 2) af 2026M10") {
		t.Errorf("version 2's envelope does not say it is version 2")
	}
	inScope(t, b.db, "101", func(tx *tenant.Tx) error {
		// Version 1 stays downloadable, as delivered.
		old, _, err := tx.LeveranceDocument(ctx, v1.ID)
		if err != nil || string(old) != string(doc1) {
			t.Errorf("version 1 after the genlevering: %d bytes, %v", len(old), err)
		}
		m, err := tx.ReceiptMail(ctx, v2.ID, false)
		if err != nil {
			return err
		}
		for _, want := range []string{"Genlevering (version 2) af 2026M10", "Årsag: " + aarsag} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("receipt text lacks %q:\n%s", want, m.Text)
			}
		}
		if !strings.Contains(m.Subject, "genlevering") {
			t.Errorf("receipt subject %q", m.Subject)
		}
		var n int
		if err := tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'levering.genlevering'
			AND after->>'aarsag' = $1 AND (after->>'version')::int = 2 AND after->>'periode' = '2026M10'`, aarsag).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("%d audit records of the genlevering, want 1", n)
		}
		return nil
	})
	checkMarkedRowsDelivered(t, b.db, "101")

	// I2: the next ordinary month delivers only what changed since the genlevering.
	inScope(t, b.db, "101", func(tx *tenant.Tx) error {
		niels, err := tx.SagIDByCPR(ctx, demo.NielsHansenCPR)
		if err != nil {
			return err
		}
		ys, err := tx.YdelserOfSag(ctx, niels)
		if err != nil {
			return err
		}
		ys[0].ForventetSlutdato = ptr(day(2027, 1, 31))
		return tx.UpdateYdelse(ctx, ys[0])
	})
	b.deliver(t, "2026M11")
	if l, doc := leverance(t, b.db, "101", "2026M11"); l.Tal != (tenant.LeveranceTal{Sager: 1, Ydelser: 1, Aendrede: 1}) {
		t.Errorf("the month after the genlevering delivered %+v, want the one change", l.Tal)
	} else {
		validateXSD(t, doc)
	}
	// Only the latest periode: 2026M10 is no longer.
	if _, err := startGenlevering(t, b, "101", "2026M10", "for sent"); err == nil ||
		!strings.Contains(err.Error(), "det er 2026M11") {
		t.Errorf("genlevering of an earlier periode: %v", err)
	}
	// A kommune without genlevering keeps one version.
	if l, _ := leverance(t, b.db, "147", "2026M10"); l.Version != 1 {
		t.Errorf("147's 2026M10 is version %d", l.Version)
	}
}
