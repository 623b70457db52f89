// Package tenanttest gives tests a fresh, fully prepared database (migrations, code lists,
// role policies: what `indberet migrate` makes) in the throwaway cluster of package testdb,
// and the app's pool on it, running as the app role.
package tenanttest

import (
	"context"
	"fmt"
	"testing"

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
