package tenant

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The 98 kommuner (table kommuner): reading them, and activating them (T3).

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

// ActivateKommune marks a kommune as active (SetKommuneAktiv, audited), and as holding demo
// data when demo is true: for the demo loaders. T3.
func (t *Tx) ActivateKommune(ctx context.Context, kode string, demo bool) error {
	if demo {
		if _, err := t.tx.Exec(ctx, `UPDATE kommuner SET demo = true WHERE kommune_kode = $1`, kode); err != nil {
			return fmt.Errorf("mark kommune %s demo: %w", kode, err)
		}
	}
	_, err := t.SetKommuneAktiv(ctx, kode, true)
	return err
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

// KommunerMedRigtigeSager returns, in order, the kommuner that hold sager without being
// marked as demo kommuner (kommuner.demo, set by the demo loaders): their sager are real
// citizens'. A read-all scope sees every kommune's; `indberet demo` refuses to load into a
// database with real data (issue 14 #11).
func (t *Tx) KommunerMedRigtigeSager(ctx context.Context) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT k.kommune_kode FROM kommuner k
		WHERE NOT k.demo AND EXISTS (SELECT FROM sager s WHERE s.kommune_kode = k.kommune_kode)
		ORDER BY k.kommune_kode`)
	if err != nil {
		return nil, fmt.Errorf("kommuner med rigtige sager: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// SetKommuneAktiv activates or deactivates a kommune (T3: only the users of an active
// kommune can log in), writing the change to that kommune's audit log. It reports whether
// anything changed; an unknown kommune is ErrNotFound. Ending the sessions of a deactivated
// kommune's users is the caller's, in the same transaction (accounts.Store.SetKommuneAktiv).
func (t *Tx) SetKommuneAktiv(ctx context.Context, kode string, aktiv bool) (bool, error) {
	var before bool
	err := t.tx.QueryRow(ctx, `SELECT aktiv FROM kommuner WHERE kommune_kode = $1 FOR UPDATE`, kode).Scan(&before)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("kommune %s: %w", kode, err)
	}
	if before == aktiv {
		return false, nil
	}
	if _, err := t.tx.Exec(ctx, `UPDATE kommuner SET aktiv = $2 WHERE kommune_kode = $1`, kode, aktiv); err != nil {
		return false, fmt.Errorf("set kommune %s aktiv: %w", kode, err)
	}
	action := "kommune.activate"
	if !aktiv {
		action = "kommune.deactivate"
	}
	return true, t.Audit(ctx, AuditEntry{Kommune: kode, Action: action, Entity: "kommune", EntityID: kode,
		Before: map[string]any{"aktiv": before}, After: map[string]any{"aktiv": aktiv}})
}
