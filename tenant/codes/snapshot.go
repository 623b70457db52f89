package codes

import (
	"context"
	"fmt"

	"indberet/tenant/domain"

	"github.com/jackc/pgx/v5"
)

// Querier runs a query; *pgxpool.Pool, *pgx.Conn and pgx.Tx satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Read makes a snapshot of the code-list tables as they are now (with DST's corrections).
func Read(ctx context.Context, q Querier) (*domain.Snapshot, error) {
	ind, err := query(ctx, q, "indsatskoder", `SELECT code, name_da, paragraph, ffb, requires_tilbudssted,
		residential, varighed_default, valid_from, valid_to FROM indsatskoder`,
		func(r pgx.CollectableRow) (i domain.Indsats, err error) {
			err = r.Scan(&i.Code, &i.Name, &i.Paragraph, &i.FFB, &i.RequiresTilbudssted, &i.Residential,
				&i.VarighedDefault, &i.ValidFrom, &i.ValidTo)
			return i, err
		})
	if err != nil {
		return nil, err
	}
	mg, err := query(ctx, q, "maalgrupper", `SELECT scheme, code, name_da, coalesce(parent_code, ''),
		primary_allowed, valid_from, valid_to FROM maalgrupper`,
		func(r pgx.CollectableRow) (m domain.MaalgruppeKode, err error) {
			err = r.Scan(&m.Scheme, &m.Code, &m.Name, &m.ParentCode, &m.PrimaryAllowed, &m.ValidFrom, &m.ValidTo)
			return m, err
		})
	if err != nil {
		return nil, err
	}
	tt, err := query(ctx, q, "tilbudstyper", `SELECT scheme, code, name_da, parent_path, leaf, valid_from, valid_to
		FROM tilbudstyper`,
		func(r pgx.CollectableRow) (t domain.Tilbudstype, err error) {
			err = r.Scan(&t.Scheme, &t.Code, &t.Name, &t.ParentPath, &t.Leaf, &t.ValidFrom, &t.ValidTo)
			return t, err
		})
	if err != nil {
		return nil, err
	}
	fy, err := query(ctx, q, "ffb_ydelser", `SELECT uuid::text, name_da, parent_path, leaf, valid_from, valid_to
		FROM ffb_ydelser`,
		func(r pgx.CollectableRow) (f domain.FFBYdelse, err error) {
			err = r.Scan(&f.UUID, &f.Name, &f.ParentPath, &f.Leaf, &f.ValidFrom, &f.ValidTo)
			return f, err
		})
	if err != nil {
		return nil, err
	}
	km, err := query(ctx, q, "kommuner", `SELECT kommune_kode, navn FROM kommuner`,
		func(r pgx.CollectableRow) (k domain.Kommune, err error) {
			err = r.Scan(&k.Kode, &k.Navn)
			return k, err
		})
	if err != nil {
		return nil, err
	}
	return domain.NewSnapshot(ind, mg, tt, fy, km), nil
}

func query[T any](ctx context.Context, q Querier, table, sql string, scan pgx.RowToFunc[T]) ([]T, error) {
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

// FromCSV makes a snapshot of the embedded CSV files, parsed as Load parses them: for tests
// and tools that need the code lists without a database.
func FromCSV() (*domain.Snapshot, error) {
	f, err := readFiles()
	if err != nil {
		return nil, err
	}
	return domain.NewSnapshot(values(f.indsatser), values(f.maalgrupper), values(f.tilbudstyper),
		values(f.ffbYdelser), values(f.kommuner)), nil
}
