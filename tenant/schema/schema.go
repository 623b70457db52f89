// Package schema brings a database up to date: the migrations (app and River), the code
// lists and the role policies. `indberet migrate` and the test databases both use Prepare,
// so tests run against exactly what production runs.
package schema

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	pool, err := tenant.OpenOwner(ctx, ownerURL)
	if err != nil {
		return r, err
	}
	defer pool.Close()
	if r.Migrations, err = migrations.Up(ctx, pool); err != nil {
		return r, err
	}
	if r.Codes, err = codes.Load(ctx, pool); err != nil {
		return r, fmt.Errorf("load code lists: %w", err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return access.SyncPolicies(ctx, tx) })
	if err != nil {
		return r, fmt.Errorf("sync policies: %w", err)
	}
	return r, nil
}
