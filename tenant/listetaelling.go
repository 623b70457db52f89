package tenant

import (
	"context"
	"fmt"
	"time"

	"indberet/tenant/domain"
)

// The kept counts of the lists: per kommune, list and latest Slutdato the number of sager and
// of their ydelser, as deltas the triggers on sager insert, in liste_taelling (migration
// 00015) for the whole list and in liste_taelling_cpr (00021) per the CPR number's first
// three digits. A list without a CPR prefix, or with one of 1–3 digits, counts by summing
// them instead of counting its sager (S8, S9); the compaction (CompactListCounts, run by a
// periodic job) keeps the sums short.

// keptPrefixDigits is the longest CPR prefix the kept counts answer (liste_taelling_cpr.cpr3).
// A longer one matches few sager, a short range of sager_egne_cpr_idx or sager_cpr_key, and
// is counted live.
const keptPrefixDigits = 3

// keptCountSQL is the count of the list of q in kommune from the kept counts, when they hold
// it: a list without a CPR prefix or with one of up to keptPrefixDigits digits, in Kun sager
// (sager) or Egne IDEP's Sager og ydelser (ydelser), with any status filter (S6, S8). The
// ydelser of All are not kept (only its delivered ones count there).
func keptCountSQL(kommune string, q ListQuery, today time.Time) (string, []any, bool) {
	if len(q.CPRPrefix) > keptPrefixDigits {
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
	table := "liste_taelling"
	if q.CPRPrefix != "" {
		table = "liste_taelling_cpr"
	}
	b := &sqlArgs{}
	stmt := `SELECT coalesce(sum(` + col + `), 0)::bigint FROM ` + table + `
		WHERE kommune_kode = ` + b.add(kommune) + ` AND liste = ` + b.add(string(q.Liste))
	if q.CPRPrefix != "" {
		// The prefixes that start with q's, as the range [prefix, prefix || ':') of
		// liste_taelling_cpr_idx: cpr3 is three digits in collation C, where ':' follows '9'
		// (the same range as sagWhere's on sager.cpr).
		stmt += ` AND cpr3 >= ` + b.add(q.CPRPrefix) + ` AND cpr3 < ` + b.add(q.CPRPrefix+":")
	}
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
func ListCountsCutoff(today time.Time) time.Time { return domain.DateOf(today).AddDate(0, 0, -28) }

// listCountTables are the tables of kept counts, each with the columns of its key besides
// the latest Slutdato.
var listCountTables = []struct{ table, key string }{
	{"liste_taelling", "liste"},
	{"liste_taelling_cpr", "liste, cpr3"},
}

// CompactListCounts sums the scope kommune's kept counts into one row per key (list, and in
// liste_taelling_cpr the CPR prefix) and latest Slutdato, and folds every Slutdato before
// ListCountsCutoff(today) into one row per key. Each row it leaves is the sum of the rows it
// replaced, so every sum over rows (a list, a range of prefixes, a side of today) stays what
// it was. Rows that concurrent transactions insert meanwhile are not touched and keep
// counting. rowsBefore and rowsAfter are the rows of both tables.
func (t *Tx) CompactListCounts(ctx context.Context, today time.Time) (rowsBefore, rowsAfter int64, err error) {
	if t.scope.Kommune == "" {
		return 0, 0, ErrNoScope
	}
	cutoff := ListCountsCutoff(today)
	for _, c := range listCountTables {
		// Only the keys that need it are rewritten (more than one row, a Slutdato to fold, or
		// a sum of nothing): a kommune whose counts did not change since the last run is left
		// as it is, and the index-only scans of the lists' counts do not meet a page of dead
		// rows per run. Whether a row's key is due is a window over its key, not a join of the
		// rows with the due keys: that join (on a Slutdato that may be NULL, so not hashable)
		// became a nested loop whenever the table had no statistics yet (as after a
		// migration's fill) and took 40 s for a kommune of 45,000 rows in a test.
		var before, after int64
		err = t.tx.QueryRow(ctx, `
			WITH rows AS (
				SELECT id, `+c.key+`, key, sager, ydelser,
					count(*) OVER w > 1 OR bool_or(slutdato_max IS DISTINCT FROM key) OVER w
						OR (sum(sager) OVER w = 0 AND sum(ydelser) OVER w = 0) AS due
				FROM (SELECT id, `+c.key+`, slutdato_max, sager, ydelser,
						CASE WHEN slutdato_max < $2::date THEN '-infinity'::date ELSE slutdato_max END AS key
					FROM `+c.table+` WHERE kommune_kode = $1) r
				WINDOW w AS (PARTITION BY `+c.key+`, key)),
			gone AS (
				DELETE FROM `+c.table+` t USING rows r
				WHERE r.due AND t.kommune_kode = $1 AND t.id = r.id
				RETURNING r.*),
			kept AS (
				INSERT INTO `+c.table+` (kommune_kode, `+c.key+`, slutdato_max, sager, ydelser)
				SELECT $1, `+c.key+`, key, sum(sager), sum(ydelser)
				FROM gone GROUP BY `+c.key+`, key
				HAVING sum(sager) <> 0 OR sum(ydelser) <> 0
				RETURNING 1)
			SELECT (SELECT count(*) FROM rows), (SELECT count(*) FROM rows) - (SELECT count(*) FROM gone) + (SELECT count(*) FROM kept)`,
			t.scope.Kommune, cutoff).Scan(&before, &after)
		if err != nil {
			return 0, 0, fmt.Errorf("compact list counts (%s): %w", c.table, err)
		}
		rowsBefore, rowsAfter = rowsBefore+before, rowsAfter+after
	}
	return rowsBefore, rowsAfter, nil
}
