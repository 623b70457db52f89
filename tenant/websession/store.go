// Package websession is a gorilla/sessions Store that keeps session records server-side in
// PostgreSQL (table sessions, read and written by tenant's sessions.go). The cookie carries
// only a random id, signed with SESSION_KEYS; the table stores its SHA-256 with the values,
// the user, the client and the expiry. Deleting the row ends the session at once, which is
// how logout, deactivating a user and revoking a right take effect on the next request. This
// package owns the cookie, the id and its hash, and the expiry rules.
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

	"indberet/tenant"
)

// UserIDKey is the session value holding the logged-in user's id (as a decimal string).
const UserIDKey = "uid"

// Store is the PostgreSQL-backed session store.
type Store struct {
	db      *tenant.DB
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
func New(db *tenant.DB, keys [][]byte, secure bool) *Store {
	codecs := make([]securecookie.Codec, 0, len(keys))
	for _, k := range keys {
		c := securecookie.New(k, nil)
		c.MaxAge(0) // expiry is kept server-side
		codecs = append(codecs, c)
	}
	return &Store{
		db:     db,
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
	now := s.Now()
	stored, err := s.db.Session(r.Context(), hashID(id), now)
	if errors.Is(err, tenant.ErrNotFound) {
		return session, nil
	}
	if err != nil {
		return session, fmt.Errorf("load session: %w", err)
	}
	values := map[string]string{}
	if err := json.Unmarshal(stored.Data, &values); err != nil {
		return session, fmt.Errorf("decode session: %w", err)
	}
	for k, v := range values {
		session.Values[k] = v
	}
	session.ID = id
	session.IsNew = false
	// Slide the idle expiry, at most once a minute to keep reads cheap.
	if now.Sub(stored.LastSeenAt) > time.Minute {
		if err := s.db.TouchSession(r.Context(), hashID(id), now, s.expiry(stored.CreatedAt, now)); err != nil {
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
			if err := s.db.DeleteSession(ctx, hashID(session.ID)); err != nil {
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
	if err := s.db.SaveSession(ctx, tenant.SessionWrite{IDHash: hashID(session.ID), UserID: userID, Data: data, Now: now,
		Expires: now.Add(s.IdleTimeout), IP: clientIP(r), UserAgent: truncate(r.UserAgent(), 300),
		MaxLifetime: s.MaxLifetime}); err != nil {
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
		if err := s.db.DeleteSession(r.Context(), hashID(session.ID)); err != nil {
			return fmt.Errorf("end old session: %w", err)
		}
	}
	session.ID = ""
	return s.Save(r, w, session)
}

// EndOtherUserSessions ends every session of a user except the one with id keepID (the id
// the cookie carries, Session.ID), in the caller's transaction (Log ud af alle andre
// sessioner, a changed password). It reports how many ended.
func EndOtherUserSessions(ctx context.Context, tx *tenant.Tx, userID int64, keepID string) (int64, error) {
	return tx.EndOtherUserSessions(ctx, userID, hashID(keepID))
}

// UserSessions lists the user's sessions that have not expired, the most recently used
// first; Current marks the one with id currentID.
func (s *Store) UserSessions(ctx context.Context, userID int64, currentID string) ([]tenant.SessionInfo, error) {
	out, err := s.db.UserSessions(ctx, userID, s.Now(), hashID(currentID))
	if err != nil {
		return nil, fmt.Errorf("sessions of user %d: %w", userID, err)
	}
	return out, nil
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
