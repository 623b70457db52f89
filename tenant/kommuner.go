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
	err := db.pool.QueryRow(ctx,
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
	rows, err := db.pool.Query(ctx, `SELECT kommune_kode, navn, aktiv, demo FROM kommuner ORDER BY kommune_kode`)
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
// anything changed; an unknown kommune is ErrNotFound. Activating a kommune that has
// delivered nothing gives it the first periode the month before now (I7, AktiverKommune).
// Ending the sessions of a deactivated kommune's users is the caller's, in the same
// transaction (accounts.Store.SetKommuneAktiv).
func (t *Tx) SetKommuneAktiv(ctx context.Context, kode string, aktiv bool) (bool, error) {
	return t.setKommuneAktiv(ctx, kode, aktiv, "")
}

// ErrKommuneHarLeveret is AktiverKommune's refusal of a first periode for a kommune that
// has delivered: its next periode follows its latest delivered one (I7).
var ErrKommuneHarLeveret = errors.New("tenant: the kommune has delivered; its first periode cannot change")

// AktiverKommune activates kode (T3) with foerste as its first periode (I7: the periode it
// delivers first; "": the month before now, in Copenhagen), with the audit record. A
// kommune that has delivered keeps its periodes: a first periode given for it is
// ErrKommuneHarLeveret. It reports whether anything changed (not when kode is active).
func (t *Tx) AktiverKommune(ctx context.Context, kode, foerste string) (bool, error) {
	return t.setKommuneAktiv(ctx, kode, true, foerste)
}

// monthBeforeNow is the month before now in Copenhagen as a periode, in SQL (migration 00026
// has the same as the column's default).
const monthBeforeNow = `to_char(date_trunc('month', now() AT TIME ZONE 'Europe/Copenhagen') - interval '1 month', 'YYYY"M"MM')`

func (t *Tx) setKommuneAktiv(ctx context.Context, kode string, aktiv bool, foerste string) (bool, error) {
	var before bool
	var foersteBefore string
	err := t.tx.QueryRow(ctx, `SELECT aktiv, foerste_periode FROM kommuner WHERE kommune_kode = $1 FOR UPDATE`, kode).
		Scan(&before, &foersteBefore)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("kommune %s: %w", kode, err)
	}
	if before == aktiv {
		return false, nil
	}
	beforeRec, afterRec := kommuneRecord{Aktiv: before}, kommuneRecord{Aktiv: aktiv}
	if aktiv {
		var senest string
		if err := t.tx.QueryRow(ctx, `SELECT coalesce(max(periode), '') FROM leverancer WHERE kommune_kode = $1`, kode).
			Scan(&senest); err != nil {
			return false, fmt.Errorf("kommune %s latest periode: %w", kode, err)
		}
		switch {
		case senest != "" && foerste != "":
			return false, ErrKommuneHarLeveret
		case senest == "":
			var after string
			err := t.tx.QueryRow(ctx, `UPDATE kommuner SET foerste_periode = coalesce(nullif($2, ''), `+monthBeforeNow+`)
				WHERE kommune_kode = $1 RETURNING foerste_periode`, kode, foerste).Scan(&after)
			if err != nil {
				return false, fmt.Errorf("set kommune %s first periode: %w", kode, err)
			}
			beforeRec.FoerstePeriode, afterRec.FoerstePeriode = &foersteBefore, &after
		}
	}
	if _, err := t.tx.Exec(ctx, `UPDATE kommuner SET aktiv = $2 WHERE kommune_kode = $1`, kode, aktiv); err != nil {
		return false, fmt.Errorf("set kommune %s aktiv: %w", kode, err)
	}
	action := "kommune.activate"
	if !aktiv {
		action = "kommune.deactivate"
	}
	return true, t.Audit(ctx, AuditEntry{Kommune: kode, Action: action, Entity: "kommune", EntityID: kode,
		Before: beforeRec, After: afterRec})
}

// KommunePeriode is where a kommune stands in its periodes (I7): its first periode and its
// latest delivered one; its next is domain.NaestePeriode of the two.
type KommunePeriode struct {
	Kode, Navn     string
	Aktiv          bool
	FoerstePeriode string // kommuner.foerste_periode (00026)
	SenestLeveret  string // its latest delivered periode (by periode, not by time); "" while none
	Ydelser        int64  // how many ydelser it has (its list counts), to deliver the largest first
}

// KommunePerioder returns, by kommunekode, the periodes of every kommune whose leverancer the
// scope reads (DST's read-all scope: all 98; a kommune's scope: its own, with the others as
// having delivered nothing, so use it for the scope kommune only).
func (t *Tx) KommunePerioder(ctx context.Context) ([]KommunePeriode, error) {
	rows, err := t.tx.Query(ctx, `SELECT k.kommune_kode, k.navn, k.aktiv, k.foerste_periode,
			coalesce((SELECT max(l.periode) FROM leverancer l WHERE l.kommune_kode = k.kommune_kode), ''),
			coalesce((SELECT sum(t.ydelser) FROM liste_taelling t WHERE t.kommune_kode = k.kommune_kode AND t.liste = 'egne'), 0)
		FROM kommuner k ORDER BY k.kommune_kode`)
	if err != nil {
		return nil, fmt.Errorf("kommuners periodes: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (KommunePeriode, error) {
		var k KommunePeriode
		err := r.Scan(&k.Kode, &k.Navn, &k.Aktiv, &k.FoerstePeriode, &k.SenestLeveret, &k.Ydelser)
		return k, err
	})
}

// KommunensPeriode returns the scope kommune's periodes (I7). A delivery reads it under
// LockLeverancer, so that no other delivery of the kommune moves them meanwhile.
func (t *Tx) KommunensPeriode(ctx context.Context) (KommunePeriode, error) {
	if t.scope.Kommune == "" {
		return KommunePeriode{}, ErrNoScope
	}
	var k KommunePeriode
	err := t.tx.QueryRow(ctx, `SELECT k.kommune_kode, k.navn, k.aktiv, k.foerste_periode,
			coalesce((SELECT max(l.periode) FROM leverancer l WHERE l.kommune_kode = k.kommune_kode), '')
		FROM kommuner k WHERE k.kommune_kode = $1`, t.scope.Kommune).
		Scan(&k.Kode, &k.Navn, &k.Aktiv, &k.FoerstePeriode, &k.SenestLeveret)
	return k, notFound(err, "kommunens periode")
}
