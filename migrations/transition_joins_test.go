package migrations_test

import (
	"context"
	"regexp"
	"testing"
)

// TestTransitionTableJoinsPlannedPerCall: 00031. A statement trigger that joins its old and
// new transition tables runs that join by EXECUTE, planned at each call with the tables'
// real sizes: a static statement keeps the plan of its first run in the session, a nested
// loop for a few rows that rescans a transition table per row when a delivery then marks a
// kommune's 100,000 rows (make bench's first delivery: 92 s became over 10 minutes).
func TestTransitionTableJoinsPlannedPerCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, owner, _ := migrationDB(t)
	rows, err := owner.Query(ctx, `SELECT DISTINCT p.proname, p.prosrc FROM pg_trigger tr JOIN pg_proc p ON p.oid = tr.tgfoid
		WHERE tr.tgoldtable IS NOT NULL AND tr.tgnewtable IS NOT NULL ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	quoted := regexp.MustCompile(`(?s)\$q\$.*?\$q\$`)
	join := regexp.MustCompile(`(?i)(old_rows|new_rows)\s+\w+\s+JOIN\s+(old_rows|new_rows)`)
	seen := 0
	for rows.Next() {
		var name, src string
		if err := rows.Scan(&name, &src); err != nil {
			t.Fatal(err)
		}
		seen++
		if m := join.FindString(quoted.ReplaceAllString(src, "")); m != "" {
			t.Errorf("%s joins its transition tables in a static statement (%q): run it by EXECUTE $q$…$q$", name, m)
		}
		if !join.MatchString(src) {
			t.Errorf("%s: no join of the transition tables found; this test looks for the form \"old_rows o JOIN new_rows n\"", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen < 1 {
		t.Errorf("%d functions of triggers with both transition tables, want at least liste_taelling_delta", seen)
	}
}
