package accounts

import "time"

// Limits are the rules that slow down and then refuse repeated failed logins, per account
// and per client address. Pure functions of the recorded attempts, so they are tested
// without a database.
type Limits struct {
	Window      time.Duration // failures older than this are forgotten
	DelayAfter  int           // failures before answers start to slow down
	DelayStep   time.Duration // extra delay per failure beyond DelayAfter
	MaxDelay    time.Duration
	LockAccount int           // failures of one account within Window that lock it
	LockAddress int           // failures from one address within Window that lock it
	LockFor     time.Duration // how long a lock lasts
}

// DefaultLimits: from the 4th failure each answer waits 0.5 s more (at most 3 s); 5 failures
// of one account or 30 from one address within 15 minutes lock it for 15 minutes.
var DefaultLimits = Limits{
	Window:      15 * time.Minute,
	DelayAfter:  3,
	DelayStep:   500 * time.Millisecond,
	MaxDelay:    3 * time.Second,
	LockAccount: 5,
	LockAddress: 30,
	LockFor:     15 * time.Minute,
}

// Attempts is what is recorded of one key's failed logins.
type Attempts struct {
	Failures     int
	FirstFailure time.Time
	LockedUntil  time.Time
}

// RetryAfter is how long the key stays locked at now; 0 when it is not locked.
func (l Limits) RetryAfter(a Attempts, now time.Time) time.Duration {
	if a.LockedUntil.After(now) {
		return a.LockedUntil.Sub(now)
	}
	return 0
}

// Fail returns the attempts after one more failure at now, locking the key when it reaches
// lockAt failures within the window.
func (l Limits) Fail(a Attempts, now time.Time, lockAt int) Attempts {
	if a.Failures == 0 || now.Sub(a.FirstFailure) > l.Window {
		a = Attempts{FirstFailure: now}
	}
	a.Failures++
	if lockAt > 0 && a.Failures >= lockAt {
		a.LockedUntil = now.Add(l.LockFor)
	}
	return a
}

// Delay is how long to hold the answer to a login after the given number of failures.
func (l Limits) Delay(failures int) time.Duration {
	if failures <= l.DelayAfter {
		return 0
	}
	return min(time.Duration(failures-l.DelayAfter)*l.DelayStep, l.MaxDelay)
}
