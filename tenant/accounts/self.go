package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"indberet/tenant"
	"indberet/tenant/websession"
)

// A user's own account: changing the password and ending their other sessions.

// ChangePassword sets a new password for user id after checking the current one, and ends
// the user's other sessions (all but keepSession, the id of the session that asks), in one
// transaction with the audit record (which holds no password). A wrong current password is
// ErrInvalidCredentials and counts as a failed login of the account from the actor's address
// (loginfailures.go), so that a session left open cannot be used to guess the password; while
// that pair is locked the answer is *ThrottledError. A new password that CheckNewPassword
// refuses is ErrInvalid.
func (s *Store) ChangePassword(ctx context.Context, actor tenant.Actor, id int64, current, next, keepSession string) error {
	row, hash, err := s.db.UserAndHashByID(ctx, id)
	u := User(row)
	if errors.Is(err, tenant.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("look up user: %w", err)
	}
	at, now := pairOf(u.Email, actor.IP), s.Now()
	counts, err := s.attempt(ctx, at, now)
	if err != nil {
		return err
	}
	match, err := s.ComparePassword(current, hash)
	if err != nil {
		return fmt.Errorf("compare password: %w", err)
	}
	if !match {
		return s.failed(ctx, counts)
	}
	if err := s.passed(ctx, at); err != nil {
		return err
	}
	if errs := CheckNewPassword(current, next, next); errs != nil {
		return fmt.Errorf("%w: new password refused", ErrInvalid)
	}
	newHash, err := HashPassword(next)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.db.InScope(ctx, ownScope(u, actor), func(tx *tenant.Tx) error {
		if err := tx.SetUserPassword(ctx, id, newHash); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		ended, err := websession.EndOtherUserSessions(ctx, tx, id, keepSession)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, tenant.AuditEntry{Action: "user.password", Entity: "user", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"sessions_ended": ended}})
	})
}

// EndOtherSessions ends every session of user id but keepSession (the id of the session that
// asks), with an audit record, and returns how many ended.
func (s *Store) EndOtherSessions(ctx context.Context, actor tenant.Actor, id int64, keepSession string) (int64, error) {
	u, err := s.ByID(ctx, id)
	if err != nil {
		return 0, err
	}
	var ended int64
	err = s.db.InScope(ctx, ownScope(u, actor), func(tx *tenant.Tx) error {
		ended, err = websession.EndOtherUserSessions(ctx, tx, id, keepSession)
		if err != nil || ended == 0 {
			return err
		}
		return tx.Audit(ctx, tenant.AuditEntry{Action: "user.end_sessions", Entity: "user", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"sessions_ended": ended}})
	})
	return ended, err
}

// ownScope is the scope of a change to u's own account: their kommune, or all kommuner for
// DST and platform users (audited under tenant.PlatformKommune).
func ownScope(u User, actor tenant.Actor) tenant.Scope {
	return tenant.Scope{Kommune: u.Kommune, AllKommuner: u.Kommune == "", Actor: actor}
}
