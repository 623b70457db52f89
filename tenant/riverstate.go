package tenant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// River's own tables as DST's and the platform administrators' *Driftsstatus* and /metrics
// read them (issue 15, the run's health): the leader, the last run of each periodic job, the
// jobs that failed, and the jobs by kind and state. River's tables hold no kommune data and
// have no row-level security, so these read through the pool, outside any scope; only a
// job's kind, state, attempts, times, last error and the kommune of its arguments are read,
// never the rest of its arguments. River's client has no call for these (JobList gives one
// kind's jobs at a time and no counts), so they are SQL here like every other statement.

// RiverLeader is River's elected leader, the worker that runs the periodic jobs and the
// maintenance (river_leader).
type RiverLeader struct {
	ID                   string
	ElectedAt, ExpiresAt time.Time
}

// RiverLeader returns the leader, or nil when none is elected (no worker runs, or the last
// one's term has expired and none took over yet).
func (db *DB) RiverLeader(ctx context.Context) (*RiverLeader, error) {
	var l RiverLeader
	err := db.pool.QueryRow(ctx, `SELECT leader_id, elected_at, expires_at FROM river_leader ORDER BY elected_at DESC LIMIT 1`).
		Scan(&l.ID, &l.ElectedAt, &l.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("river leader: %w", err)
	}
	return &l, nil
}

// RiverJobRun is the newest job of a kind River keeps (finished jobs are kept 24 hours,
// discarded ones 7 days).
type RiverJobRun struct {
	Kind        string
	ID          int64
	State       string // River's: available, running, completed, retryable, discarded …
	CreatedAt   time.Time
	FinalizedAt *time.Time // when it finished; nil while not
}

// RiverLastRuns returns the newest job of each of kinds that River keeps; a kind without one
// is left out.
func (db *DB) RiverLastRuns(ctx context.Context, kinds []string) ([]RiverJobRun, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT ON (kind) kind, id, state::text, created_at, finalized_at
		FROM river_job WHERE kind = ANY($1) ORDER BY kind, id DESC`, kinds)
	if err != nil {
		return nil, fmt.Errorf("last runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RiverJobRun, error) {
		var j RiverJobRun
		err := r.Scan(&j.Kind, &j.ID, &j.State, &j.CreatedAt, &j.FinalizedAt)
		return j, err
	})
	if err != nil {
		return nil, fmt.Errorf("last runs: %w", err)
	}
	return runs, nil
}

// RiverFailedJob is a job that gave up (discarded) or waits to be tried again after a failed
// attempt (retryable).
type RiverFailedJob struct {
	ID                   int64
	Kind, State          string
	Kommune              string // the kommune of its arguments; "" when none
	Attempt, MaxAttempts int
	Error                string     // its last attempt's error
	At                   *time.Time // when that attempt failed
}

// RiverFailedJobs returns the newest limit jobs in state discarded or retryable, newest
// first, and whether there are more.
func (db *DB) RiverFailedJobs(ctx context.Context, limit int) ([]RiverFailedJob, bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, kind, state::text, coalesce(args->>'kommune', ''), attempt, max_attempts,
			coalesce(errors[cardinality(errors)]->>'error', ''), (errors[cardinality(errors)]->>'at')::timestamptz
		FROM river_job WHERE state IN ('discarded', 'retryable') ORDER BY id DESC LIMIT $1`, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("failed jobs: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RiverFailedJob, error) {
		var j RiverFailedJob
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

// RiverJobCount is how many of River's jobs of one kind are in one state.
type RiverJobCount struct {
	Kind  string // e.g. delivery_kommune
	State string // River's: available, running, retryable, completed, discarded, cancelled …
	Count int
}

// RiverJobCounts counts River's jobs by kind and state, for /metrics (package metrics). River
// keeps a finished job for a while only (completed and cancelled 24 hours, discarded 7 days:
// its cleaner's defaults), so these are the recent ones and those still to be worked. The
// kinds are package worker's, a few.
func (db *DB) RiverJobCounts(ctx context.Context) ([]RiverJobCount, error) {
	rows, err := db.pool.Query(ctx, `SELECT kind, state::text, count(*) FROM river_job GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("job counts: %w", err)
	}
	counts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RiverJobCount, error) {
		var c RiverJobCount
		err := r.Scan(&c.Kind, &c.State, &c.Count)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("job counts: %w", err)
	}
	return counts, nil
}
