package migrations_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"indberet/migrations"
	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// migrationDB is a throwaway database at the newest migration, for a test that takes one
// migration down and up again: the application's connection, the owner's, and goose on the
// owner's. All are closed when the test ends.
func migrationDB(t *testing.T) (db *tenant.DB, owner *pgxpool.Pool, provider *goose.Provider) {
	t.Helper()
	db, ownerURL := tenanttest.DB(t)
	owner = tenanttest.Owner(t, ownerURL)
	sqlDB := stdlib.OpenDBFromPool(owner)
	t.Cleanup(func() { sqlDB.Close() })
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.Files)
	if err != nil {
		t.Fatal(err)
	}
	return db, owner, provider
}
