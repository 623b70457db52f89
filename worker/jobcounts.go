package worker

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
)

// JobCount is how many of River's jobs of one kind are in one state.
type JobCount struct {
	Kind  string // e.g. delivery_kommune
	State string // River's: available, running, retryable, completed, discarded, cancelled …
	Count int
}

// JobCounts counts River's jobs by kind and state, for /metrics (package metrics; issue 15,
// the run's health). River keeps a finished job for a while only (completed and cancelled
// 24 hours, discarded 7 days: its cleaner's defaults), so these are the recent ones and
// those still to be worked. The kinds are this package's, a few; river_job has no kommune
// data and no row-level security.
func JobCounts(ctx context.Context, db *tenant.DB) ([]JobCount, error) {
	rows, err := db.Pool.Query(ctx, `SELECT kind, state::text, count(*) FROM river_job GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("job counts: %w", err)
	}
	counts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (JobCount, error) {
		var c JobCount
		err := r.Scan(&c.Kind, &c.State, &c.Count)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("job counts: %w", err)
	}
	return counts, nil
}
