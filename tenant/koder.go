package tenant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"indberet/tenant/domain"
)

// The code-list tables (CODES.md): indsatskoder, maalgrupper, tilbudstyper, ffb_ydelser and
// kommuner. Package codes holds their starting content (the specification's files) and DST's
// rules for changing them; these are the statements: loading the files (LoadCodeLists), the
// snapshot every rule check uses (CodeSnapshot), and the reads and changes of DST's
// code-list screens, which count the ydelser using a code over the kommuner the transaction
// reads. The tables hold no kommune data and have no row-level security.

// CodeSnapshot makes a snapshot of the code-list tables as they are now (with DST's
// corrections).
func (db *DB) CodeSnapshot(ctx context.Context) (*domain.Snapshot, error) {
	return codeSnapshot(ctx, db.pool)
}

// CodeSnapshot is DB.CodeSnapshot in the transaction: it sees the transaction's changes.
func (t *Tx) CodeSnapshot(ctx context.Context) (*domain.Snapshot, error) {
	return codeSnapshot(ctx, t.tx)
}

// querier runs a query; *pgxpool.Pool and pgx.Tx satisfy it.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func codeSnapshot(ctx context.Context, q querier) (*domain.Snapshot, error) {
	ind, err := queryCodes(ctx, q, "indsatskoder", `SELECT code, name_da, paragraph, ffb, requires_tilbudssted,
		residential, varighed_default, valid_from, valid_to FROM indsatskoder`,
		func(r pgx.CollectableRow) (i domain.Indsats, err error) {
			err = r.Scan(&i.Code, &i.Name, &i.Paragraph, &i.FFB, &i.RequiresTilbudssted, &i.Residential,
				&i.VarighedDefault, &i.ValidFrom, &i.ValidTo)
			return i, err
		})
	if err != nil {
		return nil, err
	}
	mg, err := queryCodes(ctx, q, "maalgrupper", `SELECT scheme, code, name_da, coalesce(parent_code, ''),
		primary_allowed, valid_from, valid_to FROM maalgrupper`,
		func(r pgx.CollectableRow) (m domain.MaalgruppeKode, err error) {
			err = r.Scan(&m.Scheme, &m.Code, &m.Name, &m.ParentCode, &m.PrimaryAllowed, &m.ValidFrom, &m.ValidTo)
			return m, err
		})
	if err != nil {
		return nil, err
	}
	tt, err := queryCodes(ctx, q, "tilbudstyper", `SELECT scheme, code, name_da, parent_path, leaf, valid_from, valid_to
		FROM tilbudstyper`,
		func(r pgx.CollectableRow) (t domain.Tilbudstype, err error) {
			err = r.Scan(&t.Scheme, &t.Code, &t.Name, &t.ParentPath, &t.Leaf, &t.ValidFrom, &t.ValidTo)
			return t, err
		})
	if err != nil {
		return nil, err
	}
	fy, err := queryCodes(ctx, q, "ffb_ydelser", `SELECT uuid::text, name_da, parent_path, leaf, valid_from, valid_to
		FROM ffb_ydelser`,
		func(r pgx.CollectableRow) (f domain.FFBYdelse, err error) {
			err = r.Scan(&f.UUID, &f.Name, &f.ParentPath, &f.Leaf, &f.ValidFrom, &f.ValidTo)
			return f, err
		})
	if err != nil {
		return nil, err
	}
	km, err := queryCodes(ctx, q, "kommuner", `SELECT kommune_kode, navn FROM kommuner`,
		func(r pgx.CollectableRow) (k domain.Kommune, err error) {
			err = r.Scan(&k.Kode, &k.Navn)
			return k, err
		})
	if err != nil {
		return nil, err
	}
	return domain.NewSnapshot(ind, mg, tt, fy, km), nil
}

func queryCodes[T any](ctx context.Context, q querier, table, sql string, scan pgx.RowToFunc[T]) ([]T, error) {
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	return out, nil
}

// SpecRow is one row of a code-list file of the specification as LoadCodeLists inserts it:
// its value, the columns only the table keeps, and where it is, for errors ("file row n").
type SpecRow[T any] struct {
	Val                 T
	Evidence, Source    string
	Status              string // tilbudstyper and ffb_ydelser
	InNexusDSTOfferList string // tilbudstyper
	At                  string
}

// SpecCodeLists is the content of the specification's code-list files.
type SpecCodeLists struct {
	Kommuner     []SpecRow[domain.Kommune]
	Indsatser    []SpecRow[domain.Indsats]
	Maalgrupper  []SpecRow[domain.MaalgruppeKode]
	Tilbudstyper []SpecRow[domain.Tilbudstype]
	FFBYdelser   []SpecRow[domain.FFBYdelse]
}

// LoadCodeLists adds the rows of l that the tables miss, in one transaction, and returns how
// many it added to each table. A row that exists is left as it is (DST may have corrected
// it). Run as the tables' owner (OpenOwner).
func (db *DB) LoadCodeLists(ctx context.Context, l SpecCodeLists) (map[string]int64, error) {
	counts := map[string]int64{}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		err := insertSpec(ctx, tx, counts, "kommuner", l.Kommuner,
			`INSERT INTO kommuner (kommune_kode, navn) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			func(r SpecRow[domain.Kommune]) []any { return []any{r.Val.Kode, r.Val.Navn} })
		if err != nil {
			return err
		}
		err = insertSpec(ctx, tx, counts, "indsatskoder", l.Indsatser,
			`INSERT INTO indsatskoder (code, name_da, paragraph, ffb, requires_tilbudssted, residential,
			varighed_default, valid_from, valid_to, evidence, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
			func(r SpecRow[domain.Indsats]) []any {
				i := r.Val
				return []any{i.Code, i.Name, i.Paragraph, i.FFB, i.RequiresTilbudssted, i.Residential,
					i.VarighedDefault, i.ValidFrom, i.ValidTo, r.Evidence, r.Source}
			})
		if err != nil {
			return err
		}
		err = insertSpec(ctx, tx, counts, "maalgrupper", l.Maalgrupper,
			`INSERT INTO maalgrupper (code, name_da, scheme, parent_code, primary_allowed, valid_from, valid_to,
			evidence, source) VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
			func(r SpecRow[domain.MaalgruppeKode]) []any {
				m := r.Val
				return []any{m.Code, m.Name, m.Scheme, m.ParentCode, m.PrimaryAllowed, m.ValidFrom, m.ValidTo,
					r.Evidence, r.Source}
			})
		if err != nil {
			return err
		}
		err = insertSpec(ctx, tx, counts, "tilbudstyper", l.Tilbudstyper,
			`INSERT INTO tilbudstyper (code, name_da, parent_path, scheme, leaf, valid_from, valid_to,
			in_nexus_dst_offer_list, status, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT DO NOTHING`,
			func(r SpecRow[domain.Tilbudstype]) []any {
				t := r.Val
				return []any{t.Code, t.Name, t.ParentPath, t.Scheme, t.Leaf, t.ValidFrom, t.ValidTo,
					r.InNexusDSTOfferList, r.Status, r.Source}
			})
		if err != nil {
			return err
		}
		return insertSpec(ctx, tx, counts, "ffb_ydelser", l.FFBYdelser,
			`INSERT INTO ffb_ydelser (uuid, name_da, parent_path, leaf, valid_from, valid_to, status, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			func(r SpecRow[domain.FFBYdelse]) []any {
				y := r.Val
				return []any{y.UUID, y.Name, y.ParentPath, y.Leaf, y.ValidFrom, y.ValidTo, r.Status, r.Source}
			})
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// insertSpec inserts rows into table with the statement insert, counting the rows added.
func insertSpec[T any](ctx context.Context, tx pgx.Tx, counts map[string]int64, table string, rows []SpecRow[T],
	insert string, args func(SpecRow[T]) []any) error {
	for _, r := range rows {
		tag, err := tx.Exec(ctx, insert, args(r)...)
		if err != nil {
			return fmt.Errorf("%s: %w", r.At, err)
		}
		counts[table] += tag.RowsAffected()
	}
	return nil
}

// koderSQL is a list's SELECT of the columns of domain.Kode (without Path) and the number of
// ydelser using each code, over the kommuner the transaction reads. $1 is the scheme
// (unused by lists without one).
func koderSQL(l domain.Liste) string {
	const tail = `, source, valid_from, valid_to, added_at, coalesce(u.n, 0)`
	switch l.Kind {
	case domain.KindIndsats:
		return `SELECT code, name_da, paragraph, ffb, requires_tilbudssted, residential, varighed_default,
			false, '', '', NULL::boolean` + tail + `
			FROM indsatskoder k LEFT JOIN (SELECT indsatskode, count(*) AS n FROM ydelser GROUP BY 1) u
				ON u.indsatskode = k.code
			WHERE $1::text IS NOT NULL`
	case domain.KindMaalgruppe:
		return `SELECT code, name_da, '', false, '', false, '', primary_allowed, coalesce(parent_code, ''), '',
			NULL::boolean` + tail + `
			FROM maalgrupper k LEFT JOIN (SELECT code AS c, count(*) AS n FROM ydelse_maalgrupper WHERE scheme = $1
				GROUP BY 1) u ON u.c = k.code
			WHERE k.scheme = $1`
	case domain.KindTilbudstype:
		// Old tilbudskoder are used as Tilbudstype; FFB Tilbud also as Tilbuds-UUID (Y4).
		return `SELECT code, name_da, '', false, '', false, '', false, '', parent_path, leaf` + tail + `
			FROM tilbudstyper k LEFT JOIN (
				SELECT x.c, count(*) AS n FROM ydelser y, LATERAL (
					SELECT y.tilbudstype WHERE y.tilbudstype_scheme = $1
					UNION SELECT y.tilbuds_uuid::text WHERE $1 = 'ffb' AND y.tilbuds_uuid IS NOT NULL) x (c)
				GROUP BY 1) u ON u.c = k.code
			WHERE k.scheme = $1`
	default:
		return `SELECT uuid::text, name_da, '', false, '', false, '', false, '', parent_path, leaf` + tail + `
			FROM ffb_ydelser k LEFT JOIN (SELECT ydelses_uuid AS c, count(*) AS n FROM ydelser
				WHERE ydelses_uuid IS NOT NULL GROUP BY 1) u ON u.c = k.uuid
			WHERE $1::text IS NOT NULL`
	}
}

// kodeWhere is the condition that picks one code of the list: $2 is the code.
func kodeWhere(l domain.Liste) string {
	if l.Kind == domain.KindFFBYdelse {
		return ` AND k.uuid::text = $2`
	}
	return ` AND k.code = $2`
}

func kodeTable(l domain.Liste) string {
	switch l.Kind {
	case domain.KindIndsats:
		return "indsatskoder"
	case domain.KindMaalgruppe:
		return "maalgrupper"
	case domain.KindTilbudstype:
		return "tilbudstyper"
	}
	return "ffb_ydelser"
}

// kodeKey is the condition of UPDATE and DELETE by code: $1 is the code, $2 the scheme.
func kodeKey(l domain.Liste) string {
	switch l.Kind {
	case domain.KindIndsats:
		return `code = $1 AND $2::text IS NOT NULL`
	case domain.KindFFBYdelse:
		return `uuid::text = $1 AND $2::text IS NOT NULL`
	}
	return `code = $1 AND scheme = $2`
}

func scanKode(r pgx.CollectableRow) (domain.Kode, error) {
	var k domain.Kode
	err := r.Scan(&k.Code, &k.Name, &k.Paragraph, &k.FFB, &k.RequiresTilbudssted, &k.Residential,
		&k.VarighedDefault, &k.PrimaryAllowed, &k.ParentCode, &k.ParentPath, &k.Leaf, &k.Source,
		&k.ValidFrom, &k.ValidTo, &k.AddedAt, &k.Uses)
	return k, err
}

// Koder returns the codes of the list with the number of ydelser using each (Path not set),
// in no order.
func (t *Tx) Koder(ctx context.Context, l domain.Liste) ([]domain.Kode, error) {
	rows, err := t.tx.Query(ctx, koderSQL(l), l.Scheme)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanKode)
}

// Kode returns one code of the list with its use (Path not set), or ErrNotFound.
func (t *Tx) Kode(ctx context.Context, l domain.Liste, code string) (domain.Kode, error) {
	rows, err := t.tx.Query(ctx, koderSQL(l)+kodeWhere(l), l.Scheme, code)
	if err != nil {
		return domain.Kode{}, err
	}
	k, err := pgx.CollectExactlyOneRow(rows, scanKode)
	if errors.Is(err, pgx.ErrNoRows) {
		return k, ErrNotFound
	}
	return k, err
}

// LockKode locks the code's row for the rest of the transaction; an unknown code is
// ErrNotFound.
func (t *Tx) LockKode(ctx context.Context, l domain.Liste, code string) error {
	var one int
	err := t.tx.QueryRow(ctx, `SELECT 1 FROM `+kodeTable(l)+` WHERE `+kodeKey(l)+` FOR UPDATE`, code, l.Scheme).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// kodeUses is the condition that ydelse y uses the code: $1 is the code, $2 the scheme.
func kodeUses(l domain.Liste) string {
	switch l.Kind {
	case domain.KindIndsats:
		return `y.indsatskode = $1 AND $2::text IS NOT NULL`
	case domain.KindMaalgruppe:
		return `EXISTS (SELECT FROM ydelse_maalgrupper m
			WHERE m.kommune_kode = y.kommune_kode AND m.ydelse_id = y.id AND m.scheme = $2 AND m.code = $1)`
	case domain.KindTilbudstype:
		return `(y.tilbudstype_scheme = $2 AND y.tilbudstype = $1 OR $2 = 'ffb' AND y.tilbuds_uuid::text = $1)`
	}
	return `y.ydelses_uuid::text = $1 AND $2::text IS NOT NULL`
}

// KodeUsesAround counts the ydelser the transaction reads that use the code: those starting
// on or after day, and those started before it and not ended before it.
func (t *Tx) KodeUsesAround(ctx context.Context, l domain.Liste, code string, day time.Time) (startFrom, running int64, err error) {
	err = t.tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE y.startdato >= $3),
		count(*) FILTER (WHERE y.startdato < $3 AND (y.slutdato IS NULL OR y.slutdato >= $3))
		FROM ydelser y WHERE `+kodeUses(l), code, l.Scheme, day).Scan(&startFrom, &running)
	return startFrom, running, err
}

// ErrKodeExists: the list already has the code (InsertKode).
var ErrKodeExists = errors.New("tenant: the list already has the code")

// InsertKode adds k to the list as a code added by the transaction's actor now (k.ValidFrom
// of an indsatskode must be set); a code the list has is ErrKodeExists, and the transaction
// goes on.
func (t *Tx) InsertKode(ctx context.Context, l domain.Liste, k domain.Kode) error {
	by := t.scope.Actor.Email
	var sql string
	var args []any
	switch l.Kind {
	case domain.KindIndsats:
		sql = `INSERT INTO indsatskoder (code, name_da, paragraph, ffb, requires_tilbudssted, residential, varighed_default,
			valid_from, valid_to, source, added_at, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), $11)`
		args = []any{k.Code, k.Name, k.Paragraph, k.FFB, k.RequiresTilbudssted, k.Residential, k.VarighedDefault,
			k.ValidFrom, k.ValidTo, k.Source, by}
	case domain.KindMaalgruppe:
		sql = `INSERT INTO maalgrupper (scheme, code, name_da, parent_code, primary_allowed, valid_from, valid_to, source,
			added_at, added_by) VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8, now(), $9)`
		args = []any{l.Scheme, k.Code, k.Name, k.ParentCode, k.PrimaryAllowed, k.ValidFrom, k.ValidTo, k.Source, by}
	case domain.KindTilbudstype:
		sql = `INSERT INTO tilbudstyper (scheme, code, name_da, parent_path, leaf, valid_from, valid_to, source,
			added_at, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)`
		args = []any{l.Scheme, k.Code, k.Name, k.ParentPath, k.Leaf, k.ValidFrom, k.ValidTo, k.Source, by}
	default:
		leaf := k.Leaf != nil && *k.Leaf
		sql = `INSERT INTO ffb_ydelser (uuid, name_da, parent_path, leaf, valid_from, valid_to, source, added_at, added_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8)`
		args = []any{k.Code, k.Name, k.ParentPath, leaf, k.ValidFrom, k.ValidTo, k.Source, by}
	}
	if _, err := t.tx.Exec(ctx, "SAVEPOINT add_kode"); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, sql, args...)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		if _, rerr := t.tx.Exec(ctx, "ROLLBACK TO SAVEPOINT add_kode"); rerr != nil {
			return rerr
		}
		return ErrKodeExists
	}
	return err
}

// SetKodeTexts sets the name, the source and, for indsatskoder (domain.Liste.HasParagraph),
// the paragraph of a code.
func (t *Tx) SetKodeTexts(ctx context.Context, l domain.Liste, code string, x domain.Texts) error {
	sql := `UPDATE ` + kodeTable(l) + ` SET name_da = $3, source = $4 WHERE ` + kodeKey(l)
	args := []any{code, l.Scheme, x.Name, x.Source}
	if l.HasParagraph() {
		sql = `UPDATE indsatskoder SET name_da = $3, source = $4, paragraph = $5 WHERE ` + kodeKey(l)
		args = append(args, x.Paragraph)
	}
	_, err := t.tx.Exec(ctx, sql, args...)
	return err
}

// SetKodeValidTo sets the last day a code is valid; nil: it does not retire.
func (t *Tx) SetKodeValidTo(ctx context.Context, l domain.Liste, code string, validTo *time.Time) error {
	_, err := t.tx.Exec(ctx, `UPDATE `+kodeTable(l)+` SET valid_to = $3 WHERE `+kodeKey(l), code, l.Scheme, validTo)
	return err
}

// MaalgruppeHasChildren tells whether the målgruppe of scheme is another one's parent.
func (t *Tx) MaalgruppeHasChildren(ctx context.Context, scheme, code string) (bool, error) {
	var children bool
	err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM maalgrupper WHERE scheme = $1 AND parent_code = $2)`,
		scheme, code).Scan(&children)
	return children, err
}

// ErrKodeInUse: a foreign key refuses to delete the code (DeleteKode): a ydelse uses it, also
// one of a kommune the transaction cannot see.
var ErrKodeInUse = errors.New("tenant: the code is in use")

// DeleteKode deletes the code from the list.
func (t *Tx) DeleteKode(ctx context.Context, l domain.Liste, code string) error {
	_, err := t.tx.Exec(ctx, `DELETE FROM `+kodeTable(l)+` WHERE `+kodeKey(l), code, l.Scheme)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
		return ErrKodeInUse
	}
	return err
}
