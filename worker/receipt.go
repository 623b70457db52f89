package worker

import (
	"context"

	"github.com/riverqueue/river"
)

// ReceiptArgs is the receipt of one leverance to the kommune's Kvitteringsmodtager (I3, K3):
// enqueued by the delivery_kommune job in the transaction that stores the leverance, so it
// exists exactly when the leverance does.
type ReceiptArgs struct {
	Kommune     string `json:"kommune"`
	LeveranceID int64  `json:"leverance_id"`
}

// Kind is River's name of the job.
func (ReceiptArgs) Kind() string { return "receipt_email" }

// InsertOpts keeps one receipt per leverance in the queue.
func (ReceiptArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ReceiptWorker works ReceiptArgs. For now it only logs and completes: the e-mail itself
// (go-mail to the Kvitteringsmodtager's address, with the counts of the leverance, I3) is a
// later part of the delivery issue; this job is the hook it will fill.
type ReceiptWorker struct {
	river.WorkerDefaults[ReceiptArgs]
	deps Deps
}

// Work logs the receipt that is to be sent.
func (w *ReceiptWorker) Work(ctx context.Context, job *river.Job[ReceiptArgs]) error {
	w.deps.Logger.InfoContext(ctx, "receipt e-mail not sent yet (later part of the delivery issue)",
		"job_id", job.ID, "kommune", job.Args.Kommune, "leverance_id", job.Args.LeveranceID)
	return nil
}
