package migrations_test

import (
	"context"
	"strings"
	"testing"
)

// TestRLSInitPlanDownAndUp: 00018 wraps every policy's current_setting() in a scalar
// sub-select and drops the unused GIN index; its Down gives back the policies as they were
// (bare calls) and the index, and Up again wraps them once, not twice.
func TestRLSInitPlanDownAndUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, owner, provider := migrationDB(t)
	// policies is every policy's expressions; gin whether the GIN index exists.
	state := func() (exprs string, gin bool) {
		t.Helper()
		err := owner.QueryRow(ctx, `SELECT string_agg(coalesce(qual, '') || ' ' || coalesce(with_check, ''), E'\n'),
			to_regclass('cpr_access_log_cprs_idx') IS NOT NULL FROM pg_policies WHERE schemaname = 'public'`).Scan(&exprs, &gin)
		if err != nil {
			t.Fatal(err)
		}
		return exprs, gin
	}
	exprs, gin := state()
	if gin || strings.Count(exprs, "current_setting(") != strings.Count(exprs, "( SELECT current_setting(") {
		t.Fatalf("after 00018: GIN index %v, policies:\n%s", gin, exprs)
	}
	if _, err := provider.ApplyVersion(ctx, 18, false); err != nil {
		t.Fatalf("down 00018: %v", err)
	}
	exprs, gin = state()
	if !gin || strings.Contains(exprs, "SELECT") || !strings.Contains(exprs, "current_setting('indberet.kommune'::text, true)") {
		t.Fatalf("after down 00018: GIN index %v, policies:\n%s", gin, exprs)
	}
	if _, err := provider.ApplyVersion(ctx, 18, true); err != nil {
		t.Fatalf("up 00018: %v", err)
	}
	again, gin := state()
	if gin || strings.Count(again, "current_setting(") != strings.Count(again, "( SELECT current_setting(") ||
		strings.Contains(again, "SELECT ( SELECT") {
		t.Fatalf("after up 00018 again: GIN index %v, policies:\n%s", gin, again)
	}
}
