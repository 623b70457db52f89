package tenant

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// The counters of failed logins, login_failures (issue 14 #5; package accounts holds the
// rules, throttle.go, and when each statement runs, loginfailures.go): a row per pair
// (account, address), per account (Address "") and per address (Account ""). The table holds
// no kommune data and has no row-level security; an attempt's counting runs in a transaction
// of its own, before anyone is logged in.

// LoginKey names a row of login_failures.
type LoginKey struct{ Account, Address string }

// LoginCounter is what a row of login_failures records.
type LoginCounter struct {
	Failures    int
	LastFailure time.Time
	LockedUntil time.Time // zero unless a pair is locked
}

// LoginFailure is a row of login_failures.
type LoginFailure struct {
	Key     LoginKey
	Counter LoginCounter
}

// CountLoginAttempt counts a login attempt on the rows of keys, which are in the order of the
// primary key (account, address), in one transaction: it makes the missing rows (no
// failures), reads and locks the three in that order (the order every transaction locks them
// in, so two attempts never wait for each other in a circle), and gives what they hold to
// next, which returns each key's new counter; those are written with now as the last
// failure. An error of next rolls everything back and is returned as it is.
func (db *DB) CountLoginAttempt(ctx context.Context, keys [3]LoginKey, now time.Time,
	next func(recorded map[LoginKey]LoginCounter) ([3]LoginCounter, error)) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// Rows that do not exist yet are made first, so that the locking read below finds
		// all three (a read locks no missing row, and two inserts would each count once).
		if _, err := tx.Exec(ctx, `INSERT INTO login_failures (account, address, failures, last_failure_at)
			VALUES ($1, $2, 0, $7), ($3, $4, 0, $7), ($5, $6, 0, $7) ON CONFLICT DO NOTHING`,
			keys[0].Account, keys[0].Address, keys[1].Account, keys[1].Address, keys[2].Account, keys[2].Address, now); err != nil {
			return err
		}
		recorded, err := lockLoginRows(ctx, tx, keys)
		if err != nil {
			return err
		}
		counters, err := next(recorded)
		if err != nil {
			return err
		}
		var accounts, addresses []string
		var failures []int
		var lockedUntil []*time.Time
		for i, key := range keys {
			var until *time.Time
			if !counters[i].LockedUntil.IsZero() {
				until = &counters[i].LockedUntil
			}
			accounts, addresses = append(accounts, key.Account), append(addresses, key.Address)
			failures, lockedUntil = append(failures, counters[i].Failures), append(lockedUntil, until)
		}
		_, err = tx.Exec(ctx, `UPDATE login_failures f SET failures = v.failures, last_failure_at = $4, locked_until = v.locked_until
			FROM unnest($1::text[], $2::text[], $3::integer[], $5::timestamptz[]) AS v (account, address, failures, locked_until)
			WHERE f.account = v.account AND f.address = v.address`, accounts, addresses, failures, now, lockedUntil)
		return err
	})
}

// lockLoginRows reads and locks the rows of keys in tx, in the order of the primary key.
func lockLoginRows(ctx context.Context, tx pgx.Tx, keys [3]LoginKey) (map[LoginKey]LoginCounter, error) {
	rows, err := tx.Query(ctx, `SELECT `+loginColumns+` FROM login_failures
		WHERE (account, address) IN (($1, $2), ($3, $4), ($5, $6)) ORDER BY account, address FOR UPDATE`,
		keys[0].Account, keys[0].Address, keys[1].Account, keys[1].Address, keys[2].Account, keys[2].Address)
	if err != nil {
		return nil, err
	}
	recorded := map[LoginKey]LoginCounter{}
	err = eachLoginFailure(rows, func(f LoginFailure) { recorded[f.Key] = f.Counter })
	return recorded, err
}

// ForgetLoginPair takes back the count of an attempt with the right password, keys being
// those CountLoginAttempt counted it on (the address's, the account's, the pair's), in one
// transaction that locks them in that order: it deletes the pair's row and takes one failure
// off the address's and the account's.
func (db *DB) ForgetLoginPair(ctx context.Context, keys [3]LoginKey) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := lockLoginRows(ctx, tx, keys); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE account = $1 AND address = $2`, keys[2].Account, keys[2].Address); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE login_failures SET failures = greatest(failures - 1, 0)
			WHERE (account, address) IN (($1, $2), ($3, $4))`, keys[0].Account, keys[0].Address, keys[1].Account, keys[1].Address)
		return err
	})
}

// loginColumns are the columns of a row of login_failures that eachLoginFailure reads.
const loginColumns = `account, address, failures, last_failure_at, locked_until`

// eachLoginFailure calls fn with each row of rows (loginColumns).
func eachLoginFailure(rows pgx.Rows, fn func(LoginFailure)) error {
	var f LoginFailure
	var locked *time.Time
	_, err := pgx.ForEachRow(rows, []any{&f.Key.Account, &f.Key.Address, &f.Counter.Failures, &f.Counter.LastFailure, &locked}, func() error {
		f.Counter.LockedUntil = time.Time{}
		if locked != nil {
			f.Counter.LockedUntil = *locked
		}
		fn(f)
		return nil
	})
	return err
}

// LoginFailures returns the rows of the account with the e-mail, or of every account (""),
// that failed after since or are locked after now; not the addresses' own rows.
func (db *DB) LoginFailures(ctx context.Context, email string, since, now time.Time) ([]LoginFailure, error) {
	return loginFailures(ctx, db.pool, email, since, now)
}

// LoginFailures is DB.LoginFailures in the transaction.
func (t *Tx) LoginFailures(ctx context.Context, email string, since, now time.Time) ([]LoginFailure, error) {
	return loginFailures(ctx, t.tx, email, since, now)
}

func loginFailures(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, email string, since, now time.Time) ([]LoginFailure, error) {
	rows, err := q.Query(ctx, `SELECT `+loginColumns+` FROM login_failures
		WHERE account <> '' AND ($3 = '' OR account = $3) AND (last_failure_at > $1 OR locked_until > $2)`,
		since, now, email)
	if err != nil {
		return nil, err
	}
	var out []LoginFailure
	err = eachLoginFailure(rows, func(f LoginFailure) { out = append(out, f) })
	return out, err
}

// DeleteLoginFailures forgets every row of the account (its own and its pairs'), in the
// transaction.
func (t *Tx) DeleteLoginFailures(ctx context.Context, account string) error {
	_, err := t.tx.Exec(ctx, `DELETE FROM login_failures WHERE account = $1`, account)
	return err
}

// PurgeLoginFailures deletes the rows whose last failure is at or before windowStart and
// that are not locked after now, and reports how many.
func (db *DB) PurgeLoginFailures(ctx context.Context, windowStart, now time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM login_failures WHERE last_failure_at <= $1 AND (locked_until IS NULL OR locked_until <= $2)`,
		windowStart, now)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
