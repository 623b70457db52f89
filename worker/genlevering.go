package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// Genlevering (I8): DST delivers a kommune's latest periode again, giving a reason. The new
// document replaces the old one for that periode as version 2, 3, …; every version stays
// downloadable, the highest is the current one (derived, leverancer_periode_version_key).
// It is a delivery_kommune job with Version and Aarsag, enqueued with its audit record
// (levering.genlevering) by StartGenleveringTx; the job makes exactly that version in one
// transaction, so a worker killed mid-genlevering leaves the version made or not, and
// River's retry makes it once. What the new version holds: DELIVERY.md, "Genlevering".

// genlevering is what a delivery job makes: Version 0 (or 1) is the ordinary delivery.
type genlevering struct {
	Version int
	Aarsag  string
}

// GenleveringFejl is a genlevering job that cannot make its version (the periode is no
// longer the kommune's latest, or the version it replaces is not the current one): the
// job is cancelled with the Danish reason.
type GenleveringFejl struct{ Msg string }

func (e *GenleveringFejl) Error() string { return e.Msg }

// redeliverKommune makes version gen.Version of periode under the kommune's lock, given the
// current leverance of the periode (current, currentErr from LeveranceForPeriode). A
// version that exists already (a retry after a worker died with it committed) is returned
// as existed.
func redeliverKommune(ctx context.Context, tx *tenant.Tx, periode string, now time.Time, gen genlevering,
	current tenant.Leverance, currentErr error) (deliveryResult, error) {
	if currentErr != nil {
		if errors.Is(currentErr, tenant.ErrNotFound) {
			return deliveryResult{}, &GenleveringFejl{fmt.Sprintf("Periode %s er ikke leveret og kan ikke genleveres.", periode)}
		}
		return deliveryResult{}, currentErr
	}
	if current.Version >= gen.Version {
		return deliveryResult{leverance: current, existed: true}, nil
	}
	if current.Version != gen.Version-1 {
		return deliveryResult{}, &GenleveringFejl{fmt.Sprintf("Version %d af %s kan ikke laves: den gældende version er %d.",
			gen.Version, periode, current.Version)}
	}
	kp, err := tx.KommunensPeriode(ctx)
	if err != nil {
		return deliveryResult{}, err
	}
	if kp.SenestLeveret != periode {
		return deliveryResult{}, &GenleveringFejl{fmt.Sprintf(
			"Periode %s kan ikke genleveres: kun den seneste leverede periode kan genleveres, og det er %s.", periode, kp.SenestLeveret)}
	}
	return writeLeverance(ctx, tx, deliveryHeader{Periode: periode, Created: now, Version: gen.Version, Replaces: current.ID,
		ReadAll: true}, gen.Aarsag)
}

// StartedGenlevering is what StartGenleveringTx enqueued.
type StartedGenlevering struct {
	Kommune, Label, Periode string
	Version                 int
	JobID                   int64
}

// Tekst tells DST, in Danish, what was started.
func (g StartedGenlevering) Tekst() string {
	return fmt.Sprintf("Genlevering (version %d) af %s for %s er sat i kø.", g.Version, g.Periode, g.Label)
}

// StartGenleveringTx starts a genlevering (I8) of kommune's periode ("" = its latest) with
// the reason aarsag in tx, a transaction in DST's read-all scope: it enqueues the
// delivery_kommune job of the next version (InsertTx) and writes the audit record
// levering.genlevering in tx, so both exist or neither. Refused with a *DeliveryInputError
// (Field "kommune", "periode" or "aarsag"): an unknown kommune, a kommune without a
// delivered periode, a periode that is not its latest delivered one, an empty reason, and a
// periode of the kommune with a delivery job queued or running.
func StartGenleveringTx(ctx context.Context, c *Client, tx *tenant.Tx, kommune, periode, aarsag string) (StartedGenlevering, error) {
	ks, err := tx.KommunePerioder(ctx)
	if err != nil {
		return StartedGenlevering{}, err
	}
	var kp *tenant.KommunePeriode
	for i := range ks {
		if ks[i].Kode == kommune {
			kp = &ks[i]
		}
	}
	if kp == nil {
		return StartedGenlevering{}, &DeliveryInputError{"kommune", fmt.Sprintf("Kommune %q findes ikke.", kommune)}
	}
	label := kp.Navn + " (" + kp.Kode + ")"
	periode, aarsag, err = domain.TjekGenlevering(domain.GenleveringInput{Kommune: label, Periode: periode, Aarsag: aarsag}, kp.SenestLeveret)
	var fejl *domain.GenleveringFejl
	if errors.As(err, &fejl) {
		return StartedGenlevering{}, &DeliveryInputError{fejl.Field, fejl.Msg}
	}
	if err != nil {
		return StartedGenlevering{}, err
	}
	queued, err := deliveryQueued(ctx, c, tx, kommune, periode)
	if err != nil {
		return StartedGenlevering{}, err
	}
	if queued {
		return StartedGenlevering{}, &DeliveryInputError{"periode", fmt.Sprintf(
			"%s har en levering af %s i kø eller i gang. Vent til den er færdig, og prøv så igen.", label, periode)}
	}
	current, err := tx.LeveranceVersion(ctx, kommune, periode)
	if err != nil {
		return StartedGenlevering{}, err
	}
	args := DeliveryKommuneArgs{Kommune: kommune, Periode: periode, Version: current + 1, Aarsag: aarsag}
	res, err := c.InsertTx(ctx, tx.RiverTx(), args, nil)
	if err != nil {
		return StartedGenlevering{}, fmt.Errorf("sæt genlevering i kø: %w", err)
	}
	if res.UniqueSkippedAsDuplicate {
		return StartedGenlevering{}, &DeliveryInputError{"periode", fmt.Sprintf(
			"Genlevering (version %d) af %s for %s er allerede sat i kø.", args.Version, periode, label)}
	}
	g := StartedGenlevering{Kommune: kommune, Label: label, Periode: periode, Version: args.Version, JobID: res.Job.ID}
	return g, tx.Audit(ctx, tenant.AuditEntry{Kommune: kommune, Action: "levering.genlevering", Entity: "leverance",
		EntityID: kommune + "-" + periode,
		After:    map[string]any{"kommune": kommune, "periode": periode, "version": args.Version, "aarsag": aarsag, "job_id": res.Job.ID}})
}

// StartGenlevering is StartGenleveringTx in a read-all transaction of its own with the
// operator (CLIActor) in the audit record: `indberet deliver --genlever`.
func StartGenlevering(ctx context.Context, c *Client, db *tenant.DB, kommune, aarsag string) (StartedGenlevering, error) {
	var g StartedGenlevering
	err := db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: CLIActor}}, func(tx *tenant.Tx) (err error) {
		g, err = StartGenleveringTx(ctx, c, tx, kommune, "", aarsag)
		return err
	})
	return g, err
}

// deliveryQueued tells whether kommune has a delivery_kommune job of periode (ordinary or
// genlevering) that River has not finished.
func deliveryQueued(ctx context.Context, c *Client, tx *tenant.Tx, kommune, periode string) (bool, error) {
	params := river.NewJobListParams().Kinds(DeliveryKommuneArgs{}.Kind()).States(rivertype.JobStateAvailable,
		rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled).
		First(10000)
	res, err := c.JobListTx(ctx, tx.RiverTx(), params)
	if err != nil {
		return false, fmt.Errorf("list delivery jobs: %w", err)
	}
	for _, j := range res.Jobs {
		var a DeliveryKommuneArgs
		if json.Unmarshal(j.EncodedArgs, &a) == nil && a.Kommune == kommune && a.Periode == periode {
			return true, nil
		}
	}
	return false, nil
}

// WaitForGenlevering polls every poll until the genlevering's job has finished, and
// returns the version it made, or an error with the job's last error when it gave up. It
// only reads: some worker must work the job (`indberet worker`, or c itself).
func WaitForGenlevering(ctx context.Context, c *Client, db *tenant.DB, g StartedGenlevering, poll time.Duration) (tenant.Leverance, error) {
	for {
		j, err := c.JobGet(ctx, g.JobID)
		if err != nil {
			return tenant.Leverance{}, fmt.Errorf("genlevering job %d: %w", g.JobID, err)
		}
		switch j.State {
		case rivertype.JobStateCompleted:
			var l tenant.Leverance
			err := db.InScope(ctx, tenant.Scope{Kommune: g.Kommune, Actor: tenant.Actor{Email: CLIActor}}, func(tx *tenant.Tx) (err error) {
				l, err = tx.LeveranceForPeriode(ctx, g.Periode)
				return err
			})
			return l, err
		case rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
			msg := string(j.State)
			if len(j.Errors) > 0 {
				msg = j.Errors[len(j.Errors)-1].Error
			}
			return tenant.Leverance{}, fmt.Errorf("genleveringen af %s for %s blev ikke lavet: %s", g.Periode, g.Label, msg)
		}
		select {
		case <-ctx.Done():
			return tenant.Leverance{}, ctx.Err()
		case <-time.After(poll):
		}
	}
}
