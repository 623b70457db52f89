package worker

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"indberet/tenant/accounts"
	"indberet/tenant/tenanttest"
)

// TestRescueAfterEachKindsLimit: issue 14 #8. River's rescuer in a worker as production runs
// it takes a job whose worker died for dead once it has run longer than its kind's limit and
// the margin after it (client.go): an export after 10 + 1 minutes, a delivery after 30 + 1,
// the short jobs after 5 + 1; not after River's default hour, and not a job within its limit
// or the margin, in which an attempt past its limit still records its failure. The jobs sit
// in a queue no worker works, so the rescued ones wait there to be looked at.
func TestRescueAfterEachKindsLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	c, err := NewClient(Deps{DB: db, Accounts: accounts.NewStore(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		Options{Work: true, NoPeriodic: true, SoftStopTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	stuck := []struct {
		args    river.JobArgs
		running time.Duration // since its attempt started
		rescued bool
	}{
		{EksportArgs{Kommune: "101", EksportID: 1}, 11*time.Minute + 30*time.Second, true},
		{EksportArgs{Kommune: "101", EksportID: 2}, 10*time.Minute + 30*time.Second, false}, // in the margin
		{EksportArgs{Kommune: "101", EksportID: 3}, 2 * time.Minute, false},
		{DeliveryKommuneArgs{Kommune: "101", Periode: "2026M09"}, 31*time.Minute + 30*time.Second, true},
		{DeliveryKommuneArgs{Kommune: "147", Periode: "2026M09"}, 30*time.Minute + 30*time.Second, false},
		{DeliveryKommuneArgs{Kommune: "751", Periode: "2026M09"}, 6 * time.Minute, false},
		{ReceiptArgs{Kommune: "101", LeveranceID: 1}, 6*time.Minute + 30*time.Second, true},
		{ReceiptArgs{Kommune: "147", LeveranceID: 2}, 5*time.Minute + 30*time.Second, false},
		{CleanupArgs{}, 6*time.Minute + 30*time.Second, true},
		{DeliveryRunArgs{Periode: "2026M09"}, 2 * time.Minute, false},
	}
	ids := make([]int64, len(stuck))
	for i, s := range stuck {
		res, err := c.Insert(ctx, s.args, &river.InsertOpts{Queue: "ingen-arbejder", MaxAttempts: 5})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = res.Job.ID
		// As a worker that took the job and died leaves it.
		if _, err := db.ToolPool().Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1,
			attempted_at = now() - $2 * interval '1 second', attempted_by = '{killed}' WHERE id = $1`,
			res.Job.ID, s.running.Seconds()); err != nil {
			t.Fatal(err)
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(runCtx, c) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	rescued := func(j *rivertype.JobRow) bool {
		return j.State != rivertype.JobStateRunning && len(j.Errors) == 1 && strings.Contains(j.Errors[0].Error, "Stuck job rescued")
	}
	jobs := make([]*rivertype.JobRow, len(stuck))
	eventually(t, "the rescuer to rescue the jobs past their limits", 25*time.Second, func() bool {
		for i, id := range ids {
			if jobs[i], err = c.JobGet(ctx, id); err != nil {
				t.Fatal(err)
			}
			if stuck[i].rescued && !rescued(jobs[i]) {
				return false
			}
		}
		return true
	})
	for i, s := range stuck {
		if !s.rescued && jobs[i].State != rivertype.JobStateRunning {
			t.Errorf("%s running for %s, within its limit: %s %v, want still running", s.args.Kind(), s.running,
				jobs[i].State, jobs[i].Errors)
		}
	}
}

// TestJobLimits: each kind's limit and the margin after it (client.go), and the cut of
// `indberet worker --rescue-stuck-after D` that the kill-and-restart tests use: limit and
// margin together at most D, so that their rescue comes within the test.
func TestJobLimits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rescue time.Duration
		want   limits
	}{
		{0, limits{short: 5 * time.Minute, delivery: 30 * time.Minute, eksport: 10 * time.Minute, margin: time.Minute}},
		{killTestRescue, limits{short: killTestRescue / 2, delivery: killTestRescue / 2, eksport: killTestRescue / 2, margin: killTestRescue / 2}},
		{4 * time.Minute, limits{short: 3 * time.Minute, delivery: 3 * time.Minute, eksport: 3 * time.Minute, margin: time.Minute}},
		{20 * time.Minute, limits{short: 5 * time.Minute, delivery: 19 * time.Minute, eksport: 10 * time.Minute, margin: time.Minute}},
	} {
		if got := jobLimits(Options{RescueStuckJobsAfter: c.rescue}); got != c.want {
			t.Errorf("--rescue-stuck-after %s: %+v, want %+v", c.rescue, got, c.want)
		}
	}
	a := attemptLimit{limit: time.Minute, margin: 10 * time.Second}
	ctx, cancel := a.start(context.Background())
	defer cancel()
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > time.Minute || a.timeout() != 70*time.Second {
		t.Errorf("attempt limit %+v: deadline in %s, Timeout %s; want a minute and 70 s", a, time.Until(d), a.timeout())
	}
}

// TestDefaultQueueWorkers: issue 14 #1. The jobs of a client never wait for each other's
// connections: River's own, the deliveries' and the exports' and the default queue's together
// fit in the workers' pool of DATABASE_POOL_MAX's default, 20 in `indberet worker` and half of
// it in `serve`, and the default queue works what is left, at most River's default of 10.
func TestDefaultQueueWorkers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ conns, want int }{{20, 10}, {10, 2}, {4, 1}, {1, 1}, {100, 10}} {
		got := defaultQueueWorkers(c.conns)
		if got != c.want {
			t.Errorf("a pool of %d: %d jobs of the default queue at once, want %d", c.conns, got, c.want)
		}
		if c.conns >= 10 && riverConns+longQueueConns+got > c.conns {
			t.Errorf("a pool of %d: River %d + deliveries and exports %d + default queue %d need more", c.conns,
				riverConns, longQueueConns, got)
		}
	}
}

// runClient runs c (Run) until the returned stop is called or the test ends, whichever is
// first; stop waits for River to stop and fails the test on its error.
func runClient(t *testing.T, c *Client) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, c) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stop client: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}
