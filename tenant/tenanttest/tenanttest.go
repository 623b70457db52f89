// Package tenanttest gives tests a fresh, fully prepared database (migrations, code lists,
// role policies: what `indberet migrate` makes) in the throwaway cluster of package testdb,
// and the app's pool on it, running as the app role.
package tenanttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"indberet/migrations"
	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/codes"
	"indberet/tenant/schema"
	"indberet/tenant/testdb"
)

// key names the template database; it changes whenever what Prepare does changes.
var key = "schema-" + migrations.Fingerprint() + "-" + codes.Fingerprint() + "-" + fmt.Sprint(access.Policies)

func prepare(ctx context.Context, ownerURL string) error {
	_, err := schema.Prepare(ctx, ownerURL)
	return err
}

// OwnerURL returns the owner URL of a fresh prepared database, dropped after the test.
func OwnerURL(t testing.TB) string {
	t.Helper()
	return testdb.New(t, key, prepare)
}

// DB returns the app's pool (role indberet_app) on a fresh prepared database, and the
// database's owner URL.
func DB(t testing.TB) (*tenant.DB, string) {
	t.Helper()
	url := OwnerURL(t)
	db, err := tenant.Open(context.Background(), url, 0)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(db.Close)
	return db, url
}

// Owner returns a pool of the tables' owner on the database of url (DB's or OwnerURL's),
// closed when the test ends: for what the app's role may not do.
func Owner(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	owner, err := tenant.OpenOwner(context.Background(), url)
	if err != nil {
		t.Fatalf("open the owner's pool: %v", err)
	}
	t.Cleanup(owner.Close)
	return owner.ToolPool()
}

// LogMonths gives every log (tenant.Logs) a partition for each month from since to now
// (00024), as the owner: a fresh database's logs have months from the one it was made in,
// and an older record would go to their catch-all.
func LogMonths(t testing.TB, owner *pgxpool.Pool, since time.Time) {
	t.Helper()
	for _, log := range tenant.Logs {
		if _, err := owner.Exec(context.Background(), `SELECT count(*) FROM log_partitions_cover($1, $2, now())`, log, since); err != nil {
			t.Fatalf("months of %s: %v", log, err)
		}
	}
}
