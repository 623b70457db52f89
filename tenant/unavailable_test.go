package tenant_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"indberet/tenant"
	"indberet/tenant/tenanttest"
)

// TestUnavailable (issue 14 #9): a database out of reach, by a refused connection or by a
// database that stops taking connections and ends the open ones, is Unavailable; errors the
// database answers with are not.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	// Nothing listens on the port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	pool, err := pgxpool.New(ctx, "postgres://indberet@127.0.0.1:"+strconv.Itoa(port)+"/indberet?connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := pool.Ping(ctx); !tenant.Unavailable(err) {
		t.Errorf("refused connection: Unavailable(%v) = false", err)
	}

	// A database that answers, then stops taking connections and ends those it has.
	db, _ := tenanttest.DB(t)
	if _, err := db.ToolPool().Exec(ctx, "SELECT 1/0"); err == nil || tenant.Unavailable(err) {
		t.Errorf("division by zero: Unavailable(%v) = true", err)
	}
	for _, err := range []error{nil, tenant.ErrNotFound, pgx.ErrNoRows, context.Canceled, errors.New("other")} {
		if tenant.Unavailable(err) {
			t.Errorf("Unavailable(%v) = true", err)
		}
	}
	tenanttest.ShutOut(t, db)
	for i := range 3 { // a pooled connection that was ended, then new connections refused
		err := db.Ping(ctx)
		t.Logf("attempt %d: %v", i, err)
		if !tenant.Unavailable(err) {
			t.Errorf("database shut out, attempt %d: Unavailable(%v) = false", i, err)
		}
	}
}
