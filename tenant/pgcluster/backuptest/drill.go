package main

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"indberet/tenant/pgcluster"
)

// report is what a drill found.
type report struct {
	// CopyPort is the port of the restored copy, which no server answers on once the drill
	// is over.
	CopyPort          int
	Databases, Tables int
	Rows              int64 // in the copy
	// Changed are the tables written while the backup ran (an app or worker using the
	// cluster): each is compared with its counts before and after the backup, between which
	// the copy's must lie.
	Changed []string
	// Unlogged are the unlogged tables, not compared: PostgreSQL empties them in any restore
	// (they are not in the WAL). River's leader election (river_leader) is one: a restored
	// cluster elects its leader anew.
	Unlogged []string
	// Differences are the tables whose counts do not match, with both counts.
	Differences []string
}

func (r report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "backup drill: %d databases, %d tables, %d rows in the copy\n", r.Databases, r.Tables, r.Rows)
	if len(r.Changed) > 0 {
		fmt.Fprintf(&b, "written while the backup ran (compared with before and after): %s\n", strings.Join(r.Changed, ", "))
	}
	if len(r.Unlogged) > 0 {
		fmt.Fprintf(&b, "unlogged, empty after any restore, not compared: %s\n", strings.Join(r.Unlogged, ", "))
	}
	for _, d := range r.Differences {
		fmt.Fprintf(&b, "DIFFERENT: %s\n", d)
	}
	if len(r.Differences) == 0 {
		b.WriteString("the copy has the same rows in every table\n")
	}
	return b.String()
}

// drill backs up src, restores the backup into a new cluster in a temporary directory and
// compares the row counts of every table of every database that accepts connections (the
// catalogs too). The copy is started as the backup left it (nothing created in it) and is
// stopped and removed whatever happens; the report names its port also with an error.
// tamper, for the tests, changes the copy before it is counted.
func drill(ctx context.Context, src *pgcluster.Cluster, logf func(string, ...any),
	tamper func(context.Context, *pgcluster.Cluster) error) (report, error) {
	before, unlogged, err := countRows(ctx, src)
	if err != nil {
		return report{}, err
	}
	dir, err := os.MkdirTemp("", "indberet-restore-")
	if err != nil {
		return report{}, err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return report{}, err
	}
	failed := report{CopyPort: port}
	logf("base backup of %s into %s", src.Dir, dir)
	if err := src.BaseBackup(dir); err != nil {
		return failed, err
	}
	// From here on a copy may run in dir, also when starting it fails halfway: stop it
	// before its directory goes.
	defer func() {
		if err := pgcluster.StopDir(dir); err != nil {
			logf("stop the restored cluster: %v", err)
		}
	}()
	after, _, err := countRows(ctx, src)
	if err != nil {
		return failed, err
	}
	// The copy is thrown away after: no need to sync its writes.
	copied, err := pgcluster.Ensure(ctx, pgcluster.Options{Dir: dir, Port: port, Throwaway: true, AsIs: true, Logf: logf})
	if err != nil {
		return failed, fmt.Errorf("start the restored cluster: %w", err)
	}
	if tamper != nil {
		if err := tamper(ctx, copied); err != nil {
			return failed, err
		}
	}
	got, _, err := countRows(ctx, copied)
	if err != nil {
		return failed, err
	}
	r := compare(before, after, got)
	r.CopyPort = port
	r.Unlogged = unlogged
	dbs := map[string]bool{}
	for k, n := range got {
		dbs[strings.Fields(k)[0]] = true
		r.Rows += n
	}
	r.Databases, r.Tables = len(dbs), len(got)
	return r, nil
}

// compare checks the copy's counts against the source's before and after the backup. A table
// written meanwhile (its counts differ, or it was created or dropped) is in Changed, and the
// copy's count must lie between the two (a table missing on one side counts 0 there, and may
// be missing in the copy); any other table must have the same count in the copy.
func compare(before, after, copied map[string]int64) report {
	var r report
	keys := map[string]bool{}
	for _, m := range []map[string]int64{before, after, copied} {
		for k := range m {
			keys[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		b, inBefore := before[k]
		a, inAfter := after[k]
		c, inCopy := copied[k]
		stable := inBefore && inAfter && a == b
		switch {
		case !inBefore && !inAfter:
			r.Differences = append(r.Differences, k+": only in the copy")
		case stable && !inCopy:
			r.Differences = append(r.Differences, k+": missing in the copy")
		case stable:
			if c != b {
				r.Differences = append(r.Differences, fmt.Sprintf("%s: %d rows, the copy %d", k, b, c))
			}
		default:
			r.Changed = append(r.Changed, k)
			if inCopy && (c < min(a, b) || c > max(a, b)) {
				r.Differences = append(r.Differences, fmt.Sprintf("%s: %d rows before the backup, %d after, the copy %d", k, b, a, c))
			}
			if !inCopy && inBefore && inAfter {
				r.Differences = append(r.Differences, k+": missing in the copy")
			}
		}
	}
	return r
}

// countRows counts the rows of every table and materialized view of every database of c that
// accepts connections, as the superuser (row-level security does not hide rows from it), by
// "database schema.table"; unlogged lists the unlogged tables, which it does not count.
// Temporary tables belong to their sessions and are left out.
func countRows(ctx context.Context, c *pgcluster.Cluster) (counts map[string]int64, unlogged []string, err error) {
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return nil, nil, err
	}
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1`)
	if err != nil {
		conn.Close(ctx)
		return nil, nil, err
	}
	dbs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	conn.Close(ctx)
	if err != nil {
		return nil, nil, err
	}
	counts = map[string]int64{}
	for _, db := range dbs {
		u, err := countDatabase(ctx, c, db, counts)
		if err != nil {
			return nil, nil, fmt.Errorf("count the rows of %s: %w", db, err)
		}
		unlogged = append(unlogged, u...)
	}
	return counts, unlogged, nil
}

func countDatabase(ctx context.Context, c *pgcluster.Cluster, db string, counts map[string]int64) (unlogged []string, err error) {
	conn, err := pgx.Connect(ctx, c.SuperuserURL(db))
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT format('%I.%I', n.nspname, c.relname), c.relpersistence = 'u'
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND (c.relkind = 'r' OR c.relispopulated)
		ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	type table struct {
		Name     string
		Unlogged bool
	}
	tables, err := pgx.CollectRows(rows, pgx.RowToStructByPos[table])
	if err != nil {
		return nil, err
	}
	batch := &pgx.Batch{}
	for _, t := range tables {
		if t.Unlogged {
			unlogged = append(unlogged, db+" "+t.Name)
			continue
		}
		batch.Queue(`SELECT count(*) FROM ` + t.Name).QueryRow(func(row pgx.Row) error {
			var n int64
			if err := row.Scan(&n); err != nil {
				return fmt.Errorf("%s: %w", t.Name, err)
			}
			counts[db+" "+t.Name] = n
			return nil
		})
	}
	return unlogged, conn.SendBatch(ctx, batch).Close()
}

// freePort is a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
