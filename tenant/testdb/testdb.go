// Package testdb gives tests a fresh PostgreSQL database each, cloned from a
// template database that is migrated once.
//
// All test binaries of one `go test` run share one throwaway cluster (see
// package tenant/pgcluster) in $TMPDIR/indberet-testpg-<pid of go test>; the
// developer's .data cluster is never touched. The first test binary that
// needs it creates and starts it and spawns a detached watchdog that stops
// the cluster and removes its directory as soon as the `go test` process has
// exited, so nothing is left running after the run. Directories of earlier
// runs whose `go test` process is gone (e.g. after kill -9 of the watchdog)
// are cleaned up on the next start. Setting INDBERET_TEST_PGDIR pins the
// cluster directory instead; the watchdog then stops the server but keeps
// the directory, and the first user of a run drops the databases a
// previous run left in it. Do not share one pinned directory between
// concurrent runs.
//
// Typical use:
//
//	func migrate(ctx context.Context, ownerURL string) error {
//		pool, err := pgxpool.New(ctx, ownerURL)
//		if err != nil {
//			return err
//		}
//		defer pool.Close() // required: no connection may stay open
//		return runMigrations(ctx, pool)
//	}
//
//	func TestSomething(t *testing.T) {
//		url := testdb.New(t, "migrated-v1", migrate)
//		...
//	}
//
// When PostgreSQL is not installed, tests fail (t.Fatal) with an install
// hint instead of being skipped.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant/pgcluster"
)

// EnvDir is the environment variable that pins the test cluster directory.
const EnvDir = "INDBERET_TEST_PGDIR"

// dirPrefix starts the names of per-run cluster directories in os.TempDir().
const dirPrefix = "indberet-testpg-"

// Setup is how a package prepares its template database (run migrations,
// load code lists). It gets the owner URL (role indberet) of an empty
// database. Before it returns it must close every connection and pool it
// opened to that database: PostgreSQL cannot copy a database somebody is
// connected to.
type Setup func(ctx context.Context, ownerURL string) error

var (
	mu         sync.Mutex // guards the fields below
	shared     *pgcluster.Cluster
	sharedErr  error
	templates  = map[string]string{}      // key -> template built or verified by this process
	templateMu = map[string]*sync.Mutex{} // key -> serializes building in this process
	// createOptions ends CREATE DATABASE for test databases: STRATEGY
	// FILE_COPY (PostgreSQL 15+) copies a template about twice as fast as
	// the default WAL_LOG on a cluster running with fsync=off.
	createOptions string
)

// Cluster returns the throwaway cluster shared by all test binaries of this
// `go test` run, starting it if needed; for tests that need raw access
// (e.g. Cluster(t).SuperuserURL("postgres")).
func Cluster(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if shared == nil && sharedErr == nil {
		shared, sharedErr = start(t)
	}
	if sharedErr != nil {
		t.Fatalf("testdb: cannot start the test PostgreSQL cluster: %v", sharedErr)
	}
	return shared
}

// Template returns the name of the template database for key, built by setup
// the first time any test binary of this run asks for it. key must change
// whenever what setup does changes within a run (it normally cannot, so a
// constant per setup function is enough). The build is serialized across
// processes with a flock, and a template whose build was interrupted is
// rebuilt.
func Template(t testing.TB, key string, setup Setup) string {
	t.Helper()
	c := Cluster(t)
	mu.Lock()
	name, ok := templates[key]
	kmu := templateMu[key]
	if kmu == nil {
		kmu = new(sync.Mutex)
		templateMu[key] = kmu
	}
	mu.Unlock()
	if ok {
		return name
	}

	kmu.Lock()
	defer kmu.Unlock()
	mu.Lock()
	name, ok = templates[key]
	mu.Unlock()
	if ok {
		return name
	}
	name = templateName(key)
	if err := buildTemplate(t.Context(), c, name, setup); err != nil {
		t.Fatalf("testdb: template %s for %q: %v", name, key, err)
	}
	mu.Lock()
	templates[key] = name
	mu.Unlock()
	return name
}

// New creates a fresh database for the test from the template for key (see
// Template), drops it when the test ends (t.Cleanup, terminating leftover
// connections), and returns its owner URL (role indberet).
func New(t testing.TB, key string, setup Setup) string {
	t.Helper()
	tmpl := Template(t, key, setup)
	c := Cluster(t)
	name := "t_" + randomHex(8)
	mu.Lock()
	opts := createOptions
	mu.Unlock()
	create := fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s OWNER %s%s`,
		ident(name), ident(tmpl), ident(pgcluster.OwnerRole), opts)
	if err := superExec(t.Context(), c, create); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := superExec(ctx, c, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, ident(name))); err != nil {
			t.Errorf("testdb: %v", err)
		}
	})
	return c.URL(name)
}

// templateName derives a stable database name from key.
func templateName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "tmpl_" + hex.EncodeToString(sum[:6])
}

// buildTemplate makes sure the template database name exists and is marked
// as finished, building it with setup if not.
func buildTemplate(ctx context.Context, c *pgcluster.Cluster, name string, setup Setup) error {
	unlock, err := pgcluster.LockFile(ctx, filepath.Join(c.Dir, name+".lock"))
	if err != nil {
		return err
	}
	defer unlock()

	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())

	var done bool
	err = conn.QueryRow(ctx, `SELECT datistemplate FROM pg_database WHERE datname = $1`, name).Scan(&done)
	switch {
	case err == nil && done:
		return nil // built by another test binary
	case err == nil:
		// Left half-built by a binary that died during setup.
		if _, err := conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE %s WITH (FORCE)`, ident(name))); err != nil {
			return err
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return err
	}

	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s OWNER %s`, ident(name), ident(pgcluster.OwnerRole))); err != nil {
		return err
	}
	if err := setup(ctx, c.URL(name)); err != nil {
		_, _ = conn.Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, ident(name)))
		return fmt.Errorf("setup: %w", err)
	}
	if err := waitNoConnections(ctx, conn, name); err != nil {
		_, _ = conn.Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, ident(name)))
		return err
	}
	_, err = conn.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`, ident(name)))
	return err
}

// waitNoConnections waits briefly for the backends of closed connections to
// exit and fails if setup left connections open.
func waitNoConnections(ctx context.Context, conn *pgx.Conn, db string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, db).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("setup left %d connection(s) to %s open; close every pool and connection before returning", n, db)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// superExec runs one statement as superuser in the maintenance database.
func superExec(ctx context.Context, c *pgcluster.Cluster, sql string) error {
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// start prepares the shared cluster: cleans up after dead runs, spawns the
// watchdog of this run, and starts the cluster.
func start(t testing.TB) (*pgcluster.Cluster, error) {
	if _, err := pgcluster.FindBinDir(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	dir, pinned := os.Getenv(EnvDir), true
	if dir == "" {
		pinned = false
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("%s%d", dirPrefix, os.Getppid()))
		cleanStale(t)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := pgcluster.LockFile(ctx, filepath.Join(dir, "testdb.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()

	firstOfRun, err := ensureWatchdog(dir, os.Getppid(), !pinned)
	if err != nil {
		return nil, err
	}
	c, err := pgcluster.Ensure(ctx, pgcluster.Options{Dir: dir, Throwaway: true, Logf: t.Logf})
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	var version int
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&version); err != nil {
		return nil, err
	}
	if version >= 150000 {
		createOptions = " STRATEGY FILE_COPY"
	}
	if firstOfRun && pinned {
		// A pinned directory outlives runs: forget the databases of the
		// previous run, whose templates may stem from older migrations.
		if err := dropTestDatabases(ctx, conn); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// dropTestDatabases drops all template and test databases of the cluster.
func dropTestDatabases(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'tmpl\_%' OR datname LIKE 't\_%'`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := conn.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s WITH IS_TEMPLATE false`, ident(n))); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE %s WITH (FORCE)`, ident(n))); err != nil {
			return err
		}
	}
	return nil
}
