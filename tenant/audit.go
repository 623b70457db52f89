package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The audit log (audit_log): every change by a user or job, written by Audit in the
// transaction of the change, and read a page at a time, newest first, by the log viewer
// (AuditLog).

// PlatformKommune is the kommune_kode of audit records about the platform itself (a DST user
// created, a code list changed), which belong to no kommune.
const PlatformKommune = "000"

// AuditEntry is one state change: what was done to which thing, with its state before and
// after (nil where there is none). Who, when and from where come from the transaction's Actor.
type AuditEntry struct {
	Kommune  string // defaults to the scope's kommune
	Action   string // e.g. "sag.create", "user.grant"
	Entity   string // e.g. "sag"
	EntityID string
	Before   any
	After    any
}

// Audit writes e to the audit log in this transaction, so the record exists exactly when the
// change does.
func (t *Tx) Audit(ctx context.Context, e AuditEntry) error {
	kommune := e.Kommune
	if kommune == "" {
		kommune = t.scope.Kommune
	}
	if kommune == "" {
		kommune = PlatformKommune
	}
	before, err := jsonOrNil(e.Before)
	if err != nil {
		return err
	}
	after, err := jsonOrNil(e.After)
	if err != nil {
		return err
	}
	a := t.scope.Actor
	_, err = t.tx.Exec(ctx, `
		INSERT INTO audit_log (kommune_kode, user_id, user_email, ip, action, entity, entity_id, before, after)
		VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6, $7, $8, $9)`,
		kommune, a.UserID, a.Email, a.IP, e.Action, e.Entity, e.EntityID, before, after)
	if err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	return nil
}

func jsonOrNil(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit value: %w", err)
	}
	return b, nil
}

// LogPageSize is the number of records of a page of the audit log and the CPR access log
// unless a query asks for fewer.
const LogPageSize = 50

// AuditQuery asks for one page of the audit log, newest first. Every filter is optional.
type AuditQuery struct {
	// Kommune is the kommune whose records to show: in a kommune's scope that kommune (""
	// means the same; another is ErrNotFound, T1), in a read-all scope any kommune or
	// PlatformKommune, or "" for every one (T3).
	Kommune   string
	UserEmail string // who did it (exact)
	Action    string // e.g. "sag.update"
	// Entity and EntityID name one thing, e.g. "user" and "17". Entity "sag" takes the sag's
	// own records and those of its ydelser.
	Entity   string
	EntityID string
	CPR      string    // 10 digits: the records of the sager with this CPR number and of their ydelser
	From, To time.Time // at in [From, To); a zero time leaves that end open
	After    string    // the cursor of AuditPage.Next; "" for the first page
	Limit    int       // 0 or more than LogPageSize is LogPageSize
	// Indsigt is what the reader may see of sager and ydelser (IndsigtFor; the zero value:
	// nothing). A record of a sag or ydelse the reader may not see comes without its state
	// (Skjult), and the CPR filter finds only sager the reader may see: a search by CPR
	// number tells no more than the screens would (issue 14 #3).
	Indsigt Indsigt
	// Kontakt tells that the reader may read the kommuners' contact persons (access.KontaktRead:
	// the kommune's users, DST). Without it, the records of contact persons come without
	// their names, phones and e-mails (Skjult), as the screens show them nothing either.
	Kontakt bool
}

// AuditRecord is one record of the audit log.
type AuditRecord struct {
	ID        int64
	Kommune   string
	At        time.Time
	UserEmail string
	IP        string
	Action    string
	Entity    string
	EntityID  string
	Before    []byte // the JSON of the state before; nil where there is none, or Skjult
	After     []byte // and after
	SagID     int64  // the sag of a sag's or a ydelse's record (00011); 0 for others
	// Skjult: a record of a sag or ydelse whose content the reader may not see
	// (AuditQuery.Indsigt): who did what to which sag or ydelse, when, without Before and After.
	Skjult bool
}

// AuditPage is one page of the audit log.
type AuditPage struct {
	Records []AuditRecord
	Offset  int    // records on the pages before this one
	Next    string // the cursor of the next page; "" on the last page
}

// AuditLog returns one page of the audit log in the scope (T1, T3), newest first, by
// (at, id): keyset pages that each read a range of an index of 00011, however long the log.
// Its records hold CPR numbers: a person reads it through ShowAuditLog, which records them.
func (t *Tx) AuditLog(ctx context.Context, q AuditQuery) (AuditPage, error) {
	recs, offset, next, err := readLogPage(ctx, t, q.Kommune, q.After, q.Limit,
		func(kommune string, cur logCursor, limit int) (string, []any, bool) {
			q.Limit = limit
			return auditSQL(kommune, q, cur)
		},
		func(r pgx.CollectableRow) (AuditRecord, error) {
			var x AuditRecord
			var indberettet bool
			err := r.Scan(&x.Kommune, &x.ID, &x.At, &x.UserEmail, &x.IP, &x.Action, &x.Entity, &x.EntityID, &x.Before, &x.After,
				&x.SagID, &indberettet)
			if sagIndhold(x.Entity) && !q.Indsigt.Ser(indberettet) || x.Entity == kontaktEntity && !q.Kontakt {
				x.Before, x.After, x.Skjult = nil, nil, true
			}
			return x, err
		},
		func(x AuditRecord) (time.Time, int64) { return x.At, x.ID })
	if err != nil {
		return AuditPage{}, fmt.Errorf("audit log: %w", err)
	}
	return AuditPage{Records: recs, Offset: offset, Next: next}, nil
}

// readLogPage reads one keyset page of a log, newest first, in the kommune named as in
// AuditQuery.Kommune: query makes the page's statement for the kommune, the cursor and the
// limit (ok false: nothing can match), scan reads a record, and key gives a record's (at, id)
// for the next page's cursor.
func readLogPage[R any](ctx context.Context, t *Tx, kommune, after string, limit int,
	query func(kommune string, cur logCursor, limit int) (stmt string, args []any, ok bool),
	scan func(pgx.CollectableRow) (R, error), key func(R) (time.Time, int64),
) (recs []R, offset int, next string, err error) {
	kommune, err = t.readKommune(kommune)
	if err != nil {
		return nil, 0, "", err
	}
	cur, err := decodeLogCursor(after)
	if err != nil {
		return nil, 0, "", err
	}
	limit = logLimit(limit)
	stmt, args, ok := query(kommune, cur, limit)
	if !ok {
		return nil, cur.offset, "", nil
	}
	rows, err := t.tx.Query(ctx, stmt, args...)
	if err != nil {
		return nil, 0, "", err
	}
	recs, err = pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, 0, "", err
	}
	if len(recs) > limit {
		recs = recs[:limit]
		at, id := key(recs[limit-1])
		next = encodeLogCursor(cur.offset+limit, at, id)
	}
	return recs, cur.offset, next, nil
}

// kontaktEntity is the entity of a contact person's records (kontaktpersoner.go).
const kontaktEntity = "kontaktperson"

// sagIndhold tells whether the records of entity hold the content of a sag or ydelse (their
// state: CPR-nummer, Navn, Bemærkninger, the ydelse's fields), which AuditQuery.Indsigt governs.
func sagIndhold(entity string) bool { return entity == "sag" || entity == "ydelse" }

// auditIndberettetSQL is, for a record of audit_log, whether the sag or ydelse it is about is
// delivered now (I2; false when it is gone): a look-up by primary key per record of the page.
// Scalar sub-selects, not EXISTS, which the planner may turn into a hash of every delivered
// sag of the table.
const auditIndberettetSQL = `coalesce(CASE entity
	WHEN 'sag' THEN (SELECT s.indberettet_at IS NOT NULL FROM sager s
		WHERE s.kommune_kode = audit_log.kommune_kode AND s.id = audit_log.sag_id)
	WHEN 'ydelse' THEN (SELECT y.indberettet_at IS NOT NULL FROM ydelser y
		WHERE y.kommune_kode = audit_log.kommune_kode
		AND y.id = CASE WHEN audit_log.entity_id ~ '^[0-9]{1,18}$' THEN audit_log.entity_id::bigint END)
	END, false)`

// auditSQL is the page query of q in kommune ("" for every kommune). ok is false when no
// record can match (an entity id that is not a number where the entity's ids are numbers; a
// CPR number the reader may see no sag of).
func auditSQL(kommune string, q AuditQuery, cur logCursor) (stmt string, args []any, ok bool) {
	b := &sqlArgs{}
	w := []string{"true"}
	if kommune != "" {
		w = append(w, "kommune_kode = "+b.add(kommune))
	}
	if q.UserEmail != "" {
		w = append(w, "user_email = "+b.add(q.UserEmail))
	}
	if q.Action != "" {
		w = append(w, "action = "+b.add(q.Action))
	}
	switch {
	case q.Entity == "sag":
		id, err := strconv.ParseInt(q.EntityID, 10, 64)
		if err != nil || id <= 0 {
			return "", nil, false
		}
		w = append(w, "sag_id = "+b.add(id))
	case q.Entity != "":
		w = append(w, "entity = "+b.add(q.Entity), "entity_id = "+b.add(q.EntityID))
	}
	if q.CPR != "" {
		// The sager with the CPR number: those whose records name it (also deleted ones)
		// and those that exist (also ones that came without a record). A reader who sees
		// only delivered sager finds those only: a deleted sag was never delivered (S7).
		if !q.Indsigt.Ser(true) {
			return "", nil, false
		}
		c := b.add(q.CPR)
		inLog, inSager := "", " AND s.kommune_kode = ANY("+allKommunerSQL+")"
		if kommune != "" {
			k := b.add(kommune)
			inLog, inSager = " AND a.kommune_kode = "+k, " AND s.kommune_kode = "+k
		}
		sager := `SELECT a.sag_id FROM audit_log a WHERE a.sag_cpr = ` + c + inLog + `
			UNION SELECT s.id FROM sager s WHERE s.cpr = ` + c + inSager
		if !q.Indsigt.Ser(false) {
			sager = `SELECT s.id FROM sager s WHERE s.cpr = ` + c + inSager + ` AND s.indberettet_at IS NOT NULL`
		}
		w = append(w, `sag_id IS NOT NULL AND sag_id = ANY(ARRAY(`+sager+`))`)
	}
	w = append(w, timeRangeSQL(b, "at", q.From, q.To)...)
	if cur.set {
		w = append(w, "(at, id) < ("+b.add(cur.at)+"::timestamptz, "+b.add(cur.id)+"::bigint)")
	}
	indberettet := "false" // needed only when the reader sees a delivered sag and not another
	if q.Indsigt.Ser(true) != q.Indsigt.Ser(false) {
		indberettet = auditIndberettetSQL
	}
	stmt = `SELECT kommune_kode, id, at, user_email, ip, action, entity, entity_id, before, after,
		coalesce(sag_id, 0), ` + indberettet + `
		FROM audit_log WHERE ` + strings.Join(w, " AND ") + `
		ORDER BY at DESC, id DESC LIMIT ` + b.add(q.Limit+1)
	return stmt, b.args, true
}

// AuditActions returns the actions the audit log of kommune ("" for every kommune of a
// read-all scope) holds, in order: what the action filter offers. A loose index scan, one
// probe of an action index per action, however long the log.
func (t *Tx) AuditActions(ctx context.Context, kommune string) ([]string, error) {
	kommune, err := t.readKommune(kommune)
	if err != nil {
		return nil, err
	}
	in, args := "", []any{}
	if kommune != "" {
		in, args = " AND kommune_kode = $1", []any{kommune}
	}
	rows, err := t.tx.Query(ctx, `
		WITH RECURSIVE a (action) AS (
			(SELECT action FROM audit_log WHERE true`+in+` ORDER BY action LIMIT 1)
			UNION ALL
			SELECT (SELECT l.action FROM audit_log l WHERE l.action > a.action`+in+` ORDER BY l.action LIMIT 1)
			FROM a WHERE a.action IS NOT NULL)
		SELECT action FROM a WHERE action IS NOT NULL`, args...)
	if err != nil {
		return nil, fmt.Errorf("audit actions: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// allKommunerSQL is every kommunekode and PlatformKommune, as an array. A condition
// kommune_kode = ANY(allKommunerSQL) lets an index led by kommune_kode serve a query across
// every kommune: one range per kommune.
const allKommunerSQL = `ARRAY(SELECT kommune_kode FROM kommuner) || '` + PlatformKommune + `'::text`

// timeRangeSQL is the conditions col >= from and col < to, for the ends that are set.
func timeRangeSQL(b *sqlArgs, col string, from, to time.Time) []string {
	var w []string
	if !from.IsZero() {
		w = append(w, col+" >= "+b.add(from)+"::timestamptz")
	}
	if !to.IsZero() {
		w = append(w, col+" < "+b.add(to)+"::timestamptz")
	}
	return w
}

func logLimit(n int) int {
	if n <= 0 || n > LogPageSize {
		return LogPageSize
	}
	return n
}

// ErrBadLogCursor is returned for a cursor the log readers did not make.
var ErrBadLogCursor = errors.New("tenant: invalid log cursor")

// logCursor is the key (at, id) of the last record of a page and the records shown up to
// it. Encoded it is opaque and holds no CPR number: it may go in a URL.
type logCursor struct {
	set    bool
	offset int
	at     time.Time
	id     int64
}

func encodeLogCursor(offset int, at time.Time, id int64) string {
	return encodePageCursor(strconv.Itoa(offset), strconv.FormatInt(at.UnixMicro(), 10), strconv.FormatInt(id, 10))
}

// ValidLogCursor tells whether s is a cursor AuditLog or CPRAccessLog wrote ("" is the first
// page): their readers refuse any other with ErrBadLogCursor.
func ValidLogCursor(s string) bool {
	_, err := decodeLogCursor(s)
	return err == nil
}

// The times a log cursor may hold, in microseconds since 1970: the years 1 to 9999. A
// record's time is the database's clock when it was written, within these years however
// wrong that clock; outside them PostgreSQL refuses a time before 4713 BC (a 500), and pgx's
// encoding wrapped the ends of int64 around to a page of nonsense (issue 14 review #4).
var (
	minLogCursorMicros = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxLogCursorMicros = time.Date(9999, 12, 31, 23, 59, 59, 999_999_000, time.UTC).UnixMicro()
)

// decodeLogCursor reads a cursor encodeLogCursor wrote, else ErrBadLogCursor.
func decodeLogCursor(s string) (logCursor, error) {
	if s == "" {
		return logCursor{}, nil
	}
	offset, f, ok := decodePageCursor(s, 3)
	if !ok {
		return logCursor{}, ErrBadLogCursor
	}
	micros, okAt := cursorInt(f[1], minLogCursorMicros, maxLogCursorMicros)
	id, okID := cursorID(f[2])
	if !okAt || !okID {
		return logCursor{}, ErrBadLogCursor
	}
	return logCursor{set: true, offset: offset, at: time.UnixMicro(micros), id: id}, nil
}
