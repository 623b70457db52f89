package tenant

import (
	"context"
	"errors"
	"fmt"

	"indberet/tenant/domain"

	"github.com/jackc/pgx/v5"
)

// A kommune's contact persons (K1): the three roles, reading and saving them, and which
// roles a kommune still lacks.

// KommuneKontaktperson is a contact person with its kommune, for readers of every kommune
// (DST, T3).
type KommuneKontaktperson struct {
	Kommune string
	domain.Kontaktperson
}

// Kontaktpersoner returns the scope kommune's contact persons, in the order of Kontaktroller.
func (t *Tx) Kontaktpersoner(ctx context.Context) ([]domain.Kontaktperson, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT rolle, navn, telefon, email, version FROM kontaktpersoner
		WHERE kommune_kode = $1 ORDER BY array_position(ARRAY['faglig','teknisk','kvittering'], rolle)`,
		t.scope.Kommune)
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Kontaktperson, error) {
		var k domain.Kontaktperson
		err := r.Scan(&k.Rolle, &k.Navn, &k.Telefon, &k.Email, &k.Version)
		return k, err
	})
}

// AlleKontaktpersoner returns the contact persons of every kommune the scope may read,
// ordered by kommune and role: for DST, whose scope reads every kommune (T3). In a kommune
// scope it returns that kommune's only (row-level security, T1).
func (t *Tx) AlleKontaktpersoner(ctx context.Context) ([]KommuneKontaktperson, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT kommune_kode, rolle, navn, telefon, email, version FROM kontaktpersoner
		ORDER BY kommune_kode, array_position(ARRAY['faglig','teknisk','kvittering'], rolle)`)
	if err != nil {
		return nil, fmt.Errorf("alle kontaktpersoner: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (KommuneKontaktperson, error) {
		var k KommuneKontaktperson
		err := r.Scan(&k.Kommune, &k.Rolle, &k.Navn, &k.Telefon, &k.Email, &k.Version)
		return k, err
	})
}

// KontaktpersonerMangler returns the roles of K1 the scope kommune has not registered yet,
// in the order of Kontaktroller (none: the kommune may create sager). K1: all three are
// needed before the first sag.
func (t *Tx) KontaktpersonerMangler(ctx context.Context) ([]domain.Kontaktrolle, error) {
	if t.scope.Kommune == "" {
		return nil, ErrNoScope
	}
	rows, err := t.tx.Query(ctx, `SELECT rolle FROM kontaktpersoner WHERE kommune_kode = $1`, t.scope.Kommune)
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner mangler: %w", err)
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[domain.Kontaktrolle])
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner mangler: %w", err)
	}
	return domain.MissingKontaktroller(have), nil
}

// KontaktpersonerManglerAlle returns, for every kommune the scope may read (DST and platform
// administrators: all), the roles of K1 it has not registered yet, in the order of
// Kontaktroller; a kommune that has all three is not in the map. Only a read-all scope asks:
// in a kommune's scope the other kommuners' contact persons are hidden, and they would seem
// to miss all three (ErrNoScope).
func (t *Tx) KontaktpersonerManglerAlle(ctx context.Context) (map[string][]domain.Kontaktrolle, error) {
	if !t.scope.AllKommuner {
		return nil, ErrNoScope
	}
	rows, err := t.tx.Query(ctx, `
		SELECT k.kommune_kode, array_remove(array_agg(p.rolle), NULL)
		FROM kommuner k LEFT JOIN kontaktpersoner p ON p.kommune_kode = k.kommune_kode
		GROUP BY k.kommune_kode`)
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner mangler: %w", err)
	}
	out := map[string][]domain.Kontaktrolle{}
	var kommune string
	var have []domain.Kontaktrolle
	_, err = pgx.ForEachRow(rows, []any{&kommune, &have}, func() error {
		if m := domain.MissingKontaktroller(have); len(m) > 0 {
			out[kommune] = m
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner mangler: %w", err)
	}
	return out, nil
}

// SaveKontaktperson creates or replaces the scope kommune's contact person for k.Rolle, with
// an audit record (K1, K2: contact persons can be changed at any time).
//
// k.Version is the version the caller read, 0 when the kommune had none for the role: if the
// stored row is another version (someone saved in between, or created the row first), nothing
// is written and ErrConflict is returned. If the stored values equal k's, nothing is written
// either (no audit record for a save that changes nothing). Validate k first
// (ValidateKontaktperson); the database only refuses empty values.
func (t *Tx) SaveKontaktperson(ctx context.Context, k domain.Kontaktperson) error {
	var old domain.Kontaktperson
	err := t.tx.QueryRow(ctx, `SELECT rolle, navn, telefon, email, version FROM kontaktpersoner
		WHERE kommune_kode = $1 AND rolle = $2 FOR UPDATE`, t.scope.Kommune, k.Rolle).
		Scan(&old.Rolle, &old.Navn, &old.Telefon, &old.Email, &old.Version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if k.Version != 0 {
			return ErrConflict
		}
		// ON CONFLICT DO NOTHING: a concurrent first save of the same role that committed
		// first makes this one a conflict instead of an aborted transaction.
		tag, err := t.tx.Exec(ctx, `
			INSERT INTO kontaktpersoner (kommune_kode, rolle, navn, telefon, email, updated_by)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0))
			ON CONFLICT (kommune_kode, rolle) DO NOTHING`,
			t.scope.Kommune, k.Rolle, k.Navn, k.Telefon, k.Email, t.scope.Actor.UserID)
		if err != nil {
			return fmt.Errorf("insert kontaktperson %s: %w", k.Rolle, err)
		}
		if tag.RowsAffected() == 0 {
			return ErrConflict
		}
		k.Version = 1
		return t.Audit(ctx, AuditEntry{Action: "kontaktperson.save", Entity: kontaktEntity,
			EntityID: string(k.Rolle), After: kontaktpersonRecordOf(k)})
	case err != nil:
		return fmt.Errorf("kontaktperson %s: %w", k.Rolle, err)
	}
	if old.Version != k.Version {
		return ErrConflict
	}
	if old.Navn == k.Navn && old.Telefon == k.Telefon && old.Email == k.Email {
		return nil
	}
	_, err = t.tx.Exec(ctx, `
		UPDATE kontaktpersoner SET navn = $3, telefon = $4, email = $5, updated_by = NULLIF($6, 0),
			updated_at = now(), version = version + 1
		WHERE kommune_kode = $1 AND rolle = $2`,
		t.scope.Kommune, k.Rolle, k.Navn, k.Telefon, k.Email, t.scope.Actor.UserID)
	if err != nil {
		return fmt.Errorf("update kontaktperson %s: %w", k.Rolle, err)
	}
	k.Version = old.Version + 1
	return t.Audit(ctx, AuditEntry{Action: "kontaktperson.save", Entity: kontaktEntity,
		EntityID: string(k.Rolle), Before: kontaktpersonRecordOf(old), After: kontaktpersonRecordOf(k)})
}
