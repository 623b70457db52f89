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
	// Now is the clock of the deliveries: which periode is due, late or ended (I1, I7, I9);
	// nil: time.Now. Tests set it to start a worker "after the 14th".
	Now func() time.Time
}

// now is the time by d's clock.
func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Client is the River client of the app.
type Client = river.Client[pgx.Tx]

// Options choose what a client does.
type Options struct {
	// Work makes the client fetch and work jobs and run the periodic ones (on the elected
	// leader). Without it the client only inserts.
	Work bool
	// MaxWorkers is the number of jobs of the default queue worked at once (default:
	// defaultQueueWorkers of the pool).
	MaxWorkers int
	// SoftStopTimeout is how long a stop waits for running jobs before cancelling them.
	SoftStopTimeout time.Duration
	// NoPeriodic makes a working client leave the periodic jobs (the delivery run of the
	// 14th, the cleanup) to the worker processes: for `indberet deliver --wait`, which works
	// the jobs of the run it started, and for tests that start runs themselves.
	NoPeriodic bool
	// RescueStuckJobsAfter, when set, cuts every kind's rescue (its time limit and the margin
	// after it, see jobLimits) to at most this: only the kill-and-restart tests set it
	// (`indberet worker --rescue-stuck-after 20s`) so that a rescue comes within the test.
	RescueStuckJobsAfter time.Duration
}

// Each kind has a time limit: its attempt's context ends then and its transaction rolls back,
// so no live attempt runs past it. River's rescuer (on the leader, every 30 seconds) takes a
// job still marked running rescueMargin after its limit for dead, its process killed or lost,
// and schedules it again with River's backoff (issue 14 #8: a killed export stayed "I gang"
// for River's default hour). The margin is for what an attempt still does after its limit:
// the failed export's own short transaction (eksportFejlTimeout), the rollback, River's
// completion of the job, the clocks of the leader and the database. River rescues a job once
// it has run its Timeout (and the client's RescueStuckJobsAfter), and cancels the attempt's
// context at the same Timeout: so a kind's Timeout is its limit + the margin (attemptLimit)
// and its Work applies the limit itself; the short kinds keep River's context, whose
// deadline is the client's JobTimeout (their limit), and are rescued after the client's
// RescueStuckJobsAfter, the limit + the margin.
//
// The worst cases are README Performance's, at national scale on a dedicated 2-core bench.
// fly.toml runs the worker on shared-cpu-2x: shared vCPUs that Fly throttles to 1/16 of the
// time once their burst balance is spent, so a CPU-bound job can take 16 times as long there,
// twice that again when the two exports or the two deliveries share them. The limits leave
// several times that, since a healthy job cut at its limit would be cut at every attempt and
// lost:
//
//	eksport           ≤ 5 s: the largest kommune's CPR list (2.7–4.1 s); 16 × 2 × 5 s
//	                  = 160 s throttled. The fejlopgørelse checks every sag and
//	                  ydelse against the rules and is not measured: several
//	                  times the list                                        eksportTimeout 10 min
//	delivery_kommune  about 25 s: København, a ninth of the 98-kommune run (≤ 120 s, two
//	                  at a time); 16 × 2 × 25 s = 13 min throttled. A second periode
//	                  of the kommune waits for it (LockLeverancer)          deliveryTimeout 30 min
//	receipt_email     one SMTP conversation, at most mailTimeout (30 s)        5 min
//	delivery_run, delivery_catchup, cleanup, eksport_cleanup, list_counts, cpr_access_index, log_retention:
//	                  seconds, a minute or two throttled (the CPR index job
//	                  commits each kommune, so a cut run leaves the rest to
//	                  the next; the retention job waits at most 3 s for each
//	                  log's lock)                                           shortJobTimeout 5 min
//
// A stalled job is shown as such after its limit: an export's page by its attempt's deadline
// (tenant.Eksport.GaaetIStaa), DST's Leveringsoversigt by DeliveriesInProgress.
const (
	shortJobTimeout = 5 * time.Minute
	rescueMargin    = time.Minute
)

// limits are the time limits of a client's kinds and the margin after them.
type limits struct {
	short, delivery, eksport, margin time.Duration
}

// jobLimits are the limits above for o. With o.RescueStuckJobsAfter set, every kind's limit
// and margin together are cut to at most it: the margin to half of it, each limit to the rest.
func jobLimits(o Options) limits {
	l := limits{short: shortJobTimeout, delivery: deliveryTimeout, eksport: eksportTimeout, margin: rescueMargin}
	if r := o.RescueStuckJobsAfter; r > 0 {
		l.margin = min(l.margin, r/2)
		most := r - l.margin
		l.short, l.delivery, l.eksport = min(l.short, most), min(l.delivery, most), min(l.eksport, most)
	}
	return l
}

// attemptLimit is the limit of a kind whose attempts may run longer than the short kinds':
// River is told limit + margin (Timeout), Work applies limit (start).
type attemptLimit struct {
	limit, margin time.Duration
}

// timeout is the kind's Timeout for River: when the rescuer may take a running job for dead.
func (a attemptLimit) timeout() time.Duration { return a.limit + a.margin }

// start bounds an attempt's ctx by the limit.
func (a attemptLimit) start(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, a.limit)
}

// The workers' pool (Deps.DB: DATABASE_POOL_MAX connections, half of them in `serve`) is
// shared by River and the jobs, and no job should wait for another's connection. River takes
// its LISTEN connection out of the pool (the pool opens another in its place) and keeps
// riverConns for its own short queries: fetching and completing jobs, the leader's
// maintenance, River UI's pages. Each delivery holds one connection for its transaction
// (deliveryQueueWorkers at once), each export one for its transaction and for moments a
// second for its progress (eksportQueueWorkers at once): longQueueConns. Every job of the
// default queue holds one at a time. So the default queue works what is left, at most 10
// (River's default) and at least 1: with DATABASE_POOL_MAX 20, 10 in `indberet worker`
// (20 − 2 − 6 = 12) and 2 in `serve` (10 − 2 − 6).
const (
	riverConns     = 2
	longQueueConns = deliveryQueueWorkers + 2*eksportQueueWorkers
)

// defaultQueueWorkers is how many jobs of the default queue a client on a pool of conns
// connections works at once (see above).
func defaultQueueWorkers(conns int) int {
	return min(10, max(1, conns-riverConns-longQueueConns))
}

// NewClient builds the River client.
func NewClient(d Deps, o Options) (*Client, error) {
	// A mistyped SMTP_URL stops the process at its start, not each receipt after its retries.
	if d.Mail.SMTPURL != "" {
		if _, err := d.Mail.smtpClient(); err != nil {
			return nil, err
		}
	}
	l := jobLimits(o)
	cfg := &river.Config{
		Logger:               d.Logger,
		SoftStopTimeout:      o.SoftStopTimeout,
		JobTimeout:           l.short,
		RescueStuckJobsAfter: l.short + l.margin,
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &CleanupWorker{deps: d})
	river.AddWorker(workers, &DeliveryRunWorker{deps: d})
	river.AddWorker(workers, &DeliveryKommuneWorker{deps: d, limit: attemptLimit{l.delivery, l.margin}})
	river.AddWorker(workers, &CatchUpWorker{deps: d})
	river.AddWorker(workers, &ReceiptWorker{deps: d})
	river.AddWorker(workers, &ListCountsWorker{deps: d})
	river.AddWorker(workers, &CPRIndexWorker{deps: d})
	// The exports (E1, E2): export.go, export_cleanup.go.
	river.AddWorker(workers, &EksportWorker{deps: d, limit: attemptLimit{l.eksport, l.margin}})
	river.AddWorker(workers, &EksportCleanupWorker{deps: d})
	river.AddWorker(workers, &LogRetentionWorker{deps: d})
	cfg.Workers = workers
	if o.Work {
		if o.MaxWorkers <= 0 {
			o.MaxWorkers = defaultQueueWorkers(int(d.DB.Stat().MaxConns()))
		}
		cfg.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: o.MaxWorkers},
			QueueLevering:      {MaxWorkers: deliveryQueueWorkers, FetchCooldown: deliveryFetchCooldown},
			QueueEksport:       {MaxWorkers: eksportQueueWorkers},
		}
		if !o.NoPeriodic {
			cfg.PeriodicJobs = periodicJobs(d)
		}
	}
	c, err := river.NewClient(riverpgxv5.New(d.DB.DriverPool()), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}

func periodicJobs(d Deps) []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		deliveryPeriodicJob(d.now),
		catchUpPeriodicJob(),
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
