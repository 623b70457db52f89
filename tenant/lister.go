package tenant

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"indberet/tenant/domain"

	"github.com/jackc/pgx/v5"
)

// The lists of a kommune's data (S9): Liste, its views and filters, and List, one page of
// sager and ydelser at a time.

// Liste is one of the two lists of a kommune's data (S9).
type Liste string

// The lists of S9.
const (
	ListeEgne Liste = "egne" // *Egne IDEP*: what was registered in this system (kilde 'egne'); editable
	ListeAlle Liste = "alle" // *All (read only)*: everything delivered for the kommune (I2), any kilde
)

// Valid tells whether l is one of the lists.
func (l Liste) Valid() bool { return l == ListeEgne || l == ListeAlle }

// Visning is a view of a list (S8).
type Visning string

// The views of S8.
const (
	VisningSagerOgYdelser Visning = "sager-og-ydelser" // *Sager og ydelser*: a row per ydelse, with its sag
	VisningKunSager       Visning = "kun-sager"        // *Kun sager*: a row per sag, with *Antal ydelser*
	VisningYdelserVedSag  Visning = "ydelser-ved-sag"  // *Ydelser ved sag*: the ydelser of one sag
)

// Valid tells whether v is one of the views.
func (v Visning) Valid() bool {
	return v == VisningSagerOgYdelser || v == VisningKunSager || v == VisningYdelserVedSag
}

// Filter narrows a list by the status of the sager (S6, S8).
type Filter string

// The filters of S8.
const (
	FilterAlle           Filter = "alle"            // *Alle sager*
	FilterAfsluttede     Filter = "afsluttede"      // *Afsluttede sager*
	FilterIkkeAfsluttede Filter = "ikke-afsluttede" // *Ikke afsluttede sager*
)

// Valid tells whether f is one of the filters.
func (f Filter) Valid() bool {
	return f == FilterAlle || f == FilterAfsluttede || f == FilterIkkeAfsluttede
}

// ListPageSize is the number of rows of a page of a list unless a query asks for fewer.
const ListPageSize = 50

// ListQuery asks for one page of a list of a kommune.
type ListQuery struct {
	// Kommune is the kommune whose list it is: "" (or the same kommune) in a kommune's scope,
	// where another kommune is ErrNotFound (T1); a read-all scope names the kommune (T3: DST
	// reads a kommune's lists, without writing in it).
	Kommune   string
	Liste     Liste
	Visning   Visning
	Filter    Filter    // "" is FilterAlle
	CPRPrefix string    // digits only, 0–10 of them: the sager whose CPR starts so (S8)
	SagID     int64     // the sag of VisningYdelserVedSag
	After     string    // the cursor of ListPage.Next; "" for the first page
	Limit     int       // rows per page; 0 or more than ListPageSize is ListPageSize
	Today     time.Time // the date status is derived against (S6); only its year, month and day count
}

// ListRow is one row of a list: a sag (VisningKunSager) or a ydelse with its sag.
type ListRow struct {
	SagID        int64
	YdelseID     int64 // 0 in a Kun sager row
	CPR          string
	Navn         string
	AntalYdelser int // Kun sager: the sag's ydelser (in ListeAlle the delivered ones)

	// Ydelse rows only: the codes, which the screen names from the code lists (domain.Snapshot).
	Indsatskode      string
	Startdato        time.Time
	Slutdato         *time.Time
	Betalingskommune string

	// Afsluttet is the status (S6): in a sag row the sag's (the latest Slutdato of its ydelser,
	// all of them ended, before today), in a ydelse row the ydelse's (Slutdato before today).
	Afsluttet bool
	// IndberettetAt is when the row (the sag, or the ydelse) was last delivered (I2).
	IndberettetAt *time.Time
	// Deletable: nothing of the row has been delivered, so it may be deleted (S7, Y8).
	Deletable bool
}

// ListPage is one page of a list.
type ListPage struct {
	Rows   []ListRow
	Total  int    // rows of the whole list (every page) with the query's filter and prefix
	Offset int    // rows on the pages before this one
	Next   string // the cursor of the next page; "" on the last page
	// Prev is the cursor of the previous page when Offset > 0: "" when that is the first.
	Prev string
}

// CPRs are the CPR numbers the page shows, each once (its rows come by CPR number, or are of
// one sag): what ShowList records as seen.
func (p ListPage) CPRs() []string {
	var cprs []string
	for _, r := range p.Rows {
		if len(cprs) == 0 || cprs[len(cprs)-1] != r.CPR {
			cprs = append(cprs, r.CPR)
		}
	}
	return cprs
}

// ListCounts is the number of sager in each list of the kommune (S9).
type ListCounts struct {
	Egne int
	Alle int
}

// ErrBadCursor is returned by List for a cursor it did not make (or made for another view).
var ErrBadCursor = errors.New("tenant: invalid list cursor")

// ErrBadPrefix is returned by List for a CPR prefix that is not 0–10 digits.
var ErrBadPrefix = errors.New("tenant: a cpr prefix is up to 10 digits")

// List returns one page of a list of a kommune (S8, S9) and the size of the whole list; a
// read-all scope reads only All (read only), else ErrNotFound. Pages are keyset pages: Kun
// sager is ordered by CPR, Sager og ydelser by CPR and ydelse id, Ydelser ved sag by
// Startdato and ydelse id. A person reads it through ShowList, which records the CPR
// numbers shown.
func (t *Tx) List(ctx context.Context, q ListQuery) (ListPage, error) {
	kommune, err := t.readKommune(q.Kommune)
	if err != nil {
		return ListPage{}, err
	}
	if kommune == "" {
		return ListPage{}, ErrNoScope
	}
	if !q.Liste.Valid() || !q.Visning.Valid() {
		return ListPage{}, fmt.Errorf("tenant: list %q view %q", q.Liste, q.Visning)
	}
	if !t.screenIndsigt().SerListe(q.Liste) {
		return ListPage{}, ErrNotFound // T3, S9: a read-all scope reads only what was delivered
	}
	if q.Filter == "" {
		q.Filter = FilterAlle
	}
	if !q.Filter.Valid() {
		return ListPage{}, fmt.Errorf("tenant: list filter %q", q.Filter)
	}
	if len(q.CPRPrefix) > 10 || strings.Trim(q.CPRPrefix, "0123456789") != "" {
		return ListPage{}, ErrBadPrefix
	}
	if q.Limit <= 0 || q.Limit > ListPageSize {
		q.Limit = ListPageSize
	}
	today := domain.DateOf(q.Today)
	cur, err := decodeCursor(q.Visning, q.After)
	if err != nil {
		return ListPage{}, err
	}
	if q.Visning == VisningYdelserVedSag && q.SagID == 0 {
		return ListPage{}, nil
	}

	stmt := listSQL(kommune, q, today, cur)
	var page ListPage
	page.Offset = cur.offset
	// The cursor's row, the count, the page and the previous page's cursor in one round trip.
	batch := &pgx.Batch{}
	if stmt.found != "" {
		batch.Queue(stmt.found, stmt.foundArgs...)
	}
	batch.Queue(stmt.count, stmt.countArgs...)
	batch.Queue(stmt.rows, stmt.rowsArgs...)
	if stmt.prev != "" {
		batch.Queue(stmt.prev, stmt.prevArgs...)
	}
	br := t.tx.SendBatch(ctx, batch)
	defer br.Close()
	if stmt.found != "" {
		var found bool
		if err := br.QueryRow().Scan(&found); err != nil {
			return page, fmt.Errorf("list cursor: %w", err)
		}
		if !found {
			return ListPage{}, ErrBadCursor // its row is gone, or never was in this list
		}
	}
	if err := br.QueryRow().Scan(&page.Total); err != nil {
		return page, fmt.Errorf("count list: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return page, fmt.Errorf("list: %w", err)
	}
	page.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ListRow, error) {
		var x ListRow
		if q.Visning == VisningKunSager {
			var slutMax *time.Time
			err := r.Scan(&x.SagID, &x.CPR, &x.Navn, &x.AntalYdelser, &slutMax, &x.IndberettetAt, &x.Deletable)
			x.Afsluttet = domain.YdelseAfsluttet(slutMax, today)
			return x, err
		}
		err := r.Scan(&x.SagID, &x.CPR, &x.Navn, &x.YdelseID, &x.Indsatskode, &x.Startdato,
			&x.Slutdato, &x.Betalingskommune, &x.IndberettetAt)
		x.Afsluttet = domain.YdelseAfsluttet(x.Slutdato, today)
		x.Deletable = x.IndberettetAt == nil // Y8
		return x, err
	})
	if err != nil {
		return page, fmt.Errorf("list: %w", err)
	}
	if stmt.prev != "" {
		var p ListRow
		err := br.QueryRow().Scan(&p.SagID, &p.YdelseID, &p.Startdato)
		switch {
		case err == nil:
			page.Prev = encodeCursor(q.Visning, p, cur.offset-q.Limit)
		case !errors.Is(err, pgx.ErrNoRows): // none: the previous page is the first
			return page, fmt.Errorf("list previous page: %w", err)
		}
	}
	if err := br.Close(); err != nil {
		return page, fmt.Errorf("list: %w", err)
	}
	if !rowsInOrder(q.Visning, page.Rows) {
		return ListPage{}, errors.New("tenant: list rows out of order") // listSQL's Sager og ydelser relies on it
	}
	if len(page.Rows) > q.Limit {
		page.Rows = page.Rows[:q.Limit]
		last := page.Rows[len(page.Rows)-1]
		page.Next = encodeCursor(q.Visning, last, cur.offset+len(page.Rows))
	}
	return page, nil
}

// SagVisning returns sag id of kommune (named as in ListQuery.Kommune) with its ydelser by
// start date, for the read-only view of a sag. A read-all scope sees what All (read only)
// shows (S9, T3): a delivered sag with its delivered ydelser; any other is ErrNotFound. A
// person reads it through ShowSagVisning, which records the CPR number shown.
func (t *Tx) SagVisning(ctx context.Context, kommune string, id int64) (domain.Sag, []domain.Ydelse, error) {
	s, err := t.SagIn(ctx, kommune, id)
	if err != nil {
		return s, nil, err
	}
	k, _ := t.readKommune(kommune) // SagIn checked it, and found the sag only if the scope may read it
	rows, err := t.tx.Query(ctx, `SELECT `+ydelseColumns+` FROM `+ydelseFrom+`
		WHERE y.kommune_kode = $1 AND y.sag_id = $2 AND (NOT $3 OR y.indberettet_at IS NOT NULL)
		ORDER BY y.startdato, y.id`, k, id, t.readsDeliveredOnly())
	if err != nil {
		return s, nil, fmt.Errorf("ydelser of sag: %w", err)
	}
	ydelser, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Ydelse, error) { return scanYdelse(r) })
	return s, ydelser, err
}

// listStatements are the queries of a page of a list: the count of the whole list and the
// rows of the page (one more than the limit, which tells whether a next page exists); after a
// cursor also whether the cursor's row is there (found, a boolean) and the key of the last
// row of the page before the previous one (prev: sag id, ydelse id, Startdato; no row when
// the previous page is the first).
type listStatements struct {
	count     string
	countArgs []any
	rows      string
	rowsArgs  []any
	found     string
	foundArgs []any
	prev      string
	prevArgs  []any
}

func listSQL(kommune string, q ListQuery, today time.Time, cur cursor) listStatements {
	b := &sqlArgs{}
	where := sagWhere(b, kommune, q, today)
	ydelseWhere := listYdelseWhere(q.Liste)
	nWhere := len(b.args) // the count takes these; the cursor and the limit add more
	var st listStatements
	switch q.Visning {
	case VisningKunSager:
		st.count = `SELECT count(*) FROM sager s WHERE ` + where
		after := ``
		if cur.set {
			after = ` AND s.cpr > ` + cursorCPR(b, kommune, q.Liste, q.Visning, cur)
		}
		antal := `p.antal_ydelser`
		if q.Liste == ListeAlle {
			antal = `d.n` // S8: in All, the delivered ydelser
		}
		// The page is an index walk on sager_cpr_key stopped by the limit; the outer query
		// adds, per row of the page only, the count of delivered ydelser (LATERAL keeps it a
		// lookup on ydelser_sag_idx). S7: a sag may be deleted while neither it nor any of
		// its ydelser is delivered.
		st.rows = `SELECT p.id, p.cpr, p.navn, ` + antal + `, p.slutdato_max, p.indberettet_at,
				p.indberettet_at IS NULL AND d.n = 0
			FROM (SELECT s.kommune_kode, s.id, s.cpr, s.navn, s.antal_ydelser, s.slutdato_max, s.indberettet_at
				FROM sager s WHERE ` + where + after + ` ORDER BY s.cpr LIMIT ` + b.add(q.Limit+1) + `) p
			CROSS JOIN LATERAL (SELECT count(*)::integer AS n FROM ydelser y
				WHERE y.kommune_kode = p.kommune_kode AND y.sag_id = p.id AND y.indberettet_at IS NOT NULL) d
			ORDER BY p.cpr`
	case VisningSagerOgYdelser:
		if q.Liste == ListeEgne {
			// Every ydelse of the sager counts: the trigger-kept Antal ydelser saves the join.
			st.count = `SELECT coalesce(sum(s.antal_ydelser), 0) FROM sager s WHERE ` + where
		} else {
			st.count = `SELECT count(*) FROM sager s JOIN ydelser y ON y.kommune_kode = s.kommune_kode AND y.sag_id = s.id
				WHERE ` + where + ydelseWhere
		}
		// Ordered by (cpr, ydelse id), which no index holds: first the sager of the page by an
		// index walk on sager_cpr_key (each has a ydelse to show, so limit + 1 sager after the
		// cursor's own give limit + 1 rows), then the ydelser of each by ydelser_sag_idx,
		// sorted by id. Without the inner limit the planner may join and sort every sag of
		// the kommune. The ydelser are a LATERAL sub-select, which PostgreSQL can only run as
		// the inner side of a nested loop over the sager in their order, so the rows come in
		// (cpr, id) order and the outer limit stops the walk at the page's last sag. An outer
		// ORDER BY would say the same, but in the prepared statement's generic plan (the
		// prefix unknown, one sag estimated) the planner sorts instead of stopping: it
		// fetched every one of the limit + 1 sager and their ydelser, twice the work. List
		// checks the order of what comes back (rowsInOrder).
		sagAfter, rowAfter := ``, ``
		if cur.set {
			c := cursorCPR(b, kommune, q.Liste, q.Visning, cur)
			sagAfter = ` AND s.cpr >= ` + c
			rowAfter = ` AND (s.cpr > ` + c + ` OR y.id > ` + b.add(cur.id) + `)`
		}
		has := listSagHasYdelse(q.Liste)
		limit := b.add(q.Limit + 1)
		st.rows = `SELECT ` + ydelseRowColumns + `
			FROM (SELECT s.kommune_kode, s.id, s.cpr, s.navn FROM sager s
				WHERE ` + where + has + sagAfter + ` ORDER BY s.cpr LIMIT ` + limit + ` + 1) s
			CROSS JOIN LATERAL (SELECT ` + ydelseColumnsOf(q.Liste) + ` FROM ydelser y
				WHERE y.kommune_kode = s.kommune_kode AND y.sag_id = s.id` + ydelseWhere + ` ORDER BY y.id) y
			WHERE true` + rowAfter + `
			LIMIT ` + limit
	default: // VisningYdelserVedSag: one sag, a few ydelser
		st.count = `SELECT count(*) FROM sager s JOIN ydelser y ON y.kommune_kode = s.kommune_kode AND y.sag_id = s.id
			WHERE ` + where + ydelseWhere
		start := listStart(q.Liste)
		after := ``
		if cur.set {
			after = ` AND (` + start + `, y.id) > (` + b.add(cur.date) + `::date, ` + b.add(cur.id) + `)`
		}
		st.rows = `SELECT s.id, s.cpr, s.navn, ` + ydelseColumnsOf(q.Liste) + `
			FROM sager s JOIN ydelser y ON y.kommune_kode = s.kommune_kode AND y.sag_id = s.id
			WHERE ` + where + ydelseWhere + after + `
			ORDER BY ` + start + `, y.id LIMIT ` + b.add(q.Limit+1)
	}
	st.countArgs, st.rowsArgs = b.args[:nWhere], b.args
	if c, args, ok := keptCountSQL(kommune, q, today); ok {
		st.count, st.countArgs = c, args // 00015: a sum of kept counts, not a count of sager
	}
	if cur.set && q.Visning != VisningYdelserVedSag {
		fb := &sqlArgs{}
		st.found = `SELECT ` + cursorCPR(fb, kommune, q.Liste, q.Visning, cur) + ` IS NOT NULL`
		st.foundArgs = fb.args
	}
	if cur.set && cur.offset > q.Limit {
		st.prev, st.prevArgs = prevSQL(kommune, q, today, cur)
	}
	return st
}

// cursorCPR is the CPR number of the cursor's row, which orders Kun sager and Sager og
// ydelser: a sub-select of the sag (Kun sager) or the ydelse's sag by the id the cursor holds
// (the cursor, in URLs, holds no CPR number). In All it must be delivered: a forged cursor
// naming another row of the kommune finds nothing (S9, T3). NULL when there is no such row.
func cursorCPR(b *sqlArgs, kommune string, liste Liste, v Visning, cur cursor) string {
	delivered := ``
	if liste == ListeAlle {
		delivered = ` AND c.indberettet_at IS NOT NULL`
	}
	if v == VisningKunSager {
		return `(SELECT c.cpr FROM sager c WHERE c.kommune_kode = ` + b.add(kommune) + ` AND c.id = ` + b.add(cur.id) + delivered + `)`
	}
	if liste == ListeAlle {
		delivered += ` AND cy.indberettet_at IS NOT NULL`
	}
	return `(SELECT c.cpr FROM ydelser cy JOIN sager c ON c.kommune_kode = cy.kommune_kode AND c.id = cy.sag_id
		WHERE cy.kommune_kode = ` + b.add(kommune) + ` AND cy.id = ` + b.add(cur.id) + delivered + `)`
}

// prevSQL is the statement of the key of the last row of the page before the previous page
// (the previous page's cursor): the rows up to the cursor's row, in reverse order, skipping
// one page. Each walks back the index the page's statement walks forward (listSQL).
func prevSQL(kommune string, q ListQuery, today time.Time, cur cursor) (string, []any) {
	b := &sqlArgs{}
	where := sagWhere(b, kommune, q, today)
	ydelseWhere := listYdelseWhere(q.Liste)
	var sql string
	switch q.Visning {
	case VisningKunSager:
		sql = `SELECT s.id, 0::bigint, date '0001-01-01' FROM sager s
			WHERE ` + where + ` AND s.cpr <= ` + cursorCPR(b, kommune, q.Liste, q.Visning, cur) + `
			ORDER BY s.cpr DESC OFFSET ` + b.add(q.Limit) + ` LIMIT 1`
	case VisningSagerOgYdelser:
		// limit + 1 sager back from the cursor's give at least limit + 1 rows (each has a
		// ydelse to show); sorted, they are few.
		c := cursorCPR(b, kommune, q.Liste, q.Visning, cur)
		has := listSagHasYdelse(q.Liste)
		limit := b.add(q.Limit)
		sql = `SELECT s.id, y.id, date '0001-01-01'
			FROM (SELECT s.kommune_kode, s.id, s.cpr FROM sager s
				WHERE ` + where + has + ` AND s.cpr <= ` + c + ` ORDER BY s.cpr DESC LIMIT ` + limit + ` + 1) s
			CROSS JOIN LATERAL (SELECT y.id FROM ydelser y
				WHERE y.kommune_kode = s.kommune_kode AND y.sag_id = s.id` + ydelseWhere + `) y
			WHERE s.cpr < ` + c + ` OR y.id <= ` + b.add(cur.id) + `
			ORDER BY s.cpr DESC, y.id DESC OFFSET ` + limit + ` LIMIT 1`
	default:
		start := listStart(q.Liste)
		sql = `SELECT s.id, y.id, ` + start + `
			FROM sager s JOIN ydelser y ON y.kommune_kode = s.kommune_kode AND y.sag_id = s.id
			WHERE ` + where + ydelseWhere + ` AND (` + start + `, y.id) <= (` + b.add(cur.date) + `::date, ` + b.add(cur.id) + `)
			ORDER BY ` + start + ` DESC, y.id DESC OFFSET ` + b.add(q.Limit) + ` LIMIT 1`
	}
	return sql, b.args
}

// ydelseRowColumns are the columns of a ydelse row of the sag s, in the order List scans them.
const ydelseRowColumns = `s.id, s.cpr, s.navn, ` + listYdelseColumns

// listYdelseColumns are the ydelse's own columns of a list's ydelse row.
const listYdelseColumns = `y.id, y.indsatskode, y.startdato, y.slutdato, y.betalingskommune, y.indberettet_at`

// ydelseColumnsOf are listYdelseColumns read from the ydelser y of the list: in All (read
// only) the values DST got (S9, issue 17 #9), kept by the delivery (00033), not a later edit
// no delivery has carried yet; the values now for a ydelse delivered before they were kept.
func ydelseColumnsOf(l Liste) string {
	if l != ListeAlle {
		return listYdelseColumns
	}
	return `y.id, y.indsatskode, ` + deliveredStart + ` AS startdato,
		CASE WHEN y.indberettet_startdato IS NULL THEN y.slutdato ELSE y.indberettet_slutdato END AS slutdato,
		coalesce(y.indberettet_betalingskommune, y.betalingskommune) AS betalingskommune, y.indberettet_at`
}

// deliveredStart is the start date of the ydelse y as delivered (ydelseColumnsOf).
const deliveredStart = `coalesce(y.indberettet_startdato, y.startdato)`

// The conditions and order of a list's ydelser y and sager s that differ in All (read only),
// which shows what was delivered (S9): listSQL's page and prevSQL's walk back use the same.

// listYdelseWhere is the condition on the list's ydelser y: in All, delivered ones.
func listYdelseWhere(l Liste) string {
	if l == ListeAlle {
		return ` AND y.indberettet_at IS NOT NULL`
	}
	return ``
}

// listSagHasYdelse is the condition that the sag s has a ydelse the list shows.
func listSagHasYdelse(l Liste) string {
	if l == ListeAlle {
		return ` AND EXISTS (SELECT FROM ydelser y WHERE y.kommune_kode = s.kommune_kode AND y.sag_id = s.id` + listYdelseWhere(l) + `)`
	}
	return ` AND s.antal_ydelser > 0`
}

// listStart is the start date Ydelser ved sag orders the ydelser y by: in All as delivered.
func listStart(l Liste) string {
	if l == ListeAlle {
		return deliveredStart
	}
	return `y.startdato`
}

// sagWhere is the condition on the sager s of a list: the kommune (T1, beside row-level
// security), the list (S9), the CPR prefix (S8), the status filter (S6) and, for Ydelser ved
// sag, the sag.
func sagWhere(b *sqlArgs, kommune string, q ListQuery, today time.Time) string {
	// S8: the sager whose CPR number starts with the prefix, as the range [prefix, prefix +
	// ':') of the unique index sager_cpr_key (kommune_kode, cpr) (':' follows '9' in collation
	// C, and a CPR number and a prefix are digits only, checked by List). A range, not LIKE,
	// also in the generic plan of the prepared statement, where the planner cannot turn
	// LIKE $2 || '%' into an index range and would test the pattern on every row it reads.
	w := `s.kommune_kode = ` + b.add(kommune)
	if q.CPRPrefix != "" {
		w += ` AND s.cpr >= ` + b.add(q.CPRPrefix) + ` AND s.cpr < ` + b.add(q.CPRPrefix+":")
	}
	switch q.Liste {
	case ListeEgne:
		w += ` AND s.kilde = 'egne'`
	case ListeAlle:
		w += ` AND s.indberettet_at IS NOT NULL`
	}
	w += statusFilterSQL(b, "s.slutdato_max", q.Filter, today)
	if q.Visning == VisningYdelserVedSag {
		w += ` AND s.id = ` + b.add(q.SagID)
	}
	return w
}

// statusFilterSQL is the condition of filter on a latest Slutdato column (S6: afsluttet when
// the latest Slutdato, set only when every ydelse has one, is before today; compared at query
// time, never stored), "" for Alle sager.
func statusFilterSQL(b *sqlArgs, col string, filter Filter, today time.Time) string {
	switch filter {
	case FilterAfsluttede:
		return ` AND ` + col + ` < ` + b.add(today) + `::date`
	case FilterIkkeAfsluttede:
		return ` AND (` + col + ` IS NULL OR ` + col + ` >= ` + b.add(today) + `::date)`
	}
	return ""
}

// sqlArgs collects the arguments of a query and names their placeholders.
type sqlArgs struct{ args []any }

func (b *sqlArgs) add(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// cursor is the key of the last row of a page and the rows shown up to it. Encoded it is
// opaque to the browser (a page cursor, cursor.go) and goes in the list's URL (issue 17), so
// it holds no CPR number: Kun sager and Sager og ydelser, ordered by CPR number, name the
// row by its id (the sag's, the ydelse's), and the statements look its CPR number up
// (cursorCPR); Ydelser ved sag holds the Startdato and ydelse id it is ordered by.
type cursor struct {
	set    bool
	id     int64
	date   time.Time
	offset int
}

func encodeCursor(v Visning, last ListRow, offset int) string {
	o, id := strconv.Itoa(offset), strconv.FormatInt(last.YdelseID, 10)
	switch v {
	case VisningKunSager:
		return encodePageCursor(o, string(v), strconv.FormatInt(last.SagID, 10))
	case VisningSagerOgYdelser:
		return encodePageCursor(o, string(v), id)
	}
	return encodePageCursor(o, string(v), last.Startdato.Format(time.DateOnly), id)
}

// decodeCursor reads a cursor of view v that encodeCursor wrote, else ErrBadCursor.
func decodeCursor(v Visning, s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	n := 4
	if v != VisningYdelserVedSag {
		n = 3
	}
	offset, f, ok := decodePageCursor(s, n)
	if !ok || f[1] != string(v) {
		return cursor{}, ErrBadCursor
	}
	c := cursor{set: true, offset: offset}
	switch v {
	case VisningKunSager, VisningSagerOgYdelser:
		c.id, ok = cursorID(f[2])
	default:
		var err error
		c.date, err = time.Parse(time.DateOnly, f[2])
		c.id, ok = cursorID(f[3])
		ok = ok && err == nil && c.date.Format(time.DateOnly) == f[2]
	}
	if !ok {
		return cursor{}, ErrBadCursor
	}
	return c, nil
}

// rowsInOrder tells whether the rows of a page of Sager og ydelser come by CPR number and
// ydelse id, as its statement (listSQL) gets them from the nested loop rather than by a sort.
// Other views are sorted by an ORDER BY and always are.
func rowsInOrder(v Visning, rows []ListRow) bool {
	if v != VisningSagerOgYdelser {
		return true
	}
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if a.CPR > b.CPR || a.CPR == b.CPR && a.YdelseID >= b.YdelseID {
			return false
		}
	}
	return true
}
