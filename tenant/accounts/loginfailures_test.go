package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/accounts"
	"indberet/tenant/tenanttest"
)

// throttleStore is a store on its own database with a clock the test moves and the delays it
// would have slept, for the tests of login throttling (issue 14 #5).
type throttleStore struct {
	*accounts.Store
	t      *testing.T
	db     *tenant.DB
	now    time.Time
	mu     sync.Mutex
	sleeps []time.Duration
}

func newThrottleStore(t *testing.T) *throttleStore {
	t.Helper()
	db, _ := tenanttest.DB(t)
	ts := &throttleStore{Store: accounts.NewStore(db), t: t, db: db, now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	ts.Now = func() time.Time { return ts.now }
	ts.Sleep = func(_ context.Context, d time.Duration) {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		ts.sleeps = append(ts.sleeps, d)
	}
	activate(t, ts.Store, "101")
	activate(t, ts.Store, "147")
	return ts
}

// login logs in and returns how long the answer was held, and the error.
func (ts *throttleStore) login(email, pw, ip string) (time.Duration, error) {
	ts.mu.Lock()
	ts.sleeps = nil
	ts.mu.Unlock()
	_, err := ts.Login(context.Background(), email, pw, ip)
	var slept time.Duration
	for _, d := range ts.sleeps {
		slept += d
	}
	return slept, err
}

// mustGetIn fails the test unless the right password from ip logs in at once.
func (ts *throttleStore) mustGetIn(email, ip string) {
	ts.t.Helper()
	if slept, err := ts.login(email, password, ip); err != nil || slept != 0 {
		ts.t.Fatalf("right password of %s from %s: %v, held %s; want in at once", email, ip, err, slept)
	}
}

// fail sends n wrong passwords of email from ip, waiting out each lock of the pair as a
// patient attacker would, and returns the locks it met.
func (ts *throttleStore) fail(email, ip string, n int) (locks []time.Duration) {
	ts.t.Helper()
	for i := 0; i < n; {
		_, err := ts.login(email, "forkert-kode-123", ip)
		var throttled *accounts.ThrottledError
		switch {
		case errors.As(err, &throttled):
			locks = append(locks, throttled.RetryAfter)
			ts.now = ts.now.Add(throttled.RetryAfter)
		case errors.Is(err, accounts.ErrInvalidCredentials):
			i++
		default:
			ts.t.Fatalf("wrong password %d of %s from %s: %v", i+1, email, ip, err)
		}
	}
	return locks
}

// throttled returns the wait of a refused login, or fails the test.
func (ts *throttleStore) throttled(email, pw, ip string) time.Duration {
	ts.t.Helper()
	_, err := ts.login(email, pw, ip)
	var throttled *accounts.ThrottledError
	if !errors.As(err, &throttled) {
		ts.t.Fatalf("login of %s from %s: %v, want refused for a while", email, ip, err)
	}
	return throttled.RetryAfter
}

// issue 14 #5: failures from one address lock that address out of the account, with growing
// locks, and never the owner typing the right password from another address.
func TestRightPasswordFromFreshAddressAfterManyFailures(t *testing.T) {
	t.Parallel()
	ts := newThrottleStore(t)
	u := newUser(t, ts.Store, "a@kk.dk", "101", access.Indberetter)
	const attacker, owner = "203.0.113.9", "198.51.100.7"

	locks := ts.fail(u.Email, attacker, 9)
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}; fmt.Sprint(locks) != fmt.Sprint(want) {
		t.Errorf("locks met %v, want %v", locks, want)
	}
	if d := ts.throttled(u.Email, password, attacker); d != 16*time.Second {
		t.Errorf("the right password from the failing address: refused for %s, want 16s", d)
	}
	ts.mustGetIn(u.Email, owner)
	// A typo from the owner's address is an ordinary wrong password, not a refusal.
	if _, err := ts.login(u.Email, "forkert-kode-123", owner); !errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Errorf("a typo from a clean address: %v", err)
	}
	ts.mustGetIn(u.Email, owner)

	// When the lock ends, the right password from the attacker's address works too (the
	// owner may be behind it) and clears that pair.
	ts.now = ts.now.Add(16 * time.Second)
	ts.mustGetIn(u.Email, attacker)
	if _, err := ts.login(u.Email, "forkert-kode-123", attacker); !errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Errorf("after the right password the pair starts over: %v", err)
	}
}

// An unknown e-mail is locked exactly like an account (no enumeration by the answers).
func TestUnknownAccountThrottledAlike(t *testing.T) {
	t.Parallel()
	ts := newThrottleStore(t)
	u := newUser(t, ts.Store, "a@kk.dk", "101", access.Indberetter)
	known := ts.fail(u.Email, "203.0.113.9", 7)
	unknown := ts.fail("findes.ikke@kk.dk", "203.0.113.9", 7)
	if fmt.Sprint(known) != fmt.Sprint(unknown) {
		t.Errorf("locks of a known account %v, of an unknown one %v", known, unknown)
	}
}

// issue 14 #5: an address with 30+ failures for other accounts (a town hall's NAT, or the
// proxy's address) slows down wrong answers and lets the right password in at once.
func TestNATAddressLetsRightPasswordIn(t *testing.T) {
	t.Parallel()
	ts := newThrottleStore(t)
	u := newUser(t, ts.Store, "a@kk.dk", "101", access.Indberetter)
	v := newUser(t, ts.Store, "b@kk.dk", "101", access.Laeser)
	const nat = "192.0.2.50"
	var last time.Duration
	for i := 0; i < ts.Limits.Address.After+5; i++ {
		slept, err := ts.login(fmt.Sprintf("kollega%d@kk.dk", i), "forkert-kode-123", nat)
		if !errors.Is(err, accounts.ErrInvalidCredentials) {
			t.Fatalf("failure %d from the NAT: %v, want an ordinary refusal", i+1, err)
		}
		last = slept
	}
	if want := ts.Limits.Address.Delay(ts.Limits.Address.After + 5); last != want || want == 0 {
		t.Errorf("the address's last wrong answer was held %s, want %s", last, want)
	}
	ts.mustGetIn(u.Email, nat)
	if slept, err := ts.login(v.Email, "forkert-kode-123", nat); !errors.Is(err, accounts.ErrInvalidCredentials) || slept == 0 {
		t.Errorf("a colleague's typo behind the NAT: %v held %s, want a slowed-down ordinary refusal", err, slept)
	}
	ts.mustGetIn(v.Email, nat)
}

// issue 14 #5: an account attacked from many addresses is slowed down, never locked, and its
// owner gets in at once from a clean address.
func TestSprayFromManyAddresses(t *testing.T) {
	t.Parallel()
	ts := newThrottleStore(t)
	u := newUser(t, ts.Store, "a@kk.dk", "101", access.Indberetter)
	n := ts.Limits.Account.After + 4
	var last time.Duration
	for i := 0; i < n; i++ {
		slept, err := ts.login(u.Email, "forkert-kode-123", fmt.Sprintf("203.0.113.%d", i+1))
		if !errors.Is(err, accounts.ErrInvalidCredentials) {
			t.Fatalf("failure %d: %v, want an ordinary refusal", i+1, err)
		}
		last = slept
	}
	if want := ts.Limits.Account.Delay(n); last != want || want == 0 {
		t.Errorf("the last wrong answer was held %s, want %s", last, want)
	}
	ts.mustGetIn(u.Email, "198.51.100.7")
	th, err := ts.ThrottleOf(context.Background(), u.Email)
	if err != nil || th.Failures != n || th.Locked != 0 {
		t.Errorf("ThrottleOf = %+v, %v; want %d failures and no lock", th, err, n)
	}
}

// A wrong current password on *Min konto* counts for the account from the actor's address
// only: that pair is locked, the user's login from elsewhere is not.
func TestChangePasswordThrottledPerAddress(t *testing.T) {
	t.Parallel()
	ts := newThrottleStore(t)
	ctx := context.Background()
	u := newUser(t, ts.Store, "a@kk.dk", "101", access.Indberetter)
	from := tenant.Actor{UserID: u.ID, Email: u.Email, IP: "203.0.113.9"}
	for i := 0; i < ts.Limits.LockAfter; i++ {
		if err := ts.ChangePassword(ctx, from, u.ID, "forkert-kode-123", "en-ny-lang-kode", ""); !errors.Is(err, accounts.ErrInvalidCredentials) {
			t.Fatalf("wrong current password %d: %v", i+1, err)
		}
	}
	var throttled *accounts.ThrottledError
	if err := ts.ChangePassword(ctx, from, u.ID, password, "en-ny-lang-kode", ""); !errors.As(err, &throttled) {
		t.Errorf("the right current password from the locked address: %v, want refused", err)
	}
	ts.mustGetIn(u.Email, "198.51.100.7")
}

// Concurrent failures of overlapping pairs are each counted once, without deadlocks: every
// transaction locks its rows in the order of the primary key.
func TestConcurrentFailuresCounted(t *testing.T) {
	t.Parallel()
	ts := newThrottleStore(t)
	ts.Limits.LockAfter = 0 // nothing is refused: every attempt counts
	const workers, each = 4, 3
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				email := []string{"a@kk.dk", "b@kk.dk"}[(w+i)%2]
				if _, err := ts.Login(context.Background(), email, "forkert-kode-123", fmt.Sprintf("10.0.0.%d", w)); !errors.Is(err, accounts.ErrInvalidCredentials) {
					t.Errorf("worker %d: %v", w, err)
				}
			}
		})
	}
	wg.Wait()
	all, err := ts.Throttles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a, b := all["a@kk.dk"].Failures, all["b@kk.dk"].Failures; a+b != workers*each || a != b {
		t.Errorf("counted %d and %d failures, want %d each", a, b, workers*each/2)
	}
	var addresses int
	if err := ts.db.ToolPool().QueryRow(context.Background(),
		`SELECT count(*) FROM login_failures WHERE account = '' AND failures = $1`, each).Scan(&addresses); err != nil || addresses != workers {
		t.Errorf("%d addresses with %d failures each (%v), want %d", addresses, each, err, workers)
	}
}

// issue 14 #5: the kommune's administrator (and the platform administrator for users of no
// kommune) forgets a user's failures; another kommune's user is not found (T1).
func TestUnlock(t *testing.T) {
	t.Parallel()
	ts := newThrottleStore(t)
	ctx := context.Background()
	u := newUser(t, ts.Store, "a@kk.dk", "101", access.Indberetter)
	dst := newUser(t, ts.Store, "dst@dst.dk", "", access.DST)
	const attacker = "203.0.113.9"
	ts.fail(u.Email, attacker, ts.Limits.LockAfter)
	ts.fail(dst.Email, attacker, ts.Limits.LockAfter)
	if th, err := ts.ThrottleOf(ctx, u.Email); err != nil || th.Locked != 1 || th.Failures != ts.Limits.LockAfter {
		t.Fatalf("before: %+v %v", th, err)
	}
	admin := tenant.Actor{UserID: 7, Email: "admin@frb.dk", IP: "198.51.100.1"}
	for _, kommune := range []string{"147", ""} {
		if _, err := ts.Unlock(ctx, admin, kommune, u.ID); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("unlock of 101's user as %q: %v, want not found", kommune, err)
		}
	}
	if th, _ := ts.ThrottleOf(ctx, u.Email); th.Locked != 1 {
		t.Fatal("a refused unlock cleared the failures")
	}
	if changed, err := ts.Unlock(ctx, admin, "101", u.ID); err != nil || !changed {
		t.Fatalf("unlock: %v %v", changed, err)
	}
	if th, _ := ts.ThrottleOf(ctx, u.Email); th.Active() {
		t.Errorf("after unlock: %+v", th)
	}
	ts.mustGetIn(u.Email, attacker)
	if changed, err := ts.Unlock(ctx, admin, "101", u.ID); err != nil || changed {
		t.Errorf("second unlock: %v %v, want nothing to do", changed, err)
	}
	if changed, err := ts.Unlock(ctx, admin, "", dst.ID); err != nil || !changed {
		t.Errorf("unlock of a DST user: %v %v", changed, err)
	}
	// The address's own counter is other users' too: it stays.
	var n int
	if err := ts.db.ToolPool().QueryRow(ctx, `SELECT failures FROM login_failures WHERE account = '' AND address = $1`, attacker).Scan(&n); err != nil || n != 2*ts.Limits.LockAfter {
		t.Errorf("the address's counter: %d %v", n, err)
	}
	for kommune, want := range map[string]int{"101": 1, tenant.PlatformKommune: 1, "147": 0} {
		var got int
		err := ts.db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
			return tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE kommune_kode = $1 AND action = 'user.unlock'
				AND user_email = $2 AND ip = $3 AND before->>'locked_addresses' = '1'`, kommune, admin.Email, admin.IP).Scan(&got)
		})
		if err != nil || got != want {
			t.Errorf("audit records of user.unlock in %s: %d %v, want %d", kommune, got, err, want)
		}
	}
}

// issue 14 #5: an attacker who rotates through the addresses of their IPv6 /64 is one
// address: the pair locks as from one address, and the account's owner elsewhere gets in.
func TestIPv6RotationWithinPrefixLocks(t *testing.T) {
	t.Parallel()
	ts := newThrottleStore(t)
	u := newUser(t, ts.Store, "a@kk.dk", "101", access.Indberetter)
	for i := range ts.Limits.LockAfter {
		if _, err := ts.login(u.Email, "forkert-kode-123", fmt.Sprintf("2001:db8:1:2::%x", i+1)); !errors.Is(err, accounts.ErrInvalidCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if d := ts.throttled(u.Email, "forkert-kode-123", "2001:db8:1:2:abcd::99"); d != ts.Limits.LockBase {
		t.Errorf("another address of the /64: refused for %s, want %s", d, ts.Limits.LockBase)
	}
	ts.mustGetIn(u.Email, "2001:db8:1:3::1")
	// IPv4 addresses stay whole: a neighbour in the same /24 is not refused.
	ts.fail(u.Email, "203.0.113.9", ts.Limits.LockAfter)
	ts.mustGetIn(u.Email, "203.0.113.10")
}

// issue 14 #5: parallel wrong passwords of one pair are counted before the password is
// checked, so that at most LockAfter of them cost an argon2id comparison (64 MiB each) and the
// rest are refused as locked; none of them goes uncounted.
func TestParallelFailuresCountedBeforeCompare(t *testing.T) {
	t.Parallel()
	ts := newThrottleStore(t)
	u := newUser(t, ts.Store, "a@kk.dk", "101", access.Indberetter)
	var compares atomic.Int32
	compare := ts.ComparePassword
	ts.ComparePassword = func(pw, hash string) (bool, error) {
		compares.Add(1)
		time.Sleep(200 * time.Millisecond) // the others arrive meanwhile
		return compare(pw, hash)
	}
	const n = 20
	var wg sync.WaitGroup
	var refused, wrong atomic.Int32
	for range n {
		wg.Go(func() {
			_, err := ts.Login(context.Background(), u.Email, "forkert-kode-123", "203.0.113.9")
			var throttled *accounts.ThrottledError
			switch {
			case errors.As(err, &throttled):
				refused.Add(1)
			case errors.Is(err, accounts.ErrInvalidCredentials):
				wrong.Add(1)
			default:
				t.Errorf("login: %v", err)
			}
		})
	}
	wg.Wait()
	limit := int32(ts.Limits.LockAfter)
	if c := compares.Load(); c > limit {
		t.Errorf("%d of %d parallel wrong passwords were compared, want at most %d", c, n, limit)
	}
	if w, r := wrong.Load(), refused.Load(); w != limit || r != n-limit {
		t.Errorf("%d wrong and %d refused, want %d and %d", w, r, limit, n-limit)
	}
	var failures int
	if err := ts.db.ToolPool().QueryRow(context.Background(), `SELECT failures FROM login_failures WHERE account = $1 AND address = $2`,
		u.Email, "203.0.113.9").Scan(&failures); err != nil || failures != int(limit) {
		t.Errorf("the pair's failures: %d %v, want %d", failures, err, limit)
	}
	// The right password from the locked address waits for the lock; from another it gets in.
	ts.ComparePassword = compare
	ts.mustGetIn(u.Email, "198.51.100.7")
}

// issue 14 #5: failures typed with another case or spacing of the e-mail are the account's,
// and the administrator's Unlock, which addresses the user by id, forgets them all.
func TestUnlockByIDForgetsCaseVariantFailures(t *testing.T) {
	t.Parallel()
	ts := newThrottleStore(t)
	ctx := context.Background()
	u := newUser(t, ts.Store, "a.b@kk.dk", "101", access.Indberetter)
	ts.fail(" A.B@KK.dk", "203.0.113.9", ts.Limits.LockAfter)
	ts.fail("a.B@kk.DK", "203.0.113.10", 1)
	if th, err := ts.ThrottleOf(ctx, "A.b@Kk.dk"); err != nil || th.Failures != ts.Limits.LockAfter+1 || th.Locked != 1 {
		t.Fatalf("ThrottleOf a case variant: %+v %v", th, err)
	}
	admin := tenant.Actor{UserID: 7, Email: "admin@frb.dk", IP: "198.51.100.1"}
	if changed, err := ts.Unlock(ctx, admin, "101", u.ID); err != nil || !changed {
		t.Fatalf("unlock: %v %v", changed, err)
	}
	var left int
	if err := ts.db.ToolPool().QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE lower(account) = $1`, u.Email).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d counters of the account left after unlock (%v)", left, err)
	}
	ts.mustGetIn(" A.B@KK.dk", "203.0.113.9")
}
