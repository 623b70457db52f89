package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// The export job (E1, E2): eksport (EksportArgs) writes the file of one ordered export
// (tenant.Eksport, enqueued by the screen in the transaction that orders it).
//
// It works in two transactions of the kommune's scope:
//
//  1. a short one marks the export running with the number of sager to read (its progress
//     total) and removes anything of an earlier attempt;
//  2. a long one reads the sager batch by batch (tenant.EachEksportBatch: a keyset walk by
//     CPR number, one batch in memory), writes the table as it goes into the export's file
//     (tenant.EksportFil: parts of 256 KB), then marks the export done and completes the
//     job (JobCompleteTx), all in one commit.
//
// Progress is written after each batch in short transactions of their own, beside the long
// one, so the progress page sees it move. A worker killed mid-export leaves transaction 2
// uncommitted: no part of the file and no "done"; River's rescuer runs the job again, and
// step 1 starts it from scratch. An error marks the export queued again with the error
// (River retries with backoff) and, at the last attempt, failed.
//
// The job reads CPR numbers and shows them to no person: it writes no CPR access record. It
// stores the file's CPR numbers beside it (tenant.EksportResultat.CPRs), and a download of
// the file, the read that shows them to a person, records them all (tenant.DB.DownloadEksport).

// EksportActor is the actor of the export jobs in the audit log.
const EksportActor = "system:eksport"

// eksportBatch is how many sager one batch of an export reads: each batch is one query for
// the sager and one for their ydelser, and one progress update.
const eksportBatch = 2000

// eksportTimeout bounds one attempt of an export; River's rescuer runs an export again when
// its worker died this long (and rescueMargin) after the attempt started: several times the
// largest kommune's list on the worker's throttled shared CPUs, for the unmeasured
// fejlopgørelse (client.go has the numbers). The attempt's deadline is stored with the
// export, so its page tells a stalled export from a running one (tenant.Eksport.GaaetIStaa).
const eksportTimeout = 10 * time.Minute

// eksportFejlTimeout bounds the transaction that records a failed attempt (EksportFejlede):
// it runs after the attempt's own context ended, within the margin before River's rescuer may
// run the job again (client.go).
const eksportFejlTimeout = 10 * time.Second

// eksportMaxAttempts: an export that fails three times is marked failed; the user orders it
// again.
const eksportMaxAttempts = 3

// EksportArgs makes the file of the export EksportID of Kommune.
type EksportArgs struct {
	Kommune   string `json:"kommune"`
	EksportID int64  `json:"eksport_id"`
}

// Kind is River's name of the job.
func (EksportArgs) Kind() string { return "eksport" }

// InsertOpts keeps one job per export in the queue, QueueEksport.
func (EksportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueEksport, MaxAttempts: eksportMaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// QueueEksport is the queue of the exports. Like the deliveries' (QueueLevering) it works few
// jobs at once: each holds a database connection for its whole long transaction, and
// together with the deliveries they must leave the pool's other connections (the workers'
// pool: DATABASE_POOL_MAX, half of it in `serve`, never the web's) to the short jobs and to
// their own progress updates.
const QueueEksport = "eksport"

// eksportQueueWorkers is how many exports one worker process writes at once.
const eksportQueueWorkers = 2

// eksportProgressTimeout bounds the wait for a connection to write an export's progress: the
// progress is for the progress page only, and the export goes on without it.
const eksportProgressTimeout = 2 * time.Second

// EksportWorker works EksportArgs.
type EksportWorker struct {
	river.WorkerDefaults[EksportArgs]
	deps  Deps
	limit attemptLimit // eksportTimeout, or shorter in the kill-and-restart test
	// batch is the sager per batch; 0: eksportBatch (tests make it small).
	batch int
	// afterBatch, when set (by a test only), runs after each batch with the sager done; its
	// error fails the attempt there, as a worker that dies mid-export.
	afterBatch func(done int) error
}

// Timeout is the attempt's limit and the margin after it (client.go): River's rescuer runs
// the job again when it is still marked running after that.
func (w *EksportWorker) Timeout(*river.Job[EksportArgs]) time.Duration { return w.limit.timeout() }

// Work writes the export's file; see the top of this file.
func (w *EksportWorker) Work(ctx context.Context, job *river.Job[EksportArgs]) error {
	a := job.Args
	if !domain.ValidKommunekode(a.Kommune) {
		return river.JobCancel(fmt.Errorf("invalid kommunekode %q", a.Kommune))
	}
	started := time.Now()
	scope := tenant.Scope{Kommune: a.Kommune, Actor: tenant.Actor{Email: EksportActor}}
	actx, cancel := w.limit.start(ctx)
	defer cancel()
	res, err := w.export(actx, scope, job)
	if errors.Is(err, tenant.ErrNotFound) {
		// Deleted (expired) before it ran: nothing to make.
		return river.JobCancel(fmt.Errorf("export %d of kommune %s: %w", a.EksportID, a.Kommune, err))
	}
	if errors.Is(err, tenant.ErrEksportFaerdig) {
		// Made by an earlier attempt that River took for dead: its file stays as it is.
		w.deps.Logger.InfoContext(ctx, "export already done, nothing to do", "job_id", job.ID, "kommune", a.Kommune,
			"eksport_id", a.EksportID)
		return nil
	}
	if err != nil {
		status := tenant.EksportIKoe
		if job.Attempt >= job.MaxAttempts {
			status = tenant.EksportFejlet
		}
		// In a transaction of its own (the export's own has rolled back), also after the
		// attempt's limit: within the margin before River's rescuer (client.go).
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), eksportFejlTimeout)
		defer fcancel()
		ferr := w.deps.DB.InScope(fctx, scope, func(tx *tenant.Tx) error {
			return tx.EksportFejlede(fctx, a.EksportID, status, "Eksporten mislykkedes. Der er ikke hentet nogen fil.")
		})
		return errors.Join(fmt.Errorf("export %d of kommune %s: %w", a.EksportID, a.Kommune, err), ferr)
	}
	w.deps.Logger.InfoContext(ctx, "export done", "job_id", job.ID, "kommune", a.Kommune, "eksport_id", a.EksportID,
		"rows", res.Raekker, "cprs", res.CPRs.Len(), "bytes", res.Bytes, "duration", time.Since(started).String())
	return nil
}

// export does both transactions of the export and returns what the file holds.
func (w *EksportWorker) export(ctx context.Context, scope tenant.Scope, job *river.Job[EksportArgs]) (tenant.EksportResultat, error) {
	id := job.Args.EksportID
	today := domain.Today(time.Now())
	var e tenant.Eksport
	err := w.deps.DB.InScope(ctx, scope, func(tx *tenant.Tx) error {
		var err error
		if e, err = tx.Eksport(ctx, id); err != nil {
			return err
		}
		total, err := tx.CountEksportSager(ctx, e.Parametre, today)
		if err != nil {
			return err
		}
		return tx.StartEksport(ctx, id, total, tenant.EksportForsoeg{Frist: w.limit.limit, Sidste: job.Attempt >= job.MaxAttempts})
	})
	if err != nil {
		return tenant.EksportResultat{}, err
	}
	snap, err := w.deps.DB.CodeSnapshot(ctx)
	if err != nil {
		return tenant.EksportResultat{}, err
	}
	tabel := eksportTabelFor(e, snap, today)
	var res tenant.EksportResultat
	err = w.deps.DB.InScope(ctx, scope, func(tx *tenant.Tx) error {
		fil := tx.EksportFil(ctx, id)
		tw, err := newTableWriter(e.Format, fil, tabel.sheet, tabel.header)
		if err != nil {
			return err
		}
		done := 0
		err = tx.EachEksportBatch(ctx, e.Parametre, today, cmp.Or(w.batch, eksportBatch), e.Art == tenant.EksportFejl, func(batch []tenant.EksportSag) error {
			for _, s := range batch {
				rows := tabel.rows(s)
				for _, r := range rows {
					if err := tw.Row(r); err != nil {
						return err
					}
				}
				res.Raekker += len(rows)
				if len(rows) > 0 { // sager come by CPR number: each once
					res.CPRs.Add(s.Sag.CPR)
				}
			}
			done += len(batch)
			w.progress(ctx, scope, id, done)
			if w.afterBatch != nil {
				return w.afterBatch(done)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := tw.Close(); err != nil {
			return err
		}
		if err := fil.Close(); err != nil {
			return err
		}
		res.Bytes = fil.Size()
		if err := tx.FinishEksport(ctx, id, res); err != nil {
			return err
		}
		_, err = river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx.RiverTx(), job)
		return err
	})
	return res, err
}

// progress writes that done sager of export id are read, in a short transaction of its own
// beside the export's long one, so the progress page sees it move. It is best-effort: when no
// connection is free within eksportProgressTimeout, or the write fails, the export goes on
// and the next batch tries again.
func (w *EksportWorker) progress(ctx context.Context, scope tenant.Scope, id int64, done int) {
	ctx, cancel := context.WithTimeout(ctx, eksportProgressTimeout)
	defer cancel()
	err := w.deps.DB.InScope(ctx, scope, func(p *tenant.Tx) error { return p.EksportProgress(ctx, id, done) })
	if err != nil {
		w.deps.Logger.WarnContext(ctx, "export progress not written", "eksport_id", id, "done", done, "error", err)
	}
}
