package accounts_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/accounts"
	"indberet/tenant/tenanttest"
)

// ForRequest reads the user as ByID does and the policies' version as the Enforcer does, in
// one round trip; a user that does not exist is tenant.ErrNotFound, as in ByID.
func TestForRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	s := accounts.NewStore(db)
	u := newUser(t, s, "a@kk.dk", "101", access.Indberetter)

	var want int64
	if err := db.ToolPool().QueryRow(ctx, `SELECT version FROM authz_version`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	byID, err := s.ByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, version, err := s.ForRequest(ctx, u.ID)
	if err != nil || !reflect.DeepEqual(got, byID) || version != want {
		t.Errorf("ForRequest: %+v, version %d, %v; want %+v, version %d", got, version, err, byID, want)
	}
	if _, _, err := s.ForRequest(ctx, u.ID+1000); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("ForRequest of no user: %v, want ErrNotFound", err)
	}
}
