package tenant

import (
	"context"
	"fmt"
	"time"
)

// The kept counts of the lists (liste_taelling, migration 00015): per kommune, list and latest
// Slutdato the number of sager and of their ydelser, as deltas the triggers on sager insert.
// A list without a CPR prefix counts by summing them instead of counting its sager (S8, S9);
// the compaction (CompactListCounts, run by a periodic job) keeps the sums short.

// keptCountSQL is the count of the list of q in kommune from liste_taelling, when the kept
// counts hold it: a list without a CPR prefix, in Kun sager (sager) or Egne IDEP's Sager og
// ydelser (ydelser). With a prefix the count is a short range of an index anyway.
func keptCountSQL(kommune string, q ListQuery, today time.Time) (string, []any, bool) {
	if q.CPRPrefix != "" {
		return "", nil, false
	}
	col := "sager"
	switch {
	case q.Visning == VisningKunSager:
	case q.Visning == VisningSagerOgYdelser && q.Liste == ListeEgne:
		col = "ydelser"
	default:
		return "", nil, false
	}
	b := &sqlArgs{}
	stmt := `SELECT coalesce(sum(` + col + `), 0)::bigint FROM liste_taelling
		WHERE kommune_kode = ` + b.add(kommune) + ` AND liste = ` + b.add(string(q.Liste))
	stmt += statusFilterSQL(b, "slutdato_max", q.Filter, today)
	return stmt, b.args, true
}

// ListCounts counts the scope kommune's sager in each list (S9): Egne IDEP (kilde 'egne')
// and All (delivered).
func (t *Tx) ListCounts(ctx context.Context) (ListCounts, error) {
	if t.scope.Kommune == "" {
		return ListCounts{}, ErrNoScope
	}
	var n ListCounts
	err := t.tx.QueryRow(ctx, `
		SELECT coalesce(sum(sager) FILTER (WHERE liste = 'egne'), 0)::bigint,
			coalesce(sum(sager) FILTER (WHERE liste = 'alle'), 0)::bigint
		FROM liste_taelling WHERE kommune_kode = $1`, t.scope.Kommune).Scan(&n.Egne, &n.Alle)
	if err != nil {
		return n, fmt.Errorf("list counts: %w", err)
	}
	return n, nil
}

// ListCountsCutoff is the latest Slutdato from which the kept counts keep their own row, for
// today: every Slutdato before it is folded into one row of sager afsluttet for good (S6).
// Weeks before today, not a day: an instance whose clock or time zone is off, or a list
// asked for a day before today, still counts right.
func ListCountsCutoff(today time.Time) time.Time { return dateOnly(today).AddDate(0, 0, -28) }

// CompactListCounts sums the scope kommune's kept counts into one row per list and latest
// Slutdato, and folds every Slutdato before ListCountsCutoff(today) into one row. Rows that
// concurrent transactions insert meanwhile are not touched and keep counting.
func (t *Tx) CompactListCounts(ctx context.Context, today time.Time) (rowsBefore, rowsAfter int64, err error) {
	if t.scope.Kommune == "" {
		return 0, 0, ErrNoScope
	}
	cutoff := ListCountsCutoff(today)
	// Only the keys that need it are rewritten (more than one row, a Slutdato to fold, or a
	// sum of nothing): a kommune whose counts did not change since the last run is left as it
	// is, and the index-only scans of the lists' counts do not meet a page of dead rows per run.
	// Whether a row's key is due is a window over its key, not a join of the rows with the
	// due keys: that join (on a Slutdato that may be NULL, so not hashable) became a nested
	// loop whenever the table had no statistics yet (as after a migration's fill) and took
	// 40 s for a kommune of 45,000 rows in a test.
	err = t.tx.QueryRow(ctx, `
		WITH rows AS (
			SELECT id, liste, key, sager, ydelser,
				count(*) OVER w > 1 OR bool_or(slutdato_max IS DISTINCT FROM key) OVER w
					OR (sum(sager) OVER w = 0 AND sum(ydelser) OVER w = 0) AS due
			FROM (SELECT id, liste, slutdato_max, sager, ydelser,
					CASE WHEN slutdato_max < $2::date THEN '-infinity'::date ELSE slutdato_max END AS key
				FROM liste_taelling WHERE kommune_kode = $1) r
			WINDOW w AS (PARTITION BY liste, key)),
		gone AS (
			DELETE FROM liste_taelling t USING rows r
			WHERE r.due AND t.kommune_kode = $1 AND t.id = r.id
			RETURNING r.*),
		kept AS (
			INSERT INTO liste_taelling (kommune_kode, liste, slutdato_max, sager, ydelser)
			SELECT $1, liste, key, sum(sager), sum(ydelser)
			FROM gone GROUP BY liste, key
			HAVING sum(sager) <> 0 OR sum(ydelser) <> 0
			RETURNING 1)
		SELECT (SELECT count(*) FROM rows), (SELECT count(*) FROM rows) - (SELECT count(*) FROM gone) + (SELECT count(*) FROM kept)`,
		t.scope.Kommune, cutoff).Scan(&rowsBefore, &rowsAfter)
	if err != nil {
		return 0, 0, fmt.Errorf("compact list counts: %w", err)
	}
	return rowsBefore, rowsAfter, nil
}
