package worker

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// A run started by hand (I1: DST staff can start a run), for `indberet deliver`.

// StartedDelivery is what StartDelivery did: per kommune of the run whether its delivery of
// the periode was enqueued, was queued already, is delivered, or was refused because
// another periode is its next (I7).
type StartedDelivery struct {
	Periode string
	// Kommuner are the kommuner of the run that deliver the periode or have delivered it:
	// Enqueued, Queued and Delivered, in order (what WaitForDelivery waits for).
	Kommuner  []string
	Enqueued  []string  // their delivery_kommune job was enqueued now
	Queued    []string  // their job was in the queue already
	Retried   []string  // of Queued: their job waited for a retry after a failure, and is tried again now
	Delivered []string  // they have their leverance for the periode (I2: nothing to do)
	Refused   []Refusal // another periode is their next (I7): not started
	JobIDs    []int64   // the delivery_kommune jobs of Enqueued and Queued
	labels    map[string]string
}

// Label is the kommune as the messages name it, "København (101)".
func (d StartedDelivery) Label(kode string) string {
	if l, ok := d.labels[kode]; ok {
		return l
	}
	return kode
}

// Tekst tells the operator, in Danish, what the start did: for which kommuner the periode
// was put in the queue, and which were queued or delivered already, or have another periode
// next (by name).
func (d StartedDelivery) Tekst() string {
	var parts []string
	hvem := func(ks []string) string {
		if len(ks) > 10 {
			return fmt.Sprintf("%d kommuner", len(ks))
		}
		return names(d.Label, ks)
	}
	switch {
	case len(d.Enqueued) > 0:
		parts = append(parts, fmt.Sprintf("Leveringen af %s er sat i kø for %s.", d.Periode, hvem(d.Enqueued)))
	case len(d.Queued) > 0:
		parts = append(parts, fmt.Sprintf("Leveringen af %s for %s er allerede sat i kø. Den er ikke startet igen.", d.Periode, hvem(d.Queued)))
	default:
		parts = append(parts, fmt.Sprintf("Perioden %s er allerede leveret for %s. Der er intet at levere.", d.Periode, hvem(d.Delivered)))
	}
	if len(d.Enqueued) > 0 && len(d.Queued) > 0 {
		parts = append(parts, fmt.Sprintf("Allerede i kø: %s.", names(d.Label, d.Queued)))
	}
	if len(d.Retried) > 0 {
		parts = append(parts, fmt.Sprintf("Leveringen fejlede sidst for %s og prøves igen nu.", names(d.Label, d.Retried)))
	}
	if len(d.Enqueued)+len(d.Queued) > 0 && len(d.Delivered) > 0 {
		parts = append(parts, fmt.Sprintf("Allerede leveret for perioden, leveres ikke igen: %s.", names(d.Label, d.Delivered)))
	}
	if len(d.Refused) > 0 {
		p := runPlan{Periode: d.Periode, Refused: d.Refused, Labels: d.labels}
		parts = append(parts, fmt.Sprintf("Ikke startet, fordi perioderne leveres i rækkefølge: %s.", p.refusedText()))
	}
	return strings.Join(parts, " ")
}

// DeliveryInputError is a start of a delivery refused for its input, with a Danish message
// for the operator; Field is "periode" or "kommune".
type DeliveryInputError struct {
	Field, Msg string
}

func (e *DeliveryInputError) Error() string { return e.Msg }

// StartDelivery enqueues a delivery run of periode for kommuner (none: every active kommune),
// for `indberet deliver`: StartDeliveryTx in a read-all transaction of its own, with the
// operator (CLIActor) in the audit record. A refused input is a *DeliveryInputError.
func StartDelivery(ctx context.Context, c *Client, db *tenant.DB, periode string, kommuner []string, now time.Time) (StartedDelivery, error) {
	var d StartedDelivery
	err := db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: CLIActor}}, func(tx *tenant.Tx) (err error) {
		d, err = StartDeliveryTx(ctx, c, tx, periode, kommuner, now)
		return err
	})
	return d, err
}

// CLIActor is who the audit log names for what an operator does with the indberet command.
const CLIActor = "system:cli"

// StartDeliveryTx starts a run of periode for kommuner (none: every active kommune) in tx,
// a transaction in DST's read-all scope (the screen *Start levering*, and StartDelivery). It
// enqueues one delivery_kommune job per kommune whose next periode it is (I7), in tx
// (InsertManyTx) with an audit record by the scope's actor, so both exist or neither; River
// keeps one job per kommune and periode in the queue, and one of them waiting for a retry
// after a failure is tried again now (Retried, with the audit record too). Uniqueness is per kommune and periode: a second run of the periode
// delivers exactly the kommuner that have not delivered it (I2). Refused with a
// *DeliveryInputError: a periode that is not a past month, a kommune that is not active,
// and a run in which no kommune has the periode next or delivered (the message says which
// periode is next, I7). A run whose kommuner all have delivered the periode enqueues
// nothing and writes no audit record.
func StartDeliveryTx(ctx context.Context, c *Client, tx *tenant.Tx, periode string, kommuner []string, now time.Time) (StartedDelivery, error) {
	if _, _, err := domain.ParsePeriode(periode); err != nil {
		return StartedDelivery{}, &DeliveryInputError{"periode",
			fmt.Sprintf("Ugyldig periode %q: skriv år, M og måned, fx %s.", periode, domain.PeriodeBefore(now))}
	}
	ks, err := tx.KommunePerioder(ctx)
	if err != nil {
		return StartedDelivery{}, err
	}
	delivered, err := tx.DeliveredKommuner(ctx, periode)
	if err != nil {
		return StartedDelivery{}, err
	}
	args := NewDeliveryRun(periode, kommuner)
	plan := planRun(periode, args.Kommuner, ks, delivered, now)
	if len(plan.Inactive) > 0 {
		return StartedDelivery{}, &DeliveryInputError{"kommune", fmt.Sprintf("Kommune %q findes ikke eller er ikke aktiv.", plan.Inactive[0])}
	}
	if len(plan.Deliver)+len(plan.Delivered)+len(plan.Refused) == 0 {
		return StartedDelivery{}, &DeliveryInputError{"kommune", "Der er ingen aktive kommuner at levere."}
	}
	if latest := domain.PeriodeBefore(now); periode > latest && len(plan.Refused) != 1 {
		return StartedDelivery{}, &DeliveryInputError{"periode",
			fmt.Sprintf("Periode %s er ikke afsluttet: den seneste periode, der kan leveres, er %s.", periode, latest)}
	}
	if len(plan.Deliver) == 0 && len(plan.Refused) > 0 {
		return StartedDelivery{}, &DeliveryInputError{"periode", plan.refusal(now)}
	}
	d := StartedDelivery{Periode: periode, Delivered: plan.Delivered, Refused: plan.Refused, labels: plan.Labels}
	if len(plan.Deliver) > 0 {
		order := plan.largestFirst()
		params := make([]river.InsertManyParams, len(order))
		for i, k := range order {
			params[i] = river.InsertManyParams{Args: DeliveryKommuneArgs{Kommune: k, Periode: periode}}
		}
		res, err := c.InsertManyTx(ctx, tx.RiverTx(), params)
		if err != nil {
			return d, fmt.Errorf("sæt levering i kø: %w", err)
		}
		for i, r := range res {
			k := order[i]
			d.JobIDs = append(d.JobIDs, r.Job.ID)
			if !r.UniqueSkippedAsDuplicate {
				d.Enqueued = append(d.Enqueued, k)
				continue
			}
			d.Queued = append(d.Queued, k)
			// The next run tries a failing kommune again now, not at its backoff (I9).
			if r.Job.State == rivertype.JobStateRetryable {
				if _, err := c.JobRetryTx(ctx, tx.RiverTx(), r.Job.ID); err != nil {
					return d, fmt.Errorf("prøv levering igen: %w", err)
				}
				d.Retried = append(d.Retried, k)
			}
		}
	}
	slices.Sort(d.Enqueued) // by kommunekode in the messages and the audit log
	slices.Sort(d.Queued)
	slices.Sort(d.Retried)
	d.Kommuner = slices.Sorted(slices.Values(slices.Concat(d.Enqueued, d.Queued, d.Delivered)))
	if len(d.Enqueued)+len(d.Retried) == 0 {
		return d, nil
	}
	return d, tx.Audit(ctx, tenant.AuditEntry{Action: "levering.start", Entity: "levering", EntityID: periode,
		After: map[string]any{"periode": periode, "kommuner": d.Enqueued, "igen": d.Retried, "job_ids": d.JobIDs}})
}

// KommuneDelivery is where one kommune's delivery of a run stands.
type KommuneDelivery struct {
	Kommune   string
	Leverance *tenant.Leverance // set when delivered
	Err       string            // the last error of its job, if any
	Attempt   int               // attempts of its job so far
	Done      bool              // delivered, or its job gave up (discarded or cancelled)

	errorsSeen int
}

// WaitForDelivery polls every poll until every kommune of d is delivered or its job has
// given up, and returns the state of each, in the order of d.Kommuner. It only reads: some
// worker must work the jobs, a separate `indberet worker` or c itself when it works.
// progress (may be nil) is called when a kommune finishes and when its job fails an attempt
// that River will retry. It returns early with an error when ctx ends.
func WaitForDelivery(ctx context.Context, c *Client, db *tenant.DB, d StartedDelivery, poll time.Duration,
	progress func(KommuneDelivery)) ([]KommuneDelivery, error) {
	state := make(map[string]*KommuneDelivery, len(d.Kommuner))
	for _, k := range d.Kommuner {
		state[k] = &KommuneDelivery{Kommune: k}
	}
	scope := tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: CLIActor}}
	for {
		var leverancer []tenant.Leverance
		err := db.InScope(ctx, scope, func(tx *tenant.Tx) error {
			var err error
			leverancer, err = tx.Leverancer(ctx)
			return err
		})
		if err != nil {
			return nil, err
		}
		for i := range leverancer {
			l := &leverancer[i]
			if s := state[l.Kommune]; s != nil && l.Periode == d.Periode && !s.Done {
				s.Leverance, s.Done, s.Err = l, true, ""
				if progress != nil {
					progress(*s)
				}
			}
		}
		jobs, err := kommuneJobs(ctx, c, d.Periode)
		if err != nil {
			return nil, err
		}
		for k, s := range state {
			j := jobs[k]
			if s.Done || j == nil {
				continue
			}
			s.Attempt = j.Attempt
			newError := len(j.Errors) > s.errorsSeen
			if newError {
				s.errorsSeen = len(j.Errors)
				s.Err = j.Errors[len(j.Errors)-1].Error
			}
			s.Done = j.State == rivertype.JobStateDiscarded || j.State == rivertype.JobStateCancelled
			if progress != nil && (s.Done || newError) {
				progress(*s)
			}
		}
		if allDone(state) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(poll):
		}
	}
	out := make([]KommuneDelivery, 0, len(d.Kommuner))
	for _, k := range d.Kommuner {
		out = append(out, *state[k])
	}
	return out, nil
}

func allDone(state map[string]*KommuneDelivery) bool {
	for _, s := range state {
		if !s.Done {
			return false
		}
	}
	return true
}

// kommuneJobs returns the newest delivery_kommune job of periode per kommune that River
// still keeps, not counting genleveringer (I8: they have a version of their own).
func kommuneJobs(ctx context.Context, c *Client, periode string) (map[string]*rivertype.JobRow, error) {
	out := map[string]*rivertype.JobRow{}
	err := eachKommuneJob(ctx, c, river.NewJobListParams(), func(j *rivertype.JobRow, a DeliveryKommuneArgs) {
		if a.Periode == periode && a.Version <= 1 && out[a.Kommune] == nil {
			out[a.Kommune] = j
		}
	})
	return out, err
}

// eachKommuneJob calls fn with each delivery_kommune job that params select, newest first.
func eachKommuneJob(ctx context.Context, c *Client, params *river.JobListParams, fn func(*rivertype.JobRow, DeliveryKommuneArgs)) error {
	params = params.Kinds(DeliveryKommuneArgs{}.Kind()).OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(1000)
	for {
		res, err := c.JobList(ctx, params)
		if err != nil {
			return fmt.Errorf("list delivery jobs: %w", err)
		}
		for _, j := range res.Jobs {
			var a DeliveryKommuneArgs
			if json.Unmarshal(j.EncodedArgs, &a) == nil {
				fn(j, a)
			}
		}
		if len(res.Jobs) < 1000 {
			return nil
		}
		params = params.After(res.LastCursor)
	}
}

// DeliveryJob is a kommune's delivery that River has not finished: queued, running, or
// waiting to be tried again, for DST's Leveringsoversigt.
type DeliveryJob struct {
	Kommune, Periode     string
	State                rivertype.JobState
	Attempt, MaxAttempts int
	AttemptedAt          *time.Time // when the last attempt started
	ScheduledAt          time.Time  // when it runs (again), while it waits
	// Stalled tells that the job is still running after its limit (deliveryTimeout): its
	// worker died, and River's rescuer runs it again unless this is its last attempt
	// (Attempt == MaxAttempts). Issue 14 #8.
	Stalled bool
}

// DeliveriesInProgress returns the kommuner's deliveries that River has not finished, by
// periode and kommune; now tells which have stalled.
func DeliveriesInProgress(ctx context.Context, c *Client, now time.Time) ([]DeliveryJob, error) {
	var out []DeliveryJob
	params := river.NewJobListParams().States(rivertype.JobStateAvailable, rivertype.JobStatePending,
		rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled)
	err := eachKommuneJob(ctx, c, params, func(j *rivertype.JobRow, a DeliveryKommuneArgs) {
		out = append(out, DeliveryJob{Kommune: a.Kommune, Periode: a.Periode, State: j.State, Attempt: j.Attempt,
			MaxAttempts: j.MaxAttempts, AttemptedAt: j.AttemptedAt, ScheduledAt: j.ScheduledAt,
			Stalled: j.State == rivertype.JobStateRunning && j.AttemptedAt != nil && now.Sub(*j.AttemptedAt) > deliveryTimeout})
	})
	slices.SortFunc(out, func(a, b DeliveryJob) int {
		return cmp.Or(cmp.Compare(a.Periode, b.Periode), cmp.Compare(a.Kommune, b.Kommune))
	})
	return out, err
}
