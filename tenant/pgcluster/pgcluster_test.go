package pgcluster_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant/pgcluster"
)

// tempClusterDir returns a fresh directory the postgres system user can
// reach when the test runs as root (t.TempDir creates 0700 directories).
func tempClusterDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "pg")
}

func TestFindBinDir(t *testing.T) {
	dir, err := pgcluster.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s missing in %s: %v", name, dir, err)
		}
	}
}

func TestEnsureLifecycle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := tempClusterDir(t)
	opts := pgcluster.Options{Dir: dir, Throwaway: true, Logf: t.Logf}
	t.Cleanup(func() {
		if err := pgcluster.StopDir(dir); err != nil {
			t.Error(err)
		}
	})

	// Two concurrent first calls: one creates the cluster, the other
	// waits on the lock and finds it running.
	var (
		wg       sync.WaitGroup
		clusters [2]*pgcluster.Cluster
		errs     [2]error
	)
	for i := range clusters {
		wg.Go(func() { clusters[i], errs[i] = pgcluster.Ensure(ctx, opts) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c := clusters[0]
	if c.Port == 0 || clusters[1].Port != c.Port {
		t.Fatalf("ports %d and %d, want equal and non-zero", c.Port, clusters[1].Port)
	}

	// A further call is a no-op on the running server.
	again, err := pgcluster.Ensure(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Port != c.Port {
		t.Fatalf("second Ensure: port %d, want %d", again.Port, c.Port)
	}

	checkOwner(ctx, t, c)

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if conn, err := pgx.Connect(ctx, c.URL(pgcluster.Database)); err == nil {
		conn.Close(ctx)
		t.Fatal("connected after Stop")
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop of a stopped cluster: %v", err)
	}

	// After a reboot, postmaster.pid may name a pid that now belongs to
	// another program (here: this test); Ensure must still start.
	pidFile := filepath.Join(dir, "data", "postmaster.pid")
	stale := fmt.Sprintf("%d\n%s\n%d\n%d\n%s\n127.0.0.1\n  1234 5678\nready   \n",
		os.Getpid(), filepath.Join(dir, "data"), time.Now().Unix(), c.Port, dir)
	if err := os.WriteFile(pidFile, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}

	// Restart of an existing, stopped cluster reuses the remembered port.
	restarted, err := pgcluster.Ensure(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if restarted.Port != c.Port {
		t.Fatalf("restart: port %d, want %d", restarted.Port, c.Port)
	}
	checkOwner(ctx, t, restarted)
}

// checkOwner connects as the owner role and checks its attributes.
func checkOwner(ctx context.Context, t *testing.T, c *pgcluster.Cluster) {
	t.Helper()
	conn, err := pgx.Connect(ctx, c.URL(pgcluster.Database))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var (
		user, db                  string
		super, createRole, bypass bool
	)
	err = conn.QueryRow(ctx, `SELECT current_user, current_database(), rolsuper, rolcreaterole, rolbypassrls
		FROM pg_roles WHERE rolname = current_user`).Scan(&user, &db, &super, &createRole, &bypass)
	if err != nil {
		t.Fatal(err)
	}
	if user != pgcluster.OwnerRole || db != pgcluster.Database {
		t.Errorf("connected as %s to %s, want %s to %s", user, db, pgcluster.OwnerRole, pgcluster.Database)
	}
	if super || !createRole || bypass {
		t.Errorf("owner role: superuser=%v createrole=%v bypassrls=%v, want false true false", super, createRole, bypass)
	}
	var owner string
	if err := conn.QueryRow(ctx, `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()`).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	if owner != pgcluster.OwnerRole {
		t.Errorf("database owner %s, want %s", owner, pgcluster.OwnerRole)
	}
}

func TestStopDirWithoutCluster(t *testing.T) {
	if err := pgcluster.StopDir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

// TestBaseBackupRefusesAnExistingCluster: a base backup never writes into a directory that
// holds a cluster already (issue 14 #14).
func TestBaseBackupRefusesAnExistingCluster(t *testing.T) {
	dir := tempClusterDir(t)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := (&pgcluster.Cluster{Dir: "/nonexistent", Port: 1}).BaseBackup(dir)
	if err == nil || !strings.Contains(err.Error(), "already holds a data directory") {
		t.Errorf("BaseBackup into a cluster directory: err = %v", err)
	}
}
