package accounts

import (
	"testing"
	"time"
)

// issue 14 #5: a pair (one account from one address) is answered at once for its first
// LockAfter-1 failures, then locked for 1 s, 2 s, 4 s … up to MaxLock; the lock ends on time.
func TestPairBackoff(t *testing.T) {
	l := DefaultLimits
	if l.Window <= l.MaxLock {
		t.Fatalf("Window %s must outlast MaxLock %s", l.Window, l.MaxLock)
	}
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{
		{1, 0}, {4, 0}, {5, time.Second}, {6, 2 * time.Second}, {7, 4 * time.Second}, {14, 512 * time.Second},
		{15, 15 * time.Minute}, {16, 15 * time.Minute}, {1000, 15 * time.Minute},
	} {
		if got := l.LockFor(tc.failures); got != tc.want {
			t.Errorf("LockFor(%d) = %s, want %s", tc.failures, got, tc.want)
		}
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var a Attempts
	for i := 1; i < l.LockAfter; i++ {
		a = l.Fail(a, now, true)
		if d := l.RetryAfter(a, now); d != 0 {
			t.Fatalf("locked after %d failures", i)
		}
	}
	a = l.Fail(a, now, true)
	if d := l.RetryAfter(a, now); d != l.LockBase {
		t.Errorf("after %d failures RetryAfter = %s, want %s", l.LockAfter, d, l.LockBase)
	}
	if d := l.RetryAfter(a, now.Add(l.LockBase)); d != 0 {
		t.Errorf("lock outlived its %s: %s", l.LockBase, d)
	}
	// The next failure, after the lock ended, doubles it.
	later := now.Add(l.LockBase)
	a = l.Fail(a, later, true)
	if d := l.RetryAfter(a, later); d != 2*l.LockBase || a.Failures != l.LockAfter+1 {
		t.Errorf("failure %d: RetryAfter %s, want %s", a.Failures, d, 2*l.LockBase)
	}
}

// Only pairs are locked: the counters of an account from every address and of an address
// for every account only slow answers down (issue 14 #5).
func TestOnlyPairsLock(t *testing.T) {
	l := DefaultLimits
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var a Attempts
	for i := 0; i < 1000; i++ {
		a = l.Fail(a, now, false)
	}
	if !a.LockedUntil.IsZero() || l.RetryAfter(a, now) != 0 {
		t.Errorf("an account's or address's counter locked: %+v", a)
	}
}

// A counter forgets its failures an hour (Window) after the last one, not after the first:
// a pair kept at MaxLock stays there.
func TestWindow(t *testing.T) {
	l := DefaultLimits
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	a := Attempts{Failures: 20, LastFailure: now.Add(-l.Window + time.Minute), LockedUntil: now.Add(-time.Minute)}
	if got := l.Fail(a, now, true); got.Failures != 21 || got.LockedUntil != now.Add(l.MaxLock) {
		t.Errorf("failure within the window: %+v, want 21 and locked for MaxLock", got)
	}
	old := Attempts{Failures: 20, LastFailure: now.Add(-l.Window)}
	if got := l.Fail(old, now, true); got.Failures != 1 || !got.LockedUntil.IsZero() {
		t.Errorf("failure after the window: %+v, want a fresh count of 1", got)
	}
}

func TestSlowdown(t *testing.T) {
	l := DefaultLimits
	for _, tc := range []struct {
		name                   string
		pair, account, address int
		want                   time.Duration
	}{
		{"first failures", 1, 1, 1, 0},
		{"pair's third", 3, 3, 3, 500 * time.Millisecond},
		{"pair's many", 40, 40, 40, 3 * time.Second},
		{"account from many addresses", 1, 14, 1, time.Second},
		{"account at the cap", 1, 10000, 1, 3 * time.Second},
		{"address for many accounts", 1, 1, 35, 500 * time.Millisecond},
		{"address at the cap", 1, 1, 10000, 3 * time.Second},
		{"the largest applies", 4, 12, 40, time.Second},
	} {
		if got := l.Delay(tc.pair, tc.account, tc.address); got != tc.want {
			t.Errorf("%s: Delay(%d, %d, %d) = %s, want %s", tc.name, tc.pair, tc.account, tc.address, got, tc.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	l := DefaultLimits
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	account := Attempts{Failures: 12, LastFailure: now.Add(-time.Minute)}
	pairs := []Attempts{
		{Failures: 7, LastFailure: now.Add(-time.Minute), LockedUntil: now.Add(3 * time.Minute)},
		{Failures: 9, LastFailure: now.Add(-time.Minute), LockedUntil: now.Add(5 * time.Minute)},
		{Failures: 5, LastFailure: now.Add(-time.Minute), LockedUntil: now.Add(-time.Second)}, // ended
		{Failures: 2, LastFailure: now.Add(-time.Minute)},
	}
	got := l.Summarize(account, pairs, now)
	want := Throttle{Failures: 12, LastFailure: account.LastFailure, Locked: 2, LockedUntil: now.Add(5 * time.Minute)}
	if got != want || !got.Active() {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if got := l.Summarize(Attempts{Failures: 3, LastFailure: now.Add(-l.Window)}, nil, now); got.Active() {
		t.Errorf("forgotten failures are active: %+v", got)
	}
}

func TestNewUserValidate(t *testing.T) {
	ok := NewUser{Email: "a@b.dk", Name: "A", Kommune: "101", Role: "indberetter", Password: "0123456789ab"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid user refused: %v", err)
	}
	for name, mod := range map[string]func(*NewUser){
		"unknown role":       func(n *NewUser) { n.Role = "chef" },
		"kommune role no kk": func(n *NewUser) { n.Kommune = "" },
		"dst with kommune":   func(n *NewUser) { n.Role = "dst" },
		"no name":            func(n *NewUser) { n.Name = " " },
		"short password":     func(n *NewUser) { n.Password = "kort" },
		"bad email":          func(n *NewUser) { n.Email = "ikke en mail" },
	} {
		n := ok
		mod(&n)
		if err := n.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	noRole := ok
	noRole.Role = ""
	if err := noRole.Validate(); err != nil {
		t.Errorf("kommune user without role refused: %v", err)
	}
}

// issue 14 #5: an IPv6 client is counted by its /64, which one subscriber gets whole and can
// rotate through for free; IPv4 and IPv4-mapped addresses stay whole, and what is not an
// address is kept as it is.
func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"2001:db8:1:2::1":            "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ee:dd:cc": "2001:db8:1:2::/64",
		"2001:DB8:1:2::9":            "2001:db8:1:2::/64",
		"fe80::1%eth0":               "fe80::/64",
		"2001:db8:1:3::1":            "2001:db8:1:3::/64",
		"203.0.113.9":                "203.0.113.9",
		"::ffff:203.0.113.9":         "203.0.113.9",
		"-":                          "-",
		"":                           "",
		"ikke-en-adresse":            "ikke-en-adresse",
	} {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
