package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// BaseBackup copies the running cluster c into dir, a new cluster directory, as an operator's
// physical backup would (issue 14 #14): pg_basebackup as the superuser over the Unix socket (a
// replication connection, which initdb's pg_hba.conf trusts locally and wal_level replica, the
// default, allows), with a fast checkpoint and the WAL of the backup streamed along, so the
// copy needs no archive. Ensure on dir then starts the copy: PostgreSQL replays that WAL and
// the cluster is as c was when the backup ended. dir must not hold a cluster yet.
func (c *Cluster) BaseBackup(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pgcluster: %s already holds a data directory", dir)
	}
	if err := makeDirs(dir); err != nil {
		return err
	}
	r, err := newRunner(c.BinDir, dir)
	if err != nil {
		return err
	}
	if err := r.prepareDir(); err != nil {
		return err
	}
	out, err := r.run("pg_basebackup", "-D", r.dataDir(), "-h", c.Dir, "-p", strconv.Itoa(c.Port), "-U", SuperuserName,
		"-X", "stream", "-c", "fast", "--no-sync", "-l", "indberet backup "+filepath.Base(dir))
	if err != nil {
		return fmt.Errorf("pgcluster: pg_basebackup of %s into %s: %w\n%s", c.Dir, dir, err, out)
	}
	return nil
}
