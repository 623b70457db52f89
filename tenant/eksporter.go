package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"indberet/tenant/domain"

	"github.com/jackc/pgx/v5"
)

// The exports of E1–E2 (*Eksporter poster*): a row per ordered export in eksporter with its
// status and progress, the file in eksport_dele as numbered parts (migration 00013 says
// why). The export job (worker/export.go) reads the sager batch by batch (EachEksportBatch),
// writes the file through an EksportFil in its own transaction and finishes the export in
// that same transaction, so an export is either done with its whole file or not done.

// EksportArt is what an export holds (E1, E2).
type EksportArt string

// The kinds of export.
const (
	// EksportListe is E1: the CPR list of a list (S9) in its view and filter (S8).
	EksportListe EksportArt = "liste"
	// EksportTabel3 is E2's CPR list behind table 3 (worker/export.go says which rows).
	EksportTabel3 EksportArt = "tabel3"
	// EksportFejl is E2's *fejlopgørelser*: the sager and ydelser that break a rule.
	EksportFejl EksportArt = "fejl"
)

// Valid tells whether a is one of the kinds.
func (a EksportArt) Valid() bool {
	return a == EksportListe || a == EksportTabel3 || a == EksportFejl
}

// EksportFormat is the file format of an export.
type EksportFormat string

// The formats.
const (
	FormatCSV  EksportFormat = "csv"
	FormatXLSX EksportFormat = "xlsx"
)

// Valid tells whether f is one of the formats.
func (f EksportFormat) Valid() bool { return f == FormatCSV || f == FormatXLSX }

// EksportStatus is where an export is.
type EksportStatus string

// The statuses: queued, running, done (the file can be downloaded), failed.
const (
	EksportIKoe    EksportStatus = "i-koe"
	EksportIGang   EksportStatus = "i-gang"
	EksportFaerdig EksportStatus = "faerdig"
	EksportFejlet  EksportStatus = "fejlet"
)

// EksportLevetid is how long an export and its file are kept after it is done (or ordered):
// the cleanup job removes it then.
const EksportLevetid = 14 * 24 * time.Hour

// EksportParametre is which rows an export reads: a list (S9), a view and a filter (S8) and,
// for Ydelser ved sag, the sag. Never a CPR number or a prefix of one: the parameters are
// stored and shown.
type EksportParametre struct {
	Liste   Liste   `json:"liste"`
	Visning Visning `json:"visning"`
	Filter  Filter  `json:"filter"`
	SagID   int64   `json:"sag,omitempty"`
}

// Eksport is one ordered export.
type Eksport struct {
	ID               int64
	Kommune          string
	Art              EksportArt
	Format           EksportFormat
	Parametre        EksportParametre
	BestiltAfEmail   string
	BestiltAt        time.Time
	Status           EksportStatus
	SagerGennemgaaet int // progress: sager read so far
	SagerIAlt        int // of this many
	AntalRaekker     int // rows of the file
	AntalCPR         int // distinct CPR numbers in the file
	Bytes            int64
	StartetAt        *time.Time
	FaerdigAt        *time.Time
	UdloeberAt       time.Time
	Fejl             string // why the last attempt failed
	// FristAt is the running attempt's deadline: River has cancelled the attempt by then if
	// it still ran, so an export running after it has stalled (GaaetIStaa).
	FristAt *time.Time
	// SidsteForsoeg tells that the running attempt is the job's last: River does not run a
	// stalled one again.
	SidsteForsoeg bool
}

// GaaetIStaa tells whether the export is still marked running after its attempt's deadline:
// the attempt's worker died without a word (killed, its machine lost), and River's rescuer
// runs the job again unless SidsteForsoeg (issue 14 #8).
func (e Eksport) GaaetIStaa(now time.Time) bool {
	return e.Status == EksportIGang && e.FristAt != nil && now.After(*e.FristAt)
}

// NewEksport is what CreateEksport stores.
type NewEksport struct {
	Art       EksportArt
	Format    EksportFormat
	Parametre EksportParametre
}

const eksportColumns = `id, kommune_kode, art, format, parametre, bestilt_af_email, bestilt_at, status,
	sager_gennemgaaet, sager_i_alt, antal_raekker, antal_cpr, byte_size, startet_at, faerdig_at, udloeber_at, fejl,
	frist_at, sidste_forsoeg`

func scanEksport(row pgx.Row) (Eksport, error) {
	var e Eksport
	var params []byte
	err := row.Scan(&e.ID, &e.Kommune, &e.Art, &e.Format, &params, &e.BestiltAfEmail, &e.BestiltAt, &e.Status,
		&e.SagerGennemgaaet, &e.SagerIAlt, &e.AntalRaekker, &e.AntalCPR, &e.Bytes, &e.StartetAt, &e.FaerdigAt,
		&e.UdloeberAt, &e.Fejl, &e.FristAt, &e.SidsteForsoeg)
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(params, &e.Parametre)
}

// CreateEksport orders an export of the scope kommune's data, with an audit record, and
// returns it (queued). The caller enqueues its job in the same transaction.
func (t *Tx) CreateEksport(ctx context.Context, n NewEksport) (Eksport, error) {
	if t.scope.Kommune == "" {
		return Eksport{}, ErrNoScope
	}
	if !n.Art.Valid() || !n.Format.Valid() || !n.Parametre.Liste.Valid() || !n.Parametre.Visning.Valid() ||
		!n.Parametre.Filter.Valid() {
		return Eksport{}, fmt.Errorf("tenant: export %q %q %+v", n.Art, n.Format, n.Parametre)
	}
	if !t.screenIndsigt().SerListe(n.Parametre.Liste) {
		return Eksport{}, ErrNotFound // T3, S9: DST exports what was delivered, All (read only)
	}
	if id := n.Parametre.SagID; id != 0 {
		if _, err := t.SagIn(ctx, "", id); err != nil {
			return Eksport{}, err // T1: another kommune's sag; T3: an undelivered one
		}
	}
	params, err := json.Marshal(n.Parametre)
	if err != nil {
		return Eksport{}, err
	}
	a := t.scope.Actor
	e, err := scanEksport(t.tx.QueryRow(ctx, `
		INSERT INTO eksporter (kommune_kode, art, format, parametre, bestilt_af, bestilt_af_email, udloeber_at)
		VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6, now() + $7::interval)
		RETURNING `+eksportColumns,
		t.scope.Kommune, n.Art, n.Format, params, a.UserID, a.Email, EksportLevetid.String()))
	if err != nil {
		return Eksport{}, fmt.Errorf("create export: %w", err)
	}
	return e, t.Audit(ctx, AuditEntry{Action: "eksport.create", Entity: "eksport", EntityID: strconv.FormatInt(e.ID, 10),
		After: eksportRecordOf(n)})
}

// Eksport returns the export id as the scope sees it (a kommune its own, DST every kommune's
// of All (read only)), or ErrNotFound (also for another kommune's id, T1, and for DST an
// export of Egne IDEP, which holds what was not delivered: T3, S9, issue 14 #4).
func (t *Tx) Eksport(ctx context.Context, id int64) (Eksport, error) {
	e, err := scanEksport(t.tx.QueryRow(ctx, `SELECT `+eksportColumns+` FROM eksporter WHERE id = $1`, id))
	if err == nil && !t.screenIndsigt().SerListe(e.Parametre.Liste) {
		return Eksport{}, ErrNotFound
	}
	return e, notFound(err, "export")
}

// eksporterShown is how many exports Eksporter returns at most: 14 days of a busy kommune.
const eksporterShown = 200

// Eksporter returns the exports the scope sees, as Eksport does, newest first (at most
// eksporterShown).
func (t *Tx) Eksporter(ctx context.Context) ([]Eksport, error) {
	var lister []string
	for _, l := range []Liste{ListeEgne, ListeAlle} {
		if t.screenIndsigt().SerListe(l) {
			lister = append(lister, string(l))
		}
	}
	rows, err := t.tx.Query(ctx, `SELECT `+eksportColumns+` FROM eksporter WHERE parametre->>'liste' = ANY($2)
		ORDER BY bestilt_at DESC, id DESC LIMIT $1`, eksporterShown, lister)
	if err != nil {
		return nil, fmt.Errorf("exports: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Eksport, error) { return scanEksport(r) })
}

// EksportForsoeg is the attempt of the export job that starts the export.
type EksportForsoeg struct {
	Frist  time.Duration // how long the attempt may run (the job's Timeout)
	Sidste bool          // the job's last attempt
}

// ErrEksportFaerdig is StartEksport's answer for an export that is done: a job run again
// after an attempt that finished it leaves its file as it is.
var ErrEksportFaerdig = errors.New("tenant: the export is done")

// StartEksport marks the export running with sagerIAlt sager to read in attempt a, whose
// deadline it stores, and removes the parts of an earlier attempt (there are none unless one
// committed them, which the job never does without finishing: this is belt and braces for a
// retry from scratch). A done export stays done (ErrEksportFaerdig); the update waits for an
// attempt that is finishing it.
func (t *Tx) StartEksport(ctx context.Context, id int64, sagerIAlt int, a EksportForsoeg) error {
	// One reading of the clock for the start and the deadline: two calls of clock_timestamp()
	// differ, and the deadline came out a microsecond after start + limit.
	tag, err := t.tx.Exec(ctx, `UPDATE eksporter SET status = 'i-gang', sager_gennemgaaet = 0, sager_i_alt = $3,
		antal_raekker = 0, byte_size = 0, cprs = '{}', startet_at = c.t, faerdig_at = NULL,
		frist_at = c.t + $4 * interval '1 second', sidste_forsoeg = $5
		FROM (SELECT clock_timestamp() AS t) c
		WHERE kommune_kode = $1 AND id = $2 AND status <> 'faerdig'`,
		t.scope.Kommune, id, sagerIAlt, a.Frist.Seconds(), a.Sidste)
	if err != nil {
		return fmt.Errorf("start export %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := t.Eksport(ctx, id); err != nil {
			return err // ErrNotFound
		}
		return ErrEksportFaerdig
	}
	if _, err := t.tx.Exec(ctx, `DELETE FROM eksport_dele WHERE kommune_kode = $1 AND eksport_id = $2`,
		t.scope.Kommune, id); err != nil {
		return fmt.Errorf("start export: %w", err)
	}
	return nil
}

// EksportProgress records that done sager of the export have been read. The job calls it in
// a transaction of its own, beside the one that writes the file, so the progress page sees it.
func (t *Tx) EksportProgress(ctx context.Context, id int64, done int) error {
	return t.setEksport(ctx, id, `sager_gennemgaaet = least($3, sager_i_alt)`, done)
}

// EksportResultat is what a finished export holds.
type EksportResultat struct {
	Raekker int      // rows of the file
	Bytes   int64    // size of the file
	CPRs    CPRListe // the distinct CPR numbers in the file
}

// CPRListe collects CPR numbers packed in one byte slice ("cpr,cpr,…"): the largest
// kommune's 150,000 take 1.6 MB, not 150,000 strings for the garbage collector.
type CPRListe struct {
	b []byte
	n int
}

// Add appends cpr.
func (l *CPRListe) Add(cpr string) {
	if l.n > 0 {
		l.b = append(l.b, ',')
	}
	l.b = append(l.b, cpr...)
	l.n++
}

// Len is the number of CPR numbers.
func (l *CPRListe) Len() int { return l.n }

// FinishEksport marks the export done with its file (written by EksportFil in this
// transaction) and keeps it EksportLevetid from now, with an audit record.
func (t *Tx) FinishEksport(ctx context.Context, id int64, r EksportResultat) error {
	// The CPR numbers go as one text, split into the array by the server (in one pass).
	err := t.setEksport(ctx, id, `status = 'faerdig', sager_gennemgaaet = sager_i_alt, antal_raekker = $3,
		byte_size = $4, cprs = string_to_array($5, ','),
		faerdig_at = c.now, udloeber_at = c.now + $6::interval, fejl = ''`,
		r.Raekker, r.Bytes, string(r.CPRs.b), EksportLevetid.String())
	if err != nil {
		return err
	}
	return t.Audit(ctx, AuditEntry{Action: "eksport.finish", Entity: "eksport", EntityID: strconv.FormatInt(id, 10),
		After: map[string]any{"raekker": r.Raekker, "bytes": r.Bytes, "cpr": r.CPRs.Len()}})
}

// EksportFejlede records why an attempt of the export failed: status is EksportIKoe while
// the job will try again, EksportFejlet when it has given up.
func (t *Tx) EksportFejlede(ctx context.Context, id int64, status EksportStatus, fejl string) error {
	return t.setEksport(ctx, id, `status = $3, fejl = $4`, status, fejl)
}

// setEksport updates the scope kommune's export id with set, whose arguments start at $3;
// c.now is one reading of the clock for every time set names.
func (t *Tx) setEksport(ctx context.Context, id int64, set string, args ...any) error {
	tag, err := t.tx.Exec(ctx, `UPDATE eksporter SET `+set+` FROM (SELECT clock_timestamp() AS now) c
		WHERE kommune_kode = $1 AND id = $2`,
		append([]any{t.scope.Kommune, id}, args...)...)
	if err != nil {
		return fmt.Errorf("update export %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// eksportDelStoerrelse is the size of a part of an export's file: what an EksportFil holds
// in memory at most (plus one Write).
const eksportDelStoerrelse = 256 << 10

// EksportFil writes the file of an export as parts in the transaction (parts.go): an
// io.WriteCloser that holds at most one part in memory. Close writes the last part.
type EksportFil struct{ *partsWriter }

// EksportFil returns a writer of the file of the scope kommune's export id.
func (t *Tx) EksportFil(ctx context.Context, id int64) EksportFil {
	return EksportFil{t.newParts(ctx, "eksport_dele", "eksport_id", id, eksportDelStoerrelse, fmt.Sprintf("export %d", id))}
}

// Size is the number of bytes written.
func (f EksportFil) Size() int64 { return f.written }

// EksportDownload is the file of export e (done, as the scope read it) for a download of scope
// s, and its size. The reader reads the file a batch of parts at a time, each batch in a
// short transaction of its own that has ended before the reader hands the batch on
// (parts.go), so a client that reads slowly or not at all holds no connection (issue 14 #1).
// The file holds CPR numbers: a person gets it through DownloadEksport, which records them
// first. ctx outlives the request: the response is written after the handler returns.
func (db *DB) EksportDownload(ctx context.Context, s Scope, e Eksport) (io.Reader, int64) {
	return newBatchReader(ctx, db.downloadBatch(s), eksportSource(e)), e.Bytes
}

// WriteEksportFil writes the file of export e to w, read in the transaction a batch of parts
// at a time. The file holds CPR numbers: a person gets it through DownloadEksport.
func (t *Tx) WriteEksportFil(ctx context.Context, e Eksport, w io.Writer) error {
	_, err := io.Copy(w, newBatchReader(ctx, t.inThis, eksportSource(e)))
	return err
}

// eksportSource reads the parts of export e's file. A finished export's file does not change:
// its parts commit with its status faerdig in the job's transaction, which also completes the
// job (JobCompleteTx), and they go only with the export (ON DELETE CASCADE, at its expiry).
// Only an export deleted, or run again (a job retried by hand in River UI: StartEksport
// deletes the parts, the new run finishes with a new faerdig_at), changes it under a
// download; each batch checks in its own statement that the export is still done at the
// same moment, and the parts' order and size (partsSource).
func eksportSource(e Eksport) *partsSource {
	return &partsSource{table: "eksport_dele", idColumn: "eksport_id", kommune: e.Kommune, id: e.ID, size: e.Bytes,
		perBatch: max(1, downloadBatchBytes/eksportDelStoerrelse), what: fmt.Sprintf("export %d", e.ID),
		cond: ` AND EXISTS (SELECT FROM eksporter e WHERE e.kommune_kode = $1 AND e.id = $2
			AND e.status = 'faerdig' AND e.faerdig_at = $5)`, condArgs: []any{e.FaerdigAt}}
}

// EksportCPRs returns the distinct CPR numbers in the file of export e, for the CPR access
// record of a download.
func (t *Tx) EksportCPRs(ctx context.Context, e Eksport) ([]string, error) {
	var cprs []string
	err := t.tx.QueryRow(ctx, `SELECT cprs FROM eksporter WHERE kommune_kode = $1 AND id = $2`, e.Kommune, e.ID).Scan(&cprs)
	return cprs, notFound(err, "export cprs")
}

// UdloebneEksportKommuner returns the kommuner that have exports past their expiry at now:
// for the cleanup, in a read-all scope.
func (t *Tx) UdloebneEksportKommuner(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT DISTINCT kommune_kode FROM eksporter WHERE udloeber_at < $1 ORDER BY 1`, now)
	if err != nil {
		return nil, fmt.Errorf("expired exports: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// SletUdloebneEksporter deletes the scope kommune's exports past their expiry at now, with
// their files, and writes an audit record; it returns how many.
func (t *Tx) SletUdloebneEksporter(ctx context.Context, now time.Time) (int, error) {
	rows, err := t.tx.Query(ctx, `DELETE FROM eksporter WHERE kommune_kode = $1 AND udloeber_at < $2 RETURNING id`,
		t.scope.Kommune, now)
	if err != nil {
		return 0, fmt.Errorf("delete expired exports: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return len(ids), t.Audit(ctx, AuditEntry{Action: "eksport.expire", Entity: "eksport", Before: map[string]any{"ids": ids}})
}

// EksportSag is a sag with the ydelser an export reads of it: in All (read only) the
// delivered ones (S9), in Egne IDEP all of them. Neither carries who changed it last
// (UpdatedBy); the ydelser carry their målgrupper only when asked for.
type EksportSag struct {
	Sag     domain.Sag
	Ydelser []domain.Ydelse // by start date for Ydelser ved sag, otherwise by id (as the lists show them)
}

// CountEksportSager counts the sager an export of p reads (its progress's total).
func (t *Tx) CountEksportSager(ctx context.Context, p EksportParametre, today time.Time) (int, error) {
	b := &sqlArgs{}
	where := sagWhere(b, t.scope.Kommune, p.listQuery(), domain.DateOf(today))
	var n int
	if err := t.tx.QueryRow(ctx, `SELECT count(*) FROM sager s WHERE `+where, b.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count export: %w", err)
	}
	return n, nil
}

// eksportSagColumns are sagColumns without the join on users (who changed it last, which no
// export shows), in the order scanSag reads them.
const eksportSagColumns = `s.id, s.cpr, s.navn, coalesce(s.funktionsvurdering, ''), s.bemaerkninger, s.kilde, s.version,
	s.antal_ydelser, s.slutdato_max, s.indberettet_at, s.updated_at, ''`

// eksportYdelseColumns are ydelseColumns without the join on users, and with the målgrupper
// (a lookup per ydelse, half the time of the read) only when maalgrupper, in the order
// scanYdelse reads them.
func eksportYdelseColumns(maalgrupper bool) string {
	mg := `'{}'::text[]`
	if maalgrupper {
		mg = `coalesce((SELECT array_agg(m.scheme || ':' || m.code || ':' || m.primaer::text ORDER BY NOT m.primaer, m.scheme, m.code)
		FROM ydelse_maalgrupper m WHERE m.kommune_kode = y.kommune_kode AND m.ydelse_id = y.id), '{}')`
	}
	return `y.id, y.sag_id, y.indsatskode, y.varighed, y.bevillingsdato, y.startdato, y.forventet_slutdato,
	y.slutdato, y.betalingskommune, coalesce(y.tilbudstype_scheme, ''), coalesce(y.tilbudstype, ''),
	coalesce(y.p_nummer, ''), coalesce(y.afdelings_uuid::text, ''), coalesce(y.tilbuds_uuid::text, ''),
	coalesce(y.ydelses_uuid::text, ''), y.i_107_botilbud, y.tilbud_navn, y.tilbud_adresse, y.tilbud_postnr,
	y.version, y.indberettet_at, y.updated_at, '', ` + mg
}

// EachEksportBatch calls fn with the sager of the export of p (the list, view, filter and sag
// of S8, S9; status against today, S6) in batches of up to size sager by CPR number, each
// with its ydelser (with their målgrupper when maalgrupper). The sager come from a cursor
// (eachBatch: ORDER BY cpr, size at a time: one walk of the kommune's CPR index, no sort,
// whatever the size of the kommune), the ydelser of each batch from one lookup; memory holds
// one batch. The transaction stays free for other statements between batches (the export's
// file). The caller records the CPR numbers it hands on.
func (t *Tx) EachEksportBatch(ctx context.Context, p EksportParametre, today time.Time, size int, maalgrupper bool,
	fn func([]EksportSag) error) error {
	if t.scope.Kommune == "" {
		return ErrNoScope
	}
	if p.Visning == VisningYdelserVedSag && p.SagID == 0 {
		return nil // as List: no sag, no rows
	}
	order := `y.id`
	if p.Visning == VisningYdelserVedSag {
		order = `y.startdato, y.id`
	}
	delivered := ``
	if p.Liste == ListeAlle {
		delivered = ` AND y.indberettet_at IS NOT NULL` // S9: All shows what was delivered
	}
	b := &sqlArgs{}
	where := sagWhere(b, t.scope.Kommune, p.listQuery(), domain.DateOf(today))
	ydelser := `SELECT ` + eksportYdelseColumns(maalgrupper) + ` FROM ydelser y
		WHERE y.kommune_kode = $1 AND y.sag_id = ANY($2)` + delivered + ` ORDER BY y.sag_id, ` + order
	err := eachBatch(ctx, t.tx, "eksport_sager", `SELECT `+eksportSagColumns+` FROM sager s WHERE `+where+` ORDER BY s.cpr`,
		b.args, size, func(r pgx.CollectableRow) (domain.Sag, error) { return scanSag(r) },
		func(sager []domain.Sag) error {
			batch := make([]EksportSag, len(sager))
			index := make(map[int64]int, len(sager))
			ids := make([]int64, len(sager))
			for i, s := range sager {
				batch[i].Sag, index[s.ID], ids[i] = s, i, s.ID
			}
			rows, err := t.tx.Query(ctx, ydelser, t.scope.Kommune, ids)
			if err != nil {
				return fmt.Errorf("export ydelser: %w", err)
			}
			for rows.Next() {
				y, err := scanYdelse(rows)
				if err != nil {
					rows.Close()
					return fmt.Errorf("export ydelser: %w", err)
				}
				i := index[y.SagID]
				batch[i].Ydelser = append(batch[i].Ydelser, y)
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("export ydelser: %w", err)
			}
			return fn(batch)
		})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// listQuery is the list query whose sager an export of p reads.
func (p EksportParametre) listQuery() ListQuery {
	return ListQuery{Liste: p.Liste, Visning: p.Visning, Filter: p.Filter, SagID: p.SagID}
}
