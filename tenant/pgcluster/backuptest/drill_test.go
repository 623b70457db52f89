package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant/pgcluster"
)

// TestDrill: issue 14 #14. The drill restores a base backup of a cluster with data (a plain
// table, a table partitioned by month as the logs are, a second schema, a second database)
// and finds every table's rows in the copy; the unlogged table, emptied by any restore, is
// listed and not compared. A copy that lost rows fails the drill, naming the table. The copy
// is started as the backup left it: a cluster without the app's database is restored without
// one. No server runs on the copy's port after a drill, also one that failed, and `make
// backup-test` (run) stops the source again when it started it.
func TestDrill(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("indberet-drill-%d", os.Getpid()))
	t.Cleanup(func() {
		if err := pgcluster.StopDir(dir); err != nil {
			t.Error(err)
		}
		os.RemoveAll(dir)
	})
	src, err := pgcluster.Ensure(ctx, pgcluster.Options{Dir: dir, Throwaway: true, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	exec := func(url, sql string) {
		t.Helper()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(src.URL(pgcluster.Database), `
		CREATE TABLE sager (id bigint PRIMARY KEY, navn text);
		INSERT INTO sager SELECT g, 'Navn ' || g FROM generate_series(1, 1000) g;
		CREATE TABLE log (at timestamptz NOT NULL, what text) PARTITION BY RANGE (at);
		CREATE TABLE log_2026_11 PARTITION OF log FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
		CREATE TABLE log_later PARTITION OF log FOR VALUES FROM ('2026-12-01') TO (MAXVALUE);
		INSERT INTO log SELECT timestamptz '2026-11-15' + g * interval '1 hour', 'x' FROM generate_series(1, 700) g;
		CREATE SCHEMA andet;
		CREATE TABLE andet.t AS SELECT g FROM generate_series(1, 5) g;
		CREATE UNLOGGED TABLE cache AS SELECT g FROM generate_series(1, 10) g;`)
	exec(src.SuperuserURL("postgres"), `CREATE DATABASE anden OWNER indberet`)
	exec(src.URL("anden"), `CREATE TABLE t AS SELECT g FROM generate_series(1, 3) g`)

	r, err := drill(ctx, src, t.Logf, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	if len(r.Differences) != 0 || r.Databases != 4 || r.Tables < 4*50 || len(r.Changed) != 0 {
		t.Errorf("drill on a quiet cluster: %+v", r)
	}
	if !slices.Equal(r.Unlogged, []string{"indberet public.cache"}) {
		t.Errorf("unlogged tables %v, want indberet public.cache", r.Unlogged)
	}
	if !strings.Contains(r.String(), "the copy has the same rows in every table") {
		t.Errorf("report:\n%s", r)
	}
	noServer(t, "the copy", r.CopyPort)
	entries, _ := filepath.Glob(filepath.Join(os.TempDir(), "indberet-restore-*"))
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(e, "data", "PG_VERSION")); err == nil {
			t.Errorf("the copy %s is still there", e)
		}
	}

	r, err = drill(ctx, src, t.Logf, func(ctx context.Context, c *pgcluster.Cluster) error {
		conn, err := pgx.Connect(ctx, c.SuperuserURL(pgcluster.Database))
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `DELETE FROM log WHERE at < '2026-11-16'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"indberet public.log_2026_11: 383 rows, the copy 360"}
	if !slices.Equal(r.Differences, want) || !strings.Contains(r.String(), "DIFFERENT: "+want[0]) {
		t.Errorf("drill on a copy that lost rows: differences %q, want %q", r.Differences, want)
	}
	noServer(t, "the copy", r.CopyPort)

	r, err = drill(ctx, src, t.Logf, func(context.Context, *pgcluster.Cluster) error { return errors.New("counting failed") })
	if err == nil || r.CopyPort == 0 {
		t.Fatalf("a drill that fails after starting the copy: %v, copy on port %d", err, r.CopyPort)
	}
	noServer(t, "the copy of a failed drill", r.CopyPort)

	// `make backup-test` leaves a running source running, and stops one it started.
	if code := run(ctx, dir, t.Logf); code != 0 {
		t.Fatalf("run on a running cluster: exit %d", code)
	}
	if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", src.Port), time.Second); err != nil {
		t.Errorf("run stopped the cluster it found running: %v", err)
	} else {
		conn.Close()
	}
	if err := src.Stop(); err != nil {
		t.Fatal(err)
	}
	if code := run(ctx, dir, t.Logf); code != 0 {
		t.Fatalf("run on a stopped cluster: exit %d", code)
	}
	noServer(t, "the source the drill started", src.Port)

	// A cluster without the app's database: the copy has none either (nothing is made in it).
	if src, err = pgcluster.Ensure(ctx, pgcluster.Options{Dir: dir, Throwaway: true, Logf: t.Logf}); err != nil {
		t.Fatal(err)
	}
	exec(src.SuperuserURL("postgres"), `DROP DATABASE indberet`)
	r, err = drill(ctx, src, t.Logf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Differences) != 0 || r.Databases != 3 {
		t.Errorf("drill of a cluster without the app's database: %d databases, differences %q; want 3 and none",
			r.Databases, r.Differences)
	}
}

// noServer fails t when a server answers on port of 127.0.0.1.
func noServer(t *testing.T, what string, port int) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("a server still answers on %s's port %d", what, port)
	}
}

// TestCompare: a table written while the backup ran is compared with its counts before and
// after; any other must match exactly, and a table missing on either side is a difference.
func TestCompare(t *testing.T) {
	before := map[string]int64{"db a": 5, "db b": 10, "db c": 1, "db d": 7, "db gone": 2}
	after := map[string]int64{"db a": 5, "db b": 12, "db c": 1, "db d": 7, "db new": 1}
	copied := map[string]int64{"db a": 5, "db b": 11, "db c": 2, "db e": 3, "db new": 1}
	r := compare(before, after, copied)
	want := []string{"db c: 1 rows, the copy 2", "db d: missing in the copy", "db e: only in the copy"}
	if !slices.Equal(r.Differences, want) {
		t.Errorf("differences %q, want %q", r.Differences, want)
	}
	if !slices.Equal(r.Changed, []string{"db b", "db gone", "db new"}) {
		t.Errorf("changed %q", r.Changed)
	}
	copied["db b"] = 13
	if r := compare(before, after, copied); !slices.Contains(r.Differences, "db b: 10 rows before the backup, 12 after, the copy 13") {
		t.Errorf("a count outside before and after: %q", r.Differences)
	}
}
