package e2e

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"indberet/tenant/accounts"
	"indberet/tenant/demo"
	"indberet/worker"
)

// startWorkers works the jobs of b's database until the test ends (the served app only
// enqueues them, as `indberet serve --workers=false`).
func (b *browser) startWorkers() {
	b.t.Helper()
	c, err := worker.NewClient(worker.Deps{DB: b.db, Accounts: accounts.NewStore(b.db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		worker.Options{Work: true, NoPeriodic: true, SoftStopTimeout: 5 * time.Second})
	if err != nil {
		b.t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- worker.Run(ctx, c) }()
	b.t.Cleanup(func() {
		stop()
		<-done
	})
}

// TestBrowser_Eksport walks E1 as the manual does (Cpr. lister): Egne IDEP, *Eksporter
// poster* top right, the export's page showing its progress, which (htmx polling every
// second) turns into the download link when the job is done; then the page of the exports.
// axe on each, and no CSP violation.
func TestBrowser_Eksport(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("indberetter.101@demo.invalid", demo.Password)
	b.visit("/indberetninger/egne?visning=kun-sager&filter=alle")
	b.axe("liste-eksporter-poster")
	b.follow(`form.eksporter-poster button[type="submit"]`)
	if !strings.HasPrefix(b.path(), "/eksporter/") || !strings.Contains(b.text("#eksport-status"), "I kø") {
		t.Fatalf("after Eksporter poster: on %s, %q", b.path(), b.text("main"))
	}
	b.axe("eksport-i-koe")
	b.startWorkers()
	b.waitFor("the export to finish", `document.querySelector("#eksport-status a.button") !== null`)
	if s := b.text("#eksport-status"); !strings.Contains(s, "Eksporten er færdig") || !strings.Contains(s, "31 rækker") {
		t.Errorf("finished export: %q", s)
	}
	b.axe("eksport-faerdig")
	b.screenshot("eksport")
	b.follow(`main p a[href="/eksporter"]`)
	b.axe("eksporter")
}

// TestBrowser_JobsUI: River UI renders for DST under /jobs/ within its Content-Security-
// Policy (no violation reported).
func TestBrowser_JobsUI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login("dst@demo.invalid", demo.Password)
	b.visit("/jobs/")
	b.waitFor("River UI to render its job list", `document.body.innerText.includes("Jobs")`)
	// Let its scripts and styles settle: a violation would be reported by now.
	time.Sleep(500 * time.Millisecond)
}
