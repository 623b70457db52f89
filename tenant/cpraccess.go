package tenant

import (
	"context"
	"fmt"
	"strings"
	"time"

	"indberet/tenant/domain"

	"github.com/jackc/pgx/v5"
)

// The CPR access log (cpr_access_log): who saw or exported which CPR numbers, when and from
// where. Append-only for the application. Its index by CPR number, cpr_access_log_cprs (one
// row per CPR number of a record), is written a minute later by IndexCPRAccess (the job
// worker/cpr_index.go); meanwhile a record waits in cpr_access_log_nye, which its trigger
// fills, and the look-up by CPR number reads those records too (00019).

// LogCPRAccess records that the actor saw or exported the given CPR numbers (action: list,
// search, view, export, download), in this transaction, under the scope's kommune
// (PlatformKommune in a read-all scope).
func (t *Tx) LogCPRAccess(ctx context.Context, action string, cprs []string, detail string) error {
	kommune := t.scope.Kommune
	if kommune == "" {
		kommune = PlatformKommune
	}
	return t.LogCPRAccessIn(ctx, kommune, action, cprs, detail)
}

// LogCPRAccessIn is LogCPRAccess under the named kommune: a read-all scope (DST) records what
// it saw of a kommune's data under that kommune, where the kommune's administrators see it.
// In a kommune's scope only its own kommune is allowed (row-level security refuses others).
func (t *Tx) LogCPRAccessIn(ctx context.Context, kommune, action string, cprs []string, detail string) error {
	if !domain.ValidKommunekode(kommune) {
		return fmt.Errorf("tenant: invalid kommunekode %q", kommune)
	}
	if cprs == nil {
		cprs = []string{}
	}
	a := t.scope.Actor
	_, err := t.tx.Exec(ctx, `
		INSERT INTO cpr_access_log (kommune_kode, user_id, user_email, ip, action, cprs, detail)
		VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6, $7)`,
		kommune, a.UserID, a.Email, a.IP, action, cprs, detail)
	if err != nil {
		return fmt.Errorf("write cpr access record: %w", err)
	}
	return nil
}

// CPRAccessQuery asks for one page of the CPR access log, newest first. Every filter is
// optional.
type CPRAccessQuery struct {
	Kommune   string    // as AuditQuery.Kommune
	CPR       string    // 10 digits: the records that include this CPR number
	UserEmail string    // who (exact)
	From, To  time.Time // at in [From, To); a zero time leaves that end open
	After     string    // the cursor of CPRAccessPage.Next; "" for the first page
	Limit     int       // 0 or more than LogPageSize is LogPageSize
	// Indsigt is what the reader may see of sager (IndsigtFor; the zero value: nothing). The
	// CPR filter finds records only in the kommuner where the reader may see a sag of the CPR
	// number (and the platform's own records, the look-ups of DST and platform users), so
	// that a search by CPR number is no oracle of the sager a reader may not see (issue 14 #3).
	Indsigt Indsigt
}

// CPRAccessRecord is one record of the CPR access log. It tells how many CPR numbers the
// record covers, not which: a list of them would itself be a CPR access.
type CPRAccessRecord struct {
	ID        int64
	Kommune   string
	At        time.Time
	UserEmail string
	IP        string
	Action    string // list, search, view, export, download
	Detail    string
	AntalCPR  int
}

// CPRAccessPage is one page of the CPR access log.
type CPRAccessPage struct {
	Records []CPRAccessRecord
	Offset  int    // records on the pages before this one
	Next    string // the cursor of the next page; "" on the last page
}

// CPRAccessLog returns one page of the CPR access log in the scope (T1, T3), newest first,
// by (at, id). The records of a CPR number are a range of cpr_access_log_cprs' primary key
// (per kommune); the others a range of an index of cpr_access_log (00011). The caller
// records the look-up itself when it names a CPR number (LogCPRAccess).
func (t *Tx) CPRAccessLog(ctx context.Context, q CPRAccessQuery) (CPRAccessPage, error) {
	recs, offset, next, err := readLogPage(ctx, t, q.Kommune, q.After, q.Limit,
		func(kommune string, cur logCursor, limit int) (string, []any, bool) {
			q.Limit = limit
			return cprAccessSQL(kommune, q, cur)
		},
		func(r pgx.CollectableRow) (CPRAccessRecord, error) {
			var x CPRAccessRecord
			err := r.Scan(&x.Kommune, &x.ID, &x.At, &x.UserEmail, &x.IP, &x.Action, &x.Detail, &x.AntalCPR)
			return x, err
		},
		func(x CPRAccessRecord) (time.Time, int64) { return x.At, x.ID })
	if err != nil {
		return CPRAccessPage{}, fmt.Errorf("cpr access log: %w", err)
	}
	return CPRAccessPage{Records: recs, Offset: offset, Next: next}, nil
}

// cprAccessSQL is the page query of q in kommune ("" for every kommune). ok is false when no
// record can match (a CPR number the reader may see no sag of).
func cprAccessSQL(kommune string, q CPRAccessQuery, cur logCursor) (stmt string, args []any, ok bool) {
	b := &sqlArgs{}
	const columns = `l.kommune_kode, l.id, l.at, l.user_email, l.ip, l.action, l.detail, cardinality(l.cprs)`
	if q.CPR != "" {
		// The records of the CPR number: those in its index rows, and those still waiting for
		// them (IndexCPRAccess moves a record from one to the other in one statement, so a
		// snapshot sees it in exactly one).
		if !q.Indsigt.Ser(true) {
			return "", nil, false
		}
		cpr, inKommune := b.add(q.CPR), "= ANY("+allKommunerSQL+")"
		switch {
		case !q.Indsigt.Ser(false):
			// Of the kommuner asked for, those with a delivered sag of the CPR number, and the
			// platform's records.
			in := allKommunerSQL
			if kommune != "" {
				in = "ARRAY[" + b.add(kommune) + "::text]"
			}
			inKommune = `= ANY(ARRAY(SELECT k FROM unnest(` + in + `) k WHERE k = '` + PlatformKommune + `'
				OR EXISTS (SELECT FROM sager s WHERE s.kommune_kode = k AND s.cpr = ` + cpr + ` AND s.indberettet_at IS NOT NULL)))`
		case kommune != "":
			inKommune = "= " + b.add(kommune)
		}
		indexed := []string{"c.cpr = " + cpr, "c.kommune_kode " + inKommune}
		waiting := []string{"n.kommune_kode " + inKommune, cpr + " = ANY(l.cprs)"}
		indexed = append(indexed, timeRangeSQL(b, "c.at", q.From, q.To)...)
		waiting = append(waiting, timeRangeSQL(b, "l.at", q.From, q.To)...)
		if cur.set {
			at, id := b.add(cur.at), b.add(cur.id)
			indexed = append(indexed, "(c.at, c.access_id) < ("+at+"::timestamptz, "+id+"::bigint)")
			waiting = append(waiting, "(l.at, l.id) < ("+at+"::timestamptz, "+id+"::bigint)")
		}
		w := []string{"true"}
		if q.UserEmail != "" {
			w = append(w, "l.user_email = "+b.add(q.UserEmail))
		}
		return `SELECT ` + columns + `
			FROM (SELECT c.kommune_kode, c.at, c.access_id FROM cpr_access_log_cprs c
					WHERE ` + strings.Join(indexed, " AND ") + `
				UNION ALL
				SELECT n.kommune_kode, l.at, l.id FROM cpr_access_log_nye n
					JOIN cpr_access_log l ON l.kommune_kode = n.kommune_kode AND l.id = n.access_id AND l.at = n.at
					WHERE ` + strings.Join(waiting, " AND ") + `) c
			JOIN cpr_access_log l ON l.kommune_kode = c.kommune_kode AND l.id = c.access_id AND l.at = c.at
			WHERE ` + strings.Join(w, " AND ") + `
			ORDER BY c.at DESC, c.access_id DESC LIMIT ` + b.add(q.Limit+1), b.args, true
	}
	w := []string{"true"}
	if kommune != "" {
		w = append(w, "l.kommune_kode = "+b.add(kommune))
	}
	if q.UserEmail != "" {
		w = append(w, "l.user_email = "+b.add(q.UserEmail))
	}
	w = append(w, timeRangeSQL(b, "l.at", q.From, q.To)...)
	if cur.set {
		w = append(w, "(l.at, l.id) < ("+b.add(cur.at)+"::timestamptz, "+b.add(cur.id)+"::bigint)")
	}
	return `SELECT ` + columns + ` FROM cpr_access_log l WHERE ` + strings.Join(w, " AND ") + `
		ORDER BY l.at DESC, l.id DESC LIMIT ` + b.add(q.Limit+1), b.args, true
}

// IndexCPRAccess writes the index rows (cpr_access_log_cprs: one per CPR number) of the scope
// kommune's CPR access records that wait for them: it takes them off cpr_access_log_nye, and
// that delete writes their rows, in index order (00019). It returns how many records it
// indexed. A record committed meanwhile waits for the next run.
func (t *Tx) IndexCPRAccess(ctx context.Context) (records int64, err error) {
	if t.scope.Kommune == "" {
		return 0, ErrNoScope
	}
	tag, err := t.tx.Exec(ctx, `DELETE FROM cpr_access_log_nye WHERE kommune_kode = $1`, t.scope.Kommune)
	if err != nil {
		return 0, fmt.Errorf("index cpr access records: %w", err)
	}
	return tag.RowsAffected(), nil
}
