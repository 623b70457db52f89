package generate

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"indberet/tenant"
)

// The bulk load runs in one transaction of the tables' owner. Per-row work that a plain COPY
// would do is moved to a few set-based statements at the end:
//   - the foreign keys of and to sager, ydelser and ydelse_maalgrupper are dropped and added
//     again from their own definitions (pg_get_constraintdef), so each is checked by one join
//     instead of a lookup per row;
//   - the statement trigger that keeps Antal ydelser and the latest Slutdato on the sag
//     (00003, 00004) is disabled, and one UPDATE computes both for the new sager; so are the
//     triggers that keep the lists' counts (00015, 00021), and one statement adds the new
//     sager's;
//   - COPY FROM refuses tables with row-level security in force, so FORCE is lifted for the
//     owner while the transaction holds the tables' ACCESS EXCLUSIVE locks; nobody else
//     ever sees the tables without it.
// Everything is transactional: a failure rolls back the data and the schema changes alike.

// loadTables are the tables the load writes; their foreign keys are set aside meanwhile.
var loadTables = []string{"sager", "ydelser", "ydelse_maalgrupper"}

// countTables are the tables of the lists' kept counts (00015, 00021), which the load also
// writes, with FORCE lifted as for loadTables.
var countTables = []string{"liste_taelling", "liste_taelling_cpr"}

// aggregateTrigger is the trigger on ydelser that keeps the sag's aggregates (00003).
const aggregateTrigger = "ydelser_aggregates_ins"

// countTriggers are the triggers on sager that keep the lists' counts (00015, 00021).
var countTriggers = []string{"sager_liste_taelling_ins", "sager_liste_taelling_upd"}

// foreignKey is a foreign key constraint as the catalog writes it.
type foreignKey struct{ table, name, def string }

// loader writes batches into one owner transaction.
type loader struct {
	tx                     pgx.Tx
	fks                    []foreignKey
	sagBase, ydelseBase    int64 // the next ids
	firstSag               int64
	sager, ydelser, maalgr int64
}

// begin prepares tx for the load: locks, foreign keys set aside, FORCE lifted, the aggregate
// trigger off, and the first ids reserved.
func begin(ctx context.Context, tx pgx.Tx) (*loader, error) {
	l := &loader{tx: tx}
	for _, q := range []string{
		"SET LOCAL maintenance_work_mem = '512MB'",
		"SET LOCAL work_mem = '256MB'",
		"LOCK TABLE sager, ydelser, ydelse_maalgrupper IN ACCESS EXCLUSIVE MODE",
		"SELECT set_config('indberet.alle', 'read', true)", // for the audit records
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("prepare load: %s: %w", q, err)
		}
	}
	rows, err := tx.Query(ctx, `
		SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE contype = 'f' AND (conrelid IN ('sager'::regclass, 'ydelser'::regclass, 'ydelse_maalgrupper'::regclass)
			OR confrelid IN ('sager'::regclass, 'ydelser'::regclass, 'ydelse_maalgrupper'::regclass))
		ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("foreign keys: %w", err)
	}
	l.fks, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fk foreignKey, err error) {
		err = r.Scan(&fk.table, &fk.name, &fk.def)
		return fk, err
	})
	if err != nil {
		return nil, fmt.Errorf("foreign keys: %w", err)
	}
	var ddl []string
	for _, fk := range l.fks {
		ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s", fk.table, pgx.Identifier{fk.name}.Sanitize()))
	}
	for _, t := range append(loadTables, countTables...) {
		ddl = append(ddl, "ALTER TABLE "+t+" NO FORCE ROW LEVEL SECURITY")
	}
	ddl = append(ddl, "ALTER TABLE ydelser DISABLE TRIGGER "+aggregateTrigger)
	for _, tr := range countTriggers {
		ddl = append(ddl, "ALTER TABLE sager DISABLE TRIGGER "+tr)
	}
	for _, q := range ddl {
		if _, err := tx.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("prepare load: %s: %w", q, err)
		}
	}
	err = tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('sager', 'id')),
		nextval(pg_get_serial_sequence('ydelser', 'id'))`).Scan(&l.sagBase, &l.ydelseBase)
	if err != nil {
		return nil, fmt.Errorf("reserve ids: %w", err)
	}
	l.firstSag = l.sagBase
	return l, nil
}

// existingCPRs returns the CPR numbers already in the database, per kommune (read while the
// owner is not bound by row-level security).
func existingCPRs(ctx context.Context, tx pgx.Tx) (map[string][]string, error) {
	rows, err := tx.Query(ctx, `SELECT kommune_kode, cpr FROM sager`)
	if err != nil {
		return nil, fmt.Errorf("existing cpr numbers: %w", err)
	}
	out := map[string][]string{}
	var k, cpr string
	_, err = pgx.ForEachRow(rows, []any{&k, &cpr}, func() error {
		out[k] = append(out[k], cpr)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("existing cpr numbers: %w", err)
	}
	return out, nil
}

// copyBatch writes one kommune's batch with COPY, numbering its sager and ydelser.
func (l *loader) copyBatch(ctx context.Context, b *batch) error {
	n, err := l.tx.CopyFrom(ctx, pgx.Identifier{"sager"},
		[]string{"kommune_kode", "id", "cpr", "navn", "funktionsvurdering", "kilde", "created_at", "updated_at", "indberettet_at"},
		&sagerSource{b: b, base: l.sagBase, vals: make([]any, 9)})
	if err != nil {
		return fmt.Errorf("copy sager of %s: %w", b.kommune, err)
	}
	l.sager += n
	n, err = l.tx.CopyFrom(ctx, pgx.Identifier{"ydelser"},
		[]string{"kommune_kode", "id", "sag_id", "indsatskode", "varighed", "bevillingsdato", "startdato",
			"forventet_slutdato", "slutdato", "betalingskommune", "tilbudstype_scheme", "tilbudstype", "p_nummer",
			"afdelings_uuid", "tilbuds_uuid", "ydelses_uuid", "i_107_botilbud", "created_at", "updated_at", "indberettet_at"},
		&ydelserSource{b: b, sagBase: l.sagBase, base: l.ydelseBase, vals: make([]any, 20)})
	if err != nil {
		return fmt.Errorf("copy ydelser of %s: %w", b.kommune, err)
	}
	l.ydelser += n
	n, err = l.tx.CopyFrom(ctx, pgx.Identifier{"ydelse_maalgrupper"},
		[]string{"kommune_kode", "ydelse_id", "scheme", "code", "primaer"},
		&maalgrupperSource{b: b, base: l.ydelseBase, vals: make([]any, 5)})
	if err != nil {
		return fmt.Errorf("copy målgrupper of %s: %w", b.kommune, err)
	}
	l.maalgr += n
	l.sagBase += int64(len(b.sager))
	l.ydelseBase += int64(len(b.ydelser))
	return nil
}

// finish moves the id sequences past the new rows, computes the aggregates of the new sager
// in one UPDATE (what the trigger would have written) and their kept counts, and puts the
// triggers, FORCE and the foreign keys back; adding a foreign key checks every row once.
// today is the generated data's today.
func (l *loader) finish(ctx context.Context, today time.Time, phase func(string)) error {
	tx := l.tx
	if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('sager', 'id'), $1),
		setval(pg_get_serial_sequence('ydelser', 'id'), $2)`, l.sagBase-1, l.ydelseBase-1); err != nil {
		return fmt.Errorf("move id sequences: %w", err)
	}
	// S6, S8: the same values as sager_refresh_aggregates (00003, 00004).
	if _, err := tx.Exec(ctx, `
		UPDATE sager s SET antal_ydelser = a.n, slutdato_max = a.slut_max
		FROM (
			SELECT kommune_kode, sag_id, count(*)::integer AS n,
				CASE WHEN count(*) = count(slutdato) THEN max(slutdato) END AS slut_max
			FROM ydelser WHERE sag_id >= $1 GROUP BY kommune_kode, sag_id
		) a
		WHERE s.kommune_kode = a.kommune_kode AND s.id = a.sag_id AND s.id >= $1`, l.firstSag); err != nil {
		return fmt.Errorf("sag aggregates: %w", err)
	}
	// S8, S9: the new sager's kept counts, as liste_taelling_delta (00015, 00021) inserts
	// them (per CPR prefix in liste_taelling_cpr, their sums in liste_taelling) and the
	// compaction job (worker/listecounts.go) folds them: latest Slutdatoer before
	// tenant.ListCountsCutoff in one row per key.
	if _, err := tx.Exec(ctx, `
		WITH d AS (
			INSERT INTO liste_taelling_cpr (kommune_kode, liste, cpr3, slutdato_max, sager, ydelser)
			SELECT s.kommune_kode, l.liste, substr(s.cpr, 1, 3),
				CASE WHEN s.slutdato_max < $2::date THEN '-infinity'::date ELSE s.slutdato_max END,
				count(*), sum(l.ydelser)
			FROM sager s CROSS JOIN LATERAL (VALUES
				('egne', s.kilde = 'egne', s.antal_ydelser), ('alle', s.indberettet_at IS NOT NULL, 0)) l (liste, inn, ydelser)
			WHERE s.id >= $1 AND l.inn
			GROUP BY 1, 2, 3, 4
			RETURNING kommune_kode, liste, slutdato_max, sager, ydelser)
		INSERT INTO liste_taelling (kommune_kode, liste, slutdato_max, sager, ydelser)
		SELECT kommune_kode, liste, slutdato_max, sum(sager), sum(ydelser) FROM d GROUP BY 1, 2, 3`,
		l.firstSag, tenant.ListCountsCutoff(today)); err != nil {
		return fmt.Errorf("list counts: %w", err)
	}
	phase("aggregates")
	ddl := []string{"ALTER TABLE ydelser ENABLE TRIGGER " + aggregateTrigger}
	for _, tr := range countTriggers {
		ddl = append(ddl, "ALTER TABLE sager ENABLE TRIGGER "+tr)
	}
	for _, t := range append(loadTables, countTables...) {
		ddl = append(ddl, "ALTER TABLE "+t+" FORCE ROW LEVEL SECURITY")
	}
	for _, fk := range l.fks {
		ddl = append(ddl, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", fk.table, pgx.Identifier{fk.name}.Sanitize(), fk.def))
	}
	for _, q := range ddl {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("finish load: %s: %w", q, err)
		}
	}
	phase("foreign keys")
	return nil
}

func date(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return pgtype.Date{Time: t, Valid: true}
}

func timestamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

func uuidValue(u uuid.UUID) any {
	if u == uuid.Nil {
		return nil
	}
	return pgtype.UUID{Bytes: u, Valid: true}
}

func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

type sagerSource struct {
	b    *batch
	base int64
	i    int
	vals []any
}

func (s *sagerSource) Next() bool { s.i++; return s.i <= len(s.b.sager) }
func (s *sagerSource) Err() error { return nil }
func (s *sagerSource) Values() ([]any, error) {
	x, v := &s.b.sager[s.i-1], s.vals
	v[0], v[1], v[2], v[3], v[4], v[5] = s.b.kommune, s.base+int64(s.i-1), x.cpr, x.navn, text(x.funktionsvurdering), x.kilde
	v[6], v[7], v[8] = timestamp(x.created), timestamp(x.created), timestamp(x.indberettet)
	return v, nil
}

type ydelserSource struct {
	b             *batch
	sagBase, base int64
	i             int
	vals          []any
}

func (s *ydelserSource) Next() bool { s.i++; return s.i <= len(s.b.ydelser) }
func (s *ydelserSource) Err() error { return nil }
func (s *ydelserSource) Values() ([]any, error) {
	y, v := &s.b.ydelser[s.i-1], s.vals
	v[0], v[1], v[2], v[3], v[4] = s.b.kommune, s.base+int64(s.i-1), s.sagBase+int64(y.sag), y.indsats.Code, y.varighed
	v[5], v[6], v[7], v[8] = date(y.bevilling), date(y.start), date(y.forventet), date(y.slut)
	v[9], v[10], v[11], v[12] = y.betaling, text(y.tilbudstypeScheme), text(y.tilbudstype), text(y.pNummer)
	v[13], v[14], v[15] = uuidValue(y.afdeling), uuidValue(y.tilbuds), uuidValue(y.ydelses)
	switch y.i107 {
	case 1:
		v[16] = true
	case -1:
		v[16] = false
	default:
		v[16] = nil
	}
	v[17], v[18], v[19] = timestamp(y.created), timestamp(y.updated), timestamp(y.indberettet)
	return v, nil
}

type maalgrupperSource struct {
	b    *batch
	base int64
	i    int
	vals []any
}

func (s *maalgrupperSource) Next() bool { s.i++; return s.i <= len(s.b.maalgrupper) }
func (s *maalgrupperSource) Err() error { return nil }
func (s *maalgrupperSource) Values() ([]any, error) {
	m, v := &s.b.maalgrupper[s.i-1], s.vals
	v[0], v[1], v[2], v[3], v[4] = s.b.kommune, s.base+int64(m.ydelse), m.scheme, m.code, m.primaer
	return v, nil
}
