package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
)

// The counters of failed logins in login_failures (issue 14 #5; the rules are throttle.go):
// a row per pair (account, address), per account (with an empty address) and per address
// (with an empty account). Login and ChangePassword refuse a locked pair or count the attempt
// on all three before the password is checked (attempt), hold the answer to a wrong one
// (failed), and take the count back and clear the pair on the right one (passed); an
// administrator sees an account's counters (Throttles, ThrottleOf) and
// forgets them (Unlock).

// ThrottledError is returned by Login and ChangePassword while the pair of the account and
// the client address is locked.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("accounts: too many failed logins, retry after %s", e.RetryAfter.Round(time.Second))
}

// loginKey is a row of login_failures: a pair, an account's row (address "") or an
// address's row (account "").
type loginKey struct{ account, address string }

// pairOf is the pair of a login attempt: account is the normalized e-mail, never "" (the
// callers see to it), address the client address as AddressKey counts it (an IPv6 address
// by its /64), "-" when unknown.
func pairOf(account, address string) loginKey {
	if address == "" {
		address = "-"
	}
	return loginKey{account: account, address: AddressKey(address)}
}

// rows are the three rows a pair's attempt counts on, in the order of the primary key
// (account, address), which is the order every transaction locks them in (lockRows): the
// address's row (whose account is empty), the account's, the pair's.
func (p loginKey) rows() [3]loginKey {
	return [3]loginKey{{"", p.address}, {p.account, ""}, p}
}

// attempt is the start of a login attempt of the pair at now, before its password is checked:
// in one transaction it refuses a locked pair with *ThrottledError, and otherwise counts the
// attempt as a failure on the pair's three rows and returns their counts (address, account,
// pair). Counting first, under the rows' locks, is what makes the lock hold against parallel
// attempts: each one sees the failures of those before it, so at most LockAfter of a pair's
// attempts get past the lock to the argon2id comparison (64 MiB each), however many arrive at
// once. A right password takes its count back (passed); a pair that had not failed is not
// locked by its own attempt before its check, so the right password from it always gets in.
func (s *Store) attempt(ctx context.Context, pair loginKey, now time.Time) (counts [3]int, err error) {
	keys := pair.rows()
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// Rows that do not exist yet are made first, so that the locking read below finds
		// all three (a read locks no missing row, and two inserts would each count once).
		if _, err := tx.Exec(ctx, `INSERT INTO login_failures (account, address, failures, last_failure_at)
			VALUES ($1, $2, 0, $7), ($3, $4, 0, $7), ($5, $6, 0, $7) ON CONFLICT DO NOTHING`,
			keys[0].account, keys[0].address, keys[1].account, keys[1].address, keys[2].account, keys[2].address, now); err != nil {
			return err
		}
		recorded, err := lockRows(ctx, tx, keys)
		if err != nil {
			return err
		}
		if d := s.Limits.RetryAfter(recorded[pair], now); d > 0 {
			return &ThrottledError{RetryAfter: d} // rolls back the rows made above
		}
		var accounts, addresses []string
		var failures []int
		var lockedUntil []*time.Time
		for i, key := range keys {
			next := s.Limits.Fail(recorded[key], now, i == 2)
			counts[i] = next.Failures
			var until *time.Time
			if !next.LockedUntil.IsZero() {
				until = &next.LockedUntil
			}
			accounts, addresses = append(accounts, key.account), append(addresses, key.address)
			failures, lockedUntil = append(failures, next.Failures), append(lockedUntil, until)
		}
		_, err = tx.Exec(ctx, `UPDATE login_failures f SET failures = v.failures, last_failure_at = $4, locked_until = v.locked_until
			FROM unnest($1::text[], $2::text[], $3::integer[], $5::timestamptz[]) AS v (account, address, failures, locked_until)
			WHERE f.account = v.account AND f.address = v.address`, accounts, addresses, failures, now, lockedUntil)
		return err
	})
	var throttled *ThrottledError
	if err != nil && !errors.As(err, &throttled) {
		err = fmt.Errorf("record login attempt: %w", err)
	}
	return counts, err
}

// lockRows reads and locks the rows of keys in tx, in the order of the primary key, which is
// the order every transaction locks them in, so that two attempts never wait for each other
// in a circle.
func lockRows(ctx context.Context, tx pgx.Tx, keys [3]loginKey) (map[loginKey]Attempts, error) {
	rows, err := tx.Query(ctx, `SELECT `+counterColumns+` FROM login_failures
		WHERE (account, address) IN (($1, $2), ($3, $4), ($5, $6)) ORDER BY account, address FOR UPDATE`,
		keys[0].account, keys[0].address, keys[1].account, keys[1].address, keys[2].account, keys[2].address)
	if err != nil {
		return nil, err
	}
	recorded := map[loginKey]Attempts{}
	err = eachCounter(rows, func(k loginKey, a Attempts) { recorded[k] = a })
	return recorded, err
}

// failed answers a wrong password whose attempt brought the counters to counts (attempt):
// it holds the answer for the Limits' delay and returns ErrInvalidCredentials.
func (s *Store) failed(ctx context.Context, counts [3]int) error {
	s.Sleep(ctx, s.Limits.Delay(counts[2], counts[1], counts[0]))
	return ErrInvalidCredentials
}

// passed takes back the count of an attempt with the right password: it forgets the failures
// of the pair, and the one failure the attempt counted on the account's and the address's
// counters, which keep the rest (they measure attacks on the account from elsewhere and from
// the address on other accounts).
func (s *Store) passed(ctx context.Context, pair loginKey) error {
	keys := pair.rows()
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := lockRows(ctx, tx, keys); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE account = $1 AND address = $2`, pair.account, pair.address); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE login_failures SET failures = greatest(failures - 1, 0)
			WHERE (account, address) IN (($1, $2), ($3, $4))`, keys[0].account, keys[0].address, keys[1].account, keys[1].address)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear failures: %w", err)
	}
	return nil
}

// counterColumns are the columns of a row of login_failures that eachCounter reads.
const counterColumns = `account, address, failures, last_failure_at, locked_until`

// eachCounter calls fn with each row of rows (counterColumns).
func eachCounter(rows pgx.Rows, fn func(loginKey, Attempts)) error {
	var k loginKey
	var a Attempts
	var locked *time.Time
	_, err := pgx.ForEachRow(rows, []any{&k.account, &k.address, &a.Failures, &a.LastFailure, &locked}, func() error {
		a.LockedUntil = time.Time{}
		if locked != nil {
			a.LockedUntil = *locked
		}
		fn(k, a)
		return nil
	})
	return err
}

// Throttles returns the Throttle of every account with failures or locks that are not yet
// forgotten, by e-mail.
func (s *Store) Throttles(ctx context.Context) (map[string]Throttle, error) {
	return s.throttles(ctx, s.db.Pool, "")
}

// ThrottleOf returns the Throttle of the account with the e-mail (zero when it has none).
func (s *Store) ThrottleOf(ctx context.Context, email string) (Throttle, error) {
	email = NormalizeEmail(email)
	all, err := s.throttles(ctx, s.db.Pool, email)
	return all[email], err
}

// throttles reads the Throttle of the account with the e-mail, or of every account (""),
// through q, leaving out those with nothing active.
func (s *Store) throttles(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, email string) (map[string]Throttle, error) {
	now := s.Now()
	rows, err := q.Query(ctx, `SELECT `+counterColumns+` FROM login_failures
		WHERE account <> '' AND ($3 = '' OR account = $3) AND (last_failure_at > $1 OR locked_until > $2)`,
		now.Add(-s.Limits.Window), now, email)
	if err != nil {
		return nil, fmt.Errorf("login failures: %w", err)
	}
	type counters struct {
		own   Attempts
		pairs []Attempts
	}
	byAccount := map[string]*counters{}
	if err := eachCounter(rows, func(k loginKey, a Attempts) {
		c := byAccount[k.account]
		if c == nil {
			c = &counters{}
			byAccount[k.account] = c
		}
		if k.address == "" {
			c.own = a
		} else {
			c.pairs = append(c.pairs, a)
		}
	}); err != nil {
		return nil, fmt.Errorf("login failures: %w", err)
	}
	out := map[string]Throttle{}
	for acc, c := range byAccount {
		if t := s.Limits.Summarize(c.own, c.pairs, now); t.Active() {
			out[acc] = t
		}
	}
	return out, nil
}

// Unlock forgets every failed login of user id of kommune ("" for the users of no kommune,
// DST and platform users), so that no address is refused or slowed down for the account,
// with the audit record in the same transaction. The counters of the addresses themselves
// stay (they are other users' too). A user not of kommune is tenant.ErrNotFound (T1). It
// reports whether there was anything to forget.
func (s *Store) Unlock(ctx context.Context, actor tenant.Actor, kommune string, id int64) (bool, error) {
	scope := tenant.Scope{Kommune: kommune, AllKommuner: kommune == "", Actor: actor}
	var changed bool
	err := s.db.InScope(ctx, scope, func(tx *tenant.Tx) error {
		var email string
		err := tx.PgxTx().QueryRow(ctx, `SELECT email FROM users WHERE id = $1 AND kommune_kode IS NOT DISTINCT FROM NULLIF($2, '')`,
			id, kommune).Scan(&email)
		if errors.Is(err, pgx.ErrNoRows) {
			return tenant.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("look up user: %w", err)
		}
		before, err := s.throttles(ctx, tx.PgxTx(), email)
		if err != nil {
			return err
		}
		if _, err := tx.PgxTx().Exec(ctx, `DELETE FROM login_failures WHERE account = $1`, email); err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
		t := before[email]
		if changed = t.Active(); !changed {
			return nil
		}
		return tx.Audit(ctx, tenant.AuditEntry{Kommune: kommune, Action: "user.unlock", Entity: "user", EntityID: strconv.FormatInt(id, 10),
			Before: map[string]any{"failures": t.Failures, "locked_addresses": t.Locked},
			After:  map[string]any{"failures": 0, "locked_addresses": 0}})
	})
	return changed, err
}

// PurgeThrottle removes the counters whose window and lock have passed. Run by a periodic
// job.
func (s *Store) PurgeThrottle(ctx context.Context) (int64, error) {
	now := s.Now()
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM login_failures WHERE last_failure_at <= $1 AND (locked_until IS NULL OR locked_until <= $2)`,
		now.Add(-s.Limits.Window), now)
	if err != nil {
		return 0, fmt.Errorf("purge throttle: %w", err)
	}
	return tag.RowsAffected(), nil
}
