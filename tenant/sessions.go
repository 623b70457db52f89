package tenant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The sessions table, the server side of the web sessions (package websession keeps the
// cookie, the id's hash and the expiry rules). A session is found by the SHA-256 of its id,
// never by the id. The table holds no kommune data and has no row-level security: the
// session store reads and writes it through the pool, and the ends of a user's or a
// kommune's sessions that a change of rights causes run in that change's transaction (Tx).

// StoredSession is what a session's row holds for loading it.
type StoredSession struct {
	Data       []byte // the values, JSON
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// Session returns the session whose id has the hash idHash and that has not expired at now,
// or ErrNotFound.
func (db *DB) Session(ctx context.Context, idHash []byte, now time.Time) (StoredSession, error) {
	var s StoredSession
	err := db.pool.QueryRow(ctx, `SELECT data, created_at, last_seen_at FROM sessions WHERE id_hash = $1 AND expires_at > $2`,
		idHash, now).Scan(&s.Data, &s.CreatedAt, &s.LastSeenAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, ErrNotFound
	}
	return s, err
}

// TouchSession records that the session was used at now and now expires at expires.
func (db *DB) TouchSession(ctx context.Context, idHash []byte, now, expires time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1`,
		idHash, now, expires)
	return err
}

// DeleteSession ends the session (logout, a regenerated id).
func (db *DB) DeleteSession(ctx context.Context, idHash []byte) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash)
	return err
}

// SessionWrite is a session as SaveSession writes it.
type SessionWrite struct {
	IDHash    []byte
	UserID    *int64 // nil before login
	Data      []byte // the values, JSON
	Now       time.Time
	Expires   time.Time // of a new session; an existing one's is capped by MaxLifetime
	IP        string
	UserAgent string
	// MaxLifetime: an existing session never expires later than this after it began.
	MaxLifetime time.Duration
}

// SaveSession creates the session, or updates its user, values, last use and expiry (the
// expiry no later than its creation plus MaxLifetime; its client stays the one it began
// with).
func (db *DB) SaveSession(ctx context.Context, w SessionWrite) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO sessions (id_hash, user_id, data, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7)
		ON CONFLICT (id_hash) DO UPDATE SET user_id = EXCLUDED.user_id, data = EXCLUDED.data,
			last_seen_at = EXCLUDED.last_seen_at, expires_at = LEAST(EXCLUDED.expires_at, sessions.created_at + $8::interval)`,
		w.IDHash, w.UserID, w.Data, w.Now, w.Expires, w.IP, w.UserAgent, w.MaxLifetime.String())
	return err
}

// SessionInfo is one session of a user as their account page lists it.
type SessionInfo struct {
	Current    bool // the session that asks
	CreatedAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// UserSessions lists the user's sessions that have not expired at now, the most recently
// used first; Current marks the one whose id has the hash currentHash.
func (db *DB) UserSessions(ctx context.Context, userID int64, now time.Time, currentHash []byte) ([]SessionInfo, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT id_hash = $3, created_at, last_seen_at, ip, user_agent FROM sessions
		WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC`,
		userID, now, currentHash)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (SessionInfo, error) {
		var i SessionInfo
		err := row.Scan(&i.Current, &i.CreatedAt, &i.LastSeenAt, &i.IP, &i.UserAgent)
		return i, err
	})
}

// PurgeExpiredSessions deletes the sessions that ended before now and reports how many;
// run by a periodic job.
func (db *DB) PurgeExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// EndUserSessions ends every session of a user, in the transaction (deactivating the user,
// revoking a right).
func (t *Tx) EndUserSessions(ctx context.Context, userID int64) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return nil
}

// EndKommuneSessions ends every session of the users of a kommune, in the transaction (a
// deactivated kommune, T3). It reports how many ended.
func (t *Tx) EndKommuneSessions(ctx context.Context, kommune string) (int64, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE kommune_kode = $1)`, kommune)
	if err != nil {
		return 0, fmt.Errorf("end sessions of kommune %s: %w", kommune, err)
	}
	return tag.RowsAffected(), nil
}

// EndOtherUserSessions ends every session of a user except the one whose id has the hash
// keepHash, in the transaction. It reports how many ended.
func (t *Tx) EndOtherUserSessions(ctx context.Context, userID int64, keepHash []byte) (int64, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, userID, keepHash)
	if err != nil {
		return 0, fmt.Errorf("end other sessions of user %d: %w", userID, err)
	}
	return tag.RowsAffected(), nil
}
