package access

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	pgxadapter "github.com/pckhoi/casbin-pgx-adapter/v3"

	"indberet/tenant"
)

// Enforcer answers whether a user may do something. It holds the policies in memory and
// reloads them when authz_version in the database has moved, which Refresh checks.
type Enforcer struct {
	db *tenant.DB
	e  *casbin.SyncedEnforcer

	mu      sync.Mutex
	version int64
}

// NewEnforcer loads the policies from casbin_rule through casbin-pgx-adapter. The adapter
// shares db's pool and must never be closed (its Close closes the pool).
func NewEnforcer(ctx context.Context, db *tenant.DB) (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("casbin model: %w", err)
	}
	adapter, err := pgxadapter.NewAdapter(nil, pgxadapter.WithConnectionPool(db.DriverPool()), pgxadapter.WithSkipTableCreate())
	if err != nil {
		return nil, fmt.Errorf("casbin adapter: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, adapter)
	if err != nil {
		return nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	// Grants are written with SQL in the caller's transaction (grants.go), never through
	// the enforcer, so it must not write on its own.
	e.EnableAutoSave(false)
	enf := &Enforcer{db: db, e: e}
	if err := enf.Refresh(ctx); err != nil {
		return nil, err
	}
	return enf, nil
}

// Refresh reloads the policies if they changed in the database since the last load. Call it
// once per request before asking; it costs one indexed read.
func (enf *Enforcer) Refresh(ctx context.Context) error {
	v, err := enf.db.AuthzVersion(ctx)
	if err != nil {
		return err
	}
	return enf.RefreshTo(v)
}

// RefreshTo reloads the policies unless version v (tenant.DB.AuthzVersion, or the one
// UserForRequest reads with the user) is the one loaded. Call it after the read has released
// its connection (a reload reads the policies through the pool).
func (enf *Enforcer) RefreshTo(v int64) error {
	enf.mu.Lock()
	defer enf.mu.Unlock()
	if v == enf.version {
		return nil
	}
	if err := enf.e.LoadPolicy(); err != nil {
		return fmt.Errorf("load policies: %w", err)
	}
	enf.version = v
	return nil
}

// Allowed tells whether the user, in the domain of kommune ("" for DST and platform users),
// holds permission p.
func (enf *Enforcer) Allowed(userID int64, kommune string, p Permission) (bool, error) {
	return enf.e.Enforce(Subject(userID), Domain(kommune), p.Obj, p.Act)
}

// Roles returns the user's roles in the domain of kommune, in role order.
func (enf *Enforcer) Roles(userID int64, kommune string) []string {
	roles := slices.Clone(enf.e.GetRolesForUserInDomain(Subject(userID), Domain(kommune)))
	sortRoles(roles)
	return roles
}
