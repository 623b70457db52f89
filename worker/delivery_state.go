package worker

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// DeliveryState is where an active kommune's delivery of the current periode stands (I1,
// I7, I9).
type DeliveryState string

// The delivery states, as DeliveryStates gives them.
const (
	// StateDelivered: the kommune has delivered the current periode (*Leveret*).
	StateDelivered DeliveryState = "delivered"
	// StateQueued: a job delivers its next periode: queued, running, or waiting for its turn
	// (*I kø*).
	StateQueued DeliveryState = "queued"
	// StateFailed: the last attempt of the job of its next periode failed (River tries it
	// again with its backoff), or the job gave up or was cancelled (*Fejlet*, with the job's
	// last error). The next run, and the catch-up, try it again.
	StateFailed DeliveryState = "failed"
	// StateLate: its next periode is not delivered, no job is at it, and its run of the 14th
	// at 02:00 plus domain.Indhentningsfrist has passed (*Forsinket*, I9): the catch-up
	// enqueues it.
	StateLate DeliveryState = "late"
	// StateWaiting: the current periode is not delivered and not due yet: the run of the
	// 14th delivers it (*Afventer*).
	StateWaiting DeliveryState = "waiting"
)

// KommuneDeliveryState is one active kommune's DeliveryState.
type KommuneDeliveryState struct {
	Kommune       string
	Periode       string // the current periode, the month before now (domain.PeriodeBefore)
	Frist         time.Time
	Naeste        string // the kommune's next periode (I7); after Periode when delivered
	SenestLeveret string // its latest delivered periode; "" while none
	State         DeliveryState
	// Forsinket: its next periode is late (domain.Forsinket), whatever State says: a failed
	// or queued kommune can be late too. StateLate is Forsinket with no job at it.
	Forsinket bool
	Fejl      string // StateFailed: the last error of the job
	JobID     int64  // StateQueued, StateFailed: the job of the next periode
}

// DeliveryStates returns the state of every active kommune's delivery of the current
// periode at now, in the order of the kommunekoder: delivered, queued, failed (with the
// reason), late (*Forsinket*, I9) or waiting for the run of the 14th. It reads the kommuner's
// periodes in db (DST's read-all scope) and the delivery_kommune jobs River keeps (c may be
// an insert-only client). For DST's *Leveringsoversigt*, the metrics and the Driftsstatus.
func DeliveryStates(ctx context.Context, c *Client, db *tenant.DB, now time.Time) ([]KommuneDeliveryState, error) {
	var ks []tenant.KommunePeriode
	err := db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: DeliveryActor}}, func(tx *tenant.Tx) (err error) {
		ks, err = tx.KommunePerioder(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	type key struct{ kommune, periode string }
	newest := map[key]*rivertype.JobRow{}
	err = eachKommuneJob(ctx, c, river.NewJobListParams(), func(j *rivertype.JobRow, a DeliveryKommuneArgs) {
		if k := (key{a.Kommune, a.Periode}); newest[k] == nil {
			newest[k] = j
		}
	})
	if err != nil {
		return nil, err
	}
	periode := domain.PeriodeBefore(now)
	var out []KommuneDeliveryState
	for _, k := range ks {
		if !k.Aktiv {
			continue
		}
		s := KommuneDeliveryState{Kommune: k.Kode, Periode: periode, Frist: domain.Frist(periode),
			Naeste: domain.NaestePeriode(k.SenestLeveret, k.FoerstePeriode), SenestLeveret: k.SenestLeveret}
		s.Forsinket = domain.Forsinket(s.Naeste, now)
		s.State = kommuneState(&s, newest[key{k.Kode, s.Naeste}])
		out = append(out, s)
	}
	return out, nil
}

// kommuneState is s's state given j, the newest job of its next periode (nil: none); it sets
// s's job and error.
func kommuneState(s *KommuneDeliveryState, j *rivertype.JobRow) DeliveryState {
	if s.Naeste > s.Periode {
		return StateDelivered
	}
	if j != nil {
		switch j.State {
		case rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateScheduled, rivertype.JobStateRunning:
			s.JobID = j.ID
			return StateQueued
		case rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
			s.JobID, s.Fejl = j.ID, string(j.State)
			if n := len(j.Errors); n > 0 {
				s.Fejl = j.Errors[n-1].Error
			}
			return StateFailed
		}
	}
	if s.Forsinket {
		return StateLate
	}
	return StateWaiting
}
