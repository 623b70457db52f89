package accounts

import (
	"context"
	"errors"
	"fmt"

	"indberet/tenant"
	"indberet/tenant/access"
)

// The platform administrator's part (T3): every user of every kommune, activating and
// deactivating a kommune (which ends its users' sessions), and a kommune's first
// administrator.

// ErrHasAdministrator is returned by CreateFirstAdmin when the kommune has an active
// administrator: from then on the kommune creates its own users (T1, T2).
var ErrHasAdministrator = errors.New("accounts: the kommune has an active administrator")

// NoKommune is the filter of All for the users of no kommune (DST and platform users).
const NoKommune = tenant.NoKommune

// All lists the users of kommune, of no kommune (NoKommune), or of every kommune (""),
// by kommune and name.
func (s *Store) All(ctx context.Context, kommune string) ([]User, error) {
	rows, err := s.db.Users(ctx, kommune)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return usersOf(rows), nil
}

// CountByKommune returns the number of users of each kommune that has any.
func (s *Store) CountByKommune(ctx context.Context) (map[string]int, error) {
	out, err := s.db.UserCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("users per kommune: %w", err)
	}
	return out, nil
}

// ActiveAdministrators returns the ids of the kommune's active administrators.
func (s *Store) ActiveAdministrators(ctx context.Context, actor tenant.Actor, kommune string) ([]int64, error) {
	var admins []int64
	err := s.db.InScope(ctx, tenant.Scope{Kommune: kommune, Actor: actor}, func(tx *tenant.Tx) (err error) {
		_, admins, err = kommuneUsers(ctx, tx, kommune, false)
		return err
	})
	return admins, err
}

// SetKommuneAktiv activates or deactivates a kommune (T3) with the audit record; deactivating
// ends every session of its users in the same transaction, so they are logged out at their
// next request. It reports whether anything changed.
func (s *Store) SetKommuneAktiv(ctx context.Context, actor tenant.Actor, kommune string, aktiv bool) (bool, error) {
	var changed bool
	err := s.db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: actor}, func(tx *tenant.Tx) (err error) {
		if changed, err = tx.SetKommuneAktiv(ctx, kommune, aktiv); err != nil || !changed || aktiv {
			return err
		}
		_, err = tx.EndKommuneSessions(ctx, kommune)
		return err
	})
	return changed, err
}

// CreateFirstAdmin creates an administrator of the kommune (T3: the platform administrator
// creates a kommune's first administrator) while it has no active one, with the users of
// the kommune locked so that two requests cannot both create one. n.Kommune and n.Role are
// set here. It refuses with ErrHasAdministrator, and like Create.
func (s *Store) CreateFirstAdmin(ctx context.Context, actor tenant.Actor, kommune string, n NewUser) (User, error) {
	n.Kommune, n.Role, n.Roles = kommune, access.Kommuneadmin, nil
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	var u User
	err = s.db.InScope(ctx, tenant.Scope{Kommune: kommune, Actor: actor}, func(tx *tenant.Tx) error {
		_, admins, err := kommuneUsers(ctx, tx, kommune, true)
		if err != nil {
			return err
		}
		if len(admins) > 0 {
			return ErrHasAdministrator
		}
		u, err = insertUser(ctx, tx, n, hash)
		return err
	})
	return u, err
}
