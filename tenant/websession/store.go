// Package websession is a gorilla/sessions Store that keeps session records server-side in
// PostgreSQL (table sessions). The cookie carries only a random id, signed with
// SESSION_KEYS; the table stores its SHA-256 with the values, the user, the client and the
// expiry. Deleting the row ends the session at once, which is how logout, deactivating a user
// and revoking a right take effect on the next request.
package websession

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// UserIDKey is the session value holding the logged-in user's id (as a decimal string).
const UserIDKey = "uid"

// Store is the PostgreSQL-backed session store.
type Store struct {
	pool    *pgxpool.Pool
	codecs  []securecookie.Codec
	Options sessions.Options
	// IdleTimeout ends a session not used for this long; MaxLifetime ends any session this
	// long after it began.
	IdleTimeout time.Duration
	MaxLifetime time.Duration
	Now         func() time.Time
}

// New returns a store signing cookies with keys (the first signs, all verify, so keys can
// be rotated). secure sets the cookie's Secure flag (BASE_URL is https).
func New(pool *pgxpool.Pool, keys [][]byte, secure bool) *Store {
	codecs := make([]securecookie.Codec, 0, len(keys))
	for _, k := range keys {
		c := securecookie.New(k, nil)
		c.MaxAge(0) // expiry is kept server-side
		codecs = append(codecs, c)
	}
	return &Store{
		pool:   pool,
		codecs: codecs,
		Options: sessions.Options{
			Path:     "/",
			HttpOnly: true,
			Secure:   secure,
			SameSite: http.SameSiteLaxMode,
		},
		IdleTimeout: 2 * time.Hour,
		MaxLifetime: 12 * time.Hour,
		Now:         time.Now,
	}
}

// Get returns the named session of the request, cached per request by gorilla's registry.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie, or starts a new one (IsNew) when the
// cookie is missing, forged, or names an ended session.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	session := sessions.NewSession(s, name)
	opts := s.Options
	session.Options = &opts
	session.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return session, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, c.Value, &id, s.codecs...); err != nil {
		return session, nil
	}
	var data []byte
	var createdAt, lastSeen time.Time
	now := s.Now()
	err = s.pool.QueryRow(r.Context(), `SELECT data, created_at, last_seen_at FROM sessions WHERE id_hash = $1 AND expires_at > $2`,
		hashID(id), now).Scan(&data, &createdAt, &lastSeen)
	if errors.Is(err, pgx.ErrNoRows) {
		return session, nil
	}
	if err != nil {
		return session, fmt.Errorf("load session: %w", err)
	}
	values := map[string]string{}
	if err := json.Unmarshal(data, &values); err != nil {
		return session, fmt.Errorf("decode session: %w", err)
	}
	for k, v := range values {
		session.Values[k] = v
	}
	session.ID = id
	session.IsNew = false
	// Slide the idle expiry, at most once a minute to keep reads cheap.
	if now.Sub(lastSeen) > time.Minute {
		if _, err := s.pool.Exec(r.Context(), `UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1`,
			hashID(id), now, s.expiry(createdAt, now)); err != nil {
			return session, fmt.Errorf("touch session: %w", err)
		}
	}
	return session, nil
}

func (s *Store) expiry(createdAt, now time.Time) time.Time {
	idle := now.Add(s.IdleTimeout)
	if hard := createdAt.Add(s.MaxLifetime); hard.Before(idle) {
		return hard
	}
	return idle
}

// Save writes the session's values and sets its cookie; with Options.MaxAge < 0 it deletes
// the session and expires the cookie.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	ctx := r.Context()
	if session.Options.MaxAge < 0 {
		if session.ID != "" {
			if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hashID(session.ID)); err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
		}
		http.SetCookie(w, sessions.NewCookie(session.Name(), "", session.Options))
		return nil
	}
	if session.ID == "" {
		session.ID = newID()
	}
	values := map[string]string{}
	for k, v := range session.Values {
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			return fmt.Errorf("session values must be strings, got %T=%T", k, v)
		}
		values[ks] = vs
	}
	data, err := json.Marshal(values)
	if err != nil {
		return err
	}
	var userID *int64
	if v, err := strconv.ParseInt(values[UserIDKey], 10, 64); err == nil {
		userID = &v
	}
	now := s.Now()
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO sessions (id_hash, user_id, data, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7)
		ON CONFLICT (id_hash) DO UPDATE SET user_id = EXCLUDED.user_id, data = EXCLUDED.data,
			last_seen_at = EXCLUDED.last_seen_at, expires_at = LEAST(EXCLUDED.expires_at, sessions.created_at + $8::interval)`,
		hashID(session.ID), userID, data, now, now.Add(s.IdleTimeout), clientIP(r), truncate(r.UserAgent(), 300),
		s.MaxLifetime.String()); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	encoded, err := securecookie.EncodeMulti(session.Name(), session.ID, s.codecs...)
	if err != nil {
		return fmt.Errorf("sign session cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(session.Name(), encoded, session.Options))
	return nil
}

// Regenerate gives the session a new id, keeping its values, and ends the old one: call it
// at login so an id known before login is worth nothing after.
func (s *Store) Regenerate(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if session.ID != "" {
		if _, err := s.pool.Exec(r.Context(), `DELETE FROM sessions WHERE id_hash = $1`, hashID(session.ID)); err != nil {
			return fmt.Errorf("end old session: %w", err)
		}
	}
	session.ID = ""
	return s.Save(r, w, session)
}

// EndUserSessions ends every session of a user, in the caller's transaction (deactivating
// the user, revoking a right).
func EndUserSessions(ctx context.Context, tx pgx.Tx, userID int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return nil
}

// EndKommuneSessions ends every session of the users of a kommune, in the caller's
// transaction (a deactivated kommune, T3). It reports how many ended.
func EndKommuneSessions(ctx context.Context, tx pgx.Tx, kommune string) (int64, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE kommune_kode = $1)`, kommune)
	if err != nil {
		return 0, fmt.Errorf("end sessions of kommune %s: %w", kommune, err)
	}
	return tag.RowsAffected(), nil
}

// EndOtherUserSessions ends every session of a user except the one with id keepID (the id
// the cookie carries, Session.ID), in the caller's transaction (Log ud af alle andre
// sessioner, a changed password). It reports how many ended.
func EndOtherUserSessions(ctx context.Context, tx pgx.Tx, userID int64, keepID string) (int64, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, userID, hashID(keepID))
	if err != nil {
		return 0, fmt.Errorf("end other sessions of user %d: %w", userID, err)
	}
	return tag.RowsAffected(), nil
}

// SessionInfo is one session of a user as their account page lists it.
type SessionInfo struct {
	Current    bool // the session that asks
	CreatedAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// UserSessions lists the user's sessions that have not expired, the most recently used
// first; Current marks the one with id currentID.
func (s *Store) UserSessions(ctx context.Context, userID int64, currentID string) ([]SessionInfo, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id_hash = $3, created_at, last_seen_at, ip, user_agent FROM sessions
		WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC`,
		userID, s.Now(), hashID(currentID))
	if err != nil {
		return nil, fmt.Errorf("sessions of user %d: %w", userID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SessionInfo, error) {
		var i SessionInfo
		err := row.Scan(&i.Current, &i.CreatedAt, &i.LastSeenAt, &i.IP, &i.UserAgent)
		return i, err
	})
	if err != nil {
		return nil, fmt.Errorf("sessions of user %d: %w", userID, err)
	}
	return out, nil
}

// PurgeExpired deletes sessions that ended before now; run by a periodic job.
func PurgeExpired(ctx context.Context, pool *pgxpool.Pool, now time.Time) (int64, error) {
	tag, err := pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}

func newID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
