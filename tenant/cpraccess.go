package tenant

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
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

// Every read that returns CPR numbers to a person writes the record of what it returns in
// its own transaction, before it returns (issue 16 #4): ShowList, ShowSag, ShowSagVisning,
// ShowAuditLog, ShowCPRAccessLog, DB.DownloadEksport and DB.DownloadLeverance below. The
// screens (app) read CPR numbers through these alone, so no screen can forget the record
// or write another than what it got; a fitness test (cpraccess_fitness_test.go) fails on a
// handler that reads CPR-bearing rows another way. The one other way is a change: a handler
// that changes a sag or its ydelser reads it under LockSag, and the change's audit record,
// in the same transaction, names the sag. The jobs read CPR numbers for DST's delivery and
// for an export's file and show them to nobody; the CPR numbers of what they wrote are
// stored beside it (leverancer.cprs, eksporter.cprs), and a download of it is the read that
// is recorded.

// LogCPRAccess records that the actor saw or exported the given CPR numbers (action: list,
// search, view, export, download), in this transaction, under the scope's kommune
// (PlatformKommune in a read-all scope). The reads for a person above call it; a caller of
// its own records what it shows by other means (a test, the benchmark of the search).
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
// (per kommune); the others a range of an index of cpr_access_log (00011). A person reads
// it through ShowCPRAccessLog, which records a look-up by CPR number.
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

// ShowList is List for a person: one page of a list of a kommune (S8, S9), and for Ydelser ved
// sag the sag the page is of (nil for the other views), with the CPR access record of the
// CPR numbers shown (the page's, else the sag's) under the list's kommune. The record says
// what was looked at, never what was searched for: action search (a CPR prefix) or list,
// detail "liste=… visning=… filter=…" with " sag=N" and " fra=N" (the first row's position)
// where they apply. The errors are List's and SagIn's.
func (t *Tx) ShowList(ctx context.Context, q ListQuery) (ListPage, *domain.Sag, error) {
	var sag *domain.Sag
	if q.Visning == VisningYdelserVedSag && q.SagID != 0 {
		s, err := t.SagIn(ctx, q.Kommune, q.SagID)
		if err != nil {
			return ListPage{}, nil, err
		}
		sag = &s
	}
	page, err := t.List(ctx, q)
	if err != nil {
		return ListPage{}, nil, err
	}
	shown := page.CPRs()
	if len(shown) == 0 && sag != nil {
		shown = []string{sag.CPR} // Ydelser ved sag shows the sag's CPR number without rows too
	}
	if len(shown) == 0 {
		return page, sag, nil
	}
	action := "list"
	if q.CPRPrefix != "" {
		action = "search"
	}
	filter := q.Filter
	if filter == "" {
		filter = FilterAlle
	}
	detail := fmt.Sprintf("liste=%s visning=%s filter=%s", q.Liste, q.Visning, filter)
	if q.SagID != 0 {
		detail += fmt.Sprintf(" sag=%d", q.SagID)
	}
	if page.Offset > 0 {
		detail += fmt.Sprintf(" fra=%d", page.Offset+1)
	}
	kommune, _ := t.readKommune(q.Kommune) // List has read it
	return page, sag, t.LogCPRAccessIn(ctx, kommune, action, shown, detail)
}

// ShowSag is Sag for a person: the scope kommune's sag id, with the CPR access record (view)
// of its CPR number; detail names the screen ("sag 17", "slet sag 17" …).
func (t *Tx) ShowSag(ctx context.Context, id int64, detail string) (domain.Sag, error) {
	s, err := t.Sag(ctx, id)
	if err != nil {
		return s, err
	}
	return s, t.LogCPRAccess(ctx, "view", []string{s.CPR}, detail)
}

// ShowSagVisning is SagVisning for a person: the sag with its ydelser for the read-only view,
// with the CPR access record (view) of its CPR number under the sag's kommune (where DST's
// look goes too, for the kommune's administrators to see); detail names the screen.
func (t *Tx) ShowSagVisning(ctx context.Context, kommune string, id int64, detail string) (domain.Sag, []domain.Ydelse, error) {
	s, ydelser, err := t.SagVisning(ctx, kommune, id)
	if err != nil {
		return s, nil, err
	}
	k, _ := t.readKommune(kommune) // SagIn has read it
	return s, ydelser, t.LogCPRAccessIn(ctx, k, "view", []string{s.CPR}, detail)
}

// ShowAuditLog is AuditLog for a person: one page of the audit log, with the CPR access
// records of the CPR numbers its records show (the "CPR" of the records the reader may see,
// at any depth: a sag's, a deleted sag's), one per kommune of the records, so that each
// kommune's administrators see them, and the CPR number looked up (q.CPR) under the kommune
// looked in (the platform's when DST looks across every kommune). Action search with a CPR
// number, else view; detail "revisionslog".
func (t *Tx) ShowAuditLog(ctx context.Context, q AuditQuery) (AuditPage, error) {
	page, err := t.AuditLog(ctx, q)
	if err != nil {
		return page, err
	}
	shown := map[string][]string{}
	for _, r := range page.Records {
		for _, cpr := range auditRecordCPRs(r) {
			if !slices.Contains(shown[r.Kommune], cpr) {
				shown[r.Kommune] = append(shown[r.Kommune], cpr)
			}
		}
	}
	return page, t.logLookUp(ctx, q.Kommune, q.CPR, shown, "revisionslog")
}

// ShowCPRAccessLog is CPRAccessLog for a person: one page of the CPR access log, which shows
// no CPR number, with the CPR access record (search, detail "cpr-adgangslog") of the CPR
// number looked up, if any, as ShowAuditLog records it.
func (t *Tx) ShowCPRAccessLog(ctx context.Context, q CPRAccessQuery) (CPRAccessPage, error) {
	page, err := t.CPRAccessLog(ctx, q)
	if err != nil {
		return page, err
	}
	return page, t.logLookUp(ctx, q.Kommune, q.CPR, map[string][]string{}, "cpr-adgangslog")
}

// logLookUp writes the CPR access records of a log viewer: the CPR numbers shown, by kommune
// of the records, and the CPR number looked up (cpr, "" for none) under the kommune looked in
// (kommune as in AuditQuery.Kommune; "" in a read-all scope is every kommune: the platform's
// record).
func (t *Tx) logLookUp(ctx context.Context, kommune, cpr string, shown map[string][]string, detail string) error {
	if cpr != "" {
		k, _ := t.readKommune(kommune) // the log's reader has read it
		if k == "" {
			k = PlatformKommune
		}
		if !slices.Contains(shown[k], cpr) {
			shown[k] = append(shown[k], cpr)
		}
	}
	action := "view"
	if cpr != "" {
		action = "search"
	}
	for _, k := range slices.Sorted(maps.Keys(shown)) {
		if err := t.LogCPRAccessIn(ctx, k, action, shown[k], detail); err != nil {
			return err
		}
	}
	return nil
}

// auditRecordCPRs are the CPR numbers of an audit record's before and after: the values of
// its "CPR" keys (sagRecord's) at any depth, each once. A record the reader may not see
// (Skjult) has none.
func auditRecordCPRs(r AuditRecord) []string {
	var cprs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if s, ok := x[k].(string); ok && k == "CPR" && !slices.Contains(cprs, s) {
					cprs = append(cprs, s)
				}
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, raw := range [][]byte{r.Before, r.After} {
		var v any
		if len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
			walk(v)
		}
	}
	return cprs
}

// DownloadEksport is the file of export e (done, as the scope s read it) for a person, after
// the CPR access record (download) of every CPR number in it, under the export's kommune,
// committed in a transaction of s before the first byte: the reader and the file's size as
// EksportDownload gives them. The reader outlives ctx's cancellation (a response is written
// after its handler returns).
func (db *DB) DownloadEksport(ctx context.Context, s Scope, e Eksport) (io.Reader, int64, error) {
	err := db.InScope(ctx, s, func(tx *Tx) error {
		cprs, err := tx.EksportCPRs(ctx, e)
		if err != nil {
			return err
		}
		return tx.LogCPRAccessIn(ctx, e.Kommune, "download", cprs, fmt.Sprintf("eksport=%d art=%s format=%s antal=%d",
			e.ID, e.Art, e.Format, len(cprs)))
	})
	if err != nil {
		return nil, 0, err
	}
	r, size := db.EksportDownload(context.WithoutCancel(ctx), s, e)
	return r, size, nil
}

// DownloadLeverance is the document of leverance id for a person, after the CPR access record
// (download) of the CPR numbers the delivery stored beside it, under the leverance's kommune,
// committed in a transaction of s before the first byte: the leverance, and the reader and
// size as LeveranceDownload gives them (gzipped: the stored gzip stream). ErrNotFound for a
// leverance s may not read (T1). The reader outlives ctx's cancellation.
func (db *DB) DownloadLeverance(ctx context.Context, s Scope, id int64, gzipped bool) (LeveranceFil, io.Reader, int64, error) {
	var f LeveranceFil
	err := db.InScope(ctx, s, func(tx *Tx) error {
		var err error
		if f, err = tx.LeveranceFil(ctx, id); err != nil {
			return err
		}
		cprs, err := tx.LeveranceCPRs(ctx, id)
		if err != nil {
			return err
		}
		return tx.LogCPRAccessIn(ctx, f.Kommune, "download", cprs, fmt.Sprintf("leverance=%d periode=%s", f.ID, f.Periode))
	})
	if err != nil {
		return f, nil, 0, err
	}
	r, size := db.LeveranceDownload(context.WithoutCancel(ctx), s, f, gzipped)
	return f, r, size, nil
}

// SagExistsIn tells a caller that needs no more whether sag id of kommune (named as in
// ListQuery.Kommune) is one the scope may read: nil, else ErrNotFound. It returns nothing of
// the sag, so it records no access.
func (t *Tx) SagExistsIn(ctx context.Context, kommune string, id int64) error {
	_, err := t.SagIn(ctx, kommune, id)
	return err
}
