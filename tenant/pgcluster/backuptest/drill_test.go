package main

import (
	"context"
	"fmt"
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
// listed and not compared. A copy that lost rows fails the drill, naming the table.
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
