package worker

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"indberet/tenant"
)

// CPRIndexArgs writes the index rows of the CPR access log (00019): every minute, each
// kommune's records that wait in cpr_access_log_nye get their rows in cpr_access_log_cprs
// (one per CPR number, "who saw this CPR number"), in one sorted insert, instead of 50
// scattered inserts in every request that shows a list page. The look-up by CPR number reads
// the waiting records too, so nothing is missing meanwhile.
type CPRIndexArgs struct{}

// Kind is River's name of the job.
func (CPRIndexArgs) Kind() string { return "cpr_access_index" }

// InsertOpts keeps one run per interval in the queue.
func (CPRIndexArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: cprIndexInterval}}
}

// cprIndexInterval is how often the waiting records are indexed.
const cprIndexInterval = time.Minute

// CPRIndexWorker works CPRIndexArgs.
type CPRIndexWorker struct {
	river.WorkerDefaults[CPRIndexArgs]
	deps Deps
}

// Work indexes every kommune's waiting records, and the platform's, one kommune per
// transaction: a record leaves the waiting list in the statement that writes its rows, so a
// worker killed midway leaves it waiting for the next run, never half indexed.
func (w *CPRIndexWorker) Work(ctx context.Context, job *river.Job[CPRIndexArgs]) error {
	koder, err := kommuneKoder(ctx, w.deps, true)
	if err != nil {
		return err
	}
	var records int64
	err = eachKommune(ctx, w.deps, koder, systemActor, func(tx *tenant.Tx) error {
		n, err := tx.IndexCPRAccess(ctx)
		records += n
		return err
	})
	if err != nil {
		return err
	}
	if records > 0 {
		w.deps.Logger.InfoContext(ctx, "cpr access records indexed", "job_id", job.ID, "records", records)
	}
	return nil
}
