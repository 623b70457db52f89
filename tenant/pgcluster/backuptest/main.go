// Command backuptest is the backup drill of `make backup-test` (issue 14 #14): it takes a base
// backup of the local cluster (.data/pg, started if it is not running and stopped again after),
// restores it into a new cluster in a temporary directory on a free port, counts the rows of
// every table of every database in both, then stops and removes the copy. It exits 1 when a count differs, 2 when
// the drill itself fails. README.md, "Backups and retention", says how the same is done with
// a production database.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"indberet/tenant/pgcluster"
)

func main() {
	dir := flag.String("dir", ".data/pg", "the cluster directory to back up")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, *dir, func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) })
	stop()
	os.Exit(code)
}

// run drills the cluster in dir, starting it if it is not running and then stopping it again,
// prints the report and returns the exit code.
func run(ctx context.Context, dir string, logf func(string, ...any)) int {
	src, err := pgcluster.Ensure(ctx, pgcluster.Options{Dir: dir, Logf: logf})
	if err != nil {
		logf("%v", err)
		return 2
	}
	if src.Started {
		defer func() {
			if err := src.Stop(); err != nil {
				logf("stop %s: %v", dir, err)
			}
		}()
	}
	r, err := drill(ctx, src, logf, nil)
	if err != nil {
		logf("backup drill: %v", err)
		return 2
	}
	fmt.Print(r)
	if len(r.Differences) > 0 {
		return 1
	}
	return 0
}
