package tenant

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"indberet/tenant/domain"

	"github.com/jackc/pgx/v5"
)

// The sager (S1–S3): a citizen's case in one kommune (table sager), read, inserted, changed
// and deleted in a Tx of the kommune's scope.

// ErrSagExists is returned by InsertSag when the kommune already has a sag for the CPR (S1).
var ErrSagExists = errors.New("tenant: the kommune already has a sag for this cpr")

// ErrConflict is returned by an update when the row changed since it was read (its version
// is not the one the caller read): someone else saved first.
var ErrConflict = errors.New("tenant: changed by someone else since it was read")

const sagColumns = `s.id, s.cpr, s.navn, coalesce(s.funktionsvurdering, ''), s.bemaerkninger, s.kilde, s.version,
	s.antal_ydelser, s.slutdato_max, s.indberettet_at, s.updated_at, coalesce(u.email, '')`

const sagFrom = `sager s LEFT JOIN users u ON u.id = s.updated_by`

func scanSag(row pgx.Row) (domain.Sag, error) {
	var s domain.Sag
	err := row.Scan(&s.ID, &s.CPR, &s.Navn, &s.Funktionsvurdering, &s.Bemaerkninger, &s.Kilde, &s.Version,
		&s.AntalYdelser, &s.SlutdatoMax, &s.IndberettetAt, &s.UpdatedAt, &s.UpdatedBy)
	return s, err
}

// InsertSag creates a sag in the scope kommune and returns its id, or ErrSagExists (S1).
// S2 (a sag never exists without a ydelse) is the caller's duty: call it in the same
// transaction as InsertYdelse.
func (t *Tx) InsertSag(ctx context.Context, s domain.Sag) (int64, error) {
	if s.Kilde == "" {
		s.Kilde = "egne"
	}
	var id int64
	err := t.tx.QueryRow(ctx, `
		INSERT INTO sager (kommune_kode, cpr, navn, funktionsvurdering, bemaerkninger, kilde, created_by, updated_by)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, NULLIF($7, 0), NULLIF($7, 0))
		ON CONFLICT ON CONSTRAINT sager_cpr_key DO NOTHING
		RETURNING id`,
		t.scope.Kommune, s.CPR, s.Navn, s.Funktionsvurdering, s.Bemaerkninger, s.Kilde, t.scope.Actor.UserID,
	).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrSagExists
	}
	if err != nil {
		return 0, fmt.Errorf("insert sag: %w", err)
	}
	s.ID = id
	return id, t.Audit(ctx, AuditEntry{Action: "sag.create", Entity: "sag", EntityID: strconv.FormatInt(id, 10), After: sagRecordOf(s)})
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

// Sag returns the scope kommune's sag id, or ErrNotFound (also for another kommune's id: T1).
func (t *Tx) Sag(ctx context.Context, id int64) (domain.Sag, error) { return t.SagIn(ctx, "", id) }

// SagIn returns sag id of kommune, named as in ListQuery.Kommune ("" for the scope's own;
// a read-all scope names one and sees only delivered sager, as All (read only) shows them:
// S9, T3), or ErrNotFound.
func (t *Tx) SagIn(ctx context.Context, kommune string, id int64) (domain.Sag, error) {
	k, err := t.readKommune(kommune)
	if err != nil || k == "" {
		return domain.Sag{}, ErrNotFound
	}
	s, err := scanSag(t.tx.QueryRow(ctx, `SELECT `+sagColumns+` FROM `+sagFrom+`
		WHERE s.kommune_kode = $1 AND s.id = $2 AND (NOT $3 OR s.indberettet_at IS NOT NULL)`, k, id, t.readsDeliveredOnly()))
	return s, notFound(err, "sag")
}

// SagMedYdelser returns the scope kommune's sag id with its ydelser (by start date).
func (t *Tx) SagMedYdelser(ctx context.Context, id int64) (domain.Sag, []domain.Ydelse, error) {
	s, err := t.Sag(ctx, id)
	if err != nil {
		return s, nil, err
	}
	ydelser, err := t.YdelserOfSag(ctx, id)
	return s, ydelser, err
}

// LockSag returns the sag like Sag and locks it until the transaction ends, so that checks
// over all its ydelser (Y6: one stay at a time) and the write that follows see no concurrent
// change to the same sag.
func (t *Tx) LockSag(ctx context.Context, id int64) (domain.Sag, error) {
	s, err := scanSag(t.tx.QueryRow(ctx, `SELECT `+sagColumns+` FROM `+sagFrom+`
		WHERE s.kommune_kode = $1 AND s.id = $2 FOR UPDATE OF s`, t.scope.Kommune, id))
	return s, notFound(err, "lock sag")
}

// UpdateSag saves Navn, Funktionsvurdering and Bemærkninger of s (never the CPR: S4) if
// s.Version is still the stored version; otherwise ErrConflict (or ErrNotFound).
func (t *Tx) UpdateSag(ctx context.Context, s domain.Sag) error {
	before, err := t.LockSag(ctx, s.ID)
	if err != nil {
		return err
	}
	if before.Version != s.Version {
		return ErrConflict
	}
	_, err = t.tx.Exec(ctx, `
		UPDATE sager SET navn = $3, funktionsvurdering = NULLIF($4, ''), bemaerkninger = $5,
			version = version + 1, updated_at = now(), updated_by = NULLIF($6, 0)
		WHERE kommune_kode = $1 AND id = $2`,
		t.scope.Kommune, s.ID, s.Navn, s.Funktionsvurdering, s.Bemaerkninger, t.scope.Actor.UserID)
	if err != nil {
		return fmt.Errorf("update sag: %w", err)
	}
	s.CPR, s.Kilde = before.CPR, before.Kilde
	return t.Audit(ctx, AuditEntry{Action: "sag.update", Entity: "sag", EntityID: strconv.FormatInt(s.ID, 10),
		Before: sagRecordOf(before), After: sagRecordOf(s)})
}

// DeleteSag removes the sag and all its ydelser (S7), with an audit record holding what was
// removed. Whether it may be deleted (nothing delivered) is the caller's check, made on the
// locked sag in the same transaction.
func (t *Tx) DeleteSag(ctx context.Context, id int64) error {
	before, err := t.LockSag(ctx, id)
	if err != nil {
		return err
	}
	ydelser, err := t.YdelserOfSag(ctx, id)
	if err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, `DELETE FROM sager WHERE kommune_kode = $1 AND id = $2`, t.scope.Kommune, id); err != nil {
		return fmt.Errorf("delete sag: %w", err)
	}
	return t.Audit(ctx, AuditEntry{Action: "sag.delete", Entity: "sag", EntityID: strconv.FormatInt(id, 10),
		Before: sagDeleteRecordOf(before, ydelser)})
}
