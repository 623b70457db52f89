package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"indberet/tenant"
)

// LogRetentionArgs is the daily retention job of the logs (issue 14 #13): it removes from
// the audit log, the CPR access log and its index by CPR number the months that ended longer
// ago than the retention period (LOG_RETENTION), by dropping their partitions (00024), and
// makes the partitions of the coming months. Each log in a transaction of its own, with an
// audit record of what changed (tenant.Tx.KeepLog).
type LogRetentionArgs struct{}

// Kind is River's name of the job.
func (LogRetentionArgs) Kind() string { return "log_retention" }

// InsertOpts keeps one run a day in the queue.
func (LogRetentionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 24 * time.Hour}}
}

// DefaultLogRetentionMonths is the retention period of the logs when LOG_RETENTION is not
// set: 5 years.
const DefaultLogRetentionMonths = 60

// RetentionActor is who the audit log names for the retention job's changes.
const RetentionActor = "system:opbevaring"

// LogRetentionWorker works LogRetentionArgs.
type LogRetentionWorker struct {
	river.WorkerDefaults[LogRetentionArgs]
	deps Deps
}

// Work keeps each log for the period of Deps.LogRetentionMonths. A log that fails (e.g. its
// lock not granted in time) fails the job, which River runs again later; the logs before it
// keep their changes.
func (w *LogRetentionWorker) Work(ctx context.Context, job *river.Job[LogRetentionArgs]) error {
	keep := w.deps.LogRetentionMonths
	if keep == 0 {
		keep = DefaultLogRetentionMonths
	}
	scope := tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: RetentionActor}}
	changed := 0
	for _, log := range tenant.Logs {
		var changes []tenant.LogPartitionChange
		err := w.deps.DB.InScope(ctx, scope, func(tx *tenant.Tx) (err error) {
			changes, err = tx.KeepLog(ctx, log, keep)
			return err
		})
		if err != nil {
			return fmt.Errorf("log retention: %w", err)
		}
		for _, c := range changes {
			w.deps.Logger.InfoContext(ctx, "log partition "+c.Change, "job_id", job.ID, "log", log,
				"partition", c.Partition, "records", c.Records, "keep_months", keep)
		}
		changed += len(changes)
	}
	w.deps.Logger.InfoContext(ctx, "log retention done", "job_id", job.ID, "keep_months", keep, "partitions_changed", changed)
	return nil
}

// logRetentionPeriodicJob runs the retention every night (LogRetentionSchedule) and when the
// worker starts, so that a worker that was down for a while catches up at once.
func logRetentionPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(LogRetentionSchedule,
		func() (river.JobArgs, *river.InsertOpts) { return LogRetentionArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
