// Package accounts is the users of the system: local accounts with argon2id password
// hashes (T4: built so that an OpenID Connect login can be added beside them), creating
// users with their roles, logging in, and deactivating; the throttling of failed logins
// (issue 14 #5: its rules in throttle.go, its counters in loginfailures.go); a kommune administrator's management of the kommune's users (admin.go,
// with the rule that keeps an administrator, rules.go); a user's own password and sessions
// (self.go); the platform administrator's part: every user, activating kommuner, a
// kommune's first administrator (platform.go). The statements on the users and login_failures tables
// are tenant's (users.go, loginfailures.go); the rules on them live here.
package accounts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"

	"indberet/tenant"
	"indberet/tenant/access"
)

// User is an account: a row of users (tenant.UserRow: the id, e-mail, name, kommune, the
// active and demo flags, the last login, whether the kommune is active) with its rules. A
// user of an inactive kommune cannot log in, and their sessions end (T3).
type User tenant.UserRow

// MayWork tells whether the user may log in and keep a session: active, in an active
// kommune (T3) when they belong to one.
func (u User) MayWork() bool { return u.Active && u.KommuneAktiv }

// Errors of Create and Login. The app turns them into Danish messages.
var (
	ErrInvalidCredentials = errors.New("accounts: wrong e-mail or password")
	ErrDeactivated        = errors.New("accounts: user is deactivated")
	ErrEmailTaken         = errors.New("accounts: e-mail already in use")
	ErrInvalid            = errors.New("accounts: invalid user")
	// ErrKommuneInactive: the user's kommune is not active (T3); returned by Login only
	// after the password matched.
	ErrKommuneInactive = errors.New("accounts: the user's kommune is not active")
)

// Store reads and writes accounts.
type Store struct {
	db     *tenant.DB
	Limits Limits
	Now    func() time.Time
	Sleep  func(context.Context, time.Duration)
	// ComparePassword checks a password against its argon2id hash (64 MiB and tens of
	// milliseconds a call): argon2id.ComparePasswordAndHash, replaced by tests that count the
	// calls.
	ComparePassword func(password, hash string) (bool, error)
}

// NewStore returns a store with DefaultLimits.
func NewStore(db *tenant.DB) *Store {
	return &Store{db: db, Limits: DefaultLimits, Now: time.Now, Sleep: sleepCtx,
		ComparePassword: argon2id.ComparePasswordAndHash}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// HashPassword hashes a password with argon2id.
func HashPassword(pw string) (string, error) {
	return argon2id.CreateHash(pw, argon2id.DefaultParams)
}

// RandomPassword returns a random password of 20 URL-safe characters.
func RandomPassword() string {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewUser is what Create needs.
type NewUser struct {
	Email    string
	Name     string
	Kommune  string   // required for kommune roles, empty for DST and platform roles
	Role     string   // "" creates a kommune user without any right yet (T2)
	Roles    []string // further roles, granted in the same kommune (or AllDomains) as Role
	Password string
	Demo     bool
}

// MinPasswordLength is the least number of characters of a password.
const MinPasswordLength = 12

// NormalizeEmail lower-cases and trims an e-mail address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// roles returns Role and Roles without repeats, in role order.
func (n NewUser) roles() []string {
	var out []string
	for _, r := range append([]string{n.Role}, n.Roles...) {
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	sortRoles(out)
	return out
}

// Validate checks a new user and returns the first problem, or nil.
func (n NewUser) Validate() error {
	for _, name := range n.roles() {
		role, ok := access.RoleByName(name)
		switch {
		case !ok:
			return fmt.Errorf("%w: unknown role %q", ErrInvalid, name)
		case role.NeedsKommune && n.Kommune == "":
			return fmt.Errorf("%w: role %s needs a kommune", ErrInvalid, name)
		case !role.NeedsKommune && n.Kommune != "":
			return fmt.Errorf("%w: role %s belongs to no kommune", ErrInvalid, name)
		}
	}
	switch {
	case len(n.roles()) == 0 && n.Kommune == "":
		return fmt.Errorf("%w: a user without a role needs a kommune", ErrInvalid)
	case strings.TrimSpace(n.Name) == "":
		return fmt.Errorf("%w: name is required", ErrInvalid)
	case utf8.RuneCountInString(n.Password) < MinPasswordLength:
		return fmt.Errorf("%w: password must have at least %d characters", ErrInvalid, MinPasswordLength)
	}
	if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != strings.TrimSpace(n.Email) {
		return fmt.Errorf("%w: invalid e-mail %q", ErrInvalid, n.Email)
	}
	return nil
}

// Create creates the user with their first role, writing the audit record in the same
// transaction. actor is who creates it (the system for the CLI).
func (s *Store) Create(ctx context.Context, actor tenant.Actor, n NewUser) (User, error) {
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	scope := tenant.Scope{Kommune: n.Kommune, AllKommuner: n.Kommune == "", Actor: actor}
	var u User
	err = s.db.InScope(ctx, scope, func(tx *tenant.Tx) (err error) {
		u, err = insertUser(ctx, tx, n, hash)
		return err
	})
	return u, err
}

// insertUser inserts the checked user n with the password hash, grants their roles and
// writes the audit record, in tx.
func insertUser(ctx context.Context, tx *tenant.Tx, n NewUser, hash string) (User, error) {
	row, err := tx.InsertUser(ctx, tenant.NewUserRow{Email: NormalizeEmail(n.Email), Name: strings.TrimSpace(n.Name),
		Kommune: n.Kommune, PasswordHash: hash, Demo: n.Demo})
	u := User(row)
	if errors.Is(err, tenant.ErrEmailTaken) {
		return u, ErrEmailTaken
	}
	if err != nil {
		return u, fmt.Errorf("insert user: %w", err)
	}
	roles := n.roles()
	for _, r := range roles {
		if _, err := access.Grant(ctx, tx, u.ID, r, n.Kommune); err != nil {
			return u, err
		}
	}
	return u, tx.Audit(ctx, tenant.AuditEntry{Action: "user.create", Entity: "user",
		EntityID: strconv.FormatInt(u.ID, 10),
		After:    map[string]any{"email": u.Email, "name": u.Name, "kommune": u.Kommune, "roles": roles}})
}

// ByID returns the user with the given id, or tenant.ErrNotFound.
func (s *Store) ByID(ctx context.Context, id int64) (User, error) {
	u, err := s.db.UserByID(ctx, id)
	return User(u), err
}

// ForRequest returns the user with the given id (as ByID, tenant.ErrNotFound when there is
// none) and the policies' version in one round trip: what every request of a logged-in user
// reads before the Enforcer answers it (app.loadSession).
func (s *Store) ForRequest(ctx context.Context, id int64) (User, int64, error) {
	u, version, err := s.db.UserForRequest(ctx, id)
	return User(u), version, err
}

// ByEmail returns the user with the given e-mail, or tenant.ErrNotFound.
func (s *Store) ByEmail(ctx context.Context, email string) (User, error) {
	u, err := s.db.UserByEmail(ctx, NormalizeEmail(email))
	return User(u), err
}

// dummyHash is compared against when the e-mail is unknown, so that an unknown user takes
// as long to refuse as a wrong password and the answer time does not reveal accounts. It is
// a constant (HashPassword of a random phrase, with HashPassword's parameters; a test checks
// that they stay the same), not computed at start: hashing allocates argon2id's 64 MB, which
// every process importing this package (the workers too) would otherwise carry as its first
// garbage-collection target.
const dummyHash = "$argon2id$v=19$m=65536,t=1,p=2$2Bjd2gCmTjfyWp93Lv8QJw$jrYAJ35Yl6kqFqL5afqiKZYcJIikvtyxIkXoEtgO3+A"

// maxEmailLength is the longest e-mail address there is (RFC 5321); Login refuses a longer
// one at once, as no account has it.
const maxEmailLength = 254

// Login checks e-mail and password from the client address ip (issue 14 #5, throttle.go).
// While the pair of the account and the address is locked it returns *ThrottledError
// without looking at the password; other addresses, and the account from them, are not
// refused. Every attempt is counted for the pair, the account and the address before the
// password is checked (so parallel guesses meet the lock too); a wrong password is answered
// after the delay of Limits; the right one is never delayed, takes its count back, clears the
// pair's failures and records the login time.
func (s *Store) Login(ctx context.Context, email, password, ip string) (User, error) {
	email = NormalizeEmail(email)
	if email == "" || len(email) > maxEmailLength {
		return User{}, ErrInvalidCredentials
	}
	at, now := pairOf(email, ip), s.Now()
	counts, err := s.attempt(ctx, at, now)
	if err != nil {
		return User{}, err
	}
	u, hash, err := s.db.UserAndHashByEmail(ctx, email)
	found := err == nil
	if err != nil && !errors.Is(err, tenant.ErrNotFound) {
		return User{}, fmt.Errorf("look up user: %w", err)
	}
	if !found {
		hash = dummyHash
	}
	match, err := s.ComparePassword(password, hash)
	if err != nil {
		return User{}, fmt.Errorf("compare password: %w", err)
	}
	if !found || !match {
		return User{}, s.failed(ctx, counts)
	}
	if err := s.passed(ctx, at); err != nil {
		return User{}, err
	}
	if !u.Active {
		return User{}, ErrDeactivated
	}
	if !u.KommuneAktiv { // T3
		return User{}, ErrKommuneInactive
	}
	if err := s.db.RecordLogin(ctx, u.ID, now); err != nil {
		return User{}, fmt.Errorf("record login: %w", err)
	}
	return User(u), nil
}

// SetActive activates or deactivates a user. Deactivating ends all their sessions in the
// same transaction, so it takes effect at their next request.
func (s *Store) SetActive(ctx context.Context, actor tenant.Actor, id int64, active bool) error {
	u, err := s.ByID(ctx, id)
	if err != nil {
		return err
	}
	scope := tenant.Scope{Kommune: u.Kommune, AllKommuner: u.Kommune == "", Actor: actor}
	return s.db.InScope(ctx, scope, func(tx *tenant.Tx) error { return setActive(ctx, tx, u, active) })
}

// setActive writes the user's active flag, ends their sessions when deactivating, and audits,
// in tx.
func setActive(ctx context.Context, tx *tenant.Tx, u User, active bool) error {
	if err := tx.SetUserActive(ctx, u.ID, active); err != nil {
		return fmt.Errorf("set active: %w", err)
	}
	if !active {
		if err := tx.EndUserSessions(ctx, u.ID); err != nil {
			return err
		}
	}
	return tx.Audit(ctx, tenant.AuditEntry{Kommune: u.Kommune, Action: "user.set_active", Entity: "user",
		EntityID: strconv.FormatInt(u.ID, 10), Before: map[string]any{"active": u.Active}, After: map[string]any{"active": active}})
}
