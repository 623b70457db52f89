package worker

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"indberet/tenant/accounts"
	"indberet/tenant/tenanttest"
)

func TestCleanupJobDeletesEndedSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	for i, expires := range []time.Duration{-time.Hour, time.Hour} {
		if _, err := db.ToolPool().Exec(ctx, `INSERT INTO sessions (id_hash, expires_at) VALUES ($1, $2)`,
			[]byte{byte(i)}, time.Now().Add(expires)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ToolPool().Exec(ctx, `INSERT INTO login_failures (account, address, failures, last_failure_at)
		VALUES ('gammel@demo.invalid', '', 3, now() - interval '2 hours'), ('ny@demo.invalid', '', 1, now())`); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(Deps{DB: db, Accounts: accounts.NewStore(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		Options{Work: true, SoftStopTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := c.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(runCtx, c) }()
	if _, err := c.Insert(ctx, CleanupArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		if ev.Kind != river.EventKindJobCompleted || ev.Job.Kind != "cleanup" {
			t.Fatalf("event %s for job %s: %v", ev.Kind, ev.Job.Kind, ev.Job.Errors)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("cleanup job did not finish")
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("stop: %v", err)
	}
	var sessions, throttles int
	if err := db.ToolPool().QueryRow(ctx, `SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM login_failures)`).
		Scan(&sessions, &throttles); err != nil {
		t.Fatal(err)
	}
	if sessions != 1 || throttles != 1 {
		t.Errorf("after cleanup: %d sessions, %d throttle records; want 1 and 1", sessions, throttles)
	}
}
