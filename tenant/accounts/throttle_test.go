package accounts

import (
	"testing"
	"time"
)

func TestLimits(t *testing.T) {
	l := DefaultLimits
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var a Attempts
	for i := 1; i < l.LockAccount; i++ {
		a = l.Fail(a, now, l.LockAccount)
		if d := l.RetryAfter(a, now); d != 0 {
			t.Fatalf("locked after %d failures", i)
		}
	}
	a = l.Fail(a, now, l.LockAccount)
	if d := l.RetryAfter(a, now); d != l.LockFor {
		t.Errorf("after %d failures RetryAfter = %s, want %s", l.LockAccount, d, l.LockFor)
	}
	if d := l.RetryAfter(a, now.Add(l.LockFor+time.Second)); d != 0 {
		t.Errorf("lock outlived LockFor: %s", d)
	}
	// Failures older than the window are forgotten.
	old := Attempts{Failures: 4, FirstFailure: now.Add(-l.Window - time.Minute)}
	if got := l.Fail(old, now, l.LockAccount); got.Failures != 1 || !got.LockedUntil.IsZero() {
		t.Errorf("failure after the window: %+v, want a fresh count of 1", got)
	}
}

func TestDelay(t *testing.T) {
	l := DefaultLimits
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{{0, 0}, {3, 0}, {4, 500 * time.Millisecond}, {5, time.Second}, {100, 3 * time.Second}} {
		if got := l.Delay(tc.failures); got != tc.want {
			t.Errorf("Delay(%d) = %s, want %s", tc.failures, got, tc.want)
		}
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
