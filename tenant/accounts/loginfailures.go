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
// (with an empty account). Login and ChangePassword refuse a locked pair (checkPair), count
// a wrong password on all three and hold the answer (failed), and clear the pair on success
// (clearPair); an administrator sees an account's counters (Throttles, ThrottleOf) and
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
// (account, address), which is the order every transaction locks them in, so that two
// failures never wait for each other in a circle: the address's row (whose account is
// empty), the account's, the pair's.
func (p loginKey) rows() [3]loginKey {
	return [3]loginKey{{"", p.address}, {p.account, ""}, p}
}

// checkPair returns *ThrottledError while the pair is locked at now.
func (s *Store) checkPair(ctx context.Context, a loginKey, now time.Time) error {
	var locked *time.Time
	err := s.db.Pool.QueryRow(ctx, `SELECT locked_until FROM login_failures WHERE account = $1 AND address = $2`,
		a.account, a.address).Scan(&locked)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && locked == nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("login failures: %w", err)
	}
	if d := s.Limits.RetryAfter(Attempts{LockedUntil: *locked}, now); d > 0 {
		return &ThrottledError{RetryAfter: d}
	}
	return nil
}

// failed counts a wrong password of the pair at now on its three rows in one transaction,
// holds the answer for the Limits' delay and returns ErrInvalidCredentials.
func (s *Store) failed(ctx context.Context, pair loginKey, now time.Time) error {
	keys := pair.rows()
	var counts [3]int
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// Rows that do not exist yet are made first, so that the locking read below finds
		// all three (a read locks no missing row, and two inserts would each count once).
		if _, err := tx.Exec(ctx, `INSERT INTO login_failures (account, address, failures, last_failure_at)
			VALUES ($1, $2, 0, $7), ($3, $4, 0, $7), ($5, $6, 0, $7) ON CONFLICT DO NOTHING`,
			keys[0].account, keys[0].address, keys[1].account, keys[1].address, keys[2].account, keys[2].address, now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+counterColumns+` FROM login_failures
			WHERE (account, address) IN (($1, $2), ($3, $4), ($5, $6)) ORDER BY account, address FOR UPDATE`,
			keys[0].account, keys[0].address, keys[1].account, keys[1].address, keys[2].account, keys[2].address)
		if err != nil {
			return err
		}
		recorded := map[loginKey]Attempts{}
		if err := eachCounter(rows, func(k loginKey, a Attempts) { recorded[k] = a }); err != nil {
			return err
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
	if err != nil {
		return fmt.Errorf("record failed login: %w", err)
	}
	s.Sleep(ctx, s.Limits.Delay(counts[2], counts[1], counts[0]))
	return ErrInvalidCredentials
}

// clearPair forgets the failures of the pair after the right password; the account's and the
// address's counters keep theirs (they measure attacks on the account from elsewhere and from
// the address on other accounts).
func (s *Store) clearPair(ctx context.Context, a loginKey) error {
	if _, err := s.db.Pool.Exec(ctx, `DELETE FROM login_failures WHERE account = $1 AND address = $2`, a.account, a.address); err != nil {
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
