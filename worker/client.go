// Package worker runs the background jobs on River, in the same PostgreSQL as the data: the
// River client (client.go) and one file per job kind. `indberet serve` starts the client
// inside the web process, `indberet worker` alone; a web-only process gets an insert-only
// client so that handlers can enqueue jobs in their own transaction (InsertTx).
package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"indberet/tenant"
	"indberet/tenant/accounts"
)

// Deps is what the jobs need.
type Deps struct {
	DB       *tenant.DB
	Accounts *accounts.Store
	Logger   *slog.Logger
	Mail     MailConfig // how e-mails are sent (mail.go); zero: recorded, not sent
	// LogRetentionMonths is how long the logs are kept (LOG_RETENTION, retention.go); 0:
	// DefaultLogRetentionMonths.
	LogRetentionMonths int
}

// Client is the River client of the app.
type Client = river.Client[pgx.Tx]

// Options choose what a client does.
type Options struct {
	// Work makes the client fetch and work jobs and run the periodic ones (on the elected
	// leader). Without it the client only inserts.
	Work bool
	// MaxWorkers is the number of jobs worked at once (default 10).
	MaxWorkers int
	// SoftStopTimeout is how long a stop waits for running jobs before cancelling them.
	SoftStopTimeout time.Duration
	// NoPeriodic makes a working client leave the periodic jobs (the delivery run of the
	// 14th, the cleanup) to the worker processes: for `indberet deliver --wait`, which works
	// the jobs of the run it started, and for tests that start runs themselves.
	NoPeriodic bool
	// RescueStuckJobsAfter, when set, cuts every kind's time limit (see jobLimits) and so its
	// rescue to at most this: only the kill-and-restart tests set it
	// (`indberet worker --rescue-stuck-after 10s`) so that a rescue comes within the test.
	RescueStuckJobsAfter time.Duration
}

// Each kind's time limit is its worst case with a margin, and River's rescuer (on the leader)
// takes a job still running after its limit for dead and runs it again (issue 14 #8: a killed
// export stayed "I gang" for River's default hour). River rescues a job that has run longer
// than the client's RescueStuckJobsAfter unless its own Timeout has not passed yet: so the
// client's is the shortest limit (shortJobTimeout, also the client's JobTimeout) and each
// long kind's Timeout is its own limit. A live attempt never runs past its limit (River
// cancels its context and its transaction rolls back), so a job running longer is dead, and
// River's rescuer, which looks every 30 seconds, runs it again within that after its limit.
// The worst cases are README Performance's, at national scale on 2 cores:
//
//	eksport           ≤ 5 s: the largest kommune's CPR list (3.3–4.1 s)        eksportTimeout 1 min
//	delivery_kommune  about 25 s: København, a ninth of the 98-kommune run (≤ 120 s, two at a
//	                  time); a second periode of the kommune waits for it      deliveryTimeout 5 min
//	receipt_email     one SMTP conversation, at most mailTimeout (30 s)        1 min
//	delivery_run, cleanup, eksport_cleanup, list_counts, cpr_access_index, log_retention:
//	                  seconds (the CPR index job commits each kommune, so a
//	                  cut run leaves the rest to the next; the retention job
//	                  waits at most 3 s for each log's lock)                   1 min
//
// A stalled job is shown as such: an export's page by its attempt's deadline
// (tenant.Eksport.GaaetIStaa), DST's Leveringsoversigt by DeliveriesInProgress.
const shortJobTimeout = river.JobTimeoutDefault

// jobLimits are the client's JobTimeout and RescueStuckJobsAfter and the long kinds' limits
// for o: the limits above, each cut to o.RescueStuckJobsAfter when that is set.
func jobLimits(o Options) (short, delivery, eksport time.Duration) {
	short, delivery, eksport = shortJobTimeout, deliveryTimeout, eksportTimeout
	if r := o.RescueStuckJobsAfter; r > 0 {
		short, delivery, eksport = min(short, r), min(delivery, r), min(eksport, r)
	}
	return short, delivery, eksport
}

// NewClient builds the River client.
func NewClient(d Deps, o Options) (*Client, error) {
	// A mistyped SMTP_URL stops the process at its start, not each receipt after its retries.
	if d.Mail.SMTPURL != "" {
		if _, err := d.Mail.smtpClient(); err != nil {
			return nil, err
		}
	}
	short, delivery, eksport := jobLimits(o)
	cfg := &river.Config{
		Logger:               d.Logger,
		SoftStopTimeout:      o.SoftStopTimeout,
		JobTimeout:           short,
		RescueStuckJobsAfter: short,
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &CleanupWorker{deps: d})
	river.AddWorker(workers, &DeliveryRunWorker{deps: d})
	river.AddWorker(workers, &DeliveryKommuneWorker{deps: d, timeout: delivery})
	river.AddWorker(workers, &ReceiptWorker{deps: d})
	river.AddWorker(workers, &ListCountsWorker{deps: d})
	river.AddWorker(workers, &CPRIndexWorker{deps: d})
	// The exports (E1, E2): export.go, export_cleanup.go.
	river.AddWorker(workers, &EksportWorker{deps: d, timeout: eksport})
	river.AddWorker(workers, &EksportCleanupWorker{deps: d})
	river.AddWorker(workers, &LogRetentionWorker{deps: d})
	cfg.Workers = workers
	if o.Work {
		if o.MaxWorkers <= 0 {
			o.MaxWorkers = 10
		}
		cfg.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: o.MaxWorkers},
			QueueLevering:      {MaxWorkers: deliveryQueueWorkers},
			QueueEksport:       {MaxWorkers: eksportQueueWorkers},
		}
		if !o.NoPeriodic {
			cfg.PeriodicJobs = periodicJobs()
		}
	}
	c, err := river.NewClient(riverpgxv5.New(d.DB.Pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}

func periodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		deliveryPeriodicJob(),
		river.NewPeriodicJob(river.PeriodicInterval(listCountsInterval),
			func() (river.JobArgs, *river.InsertOpts) { return ListCountsArgs{}, nil }, nil),
		river.NewPeriodicJob(river.PeriodicInterval(cprIndexInterval),
			func() (river.JobArgs, *river.InsertOpts) { return CPRIndexArgs{}, nil }, nil),
		eksportCleanupPeriodicJob(),
		logRetentionPeriodicJob(),
	}
}

// Run starts c and blocks until ctx ends, then stops it gracefully: running jobs get the
// client's SoftStopTimeout to finish, then are cancelled (River retries them later; nothing
// is lost).
func Run(ctx context.Context, c *Client) error {
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return c.Stop(stopCtx)
}
