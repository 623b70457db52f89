package accounts_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/accounts"
	"indberet/tenant/tenanttest"
	"indberet/tenant/websession"
)

var actor = tenant.Actor{Email: "test"}

const password = "en-lang-adgangskode"

func newUser(t *testing.T, s *accounts.Store, email, kommune string, roles ...string) accounts.User {
	t.Helper()
	u, err := s.Create(context.Background(), actor, accounts.NewUser{Email: email, Name: "Test " + email,
		Kommune: kommune, Roles: roles, Password: password})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

func rolesOf(t *testing.T, db *tenant.DB, id int64, kommune string) []string {
	t.Helper()
	var roles []string
	err := db.InScope(context.Background(), tenant.Scope{Kommune: kommune, Actor: actor}, func(tx *tenant.Tx) (err error) {
		roles, err = access.RolesOf(context.Background(), tx, id, kommune)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return roles
}

func TestSetRolesAndLastAdministrator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	s := accounts.NewStore(db)
	admin := newUser(t, s, "admin@kk.dk", "101", access.Kommuneadmin)
	user := newUser(t, s, "bruger@kk.dk", "101", access.Laeser, access.Indberetter)
	other := newUser(t, s, "admin@frb.dk", "147", access.Kommuneadmin)
	if got := rolesOf(t, db, user.ID, "101"); !slices.Equal(got, []string{access.Indberetter, access.Laeser}) {
		t.Fatalf("created with roles %v", got)
	}

	changed, err := s.SetRoles(ctx, actor, "101", user.ID, []string{access.Kommuneadmin, access.Indberetter})
	if err != nil || !changed {
		t.Fatalf("SetRoles: %v %v", changed, err)
	}
	if got := rolesOf(t, db, user.ID, "101"); !slices.Equal(got, []string{access.Indberetter, access.Kommuneadmin}) {
		t.Errorf("roles %v", got)
	}
	if changed, err := s.SetRoles(ctx, actor, "101", user.ID, []string{access.Indberetter, access.Kommuneadmin}); err != nil || changed {
		t.Errorf("same roles again: %v %v", changed, err)
	}
	// Two administrators now: one may step down, then the other is the last.
	if _, err := s.SetRoles(ctx, actor, "101", admin.ID, nil); err != nil {
		t.Fatalf("one of two administrators steps down: %v", err)
	}
	if _, err := s.SetRoles(ctx, actor, "101", user.ID, []string{access.Indberetter}); !errors.Is(err, accounts.ErrLastAdmin) {
		t.Errorf("last administrator loses the role: %v, want ErrLastAdmin", err)
	}
	if _, err := s.SetActiveInKommune(ctx, actor, "101", user.ID, false); !errors.Is(err, accounts.ErrLastAdmin) {
		t.Errorf("last administrator deactivated: %v, want ErrLastAdmin", err)
	}
	if got := rolesOf(t, db, user.ID, "101"); !slices.Contains(got, access.Kommuneadmin) {
		t.Errorf("refused change still took the role: %v", got)
	}
	// A deactivated administrator does not count.
	if _, err := s.SetRoles(ctx, actor, "101", admin.ID, []string{access.Kommuneadmin}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetActiveInKommune(ctx, actor, "101", admin.ID, false); err != nil {
		t.Fatalf("deactivate one of two: %v", err)
	}
	if _, err := s.SetActiveInKommune(ctx, actor, "101", user.ID, false); !errors.Is(err, accounts.ErrLastAdmin) {
		t.Errorf("deactivating the only active administrator: %v", err)
	}
	if changed, err := s.SetActiveInKommune(ctx, actor, "101", admin.ID, true); err != nil || !changed {
		t.Errorf("reactivate: %v %v", changed, err)
	}

	// T1: another kommune's user is not found, and nothing changes.
	if _, err := s.SetRoles(ctx, actor, "101", other.ID, nil); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("SetRoles on 147's user from 101: %v", err)
	}
	if _, err := s.SetActiveInKommune(ctx, actor, "101", other.ID, false); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("SetActiveInKommune on 147's user from 101: %v", err)
	}
	if _, err := s.ByIDInKommune(ctx, "101", other.ID); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("ByIDInKommune: %v", err)
	}
	if u, _ := s.ByID(ctx, other.ID); !u.Active || !slices.Equal(rolesOf(t, db, other.ID, "147"), []string{access.Kommuneadmin}) {
		t.Errorf("147's user changed: %+v", u)
	}
	// Only kommune roles.
	if _, err := s.SetRoles(ctx, actor, "101", user.ID, []string{access.DST}); !errors.Is(err, accounts.ErrInvalid) {
		t.Errorf("granting dst: %v", err)
	}

	list, err := s.InKommune(ctx, "101")
	if err != nil || len(list) != 2 || list[0].Email != "bruger@kk.dk" && list[1].Email != "bruger@kk.dk" {
		t.Errorf("InKommune: %v %+v", err, list)
	}
}

// TestLastAdministratorUnderConcurrency: two administrators take the role from each other at
// the same moment; one change must be refused.
func TestLastAdministratorUnderConcurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	s := accounts.NewStore(db)
	a := newUser(t, s, "a@kk.dk", "101", access.Kommuneadmin)
	b := newUser(t, s, "b@kk.dk", "101", access.Kommuneadmin)
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range []int64{a.ID, b.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if round%2 == 0 {
					_, errs[i] = s.SetRoles(ctx, actor, "101", id, nil)
				} else {
					_, errs[i] = s.SetActiveInKommune(ctx, actor, "101", id, false)
				}
			}()
		}
		wg.Wait()
		refused := 0
		for _, err := range errs {
			if errors.Is(err, accounts.ErrLastAdmin) {
				refused++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if refused != 1 {
			t.Fatalf("round %d: %d refused, want 1", round, refused)
		}
		for _, id := range []int64{a.ID, b.ID} { // back to two active administrators
			if _, err := s.SetActiveInKommune(ctx, actor, "101", id, true); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetRoles(ctx, actor, "101", id, []string{access.Kommuneadmin}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	s := accounts.NewStore(db)
	s.Sleep = func(context.Context, time.Duration) {}
	sessions := websession.New(db, [][]byte{[]byte(strings.Repeat("k", 32))}, false)
	activate(t, s, "101")
	u := newUser(t, s, "a@kk.dk", "101", access.Indberetter)
	keep := newSession(t, sessions, u.ID)
	newSession(t, sessions, u.ID)

	if err := s.ChangePassword(ctx, actor, u.ID, "forkert-kode-123", "en-ny-lang-kode", keep); !errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := s.ChangePassword(ctx, actor, u.ID, password, "kort", keep); !errors.Is(err, accounts.ErrInvalid) {
		t.Fatalf("short new password: %v", err)
	}
	if _, err := s.Login(ctx, u.Email, password, "1.2.3.4"); err != nil {
		t.Fatalf("refused changes kept the old password: %v", err)
	}
	if err := s.ChangePassword(ctx, actor, u.ID, password, "en-ny-lang-kode", keep); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, u.Email, password, "1.2.3.4"); !errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Errorf("old password still works: %v", err)
	}
	if _, err := s.Login(ctx, u.Email, "en-ny-lang-kode", "1.2.3.4"); err != nil {
		t.Errorf("new password: %v", err)
	}
	list, err := sessions.UserSessions(ctx, u.ID, keep)
	if err != nil || len(list) != 1 || !list[0].Current {
		t.Errorf("sessions after the change: %v %+v", err, list)
	}
}

func TestEndOtherSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	s := accounts.NewStore(db)
	sessions := websession.New(db, [][]byte{[]byte(strings.Repeat("k", 32))}, false)
	u := newUser(t, s, "a@kk.dk", "101", access.Laeser)
	v := newUser(t, s, "b@kk.dk", "101", access.Laeser)
	keep := newSession(t, sessions, u.ID)
	newSession(t, sessions, u.ID)
	newSession(t, sessions, u.ID)
	vs := newSession(t, sessions, v.ID)
	if list, _ := sessions.UserSessions(ctx, u.ID, keep); len(list) != 3 {
		t.Fatalf("%d sessions, want 3", len(list))
	}
	n, err := s.EndOtherSessions(ctx, actor, u.ID, keep)
	if err != nil || n != 2 {
		t.Fatalf("ended %d: %v", n, err)
	}
	if list, _ := sessions.UserSessions(ctx, u.ID, keep); len(list) != 1 || !list[0].Current {
		t.Errorf("left %+v", list)
	}
	if list, _ := sessions.UserSessions(ctx, v.ID, vs); len(list) != 1 {
		t.Errorf("another user's sessions ended: %+v", list)
	}
	if n, err := s.EndOtherSessions(ctx, actor, u.ID, keep); err != nil || n != 0 {
		t.Errorf("again: %d %v", n, err)
	}
}

// newSession saves a logged-in session of user id and returns its id.
func newSession(t *testing.T, s *websession.Store, id int64) string {
	t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	sess, err := s.New(req, "sid")
	if err != nil {
		t.Fatal(err)
	}
	sess.Values[websession.UserIDKey] = strconv.FormatInt(id, 10)
	if err := s.Save(req, httptest.NewRecorder(), sess); err != nil {
		t.Fatal(err)
	}
	return sess.ID
}
