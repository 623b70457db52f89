package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/worker"
)

// The export measurement (E1): the CPR list of the largest kommune's biggest list (*Egne
// IDEP*, *Sager og ydelser*, *Alle sager*: a row per ydelse), once as CSV and once as XLSX,
// each ordered as the screen orders it (the row and its job in one transaction) and worked
// by a worker in a child process of its own (this program run as `bench export-child`), so
// that the peak RSS of that process (its VmHWM) is the export's and nothing else's. The time is the job's own, from the export's start to its finish as it records
// them (both transactions of worker/export.go), without the child's start.

// exportChildArg is the first argument that makes this program the export's worker.
const exportChildArg = "export-child"

// exportChild works jobs on the database at dbURL until the export job of eksport id is
// done, then exits: 0 when it completed.
func exportChild(dbURL string, id int64) int {
	ctx := context.Background()
	db, err := tenant.Open(ctx, dbURL, 0)
	if err != nil {
		logf("export child: %v", err)
		return 1
	}
	defer db.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := worker.NewClient(worker.Deps{DB: db, Accounts: accounts.NewStore(db), Logger: logger},
		worker.Options{Work: true, NoPeriodic: true, MaxWorkers: 1, SoftStopTimeout: time.Second})
	if err != nil {
		logf("export child: %v", err)
		return 1
	}
	events, cancel := c.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- worker.Run(runCtx, c) }()
	status := 1
	for ev := range events {
		var a worker.EksportArgs
		if ev.Job.Kind != a.Kind() || json.Unmarshal(ev.Job.EncodedArgs, &a) != nil || a.EksportID != id {
			continue
		}
		if ev.Kind == river.EventKindJobCompleted {
			status = 0
		} else {
			for _, e := range ev.Job.Errors {
				logf("export child: job %s: %s", ev.Kind, e.Error)
			}
		}
		break
	}
	stop()
	<-done
	// The peak RSS of this process since its exec: VmHWM of /proc/self/status. (The parent's
	// getrusage of its child would count the parent's own memory at the fork: Linux keeps
	// ru_maxrss across exec.)
	fmt.Println(vmHWM("/proc/self/status"))
	return status
}

// vmHWM is the peak RSS in kB (VmHWM) in the /proc status file path; 0 when it cannot be read.
func vmHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// measureExports orders the two exports, works each in a child process and adds their rows.
func (b *bench) measureExports(ctx context.Context, dbURL string, jobs *worker.Client) error {
	for _, f := range []tenant.EksportFormat{tenant.FormatCSV, tenant.FormatXLSX} {
		logf("measuring the CPR-list export, %s", f)
		e, rss, err := b.exportOnce(ctx, dbURL, jobs, f)
		if err != nil {
			return err
		}
		took := e.FaerdigAt.Sub(*e.StartetAt)
		mb := float64(rss) / 1024 // kB
		measured := fmt.Sprintf("%.1f s, peak RSS %.0f MB (%s rows, %s CPR numbers, file %.1f MB)", took.Seconds(), mb,
			thousands(e.AntalRaekker), thousands(e.AntalCPR), float64(e.Bytes)/1e6)
		logf("  %s", measured)
		b.results = append(b.results, result{
			name: fmt.Sprintf("CPR-list export of the largest kommune, %s (*Egne IDEP*, *Sager og ydelser*, a row per ydelse; "+
				"a worker process of its own)", map[tenant.EksportFormat]string{tenant.FormatCSV: "CSV", tenant.FormatXLSX: "XLSX"}[f]),
			target: "≤ 5 s, peak RSS ≤ 150 MB", measured: measured, met: took <= 5*time.Second && mb <= 150,
		})
	}
	// The exports made are deleted, so the data set stays as generated.
	return b.db.InScope(ctx, tenant.Scope{Kommune: b.kommune, Actor: tenant.Actor{Email: "system:bench"}}, func(tx *tenant.Tx) error {
		_, err := tx.SletUdloebneEksporter(ctx, time.Now().Add(tenant.EksportLevetid+time.Hour))
		return err
	})
}

// exportOnce orders one export of format f and works it in a child process; it returns the
// finished export and the child's peak RSS in kB.
func (b *bench) exportOnce(ctx context.Context, dbURL string, jobs *worker.Client, f tenant.EksportFormat) (tenant.Eksport, int64, error) {
	scope := tenant.Scope{Kommune: b.kommune, Actor: tenant.Actor{Email: "system:bench"}}
	var e tenant.Eksport
	err := b.db.InScope(ctx, scope, func(tx *tenant.Tx) error {
		var err error
		e, err = tx.CreateEksport(ctx, tenant.NewEksport{Art: tenant.EksportListe, Format: f, Parametre: tenant.EksportParametre{
			Liste: tenant.ListeEgne, Visning: tenant.VisningSagerOgYdelser, Filter: tenant.FilterAlle}})
		if err != nil {
			return err
		}
		_, err = jobs.InsertTx(ctx, tx.RiverTx(), worker.EksportArgs{Kommune: b.kommune, EksportID: e.ID}, nil)
		return err
	})
	if err != nil {
		return e, 0, err
	}
	self, err := os.Executable()
	if err != nil {
		return e, 0, err
	}
	cmd := exec.CommandContext(ctx, self, exportChildArg, dbURL, strconv.FormatInt(e.ID, 10))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return e, 0, fmt.Errorf("export child: %w", err)
	}
	rss, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return e, 0, fmt.Errorf("export child's peak RSS %q: %w", out, err)
	}
	err = b.db.InScope(ctx, scope, func(tx *tenant.Tx) (err error) {
		e, err = tx.Eksport(ctx, e.ID)
		return err
	})
	if err == nil && (e.Status != tenant.EksportFaerdig || e.StartetAt == nil || e.FaerdigAt == nil) {
		err = errors.New("the export is not done: " + string(e.Status) + " " + e.Fejl)
	}
	return e, rss, err
}
