package tenant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The users table, the accounts as package accounts reads and writes them (accounts holds
// the rules: passwords, roles, the last administrator, throttling). The table has no
// row-level security: reads that a request or a job makes before it knows its scope (the
// login, the user of a session) go through the pool; changes run in the transaction of the
// change, with its audit record.

// UserRow is a row of users (accounts.User gives it its rules).
type UserRow struct {
	ID          int64
	Email       string
	Name        string
	Kommune     string // "" for DST and platform users
	Active      bool
	Demo        bool
	LastLoginAt *time.Time
	// KommuneAktiv tells whether the user's kommune is active (T3); true for DST and
	// platform users.
	KommuneAktiv bool
}

// ErrEmailTaken: another user has the e-mail (InsertUser).
var ErrEmailTaken = errors.New("tenant: e-mail already in use")

// kommuneAktiv is the column of UserRow.KommuneAktiv in a statement on users.
const kommuneAktiv = `coalesce((SELECT k.aktiv FROM kommuner k WHERE k.kommune_kode = users.kommune_kode), true)`

// userColumns are the columns of a UserRow, in scanUser's order.
const userColumns = `id, email, name, coalesce(kommune_kode, ''), active, demo, last_login_at, ` + kommuneAktiv

func scanUser(row pgx.Row, more ...any) (UserRow, error) {
	var u UserRow
	err := row.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.Kommune, &u.Active, &u.Demo, &u.LastLoginAt, &u.KommuneAktiv},
		more...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, ErrNotFound
	}
	return u, err
}

func collectUsers(rows pgx.Rows, err error) ([]UserRow, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (UserRow, error) { return scanUser(row) })
}

const userByIDSQL = `SELECT ` + userColumns + ` FROM users WHERE id = $1`

// UserByID returns the user with the given id, or ErrNotFound.
func (db *DB) UserByID(ctx context.Context, id int64) (UserRow, error) {
	return scanUser(db.pool.QueryRow(ctx, userByIDSQL, id))
}

// UserForRequest returns the user with the given id (ErrNotFound when there is none) and
// the policies' version (AuthzVersion) in one round trip: what every request of a logged-in
// user reads before the Enforcer answers it.
func (db *DB) UserForRequest(ctx context.Context, id int64) (UserRow, int64, error) {
	var u UserRow
	var version int64
	b := &pgx.Batch{}
	b.Queue(userByIDSQL, id).QueryRow(func(row pgx.Row) (err error) {
		u, err = scanUser(row)
		return err
	})
	queueAuthzVersion(b, &version)
	err := db.pool.SendBatch(ctx, b).Close()
	return u, version, err
}

// UserByEmail returns the user with the e-mail (normalized by the caller), or ErrNotFound.
func (db *DB) UserByEmail(ctx context.Context, email string) (UserRow, error) {
	return scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
}

// UserAndHashByEmail returns the user with the e-mail and their password hash, or
// ErrNotFound.
func (db *DB) UserAndHashByEmail(ctx context.Context, email string) (UserRow, string, error) {
	var hash string
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, email), &hash)
	return u, hash, err
}

// UserAndHashByID returns the user with the id and their password hash, or ErrNotFound.
func (db *DB) UserAndHashByID(ctx context.Context, id int64) (UserRow, string, error) {
	var hash string
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE id = $1`, id), &hash)
	return u, hash, err
}

// RecordLogin sets the user's last login to now.
func (db *DB) RecordLogin(ctx context.Context, id int64, now time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE users SET last_login_at = $2 WHERE id = $1`, id, now)
	return err
}

// UsersOfKommune lists the users of a kommune, by name.
func (db *DB) UsersOfKommune(ctx context.Context, kommune string) ([]UserRow, error) {
	return collectUsers(db.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE kommune_kode = $1 ORDER BY lower(name), email`,
		kommune))
}

// UserInKommune returns the user with the id if they belong to kommune, and ErrNotFound
// otherwise.
func (db *DB) UserInKommune(ctx context.Context, kommune string, id int64) (UserRow, error) {
	return scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1 AND kommune_kode = $2`, id, kommune))
}

// NoKommune is the filter of Users for the users of no kommune (DST and platform users).
const NoKommune = "-"

// Users lists the users of kommune, of no kommune (NoKommune), or of every kommune (""), by
// kommune and name.
func (db *DB) Users(ctx context.Context, kommune string) ([]UserRow, error) {
	return collectUsers(db.pool.Query(ctx, `SELECT `+userColumns+` FROM users
		WHERE $1 = '' OR coalesce(kommune_kode, '-') = $1
		ORDER BY kommune_kode NULLS FIRST, lower(name), email`, kommune))
}

// UserCounts returns the number of users of each kommune that has any.
func (db *DB) UserCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT kommune_kode, count(*) FROM users WHERE kommune_kode IS NOT NULL GROUP BY 1`)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	var k string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&k, &n}, func() error { out[k] = n; return nil })
	return out, err
}

// NewUserRow is what InsertUser writes.
type NewUserRow struct {
	Email, Name  string
	Kommune      string // "" for DST and platform users
	PasswordHash string
	Demo         bool
}

// InsertUser inserts an active user, in the transaction, and returns their row; an e-mail
// another user has is ErrEmailTaken.
func (t *Tx) InsertUser(ctx context.Context, n NewUserRow) (UserRow, error) {
	u := UserRow{Email: n.Email, Name: n.Name, Kommune: n.Kommune, Active: true, Demo: n.Demo}
	err := t.tx.QueryRow(ctx, `
		INSERT INTO users (email, name, kommune_kode, password_hash, demo)
		VALUES ($1, $2, NULLIF($3, ''), $4, $5) RETURNING id, `+kommuneAktiv,
		n.Email, n.Name, n.Kommune, n.PasswordHash, n.Demo).Scan(&u.ID, &u.KommuneAktiv)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "users_email_key" {
		return u, ErrEmailTaken
	}
	return u, err
}

// SetUserPassword sets the user's password hash, in the transaction.
func (t *Tx) SetUserPassword(ctx context.Context, id int64, hash string) error {
	_, err := t.tx.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, id, hash)
	return err
}

// SetUserActive sets the user's active flag, in the transaction.
func (t *Tx) SetUserActive(ctx context.Context, id int64, active bool) error {
	_, err := t.tx.Exec(ctx, `UPDATE users SET active = $2 WHERE id = $1`, id, active)
	return err
}

// KommuneUsers returns the kommune's users by id, in the transaction; with lock they stay
// locked until it ends (so that two administrators changing rights are taken one after the
// other).
func (t *Tx) KommuneUsers(ctx context.Context, kommune string, lock bool) ([]UserRow, error) {
	sql := `SELECT ` + userColumns + ` FROM users WHERE kommune_kode = $1 ORDER BY id`
	if lock {
		sql += ` FOR UPDATE`
	}
	users, err := collectUsers(t.tx.Query(ctx, sql, kommune))
	if err != nil {
		return nil, fmt.Errorf("users of kommune %s: %w", kommune, err)
	}
	return users, nil
}

// UserEmailIn returns the e-mail of user id of kommune ("" for the users of no kommune), in
// the transaction, or ErrNotFound.
func (t *Tx) UserEmailIn(ctx context.Context, id int64, kommune string) (string, error) {
	var email string
	err := t.tx.QueryRow(ctx, `SELECT email FROM users WHERE id = $1 AND kommune_kode IS NOT DISTINCT FROM NULLIF($2, '')`,
		id, kommune).Scan(&email)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	return email, err
}
