package tenant

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Kontaktrolle is one of the three kinds of contact person of K1.
type Kontaktrolle string

// The three contact persons every kommune registers (K1).
const (
	FagligAnsvarlig     Kontaktrolle = "faglig"
	TekniskAnsvarlig    Kontaktrolle = "teknisk"
	Kvitteringsmodtager Kontaktrolle = "kvittering"
)

// Kontaktroller lists the roles in the order the form shows them.
var Kontaktroller = []Kontaktrolle{FagligAnsvarlig, TekniskAnsvarlig, Kvitteringsmodtager}

// Kontaktperson is a kommune's contact person for one role (K1).
type Kontaktperson struct {
	Rolle   Kontaktrolle
	Navn    string
	Telefon string
	Email   string
	Version int
}

// Kontaktpersoner returns the scope kommune's contact persons.
func (t *Tx) Kontaktpersoner(ctx context.Context) ([]Kontaktperson, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT rolle, navn, telefon, email, version FROM kontaktpersoner
		WHERE kommune_kode = $1 ORDER BY array_position(ARRAY['faglig','teknisk','kvittering'], rolle)`,
		t.scope.Kommune)
	if err != nil {
		return nil, fmt.Errorf("kontaktpersoner: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Kontaktperson, error) {
		var k Kontaktperson
		err := r.Scan(&k.Rolle, &k.Navn, &k.Telefon, &k.Email, &k.Version)
		return k, err
	})
}

// SaveKontaktperson creates or replaces the scope kommune's contact person for k.Rolle, with
// an audit record (K1, K2: contact persons can be changed at any time).
func (t *Tx) SaveKontaktperson(ctx context.Context, k Kontaktperson) error {
	var before *Kontaktperson
	var old Kontaktperson
	err := t.tx.QueryRow(ctx, `SELECT rolle, navn, telefon, email, version FROM kontaktpersoner
		WHERE kommune_kode = $1 AND rolle = $2 FOR UPDATE`, t.scope.Kommune, k.Rolle).
		Scan(&old.Rolle, &old.Navn, &old.Telefon, &old.Email, &old.Version)
	switch {
	case err == nil:
		before = &old
	case err == pgx.ErrNoRows:
	default:
		return fmt.Errorf("kontaktperson %s: %w", k.Rolle, err)
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO kontaktpersoner (kommune_kode, rolle, navn, telefon, email, updated_by)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0))
		ON CONFLICT (kommune_kode, rolle) DO UPDATE SET navn = EXCLUDED.navn, telefon = EXCLUDED.telefon,
			email = EXCLUDED.email, updated_by = EXCLUDED.updated_by, updated_at = now(),
			version = kontaktpersoner.version + 1`,
		t.scope.Kommune, k.Rolle, k.Navn, k.Telefon, k.Email, t.scope.Actor.UserID)
	if err != nil {
		return fmt.Errorf("save kontaktperson %s: %w", k.Rolle, err)
	}
	var beforeVal any
	if before != nil {
		beforeVal = before
	}
	return t.Audit(ctx, AuditEntry{Action: "kontaktperson.save", Entity: "kontaktperson",
		EntityID: string(k.Rolle), Before: beforeVal, After: k})
}
