// Package schema brings a database up to date: the migrations (app and River), the code
// lists and the role policies. `indberet migrate` and the test databases both use Prepare,
// so tests run against exactly what production runs.
package schema

import (
	"context"
	"fmt"

	"indberet/migrations"
	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/codes"
)

// Result tells what Prepare changed.
type Result struct {
	Migrations int          // migrations applied
	Codes      codes.Counts // code-list rows added
}

// Prepare migrates the database at ownerURL (as the tables' owner), loads missing code-list
// rows and syncs the role policies. Running it again changes nothing.
func Prepare(ctx context.Context, ownerURL string) (Result, error) {
	var r Result
	owner, err := tenant.OpenOwner(ctx, ownerURL)
	if err != nil {
		return r, err
	}
	defer owner.Close()
	if r.Migrations, err = migrations.Up(ctx, owner.DriverPool()); err != nil {
		return r, err
	}
	if r.Codes, err = codes.Load(ctx, owner); err != nil {
		return r, fmt.Errorf("load code lists: %w", err)
	}
	if err := syncPolicies(ctx, owner); err != nil {
		return r, fmt.Errorf("sync policies: %w", err)
	}
	return r, nil
}

// migrateActor is who changes the role policies: `indberet migrate`.
var migrateActor = tenant.Actor{Email: "system:migrate"}

// syncPolicies makes the role policies those of access.Policies, with an audit record of the
// platform (tenant.PlatformKommune) in the same transaction when anything changed.
func syncPolicies(ctx context.Context, owner *tenant.DB) error {
	return owner.InScope(ctx, tenant.Scope{Kommune: tenant.PlatformKommune, Actor: migrateActor}, func(tx *tenant.Tx) error {
		added, removed, err := access.SyncPolicies(ctx, tx)
		if err != nil || len(added)+len(removed) == 0 {
			return err
		}
		return tx.Audit(ctx, tenant.AuditEntry{Action: "policy.sync", Entity: "policy",
			Before: map[string]any{"removed": removed}, After: map[string]any{"added": added}})
	})
}
