package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
)

// The River tables DST's and the platform administrators' *Driftsstatus* reads (issue 15,
// the run's health): the leader, the last run of each periodic job, the jobs that failed.
// River's tables hold no kommune data and have no row-level security; only a job's kind,
// state, attempts, times, last error and the kommune of its arguments are read, never the
// rest of its arguments.

// Leader is River's elected leader, the worker that runs the periodic jobs and the
// maintenance (river_leader).
type Leader struct {
	ID                   string
	ElectedAt, ExpiresAt time.Time
}

// RiverLeader returns the leader, or nil when none is elected (no worker runs, or the last
// one's term has expired and none took over yet).
func RiverLeader(ctx context.Context, db *tenant.DB) (*Leader, error) {
	var l Leader
	err := db.Pool.QueryRow(ctx, `SELECT leader_id, elected_at, expires_at FROM river_leader ORDER BY elected_at DESC LIMIT 1`).
		Scan(&l.ID, &l.ElectedAt, &l.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("river leader: %w", err)
	}
	return &l, nil
}

// PeriodicKinds are the kinds of the periodic jobs (periodicJobs in client.go), in the
// order the Driftsstatus shows them.
var PeriodicKinds = []string{
	DeliveryRunArgs{}.Kind(), CatchUpArgs{}.Kind(), CleanupArgs{}.Kind(), LogRetentionArgs{}.Kind(),
	EksportCleanupArgs{}.Kind(), ListCountsArgs{}.Kind(), CPRIndexArgs{}.Kind(),
}

// JobRun is the newest job of a kind River keeps (finished jobs are kept 24 hours,
// discarded ones 7 days).
type JobRun struct {
	Kind        string
	ID          int64
	State       string // River's: available, running, completed, retryable, discarded …
	CreatedAt   time.Time
	FinalizedAt *time.Time // when it finished; nil while not
}

// LastRuns returns the newest job of each of kinds that River keeps; a kind without one is
// left out.
func LastRuns(ctx context.Context, db *tenant.DB, kinds []string) ([]JobRun, error) {
	rows, err := db.Pool.Query(ctx, `SELECT DISTINCT ON (kind) kind, id, state::text, created_at, finalized_at
		FROM river_job WHERE kind = ANY($1) ORDER BY kind, id DESC`, kinds)
	if err != nil {
		return nil, fmt.Errorf("last runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (JobRun, error) {
		var j JobRun
		err := r.Scan(&j.Kind, &j.ID, &j.State, &j.CreatedAt, &j.FinalizedAt)
		return j, err
	})
	if err != nil {
		return nil, fmt.Errorf("last runs: %w", err)
	}
	return runs, nil
}

// FailedJob is a job that gave up (discarded) or waits to be tried again after a failed
// attempt (retryable).
type FailedJob struct {
	ID                   int64
	Kind, State          string
	Kommune              string // the kommune of its arguments; "" when none
	Attempt, MaxAttempts int
	Error                string     // its last attempt's error
	At                   *time.Time // when that attempt failed
}

// FailedJobs returns the newest limit jobs in state discarded or retryable, newest first,
// and whether there are more.
func FailedJobs(ctx context.Context, db *tenant.DB, limit int) ([]FailedJob, bool, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, kind, state::text, coalesce(args->>'kommune', ''), attempt, max_attempts,
			coalesce(errors[cardinality(errors)]->>'error', ''), (errors[cardinality(errors)]->>'at')::timestamptz
		FROM river_job WHERE state IN ('discarded', 'retryable') ORDER BY id DESC LIMIT $1`, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("failed jobs: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FailedJob, error) {
		var j FailedJob
		err := r.Scan(&j.ID, &j.Kind, &j.State, &j.Kommune, &j.Attempt, &j.MaxAttempts, &j.Error, &j.At)
		return j, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("failed jobs: %w", err)
	}
	if len(jobs) > limit {
		return jobs[:limit], true, nil
	}
	return jobs, false, nil
}
