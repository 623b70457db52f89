package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// The catch-up (I9): River keeps the schedule of the run of the 14th in the leader's memory,
// so a run missed while no worker ran, or a kommune whose run failed, would never be
// delivered. delivery_catchup runs when a worker starts (on the elected leader) and every
// catchUpInterval: every active kommune whose next periode (I7) is late (domain.Forsinket:
// not delivered by the 14th at 02:00 plus domain.Indhentningsfrist) gets a delivery_kommune
// job for that periode and for each late periode after it (at most catchUpMost at a time),
// in order, in one transaction with an audit record. Each job checks I7 again under the
// kommune's lock, so the periodes are delivered in order: one whose earlier periode is not
// delivered yet waits for it (delivery.go).

// catchUpInterval is how often the catch-up looks for late kommuner.
const catchUpInterval = 15 * time.Minute

// catchUpMost is how many periodes of one kommune a catch-up enqueues at most: a year. A
// kommune further behind (a first periode set long ago) gets the rest from the next checks.
const catchUpMost = 12

// CatchUpArgs starts the catch-up.
type CatchUpArgs struct{}

// Kind is River's name of the job.
func (CatchUpArgs) Kind() string { return "delivery_catchup" }

// CatchUpWorker works CatchUpArgs.
type CatchUpWorker struct {
	river.WorkerDefaults[CatchUpArgs]
	deps Deps
}

// Work enqueues the next periode of every late kommune and completes the job, in one
// transaction. River keeps one job per kommune and periode in the queue (a running or
// retried delivery is not doubled); one given up (discarded) is enqueued again.
func (w *CatchUpWorker) Work(ctx context.Context, job *river.Job[CatchUpArgs]) error {
	now := w.deps.now()
	var enqueued []DeliveryKommuneArgs
	scope := tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: DeliveryActor}}
	err := w.deps.DB.InScope(ctx, scope, func(tx *tenant.Tx) error {
		enqueued = nil
		ks, err := tx.KommunePerioder(ctx)
		if err != nil {
			return err
		}
		var late []DeliveryKommuneArgs
		for _, k := range ks {
			if !k.Aktiv {
				continue
			}
			due := domain.ForfaldenPeriode(now)
			p := domain.NaestePeriode(k.SenestLeveret, k.FoerstePeriode)
			for n := 0; n < catchUpMost && p <= due; n++ {
				late = append(late, DeliveryKommuneArgs{Kommune: k.Kode, Periode: p})
				p = domain.PeriodeAdd(p, 1)
			}
		}
		if len(late) > 0 {
			params := make([]river.InsertManyParams, len(late))
			for i, a := range late {
				params[i] = river.InsertManyParams{Args: a}
			}
			res, err := river.ClientFromContext[pgx.Tx](ctx).InsertManyTx(ctx, tx.RiverTx(), params)
			if err != nil {
				return fmt.Errorf("enqueue late deliveries: %w", err)
			}
			for i, r := range res {
				if !r.UniqueSkippedAsDuplicate {
					enqueued = append(enqueued, late[i])
				}
			}
		}
		if len(enqueued) > 0 {
			kommuner := map[string][]string{}
			for _, a := range enqueued {
				kommuner[a.Kommune] = append(kommuner[a.Kommune], a.Periode)
			}
			if err := tx.Audit(ctx, tenant.AuditEntry{Action: "levering.indhent", Entity: "levering",
				EntityID: domain.ForfaldenPeriode(now), After: map[string]any{"perioder": kommuner}}); err != nil {
				return err
			}
		}
		_, err = river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx.RiverTx(), job)
		return err
	})
	if err != nil {
		return err
	}
	if len(enqueued) > 0 {
		w.deps.Logger.InfoContext(ctx, "late deliveries enqueued", "job_id", job.ID, "due", domain.ForfaldenPeriode(now),
			"deliveries", enqueued)
	}
	return nil
}

// catchUpPeriodicJob runs the catch-up when the worker starts and every catchUpInterval.
func catchUpPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(catchUpInterval),
		func() (river.JobArgs, *river.InsertOpts) { return CatchUpArgs{}, nil },
		&river.PeriodicJobOpts{ID: "delivery_catchup", RunOnStart: true})
}
