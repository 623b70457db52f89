package accounts

import (
	"net/netip"
	"time"
)

// Login throttling (issue 14 #5: account lockout must not be a weapon). Failed logins are
// counted three ways: per account and client address together (a pair), per account from
// every address, and per address for every account.
//
//   - Only a pair is ever refused: from its LockAfter-th failure the pair is locked for
//     LockBase, doubling with each further failure up to MaxLock. Someone guessing one
//     account's password from one address is slowed to one guess per MaxLock; the account's
//     owner, typing the right password from any address that has not failed for the account,
//     gets in at once. Five wrong passwords no longer lock an account for everyone.
//   - An account attacked from many addresses (each pair below LockAfter) is never locked:
//     its wrong answers are slowed down (Account), at most by its Max, and the right
//     password is never delayed.
//   - One address trying many accounts (a town hall behind one NAT, or every client when the
//     proxy's address is all the app sees) is never locked either: its wrong answers are
//     slowed down (Address), at most by its Max. Colleagues behind the same address who
//     type their right password get in at once.
//
// An address is counted as AddressKey has it: an IPv6 client by its /64, the least a
// subscriber is given and can rotate through for free, so that rotating counts as one address.
//
// A wrong answer waits the largest of the three delays, after the password was checked;
// the refusal of a locked pair, and the counting of every other attempt, come before the
// check (a right password takes its count back), so a locked pair costs no argon2id, not even
// when its guesses arrive in parallel. The rules are pure functions of the recorded attempts,
// tested without a database; the store (loginfailures.go) keeps the counters in
// login_failures.

// Limits are the rules of login throttling.
type Limits struct {
	// Window: a counter whose last failure is older than Window starts again from zero. It
	// must outlast MaxLock, so that a pair at MaxLock keeps its count when the lock ends.
	Window time.Duration
	// LockAfter is the failure of a pair that first locks it, for LockBase; each further
	// failure doubles the lock, up to MaxLock.
	LockAfter int
	LockBase  time.Duration
	MaxLock   time.Duration
	// Slowdowns of a wrong answer by the failures of the pair, of the account from every
	// address and of the address for every account; the largest applies.
	Pair, Account, Address Slowdown
}

// Slowdown delays answers after a number of failures, by a step per failure, up to Max.
type Slowdown struct {
	After int           // failures answered without delay
	Step  time.Duration // added for each failure beyond After
	Max   time.Duration
}

// Delay is how long to hold the answer to the failure that brought the count to failures.
func (s Slowdown) Delay(failures int) time.Duration {
	if failures <= s.After {
		return 0
	}
	return min(time.Duration(failures-s.After)*s.Step, s.Max)
}

// DefaultLimits: a pair is locked from its 5th failure for 1 s, 2 s, 4 s … up to 15 minutes
// (from its 15th failure); a pair's 3rd and later wrong answers wait 0.5 s more each, an
// account's beyond 10 failures from all addresses 0.25 s more each, an address's beyond 30
// failures for all accounts 0.1 s more each, each at most 3 s. An hour without failures
// forgets a counter.
var DefaultLimits = Limits{
	Window:    time.Hour,
	LockAfter: 5,
	LockBase:  time.Second,
	MaxLock:   15 * time.Minute,
	Pair:      Slowdown{After: 2, Step: 500 * time.Millisecond, Max: 3 * time.Second},
	Account:   Slowdown{After: 10, Step: 250 * time.Millisecond, Max: 3 * time.Second},
	Address:   Slowdown{After: 30, Step: 100 * time.Millisecond, Max: 3 * time.Second},
}

// Attempts is what is recorded of one counter's failed logins.
type Attempts struct {
	Failures    int
	LastFailure time.Time
	LockedUntil time.Time // zero unless a pair is locked
}

// RetryAfter is how long a pair with these attempts stays locked at now; 0 when it is not.
func (l Limits) RetryAfter(a Attempts, now time.Time) time.Duration {
	if a.LockedUntil.After(now) {
		return a.LockedUntil.Sub(now)
	}
	return 0
}

// current is a without the failures the window has forgotten at now.
func (l Limits) current(a Attempts, now time.Time) Attempts {
	if a.Failures > 0 && now.Sub(a.LastFailure) >= l.Window {
		return Attempts{}
	}
	return a
}

// Fail returns the attempts after one more failure at now; pair tells that they are a
// pair's, which the failure may lock (LockFor).
func (l Limits) Fail(a Attempts, now time.Time, pair bool) Attempts {
	a = l.current(a, now)
	a.Failures++
	a.LastFailure = now
	if d := l.LockFor(a.Failures); pair && d > 0 {
		a.LockedUntil = now.Add(d)
	}
	return a
}

// LockFor is how long a pair's failure number failures locks it: 0 before LockAfter, then
// LockBase doubled for each failure since, at most MaxLock.
func (l Limits) LockFor(failures int) time.Duration {
	if l.LockAfter <= 0 || failures < l.LockAfter {
		return 0
	}
	d := l.LockBase
	for i := l.LockAfter; i < failures && d < l.MaxLock; i++ {
		d *= 2
	}
	return min(d, l.MaxLock)
}

// Delay is how long to hold a wrong answer after the failure that brought the pair's, the
// account's and the address's counters to these numbers: the largest of their slowdowns.
func (l Limits) Delay(pair, account, address int) time.Duration {
	return max(l.Pair.Delay(pair), l.Account.Delay(account), l.Address.Delay(address))
}

// Throttle is what an administrator sees of an account's failed logins.
type Throttle struct {
	Failures    int       // failures of the account from every address, not yet forgotten
	LastFailure time.Time // zero when Failures is 0
	Locked      int       // addresses refused now (locked pairs)
	LockedUntil time.Time // when the last of their locks ends
}

// Active tells whether the account has failures that slow it down or lock it somewhere.
func (t Throttle) Active() bool { return t.Failures > 0 || t.Locked > 0 }

// Summarize is the Throttle at now of an account whose own counter is account and whose
// pairs' counters are pairs.
func (l Limits) Summarize(account Attempts, pairs []Attempts, now time.Time) Throttle {
	a := l.current(account, now)
	t := Throttle{Failures: a.Failures, LastFailure: a.LastFailure}
	for _, p := range pairs {
		if l.RetryAfter(p, now) > 0 {
			t.Locked++
			t.LockedUntil = later(t.LockedUntil, p.LockedUntil)
		}
	}
	return t
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// AddressKey is the address a client address ip is counted as: an IPv6 address its /64
// ("2001:db8:1:2::/64"), as one subscriber, home or office, usually has a whole /64 and can
// use any address in it; an IPv4 address, or an IPv4-mapped IPv6 one, the IPv4 address whole
// (a /24 is many customers). What is not an address ("-" for unknown) is kept as it is.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a.Is4() || a.Is4In6() {
		return a.Unmap().String()
	}
	return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
}
