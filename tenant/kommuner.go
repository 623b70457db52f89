package tenant

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Kommune is one of the 98 municipalities.
type Kommune struct {
	Kode  string
	Navn  string
	Aktiv bool
	Demo  bool
}

// ErrNotFound is returned when a row does not exist in the scope (or at all).
var ErrNotFound = errors.New("not found")

// Kommune returns the kommune with the given code. The kommuner table is reference data,
// readable without a scope.
func (db *DB) Kommune(ctx context.Context, kode string) (Kommune, error) {
	var k Kommune
	err := db.Pool.QueryRow(ctx,
		`SELECT kommune_kode, navn, aktiv, demo FROM kommuner WHERE kommune_kode = $1`, kode,
	).Scan(&k.Kode, &k.Navn, &k.Aktiv, &k.Demo)
	if errors.Is(err, pgx.ErrNoRows) {
		return k, ErrNotFound
	}
	if err != nil {
		return k, fmt.Errorf("kommune %s: %w", kode, err)
	}
	return k, nil
}

// Kommuner returns all kommuner ordered by code.
func (db *DB) Kommuner(ctx context.Context) ([]Kommune, error) {
	rows, err := db.Pool.Query(ctx, `SELECT kommune_kode, navn, aktiv, demo FROM kommuner ORDER BY kommune_kode`)
	if err != nil {
		return nil, fmt.Errorf("kommuner: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Kommune, error) {
		var k Kommune
		err := r.Scan(&k.Kode, &k.Navn, &k.Aktiv, &k.Demo)
		return k, err
	})
}

// ActivateKommune marks a kommune as active (and as demo data when demo is true), writing
// the change to the audit log of that kommune. T3.
func (t *Tx) ActivateKommune(ctx context.Context, kode string, demo bool) error {
	tag, err := t.tx.Exec(ctx,
		`UPDATE kommuner SET aktiv = true, demo = demo OR $2 WHERE kommune_kode = $1 AND NOT aktiv`, kode, demo)
	if err != nil {
		return fmt.Errorf("activate kommune %s: %w", kode, err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	return t.Audit(ctx, AuditEntry{Kommune: kode, Action: "kommune.activate", Entity: "kommune", EntityID: kode,
		After: map[string]any{"aktiv": true, "demo": demo}})
}

// AktiveKommuner returns the codes of the active kommuner in order: those a delivery run
// delivers (I1). Read in the transaction, so that jobs enqueued with it see the same list.
func (t *Tx) AktiveKommuner(ctx context.Context) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT kommune_kode FROM kommuner WHERE aktiv ORDER BY kommune_kode`)
	if err != nil {
		return nil, fmt.Errorf("aktive kommuner: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
