package schema_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"indberet/tenant"
	"indberet/tenant/schema"
	"indberet/tenant/tenanttest"
)

// policyAudits returns the before and after of the platform's policy.sync audit records.
func policyAudits(t *testing.T, db *tenant.DB) (removed, added [][]string) {
	t.Helper()
	ctx := context.Background()
	err := db.InScope(ctx, tenant.Scope{Kommune: tenant.PlatformKommune, Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
		rows, err := tx.ToolTx().Query(ctx, `SELECT before, after, user_email FROM audit_log
			WHERE kommune_kode = '000' AND action = 'policy.sync' ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var before, after []byte
			var who string
			if err := rows.Scan(&before, &after, &who); err != nil {
				return err
			}
			var b struct{ Removed []string }
			var a struct{ Added []string }
			if err := json.Unmarshal(before, &b); err != nil {
				return err
			}
			if err := json.Unmarshal(after, &a); err != nil {
				return err
			}
			if who != "system:migrate" {
				t.Errorf("policy change by %q", who)
			}
			removed, added = append(removed, b.Removed), append(added, a.Added)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return removed, added
}

// Issue 5, T2/T3: the role policies change only through `indberet migrate` (Prepare), and
// every change is audited with what was added and removed; a run that changes nothing
// writes nothing.
func TestPolicyChangesAreAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, owner := tenanttest.DB(t)
	removed, added := policyAudits(t, db)
	if len(added) != 1 || !slices.Contains(added[0], "dst codes:manage") || len(removed[0]) != 0 {
		t.Fatalf("the first migrate's record: removed %v, added %v", removed, added)
	}
	// A policy removed and one added behind the app's back are put right, and audited.
	if _, err := db.ToolPool().Exec(ctx, `DELETE FROM casbin_rule WHERE p_type = 'p' AND v0 = 'laeser' AND v2 = 'sag' AND v3 = 'read'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ToolPool().Exec(ctx, `INSERT INTO casbin_rule (id, p_type, v0, v1, v2, v3) VALUES ('x', 'p', 'laeser', '*', 'sag', 'write')`); err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Prepare(ctx, owner); err != nil {
		t.Fatal(err)
	}
	removed, added = policyAudits(t, db)
	if len(added) != 2 || !slices.Equal(added[1], []string{"laeser sag:read"}) || !slices.Equal(removed[1], []string{"laeser sag:write"}) {
		t.Fatalf("after the repair: removed %v, added %v", removed, added)
	}
	var n int
	if err := db.ToolPool().QueryRow(ctx, `SELECT count(*) FROM casbin_rule WHERE p_type = 'p' AND v0 = 'laeser' AND v2 = 'sag'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("laeser's sag policies: %d %v", n, err)
	}
	if _, err := schema.Prepare(ctx, owner); err != nil {
		t.Fatal(err)
	}
	if _, added := policyAudits(t, db); len(added) != 2 {
		t.Errorf("a run without changes wrote a record: %d records", len(added))
	}
}
