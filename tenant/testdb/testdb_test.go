package testdb

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"indberet/tenant/pgcluster"
)

// setupRuns counts the runs of markerSetup.
var setupRuns atomic.Int32

// markerSetup creates one table, closing its connection as Setup requires.
func markerSetup(ctx context.Context, ownerURL string) error {
	setupRuns.Add(1)
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE TABLE marker (x int)`)
	return err
}

func databaseName(t *testing.T, url string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Database
}

func databaseExists(t *testing.T, name string) bool {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, Cluster(t).SuperuserURL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	return exists
}

func TestNew(t *testing.T) {
	var names []string
	t.Run("two databases", func(t *testing.T) {
		ctx := t.Context()
		urls := []string{New(t, "marker-v1", markerSetup), New(t, "marker-v1", markerSetup)}
		if urls[0] == urls[1] {
			t.Fatalf("New returned the same URL twice: %s", urls[0])
		}
		if n := setupRuns.Load(); n != 1 {
			t.Errorf("setup ran %d times, want 1", n)
		}
		for i, url := range urls {
			names = append(names, databaseName(t, url))
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var user string
			var rows int
			if err := conn.QueryRow(ctx, `SELECT current_user, (SELECT count(*) FROM marker)`).Scan(&user, &rows); err != nil {
				t.Fatal(err)
			}
			if user != pgcluster.OwnerRole || rows != 0 {
				t.Errorf("database %d: user %s with %d rows in marker, want %s with 0", i, user, rows, pgcluster.OwnerRole)
			}
			// Writes to the first database must not show in the second.
			if _, err := conn.Exec(ctx, `INSERT INTO marker VALUES (1)`); err != nil {
				t.Fatal(err)
			}
		}
		// Leave a connection open: the cleanup drops the database anyway.
	})
	for _, name := range names {
		if databaseExists(t, name) {
			t.Errorf("database %s still exists after its test", name)
		}
	}
}

func TestTemplateRebuildsHalfBuilt(t *testing.T) {
	ctx := t.Context()
	c := Cluster(t)
	key := fmt.Sprintf("half-built-%s", randomHex(4))
	name := templateName(key)
	// What a test binary that died during setup leaves behind.
	if err := superExec(ctx, c, fmt.Sprintf(`CREATE DATABASE %s OWNER %s`, ident(name), ident(pgcluster.OwnerRole))); err != nil {
		t.Fatal(err)
	}
	before := setupRuns.Load()
	url := New(t, key, markerSetup)
	if got := setupRuns.Load() - before; got != 1 {
		t.Errorf("setup ran %d times, want 1", got)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT count(*) FROM marker`); err != nil {
		t.Fatal(err)
	}
}

func TestTemplateName(t *testing.T) {
	a, b := templateName("migrated-v1"), templateName("migrated-v2")
	if a == b || a != templateName("migrated-v1") || len(a) > 63 {
		t.Fatalf("templateName: %q, %q", a, b)
	}
}
