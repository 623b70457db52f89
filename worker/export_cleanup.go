package worker

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"indberet/tenant"
)

// EksportCleanupArgs is the hourly job that deletes the exports past their expiry
// (tenant.EksportLevetid, 14 days after they were finished or ordered) with their files.
type EksportCleanupArgs struct{}

// Kind is River's name of the job.
func (EksportCleanupArgs) Kind() string { return "eksport_cleanup" }

// InsertOpts keeps one cleanup at a time in the queue.
func (EksportCleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// EksportCleanupWorker works EksportCleanupArgs.
type EksportCleanupWorker struct {
	river.WorkerDefaults[EksportCleanupArgs]
	deps Deps
}

// Work finds the kommuner with expired exports (a read-all scope) and deletes them in each
// kommune's own scope, with an audit record there.
func (w *EksportCleanupWorker) Work(ctx context.Context, job *river.Job[EksportCleanupArgs]) error {
	now := time.Now()
	actor := tenant.Actor{Email: EksportActor}
	var kommuner []string
	err := w.deps.DB.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: actor}, func(tx *tenant.Tx) (err error) {
		kommuner, err = tx.UdloebneEksportKommuner(ctx, now)
		return err
	})
	if err != nil {
		return err
	}
	deleted := 0
	err = eachKommune(ctx, w.deps, kommuner, actor, func(tx *tenant.Tx) error {
		n, err := tx.SletUdloebneEksporter(ctx, now)
		deleted += n
		return err
	})
	if err != nil {
		return err
	}
	w.deps.Logger.InfoContext(ctx, "export cleanup done", "job_id", job.ID, "exports_deleted", deleted, "kommuner", len(kommuner))
	return nil
}

// eksportCleanupPeriodicJob runs the cleanup every hour (and at start).
func eksportCleanupPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return EksportCleanupArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
