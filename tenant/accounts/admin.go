package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"indberet/tenant"
	"indberet/tenant/access"
)

// The users of one kommune as its administrator manages them (T1, T2): listing them,
// changing their roles, deactivating and reactivating them. The kommune is an argument of
// every call, and a user of another kommune is tenant.ErrNotFound.

// ErrLastAdmin is returned when a change would leave the kommune without an active
// administrator (KeepsAdministrator).
var ErrLastAdmin = errors.New("accounts: the kommune's last active administrator")

// InKommune lists the users of a kommune, by name.
func (s *Store) InKommune(ctx context.Context, kommune string) ([]User, error) {
	rows, err := s.db.UsersOfKommune(ctx, kommune)
	if err != nil {
		return nil, fmt.Errorf("users of kommune %s: %w", kommune, err)
	}
	return usersOf(rows), nil
}

// ByIDInKommune returns the user with the given id if they belong to kommune, and
// tenant.ErrNotFound otherwise (T1: an id typed into a URL reaches no other kommune).
func (s *Store) ByIDInKommune(ctx context.Context, kommune string, id int64) (User, error) {
	u, err := s.db.UserInKommune(ctx, kommune, id)
	return User(u), err
}

// SetRoles makes the roles of user id in kommune exactly roles (a subset of KommuneRoles),
// granting and revoking in one transaction with one audit record. It refuses with
// ErrLastAdmin to take the administrator role from the kommune's last active administrator.
// The change takes effect at the user's next request (every Enforcer reloads). It reports
// whether anything changed.
func (s *Store) SetRoles(ctx context.Context, actor tenant.Actor, kommune string, id int64, roles []string) (bool, error) {
	if errs := CheckRoles(roles); errs != nil {
		return false, fmt.Errorf("%w: roles %v", ErrInvalid, roles)
	}
	want := slices.Clone(roles)
	sortRoles(want)
	want = slices.Compact(want)
	changed := false
	err := s.db.InScope(ctx, tenant.Scope{Kommune: kommune, Actor: actor}, func(tx *tenant.Tx) error {
		u, admins, err := lockKommune(ctx, tx, kommune, id)
		if err != nil {
			return err
		}
		if !KeepsAdministrator(admins, id, u.Active && slices.Contains(want, access.Kommuneadmin)) {
			return ErrLastAdmin
		}
		had, err := access.RolesOf(ctx, tx, id, kommune)
		if err != nil {
			return err
		}
		for _, r := range had {
			if !slices.Contains(want, r) {
				if _, err := access.Revoke(ctx, tx, id, r, kommune); err != nil {
					return err
				}
				changed = true
			}
		}
		for _, r := range want {
			if !slices.Contains(had, r) {
				if _, err := access.Grant(ctx, tx, id, r, kommune); err != nil {
					return err
				}
				changed = true
			}
		}
		if !changed {
			return nil
		}
		return tx.Audit(ctx, tenant.AuditEntry{Action: "user.roles", Entity: "user", EntityID: strconv.FormatInt(id, 10),
			Before: map[string]any{"roles": had}, After: map[string]any{"roles": want}})
	})
	return changed, err
}

// SetActiveInKommune deactivates or reactivates user id of kommune, ending all their sessions
// when deactivating, in one transaction with the audit record. It refuses with ErrLastAdmin
// to deactivate the kommune's last active administrator. It reports whether anything changed.
func (s *Store) SetActiveInKommune(ctx context.Context, actor tenant.Actor, kommune string, id int64, active bool) (bool, error) {
	changed := false
	err := s.db.InScope(ctx, tenant.Scope{Kommune: kommune, Actor: actor}, func(tx *tenant.Tx) error {
		u, admins, err := lockKommune(ctx, tx, kommune, id)
		if err != nil {
			return err
		}
		if u.Active == active {
			return nil
		}
		if !active && !KeepsAdministrator(admins, id, false) {
			return ErrLastAdmin
		}
		changed = true
		return setActive(ctx, tx, u, active)
	})
	return changed, err
}

// lockKommune locks the kommune's users for the rest of tx, so that two administrators
// changing rights at the same time are taken one after the other and the check of the last
// administrator holds until commit. It returns user id (tenant.ErrNotFound when they are not
// of the kommune) and the kommune's active administrators.
func lockKommune(ctx context.Context, tx *tenant.Tx, kommune string, id int64) (User, []int64, error) {
	users, admins, err := kommuneUsers(ctx, tx, kommune, true)
	if err != nil {
		return User{}, nil, err
	}
	i := slices.IndexFunc(users, func(u User) bool { return u.ID == id })
	if i < 0 {
		return User{}, nil, tenant.ErrNotFound
	}
	return users[i], admins, nil
}

// kommuneUsers returns the kommune's users by id and the ids of its active administrators,
// in tx; with lock the users stay locked until tx ends.
func kommuneUsers(ctx context.Context, tx *tenant.Tx, kommune string, lock bool) ([]User, []int64, error) {
	rows, err := tx.KommuneUsers(ctx, kommune, lock)
	if err != nil {
		return nil, nil, err
	}
	users := usersOf(rows)
	holders, err := access.Holders(ctx, tx, access.Kommuneadmin, kommune)
	if err != nil {
		return nil, nil, err
	}
	var admins []int64
	for _, u := range users {
		if u.Active && slices.Contains(holders, u.ID) {
			admins = append(admins, u.ID)
		}
	}
	return users, admins, nil
}

// usersOf gives rows their rules.
func usersOf(rows []tenant.UserRow) []User {
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = User(r)
	}
	return out
}
