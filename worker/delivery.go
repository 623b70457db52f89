package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// The delivery (I1–I6) as two job kinds:
//
//   - delivery_run (DeliveryRunArgs) enqueues one delivery_kommune job per active kommune
//     whose next periode (I7) is the run's, all in one transaction with its own completion.
//     The periodic schedule starts it on the 14th (I1); a run by hand (`indberet deliver`,
//     *Start levering*) enqueues the kommune jobs itself (StartDeliveryTx).
//   - delivery_kommune (DeliveryKommuneArgs) delivers one kommune for one periode in ONE
//     transaction: it writes the document, stores the leverance, marks what it holds as
//     delivered, enqueues the receipt e-mail and completes its own job. A crash
//     at any point leaves either all of it or none of it (I2); River's rescuer retries a job
//     whose worker died. River's unique options keep a second job for the same kommune and
//     periode out of the queue, and the unique key of leverancer makes a second delivery
//     impossible in the database: a job that finds the periode delivered completes doing
//     nothing. Under the kommune's lock it checks I7 again: a periode that is not the
//     kommune's next is cancelled with the reason, or waits when an earlier one is missing.
//
// The delivery reads every CPR number of the kommune's data for DST, system to system, and
// shows them to no person: it writes no CPR access record. It stores the CPR numbers of the
// document beside it (tenant.NewLeverance.CPRs), and a download of the document, the read
// that shows them to a person, records them all (tenant.DB.DownloadLeverance).

// DeliveryActor is the actor of the delivery jobs in the audit log.
const DeliveryActor = "system:levering"

// QueueLevering is the queue of the kommune jobs. It works few jobs at once: each holds one
// database connection for its duration, and the part of its document being compressed.
const QueueLevering = "levering"

// deliveryQueueWorkers is how many kommuner are delivered at once by one worker process.
const deliveryQueueWorkers = 2

// deliveryFetchCooldown is how soon the levering queue fetches its next job after the last
// fetch (River's default for every queue: 100 ms). An ordinary month's kommune job takes
// tens of milliseconds, so with the default the 98 jobs waited for the queue's fetches more
// than they worked (issue 15: an ordinary month of all kommuner in 10 s).
const deliveryFetchCooldown = 5 * time.Millisecond

// deliveryTimeout bounds one kommune's delivery; River's rescuer runs a delivery again when
// its worker died this long (and rescueMargin) after it started: about twice København's
// delivery at national scale on the worker's throttled shared CPUs (client.go has the numbers).
const deliveryTimeout = 30 * time.Minute

// deliveryMaxAttempts: a failing kommune is retried with River's backoff (attempt⁴ seconds)
// for about a day, then given up (discarded) and reported; DST starts it again by hand.
const deliveryMaxAttempts = 10

// notNextSnooze is how long a kommune's delivery waits when an earlier periode of the
// kommune is still undelivered (I7) before it looks again: a lock that is free and one query.
// The earlier one is normally queued just before it and delivered within seconds.
const notNextSnooze = 15 * time.Second

// DeliveryRunArgs starts a delivery run for a periode: every active kommune, or only those
// in Kommuner. Build it with NewDeliveryRun so equal runs have equal args (River's
// uniqueness compares the encoded args).
type DeliveryRunArgs struct {
	Periode  string   `json:"periode"`
	Kommuner []string `json:"kommuner,omitempty"`
}

// NewDeliveryRun returns the args of a run of periode for kommuner (none: every active one),
// sorted and without duplicates.
func NewDeliveryRun(periode string, kommuner []string) DeliveryRunArgs {
	k := slices.Clone(kommuner)
	slices.Sort(k)
	return DeliveryRunArgs{Periode: periode, Kommuner: slices.Compact(k)}
}

// Kind is River's name of the job.
func (DeliveryRunArgs) Kind() string { return "delivery_run" }

// InsertOpts keeps one run per periode and kommune list in the queue (also after it
// completed, as long as River keeps the completed job: 24 hours).
func (DeliveryRunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: deliveryMaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// DeliveryKommuneArgs delivers one kommune's data for one periode. With Version (2, 3, …)
// it is a genlevering (I8, genlevering.go): it makes that version of the periode, which
// must be the kommune's latest delivered one, replacing version Version-1, with Aarsag.
type DeliveryKommuneArgs struct {
	Kommune string `json:"kommune"`
	Periode string `json:"periode"`
	Version int    `json:"version,omitempty"`
	Aarsag  string `json:"aarsag,omitempty"`
}

// Kind is River's name of the job.
func (DeliveryKommuneArgs) Kind() string { return "delivery_kommune" }

// InsertOpts makes the job unique per kommune, periode and version while River keeps it (the
// database makes it unique for ever: leverancer_periode_version_key).
func (DeliveryKommuneArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLevering, MaxAttempts: deliveryMaxAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// DeliveryRunWorker works DeliveryRunArgs.
type DeliveryRunWorker struct {
	river.WorkerDefaults[DeliveryRunArgs]
	deps Deps
}

// Work enqueues the kommune jobs of the run, for the kommuner whose next periode it is (I7),
// and completes the run, in one transaction. A kommune behind (an earlier periode next) is
// left to the catch-up (catchup.go), which delivers its periodes in order (I9).
func (w *DeliveryRunWorker) Work(ctx context.Context, job *river.Job[DeliveryRunArgs]) error {
	if _, _, err := domain.ParsePeriode(job.Args.Periode); err != nil {
		return river.JobCancel(err)
	}
	now := w.deps.now()
	if latest := domain.PeriodeBefore(now); job.Args.Periode > latest {
		return river.JobCancel(fmt.Errorf("periode %s er ikke afsluttet: den seneste periode, der kan leveres, er %s", job.Args.Periode, latest))
	}
	var plan runPlan
	scope := tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: DeliveryActor}}
	err := w.deps.DB.InScope(ctx, scope, func(tx *tenant.Tx) error {
		ks, err := tx.KommunePerioder(ctx)
		if err != nil {
			return err
		}
		delivered, err := tx.DeliveredKommuner(ctx, job.Args.Periode)
		if err != nil {
			return err
		}
		plan = planRun(job.Args.Periode, job.Args.Kommuner, ks, delivered, now)
		params := make([]river.InsertManyParams, len(plan.Deliver))
		for i, k := range plan.largestFirst() {
			params[i] = river.InsertManyParams{Args: DeliveryKommuneArgs{Kommune: k, Periode: job.Args.Periode}}
		}
		if len(params) > 0 {
			if _, err := river.ClientFromContext[pgx.Tx](ctx).InsertManyTx(ctx, tx.RiverTx(), params); err != nil {
				return fmt.Errorf("enqueue kommune deliveries: %w", err)
			}
		}
		_, err = river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx.RiverTx(), job)
		return err
	})
	if err != nil {
		return err
	}
	w.deps.Logger.InfoContext(ctx, "delivery run enqueued", "job_id", job.ID, "periode", job.Args.Periode,
		"kommuner", len(plan.Deliver), "delivered", plan.Delivered, "other_periode_next", plan.Refused,
		"skipped_inactive", plan.Inactive)
	return nil
}

// DeliveryKommuneWorker works DeliveryKommuneArgs.
type DeliveryKommuneWorker struct {
	river.WorkerDefaults[DeliveryKommuneArgs]
	deps  Deps
	limit attemptLimit // deliveryTimeout, or shorter in the kill-and-restart test
}

// Timeout is the delivery's limit and the margin after it (client.go): River's rescuer runs
// the job again when it is still marked running after that.
func (w *DeliveryKommuneWorker) Timeout(*river.Job[DeliveryKommuneArgs]) time.Duration {
	return w.limit.timeout()
}

// Work delivers the kommune for the periode, or completes doing nothing when the leverance
// exists. See the top of this file.
func (w *DeliveryKommuneWorker) Work(ctx context.Context, job *river.Job[DeliveryKommuneArgs]) error {
	a := job.Args
	if _, _, err := domain.ParsePeriode(a.Periode); err != nil {
		return river.JobCancel(err)
	}
	if !domain.ValidKommunekode(a.Kommune) {
		return river.JobCancel(fmt.Errorf("invalid kommunekode %q", a.Kommune))
	}
	ctx, cancel := w.limit.start(ctx)
	defer cancel()
	began, started := time.Now(), w.deps.now()
	var res deliveryResult
	scope := tenant.Scope{Kommune: a.Kommune, Actor: tenant.Actor{Email: DeliveryActor}}
	// Read committed, not repeatable read: the rows come from one statement (one snapshot),
	// and MarkIndberettet marks each only at the version that was read, failing the job (River
	// retries it) when a user saved one meanwhile. Repeatable read would also fail the job's
	// own completion whenever River touched the job row after the snapshot (a duplicate
	// insert of a unique job updates the existing row).
	err := w.deps.DB.InScope(ctx, scope, func(tx *tenant.Tx) error {
		var err error
		res, err = deliverKommune(ctx, tx, a.Periode, started, genlevering{Version: a.Version, Aarsag: a.Aarsag})
		if err != nil {
			return err
		}
		if !res.existed {
			// I3: the receipt to the Kvitteringsmodtager, enqueued with the leverance so that
			// it exists exactly when the leverance does.
			_, err = river.ClientFromContext[pgx.Tx](ctx).InsertTx(ctx, tx.RiverTx(),
				ReceiptArgs{Kommune: a.Kommune, LeveranceID: res.leverance.ID}, nil)
			if err != nil {
				return fmt.Errorf("enqueue receipt: %w", err)
			}
		}
		_, err = river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx.RiverTx(), job)
		return err
	})
	var ikkeNaeste *domain.PeriodeFejl
	if errors.As(err, &ikkeNaeste) {
		if !ikkeNaeste.IkkeAfsluttet && a.Periode > ikkeNaeste.Naeste {
			// I7: an earlier periode of the kommune is not delivered yet (the catch-up queues
			// them in order): this one waits for its turn.
			w.deps.Logger.InfoContext(ctx, "delivery waits for an earlier periode", "job_id", job.ID,
				"kommune", a.Kommune, "periode", a.Periode, "next", ikkeNaeste.Naeste)
			return river.JobSnooze(notNextSnooze)
		}
		// I7: the periode is behind the kommune's next (delivered after it, or before its
		// first periode), or has not ended: trying again would not change that. The job is
		// cancelled with the reason, which DST sees on /levering.
		return river.JobCancel(errors.New(ikkeNaeste.Besked("kommune " + a.Kommune)))
	}
	var genFejl *GenleveringFejl
	if errors.As(err, &genFejl) {
		// I8: the periode is no longer the kommune's latest, or another version came first:
		// trying again would not change that.
		return river.JobCancel(genFejl)
	}
	if errors.Is(err, tenant.ErrLeveranceExists) {
		// Cannot happen while deliveries take LockLeverancer; should it, the retry completes
		// doing nothing.
		return fmt.Errorf("kommune %s periode %s: delivered by a concurrent job: %w", a.Kommune, a.Periode, err)
	}
	if err != nil {
		return fmt.Errorf("deliver kommune %s periode %s: %w", a.Kommune, a.Periode, err)
	}
	l := res.leverance
	if res.existed {
		w.deps.Logger.InfoContext(ctx, "delivery exists, nothing to do", "job_id", job.ID, "kommune", a.Kommune,
			"periode", a.Periode, "leverance_id", l.ID)
		return nil
	}
	w.deps.Logger.InfoContext(ctx, "delivered", "job_id", job.ID, "kommune", a.Kommune, "periode", a.Periode,
		"version", l.Version, "leverance_id", l.ID, "sager", l.Tal.Sager, "ydelser", l.Tal.Ydelser, "nye", l.Tal.Nye,
		"aendrede", l.Tal.Aendrede, "afsluttede", l.Tal.Afsluttede, "neutraliserede", l.Tal.Neutraliserede,
		"bytes", l.Bytes, "sha256", l.SHA256, "duration", time.Since(began).String())
	return nil
}

// deliveryResult is what deliverKommune did: the leverance it wrote, or the one it found.
type deliveryResult struct {
	leverance tenant.Leverance
	existed   bool
}

// deliverKommune does the database work of one kommune's delivery for periode in tx: return
// the existing leverance, or write the document of everything new, changed or neutralised
// since the last delivery, store it and mark its sager and ydelser delivered.
func deliverKommune(ctx context.Context, tx *tenant.Tx, periode string, now time.Time, gen genlevering) (deliveryResult, error) {
	// One delivery of a kommune at a time, whatever the periode (I2).
	if err := tx.LockLeverancer(ctx); err != nil {
		return deliveryResult{}, err
	}
	existing, err := tx.LeveranceForPeriode(ctx, periode)
	if gen.Version > 1 {
		return redeliverKommune(ctx, tx, periode, now, gen, existing, err)
	}
	if err == nil {
		return deliveryResult{leverance: existing, existed: true}, nil
	}
	if !errors.Is(err, tenant.ErrNotFound) {
		return deliveryResult{}, err
	}
	// I7, checked again under the lock: a job queued for a periode that is no longer the
	// kommune's next (another job delivered a periode after it) or not yet (an earlier one
	// is missing) delivers nothing.
	kp, err := tx.KommunensPeriode(ctx)
	if err != nil {
		return deliveryResult{}, err
	}
	if err := domain.CheckPeriode(periode, domain.NaestePeriode(kp.SenestLeveret, kp.FoerstePeriode), now); err != nil {
		return deliveryResult{}, err
	}
	return writeLeverance(ctx, tx, deliveryHeader{Periode: periode, Created: now, ReadAll: kp.SenestLeveret == ""}, "")
}

// writeLeverance writes the document of header h (Periode, Created; for a genlevering
// Version and Replaces) of everything that goes into it, stores it as the leverance with
// aarsag and marks its sager and ydelser delivered.
func writeLeverance(ctx context.Context, tx *tenant.Tx, h deliveryHeader, aarsag string) (deliveryResult, error) {
	periode, now := h.Periode, h.Created
	contacts, err := tx.Kontaktpersoner(ctx)
	if err != nil {
		return deliveryResult{}, err
	}
	kommune := tx.Scope().Kommune
	h.Kommune, h.Contacts = kommune, contacts
	// The document streams into the database as it is written (gzip parts of 1 MiB): the
	// job's memory is a part and the per-row list of what to mark (see document), not the
	// document.
	id, err := tx.ReserveLeveranceID(ctx)
	if err != nil {
		return deliveryResult{}, err
	}
	out := tx.NewLeveranceDocument(ctx, id)
	doc := newDocument(out, h)
	if err := tx.EachLeveranceYdelse(ctx, h.ReadAll, doc.Add); err != nil {
		return deliveryResult{}, err
	}
	sha, size, err := doc.Close()
	if err != nil {
		return deliveryResult{}, err
	}
	if err := out.Close(); err != nil {
		return deliveryResult{}, err
	}
	if _, err := tx.InsertLeverance(ctx, tenant.NewLeverance{ID: id, Periode: periode, Bytes: size, GzipSize: out.GzipSize(),
		SHA256: sha, Tal: doc.Tal, CPRs: doc.CPRs, Version: h.Version, Aarsag: aarsag}); err != nil {
		return deliveryResult{}, err
	}
	if err := tx.MarkIndberettet(ctx, id, doc.Sager, doc.Ydelser); err != nil {
		return deliveryResult{}, err
	}
	if err := tx.MarkUnchanged(ctx, doc.UnchangedSager, doc.UnchangedYdelser); err != nil {
		return deliveryResult{}, err
	}
	return deliveryResult{leverance: tenant.Leverance{ID: id, Kommune: kommune, Periode: periode, CreatedAt: now,
		CreatedBy: DeliveryActor, SHA256: sha, Bytes: size, Tal: doc.Tal, Version: max(h.Version, 1), Aarsag: aarsag}}, nil
}

// deliveryPeriodicJob starts the run on the 14th at 02:00 in Copenhagen (I1) for the
// previous month (PeriodeBefore at now()). River runs periodic jobs on the elected leader
// only and keeps its schedule in memory: a run missed while no worker ran is made up by the
// catch-up (catchup.go, I9).
func deliveryPeriodicJob(now func() time.Time) *river.PeriodicJob {
	return river.NewPeriodicJob(DeliverySchedule,
		func() (river.JobArgs, *river.InsertOpts) {
			return NewDeliveryRun(domain.PeriodeBefore(now()), nil), nil
		},
		&river.PeriodicJobOpts{ID: "delivery_run"})
}
