package tenant

import (
	"context"
	"fmt"
	"strconv"
)

// Sag is one citizen's case in one kommune (S1–S3).
type Sag struct {
	ID                 int64
	CPR                string // 10 digits, no dash (S5)
	Navn               string
	Funktionsvurdering string // "", or A–E
	Bemaerkninger      string
	Kilde              string // "egne" (registered here) or "system" (S9)
}

// InsertSag creates a sag in the scope kommune and returns its id. S2 (a sag never exists
// without a ydelse) is the caller's duty: call it in the same transaction as InsertYdelse.
func (t *Tx) InsertSag(ctx context.Context, s Sag) (int64, error) {
	if s.Kilde == "" {
		s.Kilde = "egne"
	}
	var id int64
	err := t.tx.QueryRow(ctx, `
		INSERT INTO sager (kommune_kode, cpr, navn, funktionsvurdering, bemaerkninger, kilde, created_by, updated_by)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, NULLIF($7, 0), NULLIF($7, 0))
		RETURNING id`,
		t.scope.Kommune, s.CPR, s.Navn, s.Funktionsvurdering, s.Bemaerkninger, s.Kilde, t.scope.Actor.UserID,
	).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert sag: %w", err)
	}
	s.ID = id
	return id, t.Audit(ctx, AuditEntry{Action: "sag.create", Entity: "sag", EntityID: strconv.FormatInt(id, 10), After: s})
}

// SagIDByCPR returns the id of the scope kommune's sag for cpr, or ErrNotFound (S1).
func (t *Tx) SagIDByCPR(ctx context.Context, cpr string) (int64, error) {
	var id int64
	err := t.tx.QueryRow(ctx, `SELECT id FROM sager WHERE kommune_kode = $1 AND cpr = $2`, t.scope.Kommune, cpr).Scan(&id)
	if err != nil {
		return 0, notFound(err, "sag by cpr")
	}
	return id, nil
}
