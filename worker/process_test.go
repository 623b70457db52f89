package worker

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// The kill-and-restart tests (TestDeliveryKillAndRestart, TestEksportKillAndRestart) run the
// real `indberet worker` in processes of their own and kill them with SIGKILL mid-job.

// killTestRescue is the --rescue-stuck-after of the kill tests' workers: every kind's limit
// and the margin after it, and so its rescue, cut to it so that the rescue comes within the
// test (client.go): half of it each, so an attempt may run 20 s on a busy machine (101 with
// its 20,000 extra sager took more than 10 s with the whole suite and a benchmark on 2 cores).
const killTestRescue = 40 * time.Second

// killBundle is the setup of a kill-and-restart test: a database with the demo data and
// extra sager of 101 (addSager), an insert-only client on it, and `indberet worker`
// processes of a binary built from the checkout.
type killBundle struct {
	db      *tenant.DB
	client  *Client
	workers *workerProcesses
}

func setupKillTest(t *testing.T, extra int) *killBundle {
	t.Helper()
	ctx := context.Background()
	bin := indberetBinary(t)
	db, owner := tenanttest.DB(t)
	if _, err := demo.Load(ctx, db, accounts.NewStore(db)); err != nil {
		t.Fatal(err)
	}
	addSager(t, db, owner, "101", extra)
	client, err := NewClient(Deps{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &killBundle{db: db, client: client, workers: newWorkerProcesses(t, bin, owner)}
}

// indberetBinary builds the indberet command into a temporary directory of t.
func indberetBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "indberet")
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not found to build the binary: %v", err)
	}
	build := exec.Command(goCmd, "build", "-o", bin, ".")
	build.Dir = ".." // the module root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// workerProcesses starts `indberet worker` processes of bin on the database at ownerURL,
// all writing to one log that the test shows (its end) when it fails.
type workerProcesses struct {
	t        *testing.T
	bin, url string
	log      *os.File
}

func newWorkerProcesses(t *testing.T, bin, ownerURL string) *workerProcesses {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "worker.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("worker log (end):\n%s", b)
		}
	})
	return &workerProcesses{t: t, bin: bin, url: ownerURL, log: log}
}

// workerProcess is one running `indberet worker`.
type workerProcess struct {
	t      *testing.T
	cmd    *exec.Cmd
	exited chan struct{}
}

// start starts a worker with --rescue-stuck-after killTestRescue; it is killed when the test
// ends, before the database is dropped.
func (w *workerProcesses) start() *workerProcess {
	t := w.t
	t.Helper()
	cmd := exec.Command(w.bin, "worker", "--rescue-stuck-after", killTestRescue.String())
	cmd.Env = append(os.Environ(), "DATABASE_URL="+w.url, "LOG_LEVEL=info")
	cmd.Stdout, cmd.Stderr = w.log, w.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &workerProcess{t: t, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		if !p.hasExited() {
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

func (p *workerProcess) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// signal sends sig and waits up to timeout for the process to exit.
func (p *workerProcess) signal(sig syscall.Signal, timeout time.Duration) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	eventually(p.t, "the worker to exit after "+sig.String(), timeout, p.hasExited)
}

// eventually polls cond every 20 ms and fails the test when it is not true within timeout.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
