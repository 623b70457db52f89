package tenant

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"indberet/tenant/domain"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The leverancer (I1–I5): a kommune's delivered data for one periode, with its counts,
// CPR numbers and receipt (table leverancer).

// LeveranceTal are the counts of one leverance, what the receipt reports (I3). Ydelser counts
// the records of the document (one per ydelse); each is new, changed or annulled, so
// Nye + Aendrede + Neutraliserede = Ydelser.
type LeveranceTal struct {
	Sager          int // sager with at least one record in the document
	Ydelser        int // records in the document
	Nye            int // records of ydelser never delivered before (*Ny*)
	Aendrede       int // records of ydelser delivered before whose content changed (*Ændring*)
	Afsluttede     int // sager in the document that are afsluttet (S6) and were not at their last delivery
	Neutraliserede int // records of neutralised ydelser, Slutdato = Startdato (*Annullering*, Y2, I6)
}

// Leverance is one kommune's delivery to DST for one periode (I2, I5), without its document.
type Leverance struct {
	ID        int64
	Kommune   string
	Periode   string // DST's Period, e.g. "2026M11"
	CreatedAt time.Time
	CreatedBy string // the actor that delivered, e.g. "system:levering"
	SHA256    string // of the document, lower-case hex
	Bytes     int64  // size of the document
	Tal       LeveranceTal
	Version   int    // 1 for the ordinary delivery, 2, 3, … for each genlevering of the periode (I8)
	Aarsag    string // the genlevering's reason; "" for version 1
}

// Genlevering tells whether the leverance is a redelivery of its periode (I8).
func (l Leverance) Genlevering() bool { return l.Version > 1 }

// NewLeverance is what InsertLeverance stores: a leverance whose document was written with
// NewLeveranceDocument (ID, Bytes and GzipSize set), or, small and whole, in Document.
type NewLeverance struct {
	ID       int64 // reserved with ReserveLeveranceID, its document's parts written with it
	Periode  string
	Bytes    int64 // the size of the document
	GzipSize int64 // the size of its stored parts (LeveranceDocumentWriter.GzipSize)
	SHA256   string
	Tal      LeveranceTal
	CPRs     []string // the CPR numbers the document holds, for the CPR access record of a download
	Version  int      // 0 or 1: the ordinary delivery; 2, 3, …: a genlevering (I8)
	Aarsag   string   // the genlevering's reason (required from version 2)
}

// ErrLeveranceExists is returned by InsertLeverance when the scope kommune already has a
// leverance for the periode and version (I2: a periode is delivered once; I8: each
// genlevering makes one next version). The transaction is aborted.
var ErrLeveranceExists = errors.New("tenant: the kommune already has a leverance for the periode")

// I4: only sager active on or after this date are delivered.
const leveranceFra = "2013-07-01"

const leveranceColumns = `id, kommune_kode, periode, created_at, created_by, sha256, byte_size,
	antal_sager, antal_ydelser, antal_nye, antal_aendrede, antal_afsluttede, antal_neutraliserede,
	version, genlevering_aarsag`

func scanLeverance(row pgx.Row) (Leverance, error) {
	var l Leverance
	err := row.Scan(&l.ID, &l.Kommune, &l.Periode, &l.CreatedAt, &l.CreatedBy, &l.SHA256, &l.Bytes,
		&l.Tal.Sager, &l.Tal.Ydelser, &l.Tal.Nye, &l.Tal.Aendrede, &l.Tal.Afsluttede, &l.Tal.Neutraliserede,
		&l.Version, &l.Aarsag)
	return l, err
}

// InsertLeverance stores the scope kommune's leverance for l.Periode, whose document's parts
// are written (NewLeveranceDocument), with an audit record, and returns its id;
// ErrLeveranceExists when the periode is delivered already (I2).
func (t *Tx) InsertLeverance(ctx context.Context, l NewLeverance) (int64, error) {
	if l.ID == 0 || l.GzipSize <= 0 {
		return 0, errNoDocument
	}
	if l.Version <= 0 {
		l.Version = 1
	}
	var id int64
	err := t.tx.QueryRow(ctx, `
		INSERT INTO leverancer (id, kommune_kode, periode, created_by, gzip_size, sha256, byte_size,
			antal_sager, antal_ydelser, antal_nye, antal_aendrede, antal_afsluttede, antal_neutraliserede, cprs,
			version, genlevering_aarsag)
		OVERRIDING SYSTEM VALUE
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		RETURNING id`,
		l.ID, t.scope.Kommune, l.Periode, t.scope.Actor.Email, l.GzipSize, l.SHA256, l.Bytes,
		l.Tal.Sager, l.Tal.Ydelser, l.Tal.Nye, l.Tal.Aendrede, l.Tal.Afsluttede, l.Tal.Neutraliserede, nonNil(l.CPRs),
		l.Version, l.Aarsag,
	).Scan(&id)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "leverancer_periode_version_key" {
		return 0, ErrLeveranceExists
	}
	if err != nil {
		return 0, fmt.Errorf("insert leverance: %w", err)
	}
	return id, t.Audit(ctx, AuditEntry{Action: "leverance.create", Entity: "leverance", EntityID: strconv.FormatInt(id, 10),
		After: leveranceRecordOf(l)})
}

// nonNil is s, or an empty list for nil (the column is NOT NULL).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// LeveranceCPRs returns the CPR numbers leverance id's document holds, or ErrNotFound (also
// for a leverance the scope may not read: T1): what a download of it shows, for the CPR
// access log.
func (t *Tx) LeveranceCPRs(ctx context.Context, id int64) ([]string, error) {
	var cprs []string
	err := t.tx.QueryRow(ctx, `SELECT cprs FROM leverancer WHERE id = $1`, id).Scan(&cprs)
	return cprs, notFound(err, "leverance cprs")
}

// LockLeverancer waits until no other transaction delivers the scope kommune and keeps
// others out until this one ends (a transaction-level advisory lock). A delivery takes it
// first: deliveries of one kommune for two periodes (a retried run beside the next month's)
// then take turns, and the second reads what the first marked delivered, so no state is
// delivered twice (I2). Call it before reading anything: in read committed every statement
// after it sees what the previous delivery committed.
func (t *Tx) LockLeverancer(ctx context.Context) error {
	if t.scope.Kommune == "" {
		return ErrNoScope
	}
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('leverancer'), hashtext($1))`, t.scope.Kommune); err != nil {
		return fmt.Errorf("lock leverancer: %w", err)
	}
	return nil
}

// LeveranceForPeriode returns the scope kommune's current leverance for periode (the
// highest version, I8), or ErrNotFound.
func (t *Tx) LeveranceForPeriode(ctx context.Context, periode string) (Leverance, error) {
	l, err := scanLeverance(t.tx.QueryRow(ctx, `SELECT `+leveranceColumns+` FROM leverancer
		WHERE kommune_kode = $1 AND periode = $2 ORDER BY version DESC LIMIT 1`, t.scope.Kommune, periode))
	return l, notFound(err, "leverance for periode")
}

// Leverancer returns the leverancer the scope may read, newest first, without their
// documents: the scope kommune's, or every kommune's for DST (T3).
func (t *Tx) Leverancer(ctx context.Context) ([]Leverance, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+leveranceColumns+` FROM leverancer ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("leverancer: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Leverance, error) { return scanLeverance(r) })
}

// LeveranceMedKvittering is a leverance with the state of its receipt (I3), as the lists of
// deliveries show it.
type LeveranceMedKvittering struct {
	Leverance
	Kvittering     MailStatus // "" while no receipt is recorded yet
	KvitteringFejl string     // the last error of the receipt, if any
	KvitteringID   int64      // the receipt in the outbox; 0 while none
}

const leveranceKvitteringColumns = `l.id, l.kommune_kode, l.periode, l.created_at, l.created_by, l.sha256, l.byte_size,
	l.antal_sager, l.antal_ydelser, l.antal_nye, l.antal_aendrede, l.antal_afsluttede, l.antal_neutraliserede,
	l.version, l.genlevering_aarsag, coalesce(o.status, ''), coalesce(o.last_error, ''), coalesce(o.id, 0)`

const leveranceKvitteringFrom = ` FROM leverancer l
	LEFT JOIN outbox o ON o.kommune_kode = l.kommune_kode AND o.kind = 'kvittering' AND o.leverance_id = l.id`

func scanLeveranceMedKvittering(row pgx.Row) (LeveranceMedKvittering, error) {
	var m LeveranceMedKvittering
	l := &m.Leverance
	err := row.Scan(&l.ID, &l.Kommune, &l.Periode, &l.CreatedAt, &l.CreatedBy, &l.SHA256, &l.Bytes,
		&l.Tal.Sager, &l.Tal.Ydelser, &l.Tal.Nye, &l.Tal.Aendrede, &l.Tal.Afsluttede, &l.Tal.Neutraliserede,
		&l.Version, &l.Aarsag, &m.Kvittering, &m.KvitteringFejl, &m.KvitteringID)
	return m, err
}

// LeveranceQuery selects a page of leverancer.
type LeveranceQuery struct {
	Kommune string // only this kommune's ("": every kommune the scope reads)
	Before  int64  // only leverancer with a smaller id (the next page); 0: from the newest
	Limit   int
}

// LeveranceListe returns a page of the leverancer the scope may read (the scope kommune's,
// or every kommune's for DST, T3), newest first, with their receipts, and whether there
// are more after it: *Hent data fra Danmarks Statistik* (I5).
func (t *Tx) LeveranceListe(ctx context.Context, q LeveranceQuery) ([]LeveranceMedKvittering, bool, error) {
	k, err := t.readKommune(q.Kommune) // T1: a kommune reads its own; T3: DST any or all
	if err != nil {
		return nil, false, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	rows, err := t.tx.Query(ctx, `SELECT `+leveranceKvitteringColumns+leveranceKvitteringFrom+`
		WHERE ($1 = '' OR l.kommune_kode = $1) AND ($2::bigint = 0 OR l.id < $2::bigint)
		ORDER BY l.id DESC LIMIT $3`, k, q.Before, q.Limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("leverancer: %w", err)
	}
	ls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LeveranceMedKvittering, error) {
		return scanLeveranceMedKvittering(r)
	})
	if err != nil {
		return nil, false, fmt.Errorf("leverancer: %w", err)
	}
	ls, more := onePage(ls, q.Limit)
	return ls, more, nil
}

// SenesteLeverancer returns the current leverance (highest version, I8) of the latest
// periode of every kommune the scope may read (by periode, not by when it was made: I7),
// with its receipt, ordered by kommune: DST's delivery overview.
func (t *Tx) SenesteLeverancer(ctx context.Context) ([]LeveranceMedKvittering, error) {
	rows, err := t.tx.Query(ctx, `SELECT DISTINCT ON (l.kommune_kode) `+leveranceKvitteringColumns+leveranceKvitteringFrom+`
		ORDER BY l.kommune_kode, l.periode DESC, l.version DESC`)
	if err != nil {
		return nil, fmt.Errorf("seneste leverancer: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (LeveranceMedKvittering, error) {
		return scanLeveranceMedKvittering(r)
	})
}

// DeliveredKommuner returns the kommuner (of those the scope may read) that have their
// leverance for periode, in order.
func (t *Tx) DeliveredKommuner(ctx context.Context, periode string) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT DISTINCT kommune_kode FROM leverancer WHERE periode = $1 ORDER BY kommune_kode`, periode)
	if err != nil {
		return nil, fmt.Errorf("delivered kommuner: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// LeveranceByID returns leverance id with its receipt, or ErrNotFound (also for a leverance
// the scope may not read: T1).
func (t *Tx) LeveranceByID(ctx context.Context, id int64) (LeveranceMedKvittering, error) {
	l, err := scanLeveranceMedKvittering(t.tx.QueryRow(ctx, `SELECT `+leveranceKvitteringColumns+leveranceKvitteringFrom+`
		WHERE l.id = $1`, id))
	return l, notFound(err, "leverance")
}

// LeveranceYdelse is one ydelse as a delivery reads it: the ydelse with its målgrupper, the
// fields of its sag that the record carries, and what was delivered of both last time.
type LeveranceYdelse struct {
	SagID                   int64
	SagVersion              int
	CPR                     string
	Funktionsvurdering      string        // "" or A–E (S3)
	SlutdatoMax             *time.Time    // S6: the sag's latest Slutdato when every ydelse has one
	SagIndberettetAfsluttet bool          // the sag was afsluttet (S6) at its last delivery
	Ydelse                  domain.Ydelse // Version and IndberettetAt set; not UpdatedAt, UpdatedBy
	IndberettetSHA256       []byte        // the content hash of the ydelse's last delivered record; nil: never delivered
	IndberettetType         string        // the reporting type of that record (Ny, Ændring, Annullering); "" before 00027 or never delivered
	IndberettetLeveranceID  int64         // the leverance of that record; 0: never delivered
}

// EachLeveranceYdelse calls fn for every ydelse of the scope kommune's sager that may hold
// something DST does not have, ordered by sag and ydelse: every ydelse of each sag that is
// active on or after 2013-07-01 (I4: a sag is included when any of its ydelser has no
// Slutdato or one on or after that date, i.e. its slutdato_max is NULL or not before it) and
// that has a row not checked since it changed: a sag or ydelse whose version is not its
// indberettet_version (every store write counts the version up; MarkIndberettet and
// MarkUnchanged set it). An ordinary month reads the few changed sager (the partial indexes
// of migration 00029). all reads every sag the delivery includes: a kommune's first
// delivery, where no row is checked yet and one ordered scan is faster than collecting the
// sager to read (2.3 s against 4.8 s for København at make bench's scale 25), and a
// genlevering (I8), which sends every ydelse of the version it replaces again. The rows come from one cursor (one statement:
// one consistent snapshot), fetched leveranceBatch at a time, so memory does not grow with
// the kommune and fn may use the transaction between batches (the delivery stores its
// document's parts as it goes).
func (t *Tx) EachLeveranceYdelse(ctx context.Context, all bool, fn func(LeveranceYdelse) error) error {
	atCheck := ""
	if !all {
		atCheck = ` AND s.id IN (` + leveranceSagerAtCheck + `)`
	}
	err := eachBatch(ctx, t.tx, "leverance_ydelser", `SELECT s.id, s.version, s.cpr, coalesce(s.funktionsvurdering, ''), s.slutdato_max, coalesce(s.indberettet_afsluttet, false),
			y.id, y.indsatskode, y.varighed, y.bevillingsdato, y.startdato, y.forventet_slutdato, y.slutdato,
			y.betalingskommune, coalesce(y.tilbudstype_scheme, ''), coalesce(y.tilbudstype, ''), coalesce(y.p_nummer, ''),
			coalesce(y.afdelings_uuid::text, ''), coalesce(y.tilbuds_uuid::text, ''), coalesce(y.ydelses_uuid::text, ''),
			y.i_107_botilbud, y.tilbud_navn, y.tilbud_adresse, y.tilbud_postnr, y.version, y.indberettet_at,
			y.indberettet_sha256, coalesce(m.mgs, '{}'), coalesce(y.indberettet_type, ''), coalesce(y.indberettet_leverance_id, 0)
		FROM sager s
		JOIN ydelser y ON y.kommune_kode = s.kommune_kode AND y.sag_id = s.id
		-- Each ydelse's målgrupper by a lookup on the primary key of ydelse_maalgrupper: the
		-- row-level-security filter makes the planner expect a handful of rows, and with a
		-- grouped subquery joined instead it chose to aggregate the kommune's målgrupper once
		-- per ydelse (minutes for København at make bench's scale 25).
		CROSS JOIN LATERAL (
			SELECT array_agg(ym.scheme || ':' || ym.code || ':' || ym.primaer::text ORDER BY NOT ym.primaer, ym.scheme, ym.code) AS mgs
			FROM ydelse_maalgrupper ym WHERE ym.kommune_kode = y.kommune_kode AND ym.ydelse_id = y.id
		) m
		WHERE s.kommune_kode = $1 AND (s.slutdato_max IS NULL OR s.slutdato_max >= $2::date)
		`+atCheck+`
		ORDER BY s.id, y.id`,
		[]any{t.scope.Kommune, leveranceFra}, leveranceBatch, scanLeveranceYdelse,
		func(batch []LeveranceYdelse) error {
			for _, r := range batch {
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("ydelser to deliver: %w", err)
	}
	return nil
}

// leveranceSagerAtCheck selects the ids of the scope kommune's ($1) sager a delivery reads:
// those with a sag or ydelse row changed since it was last checked (each branch matches the
// predicate of a partial index of migration 00029, so it reads only those rows).
const leveranceSagerAtCheck = `SELECT id FROM sager WHERE kommune_kode = $1 AND indberettet_version IS DISTINCT FROM version
			UNION SELECT sag_id FROM ydelser WHERE kommune_kode = $1 AND indberettet_version IS DISTINCT FROM version`

// leveranceBatch is the number of ydelser a delivery fetches at a time.
const leveranceBatch = 2000

func scanLeveranceYdelse(row pgx.CollectableRow) (LeveranceYdelse, error) {
	var r LeveranceYdelse
	y := &r.Ydelse
	var mgs []string
	if err := row.Scan(&r.SagID, &r.SagVersion, &r.CPR, &r.Funktionsvurdering, &r.SlutdatoMax, &r.SagIndberettetAfsluttet,
		&y.ID, &y.Indsatskode, &y.Varighed, &y.Bevillingsdato, &y.Startdato, &y.ForventetSlutdato, &y.Slutdato,
		&y.Betalingskommune, &y.TilbudstypeScheme, &y.Tilbudstype, &y.PNummer,
		&y.AfdelingsUUID, &y.TilbudsUUID, &y.YdelsesUUID,
		&y.I107Botilbud, &y.TilbudNavn, &y.TilbudAdresse, &y.TilbudPostnr, &y.Version, &y.IndberettetAt,
		&r.IndberettetSHA256, &mgs, &r.IndberettetType, &r.IndberettetLeveranceID); err != nil {
		return r, err
	}
	y.SagID = r.SagID
	y.Maalgrupper = parseMaalgrupper(mgs)
	return r, nil
}

// IndberettetYdelse is a ydelse put in a leverance: its version as read and the content hash
// of its record.
type IndberettetYdelse struct {
	ID      int64
	Version int
	SHA256  []byte
	Type    string // the record's reporting type: Ny, Ændring or Annullering
}

// IndberettetSag is a sag with records in a leverance: its version as read and its status
// (S6) at delivery.
type IndberettetSag struct {
	ID        int64
	Version   int
	Afsluttet bool
}

// ErrChangedDuringDelivery is returned by MarkIndberettet when a sag or ydelse was changed
// or deleted after the delivery read it. The caller rolls back and tries again.
var ErrChangedDuringDelivery = errors.New("tenant: a sag or ydelse changed while it was being delivered")

// MarkIndberettet marks the given sager and ydelser of the scope kommune as delivered in
// leverance leveranceID (I2): indberettet_at = the transaction's time, indberettet_version =
// the row's version, and the leverance, the record hash (ydelser) and the status (sager).
// Each row is marked only at the version the delivery read; if any was changed or deleted
// since (a user saved meanwhile), it returns ErrChangedDuringDelivery and the caller's
// transaction must roll back: nothing is marked that the document does not hold as it is.
// The row locks the updates take keep the rows from changing until the transaction ends.
// It sorts sager and ydelser by id.
func (t *Tx) MarkIndberettet(ctx context.Context, leveranceID int64, sager []IndberettetSag, ydelser []IndberettetYdelse) error {
	// In statements of markChunk rows: København's first delivery marks 353,000 ydelser, and
	// one statement held their arrays and its encoded message (some 35 MB) at once. The rows
	// go in the order of their ids, and each statement names its chunk's id range as well:
	// the planner then reads the chunk's rows by the primary key's range instead of all the
	// kommune's rows for each chunk (København's first delivery: 18 chunks of ydelser, each
	// scanning its 353,000 rows).
	// The leverance must be the kommune's: the column has no foreign key (migration 00032: it
	// was checked once per marked row), this is its only writer, and leverancer cannot be
	// changed or deleted.
	var found bool
	if err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM leverancer WHERE kommune_kode = $1 AND id = $2)`,
		t.scope.Kommune, leveranceID).Scan(&found); err != nil {
		return fmt.Errorf("mark delivered: %w", err)
	}
	if !found {
		return fmt.Errorf("mark delivered: leverance %d of kommune %s: %w", leveranceID, t.scope.Kommune, ErrNotFound)
	}
	slices.SortFunc(ydelser, func(a, b IndberettetYdelse) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(sager, func(a, b IndberettetSag) int { return cmp.Compare(a.ID, b.ID) })
	for chunk := range slices.Chunk(ydelser, markChunk) {
		if err := t.markYdelser(ctx, leveranceID, chunk); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(sager, markChunk) {
		if err := t.markSager(ctx, leveranceID, chunk); err != nil {
			return err
		}
	}
	return nil
}

// markChunk is the number of rows MarkIndberettet marks per statement.
const markChunk = 20000

// markYdelser marks ydelser, sorted by id, delivered in leverance leveranceID.
func (t *Tx) markYdelser(ctx context.Context, leveranceID int64, ydelser []IndberettetYdelse) error {
	yIDs := make([]int64, len(ydelser))
	yVersions := make([]int32, len(ydelser))
	hashes := make([][]byte, len(ydelser))
	types := make([]*string, len(ydelser))
	for i, y := range ydelser {
		yIDs[i], yVersions[i], hashes[i] = y.ID, int32(y.Version), y.SHA256
		if y.Type != "" {
			types[i] = &ydelser[i].Type
		}
	}
	tag, err := t.tx.Exec(ctx, `
		UPDATE ydelser y SET indberettet_at = now(), indberettet_version = y.version,
			indberettet_leverance_id = $2, indberettet_sha256 = u.sha256, indberettet_type = u.type,
			indberettet_startdato = y.startdato, indberettet_slutdato = y.slutdato,
			indberettet_betalingskommune = y.betalingskommune
		FROM unnest($3::bigint[], $4::integer[], $5::bytea[], $6::text[]) AS u (id, version, sha256, type)
		WHERE y.kommune_kode = $1 AND y.id BETWEEN $7 AND $8 AND y.id = u.id AND y.version = u.version`,
		t.scope.Kommune, leveranceID, yIDs, yVersions, hashes, types, yIDs[0], yIDs[len(yIDs)-1])
	if err != nil {
		return fmt.Errorf("mark ydelser delivered: %w", err)
	}
	if n := tag.RowsAffected(); n != int64(len(ydelser)) {
		return fmt.Errorf("mark ydelser delivered: %d of %d unchanged: %w", n, len(ydelser), ErrChangedDuringDelivery)
	}
	return nil
}

// markSager marks sager, sorted by id, delivered in leverance leveranceID.
func (t *Tx) markSager(ctx context.Context, leveranceID int64, sager []IndberettetSag) error {
	sIDs := make([]int64, len(sager))
	sVersions := make([]int32, len(sager))
	closed := make([]bool, len(sager))
	for i, s := range sager {
		sIDs[i], sVersions[i], closed[i] = s.ID, int32(s.Version), s.Afsluttet
	}
	tag, err := t.tx.Exec(ctx, `
		UPDATE sager s SET indberettet_at = now(), indberettet_version = s.version,
			indberettet_leverance_id = $2, indberettet_afsluttet = u.afsluttet
		FROM unnest($3::bigint[], $4::integer[], $5::boolean[]) AS u (id, version, afsluttet)
		WHERE s.kommune_kode = $1 AND s.id BETWEEN $6 AND $7 AND s.id = u.id AND s.version = u.version`,
		t.scope.Kommune, leveranceID, sIDs, sVersions, closed, sIDs[0], sIDs[len(sIDs)-1])
	if err != nil {
		return fmt.Errorf("mark sager delivered: %w", err)
	}
	if n := tag.RowsAffected(); n != int64(len(sager)) {
		return fmt.Errorf("mark sager delivered: %d of %d unchanged: %w", n, len(sager), ErrChangedDuringDelivery)
	}
	return nil
}

// MarkUnchanged records that the delivery of this transaction checked the given sager and
// ydelser of the scope kommune and found nothing DST does not have (the same record as
// delivered, or a neutralised ydelse DST never had, I6), and that the sager excluded from
// delivery (I4: every ydelse ended before 2013-07-01) have nothing to check: their
// indberettet_version becomes their version, so the next delivery does not read them again
// (EachLeveranceYdelse). What was delivered of them (indberettet_at, the leverance, the
// hash) stays. A row changed since the delivery read it is left as it is: it is read again
// next time.
func (t *Tx) MarkUnchanged(ctx context.Context, sager []IndberettetSag, ydelser []IndberettetYdelse) error {
	yIDs := make([]int64, len(ydelser))
	yVersions := make([]int32, len(ydelser))
	for i, y := range ydelser {
		yIDs[i], yVersions[i] = y.ID, int32(y.Version)
	}
	sIDs := make([]int64, len(sager))
	sVersions := make([]int32, len(sager))
	for i, s := range sager {
		sIDs[i], sVersions[i] = s.ID, int32(s.Version)
	}
	if _, err := t.tx.Exec(ctx, `
		WITH ydelser_read AS (
			UPDATE ydelser y SET indberettet_version = y.version
			FROM unnest($2::bigint[], $3::integer[]) AS u (id, version)
			WHERE y.kommune_kode = $1 AND y.id = u.id AND y.version = u.version
		)
		UPDATE sager s SET indberettet_version = s.version
		FROM unnest($4::bigint[], $5::integer[]) AS u (id, version)
		WHERE s.kommune_kode = $1 AND s.id = u.id AND s.version = u.version`,
		t.scope.Kommune, yIDs, yVersions, sIDs, sVersions); err != nil {
		return fmt.Errorf("mark checked rows: %w", err)
	}
	// The sager before 2013-07-01, found by the partial indexes' predicate; whether one is
	// is decided on the row as it is now (READ COMMITTED), so a sag that got an open ydelse
	// meanwhile is not marked.
	if _, err := t.tx.Exec(ctx, `
		WITH sager_old AS (
			UPDATE sager s SET indberettet_version = s.version
			WHERE s.kommune_kode = $1 AND s.indberettet_version IS DISTINCT FROM s.version AND s.slutdato_max < $2::date
		)
		UPDATE ydelser y SET indberettet_version = y.version
		FROM sager s
		WHERE y.kommune_kode = $1 AND y.indberettet_version IS DISTINCT FROM y.version
		  AND s.kommune_kode = $1 AND s.id = y.sag_id AND s.slutdato_max < $2::date`,
		t.scope.Kommune, leveranceFra); err != nil {
		return fmt.Errorf("mark checked rows: %w", err)
	}
	return nil
}

// LeveranceVersion returns the current (highest) version of kommune's leverance for periode,
// 0 when it has none (I8), of a kommune the scope may read.
func (t *Tx) LeveranceVersion(ctx context.Context, kommune, periode string) (int, error) {
	k, err := t.readKommune(kommune)
	if err != nil {
		return 0, err
	}
	var v int
	err = t.tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM leverancer WHERE kommune_kode = $1 AND periode = $2`,
		k, periode).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("leverance version: %w", err)
	}
	return v, nil
}
