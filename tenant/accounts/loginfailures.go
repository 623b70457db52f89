package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

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
type loginKey = tenant.LoginKey

// pairOf is the pair of a login attempt: account is the normalized e-mail, never "" (the
// callers see to it), address the client address as AddressKey counts it (an IPv6 address
// by its /64), "-" when unknown.
func pairOf(account, address string) loginKey {
	if address == "" {
		address = "-"
	}
	return loginKey{Account: account, Address: AddressKey(address)}
}

// rowsOf are the three rows a pair's attempt counts on, in the order of the primary key
// (account, address), which is the order every transaction locks them in: the address's row
// (whose account is empty), the account's, the pair's.
func rowsOf(p loginKey) [3]loginKey {
	return [3]loginKey{{Account: "", Address: p.Address}, {Account: p.Account, Address: ""}, p}
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
	keys := rowsOf(pair)
	err = s.db.CountLoginAttempt(ctx, keys, now, func(recorded map[loginKey]tenant.LoginCounter) (next [3]tenant.LoginCounter, err error) {
		if d := s.Limits.RetryAfter(Attempts(recorded[pair]), now); d > 0 {
			return next, &ThrottledError{RetryAfter: d} // rolls back the rows made
		}
		for i, key := range keys {
			next[i] = tenant.LoginCounter(s.Limits.Fail(Attempts(recorded[key]), now, i == 2))
			counts[i] = next[i].Failures
		}
		return next, nil
	})
	var throttled *ThrottledError
	if err != nil && !errors.As(err, &throttled) {
		err = fmt.Errorf("record login attempt: %w", err)
	}
	return counts, err
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
	if err := s.db.ForgetLoginPair(ctx, rowsOf(pair)); err != nil {
		return fmt.Errorf("clear failures: %w", err)
	}
	return nil
}

// Throttles returns the Throttle of every account with failures or locks that are not yet
// forgotten, by e-mail.
func (s *Store) Throttles(ctx context.Context) (map[string]Throttle, error) {
	since, now := s.window()
	rows, err := s.db.LoginFailures(ctx, "", since, now)
	return s.throttles(rows, now, err)
}

// ThrottleOf returns the Throttle of the account with the e-mail (zero when it has none).
func (s *Store) ThrottleOf(ctx context.Context, email string) (Throttle, error) {
	email = NormalizeEmail(email)
	since, now := s.window()
	rows, err := s.db.LoginFailures(ctx, email, since, now)
	all, err := s.throttles(rows, now, err)
	return all[email], err
}

// window is the start of the window at now, and now: the counters that failed after the
// start or are locked after now are not yet forgotten.
func (s *Store) window() (since, now time.Time) {
	now = s.Now()
	return now.Add(-s.Limits.Window), now
}

// throttles sums up the rows of login_failures read for one account or every account
// (tenant's LoginFailures, with the window at now) into the Throttle of each, leaving out
// those with nothing active; err is the read's.
func (s *Store) throttles(rows []tenant.LoginFailure, now time.Time, err error) (map[string]Throttle, error) {
	if err != nil {
		return nil, fmt.Errorf("login failures: %w", err)
	}
	type counters struct {
		own   Attempts
		pairs []Attempts
	}
	byAccount := map[string]*counters{}
	for _, f := range rows {
		c := byAccount[f.Key.Account]
		if c == nil {
			c = &counters{}
			byAccount[f.Key.Account] = c
		}
		if f.Key.Address == "" {
			c.own = Attempts(f.Counter)
		} else {
			c.pairs = append(c.pairs, Attempts(f.Counter))
		}
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
		email, err := tx.UserEmailIn(ctx, id, kommune)
		if errors.Is(err, tenant.ErrNotFound) {
			return err
		}
		if err != nil {
			return fmt.Errorf("look up user: %w", err)
		}
		since, now := s.window()
		rows, err := tx.LoginFailures(ctx, email, since, now)
		before, err := s.throttles(rows, now, err)
		if err != nil {
			return err
		}
		if err := tx.DeleteLoginFailures(ctx, email); err != nil {
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
	since, now := s.window()
	n, err := s.db.PurgeLoginFailures(ctx, since, now)
	if err != nil {
		return 0, fmt.Errorf("purge throttle: %w", err)
	}
	return n, nil
}
