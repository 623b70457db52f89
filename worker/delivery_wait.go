package worker

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
)

// A run started by hand (I1: DST staff can start a run), for `indberet deliver`.

// StartedDelivery is a delivery run put in the queue by StartDelivery.
type StartedDelivery struct {
	Periode   string
	Kommuner  []string // the kommuner it will deliver
	JobID     int64    // the delivery_run job
	Duplicate bool     // an equal run was already queued (or completed within 24 hours): that one is it
	// Delivered are the kommuner of the run that have their leverance for the periode already
	// (StartDeliveryTx only). When that is all of them nothing is enqueued (JobID 0).
	Delivered []string
}

// DeliveryInputError is a start of a delivery refused for its input, with a Danish message
// for the operator; Field is "periode" or "kommune".
type DeliveryInputError struct {
	Field, Msg string
}

func (e *DeliveryInputError) Error() string { return e.Msg }

// deliveryRun checks a start of a run of periode for kommuner (none: every active kommune):
// the periode must be a past month (delivering a month before it has ended would keep the run
// of the 14th from delivering it) and the kommuner active. It returns the run's args and the
// kommuner it delivers.
func deliveryRun(periode string, kommuner, active []string, now time.Time) (DeliveryRunArgs, []string, error) {
	year, month, err := ParsePeriode(periode)
	if err != nil {
		return DeliveryRunArgs{}, nil, &DeliveryInputError{"periode",
			fmt.Sprintf("Ugyldig periode %q: skriv år, M og måned, fx %s.", periode, PeriodeBefore(now))}
	}
	if latest := PeriodeBefore(now); Periode(year, month) > latest {
		return DeliveryRunArgs{}, nil, &DeliveryInputError{"periode",
			fmt.Sprintf("Periode %s er ikke afsluttet: den seneste periode, der kan leveres, er %s.", periode, latest)}
	}
	args := NewDeliveryRun(periode, kommuner)
	deliver, skipped := runKommuner(active, args.Kommuner)
	if len(skipped) > 0 {
		return DeliveryRunArgs{}, nil, &DeliveryInputError{"kommune", fmt.Sprintf("Kommune %q findes ikke eller er ikke aktiv.", skipped[0])}
	}
	return args, deliver, nil
}

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

// StartDeliveryTx starts a run in tx, a transaction in DST's read-all scope (the screen
// *Start levering*, and StartDelivery): it enqueues the run in tx (InsertTx) with an audit record by the
// scope's actor, so both exist or neither. A run whose kommuner all have their leverance for
// the periode is not enqueued (I2: nothing to deliver); an equal run in the queue is not
// enqueued again (Duplicate). Neither writes an audit record.
func StartDeliveryTx(ctx context.Context, c *Client, tx *tenant.Tx, periode string, kommuner []string, now time.Time) (StartedDelivery, error) {
	active, err := tx.AktiveKommuner(ctx)
	if err != nil {
		return StartedDelivery{}, err
	}
	args, deliver, err := deliveryRun(periode, kommuner, active, now)
	if err != nil {
		return StartedDelivery{}, err
	}
	d := StartedDelivery{Periode: periode, Kommuner: deliver}
	delivered, err := tx.DeliveredKommuner(ctx, periode)
	if err != nil {
		return d, err
	}
	for _, k := range deliver {
		if slices.Contains(delivered, k) {
			d.Delivered = append(d.Delivered, k)
		}
	}
	if len(d.Delivered) == len(deliver) {
		return d, nil
	}
	res, err := c.InsertTx(ctx, tx.PgxTx(), args, nil)
	if err != nil {
		return d, fmt.Errorf("sæt levering i kø: %w", err)
	}
	d.JobID, d.Duplicate = res.Job.ID, res.UniqueSkippedAsDuplicate
	if d.Duplicate {
		return d, nil
	}
	return d, tx.Audit(ctx, tenant.AuditEntry{Action: "levering.start", Entity: "levering", EntityID: periode,
		After: map[string]any{"periode": periode, "kommuner": args.Kommuner, "job_id": d.JobID}})
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
// that River will retry. It returns early with an error when the run job itself gives up or
// ctx ends.
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
		run, err := c.JobGet(ctx, d.JobID)
		if err == nil && (run.State == rivertype.JobStateDiscarded || run.State == rivertype.JobStateCancelled) {
			msg := string(run.State)
			if n := len(run.Errors); n > 0 {
				msg = run.Errors[n-1].Error
			}
			return nil, fmt.Errorf("leveringskørslen (job %d) blev opgivet: %s", d.JobID, msg)
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
// still keeps.
func kommuneJobs(ctx context.Context, c *Client, periode string) (map[string]*rivertype.JobRow, error) {
	out := map[string]*rivertype.JobRow{}
	err := eachKommuneJob(ctx, c, river.NewJobListParams(), func(j *rivertype.JobRow, a DeliveryKommuneArgs) {
		if a.Periode == periode && out[a.Kommune] == nil {
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
