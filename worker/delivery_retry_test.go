package worker

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// I9 ("a run that fails for a kommune is visible, with the reason, to DST", "the next run
// tries it again"): after kommune 147's job of 2026M10 gave up (discarded) or was
// cancelled, DeliveryStates shows it Fejlet with the job's last error, and a new *Start
// levering* of 2026M10 enqueues a fresh job for it instead of being blocked by River's
// uniqueness of the old one; a job that is retryable is run again at once, not duplicated.
func TestStartDeliveryAfterFailedJob(t *testing.T) {
	b := setupCatchUp(t, "2026M10")
	ctx := context.Background()
	c, err := NewClient(Deps{DB: b.db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, domain.Copenhagen)
	start := func() StartedDelivery {
		t.Helper()
		var d StartedDelivery
		err := b.db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: "dst@demo.invalid"}}, func(tx *tenant.Tx) (err error) {
			d, err = StartDeliveryTx(ctx, c, tx, "2026M10", []string{"147"}, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	fail := func(id int64, state rivertype.JobState, msg string) {
		t.Helper()
		if _, err := b.db.ToolPool().Exec(ctx, `UPDATE river_job SET state = $2::text::river_job_state, attempt = 1,
			finalized_at = CASE WHEN $2::text = 'retryable' THEN NULL ELSE now() END,
			scheduled_at = now() + interval '1 hour',
			errors = ARRAY[jsonb_build_object('at', now(), 'attempt', 1, 'error', $3::text)] WHERE id = $1`, id, string(state), msg); err != nil {
			t.Fatal(err)
		}
	}
	state147 := func() KommuneDeliveryState {
		t.Helper()
		states, err := DeliveryStates(ctx, c, b.db, now)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(states, func(s KommuneDeliveryState) bool { return s.Kommune == "147" })
		if i < 0 {
			t.Fatalf("no 147 in %v", states)
		}
		return states[i]
	}

	first := start()
	if len(first.JobIDs) != 1 || !slices.Equal(first.Enqueued, []string{"147"}) {
		t.Fatalf("first start: %+v", first)
	}
	seen := map[int64]bool{first.JobIDs[0]: true}
	for _, st := range []rivertype.JobState{rivertype.JobStateDiscarded, rivertype.JobStateCancelled} {
		last := first.JobIDs[0]
		for id := range seen {
			last = max(last, id)
		}
		fail(last, st, "skriv leverance: forbindelsen blev afbrudt")
		if s := state147(); s.State != StateFailed || s.Fejl != "skriv leverance: forbindelsen blev afbrudt" || s.JobID != last {
			t.Errorf("%s: 147 is %+v, want failed with the job's last error", st, s)
		}
		d := start()
		if len(d.JobIDs) != 1 || seen[d.JobIDs[0]] || !slices.Equal(d.Enqueued, []string{"147"}) {
			t.Fatalf("start after the job was %s: %+v, want a fresh job enqueued", st, d)
		}
		seen[d.JobIDs[0]] = true
		if s := state147(); s.State != StateQueued || s.JobID != d.JobIDs[0] {
			t.Errorf("after the new start: 147 is %+v, want queued with job %d", s, d.JobIDs[0])
		}
	}

	// A job waiting for its retry is the same job, run again now.
	var last int64
	for id := range seen {
		last = max(last, id)
	}
	fail(last, rivertype.JobStateRetryable, "timeout")
	d := start()
	if len(d.JobIDs) != 1 || d.JobIDs[0] != last || !slices.Equal(d.Queued, []string{"147"}) {
		t.Fatalf("start with the job retryable: %+v, want the same job %d", d, last)
	}
	j, err := c.JobGet(ctx, last)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != rivertype.JobStateAvailable || j.ScheduledAt.After(time.Now().Add(time.Minute)) {
		t.Errorf("the retryable job after the start: %s at %s, want available now", j.State, j.ScheduledAt)
	}
}
