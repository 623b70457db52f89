package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// CleanupArgs is the hourly housekeeping job: it deletes ended sessions and expired login
// throttle records.
type CleanupArgs struct{}

// Kind is River's name of the job.
func (CleanupArgs) Kind() string { return "cleanup" }

// InsertOpts keeps one cleanup at a time in the queue.
func (CleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// CleanupWorker works CleanupArgs.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	deps Deps
}

// Work deletes what has expired.
func (w *CleanupWorker) Work(ctx context.Context, job *river.Job[CleanupArgs]) error {
	sessions, err := w.deps.DB.PurgeExpiredSessions(ctx, time.Now())
	if err != nil {
		return fmt.Errorf("purge sessions: %w", err)
	}
	throttles, err := w.deps.Accounts.PurgeThrottle(ctx)
	if err != nil {
		return err
	}
	w.deps.Logger.InfoContext(ctx, "cleanup done", "job_id", job.ID, "sessions_deleted", sessions, "throttles_deleted", throttles)
	return nil
}
