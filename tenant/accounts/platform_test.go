package accounts_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/accounts"
	"indberet/tenant/tenanttest"
	"indberet/tenant/websession"
)

// activate makes kommune active (T3), failing the test unless it works.
func activate(t *testing.T, s *accounts.Store, kommune string) {
	t.Helper()
	if _, err := s.SetKommuneAktiv(context.Background(), actor, kommune, true); err != nil {
		t.Fatal(err)
	}
}

// T3: only the users of an active kommune log in; deactivating a kommune ends its users'
// sessions in the same transaction and leaves other kommuner's and DST's alone.
func TestKommuneAktivGovernsLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	s := accounts.NewStore(db)
	s.Sleep = func(context.Context, time.Duration) {}
	sessions := websession.New(db, [][]byte{[]byte(strings.Repeat("k", 32))}, false)
	u := newUser(t, s, "a@kk.dk", "101", access.Indberetter)
	other := newUser(t, s, "b@frb.dk", "147", access.Indberetter)
	dst := newUser(t, s, "dst@dst.dk", "", access.DST)

	if _, err := s.Login(ctx, u.Email, password, "1.2.3.4"); !errors.Is(err, accounts.ErrKommuneInactive) {
		t.Fatalf("login in an inactive kommune: %v", err)
	}
	if _, err := s.Login(ctx, u.Email, "forkert-kode-123", "1.2.3.4"); !errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Errorf("a wrong password tells nothing about the kommune: %v", err)
	}
	if got, err := s.Login(ctx, dst.Email, password, "1.2.3.4"); err != nil || !got.MayWork() {
		t.Errorf("DST belongs to no kommune: %v %+v", err, got)
	}
	activate(t, s, "101")
	activate(t, s, "147")
	got, err := s.Login(ctx, u.Email, password, "1.2.3.4")
	if err != nil || !got.KommuneAktiv || !got.MayWork() {
		t.Fatalf("login after activation: %v %+v", err, got)
	}
	uSession, otherSession := newSession(t, sessions, u.ID), newSession(t, sessions, other.ID)

	changed, err := s.SetKommuneAktiv(ctx, actor, "101", false)
	if err != nil || !changed {
		t.Fatalf("deactivate: %v %v", changed, err)
	}
	if list, err := sessions.UserSessions(ctx, u.ID, uSession); err != nil || len(list) != 0 {
		t.Errorf("sessions of the deactivated kommune left: %+v, %v", list, err)
	}
	if list, err := sessions.UserSessions(ctx, other.ID, otherSession); err != nil || len(list) != 1 {
		t.Errorf("another kommune's session ended: %+v, %v", list, err)
	}
	if got, err := s.ByID(ctx, u.ID); err != nil || got.MayWork() || !got.Active {
		t.Errorf("user of the deactivated kommune: %v %+v", err, got)
	}
	if _, err := s.Login(ctx, u.Email, password, "1.2.3.4"); !errors.Is(err, accounts.ErrKommuneInactive) {
		t.Errorf("login after deactivation: %v", err)
	}
	if changed, err := s.SetKommuneAktiv(ctx, actor, "101", false); err != nil || changed {
		t.Errorf("deactivate again: %v %v", changed, err)
	}
	if _, err := s.SetKommuneAktiv(ctx, actor, "999", true); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("unknown kommune: %v", err)
	}
	var actions []string
	err = db.InScope(ctx, tenant.Scope{Kommune: "101", Actor: actor}, func(tx *tenant.Tx) error {
		rows, err := tx.ToolTx().Query(ctx, `SELECT action FROM audit_log WHERE entity = 'kommune' ORDER BY id`)
		if err != nil {
			return err
		}
		actions, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil || !slices.Equal(actions, []string{"kommune.activate", "kommune.deactivate"}) {
		t.Errorf("audit of 101: %v %v", actions, err)
	}
}

// T3: the platform administrator creates a kommune's first administrator, and no further one
// while the kommune has an active administrator.
func TestCreateFirstAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	s := accounts.NewStore(db)
	newUser(t, s, "laeser@bal.dk", "151", access.Laeser)
	n := accounts.NewUser{Email: "Admin@Bal.dk", Name: "Første Admin", Password: password, Role: access.Laeser}
	u, err := s.CreateFirstAdmin(ctx, actor, "151", n)
	if err != nil {
		t.Fatal(err)
	}
	if u.Kommune != "151" || u.Email != "admin@bal.dk" || !slices.Equal(rolesOf(t, db, u.ID, "151"), []string{access.Kommuneadmin}) {
		t.Errorf("created %+v with %v", u, rolesOf(t, db, u.ID, "151"))
	}
	admins, err := s.ActiveAdministrators(ctx, actor, "151")
	if err != nil || !slices.Equal(admins, []int64{u.ID}) {
		t.Errorf("administrators %v %v", admins, err)
	}
	n.Email = "anden@bal.dk"
	if _, err := s.CreateFirstAdmin(ctx, actor, "151", n); !errors.Is(err, accounts.ErrHasAdministrator) {
		t.Errorf("second administrator: %v", err)
	}
	if _, err := s.ByEmail(ctx, "anden@bal.dk"); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("the refused administrator exists: %v", err)
	}
	// The last administrator cannot be deactivated through the kommune's screen; deactivated
	// otherwise, they no longer count, and a new first administrator can be made.
	if _, err := s.SetActiveInKommune(ctx, actor, "151", u.ID, false); !errors.Is(err, accounts.ErrLastAdmin) {
		t.Fatalf("deactivating the last administrator: %v", err)
	}
	if err := s.SetActive(ctx, actor, u.ID, false); err != nil {
		t.Fatal(err)
	}
	n.Email = "igen@bal.dk"
	if _, err := s.CreateFirstAdmin(ctx, actor, "151", n); err != nil {
		t.Errorf("an administrator after the only one was deactivated: %v", err)
	}
	// A taken e-mail is refused as such.
	n.Email = "admin@bal.dk"
	if _, err := s.CreateFirstAdmin(ctx, actor, "147", n); !errors.Is(err, accounts.ErrEmailTaken) {
		t.Errorf("taken e-mail: %v, want ErrEmailTaken", err)
	}
	n.Email = "ny@bal.dk"
	if _, err := s.CreateFirstAdmin(ctx, actor, "147", n); err != nil {
		t.Errorf("147: %v", err)
	}
}

func TestAllUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	s := accounts.NewStore(db)
	newUser(t, s, "b@kk.dk", "101", access.Laeser)
	newUser(t, s, "a@kk.dk", "101", access.Indberetter)
	newUser(t, s, "c@frb.dk", "147", access.Laeser)
	newUser(t, s, "dst@dst.dk", "", access.DST)
	emails := func(kommune string) []string {
		us, err := s.All(ctx, kommune)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Email)
		}
		return out
	}
	if got := emails(""); !slices.Equal(got, []string{"dst@dst.dk", "a@kk.dk", "b@kk.dk", "c@frb.dk"}) {
		t.Errorf("all: %v", got)
	}
	if got := emails("101"); !slices.Equal(got, []string{"a@kk.dk", "b@kk.dk"}) {
		t.Errorf("101: %v", got)
	}
	if got := emails(accounts.NoKommune); !slices.Equal(got, []string{"dst@dst.dk"}) {
		t.Errorf("no kommune: %v", got)
	}
	counts, err := s.CountByKommune(ctx)
	if err != nil || counts["101"] != 2 || counts["147"] != 1 || len(counts) != 2 {
		t.Errorf("counts %v %v", counts, err)
	}
}
