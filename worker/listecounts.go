package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"indberet/tenant"
	"indberet/tenant/domain"
)

// ListCountsArgs is the compaction of the lists' kept counts (liste_taelling, 00015, and per
// CPR prefix liste_taelling_cpr, 00021): every few minutes each kommune's delta rows are
// summed into one row per list (and prefix) and latest Slutdato, so that the overview's
// "af N" and a CPR search's stay sums of a few hundred rows however much is registered (S8).
type ListCountsArgs struct{}

// Kind is River's name of the job.
func (ListCountsArgs) Kind() string { return "list_counts_compact" }

// InsertOpts keeps one compaction at a time in the queue.
func (ListCountsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: listCountsInterval}}
}

// listCountsInterval is how often the kept counts are compacted.
const listCountsInterval = 5 * time.Minute

// ListCountsWorker works ListCountsArgs.
type ListCountsWorker struct {
	river.WorkerDefaults[ListCountsArgs]
	deps Deps
	now  func() time.Time // nil: time.Now
}

// Work compacts every kommune's kept counts, one kommune per transaction (T1: in its own
// scope), so a kommune's registering never waits for the whole country.
func (w *ListCountsWorker) Work(ctx context.Context, job *river.Job[ListCountsArgs]) error {
	now := time.Now
	if w.now != nil {
		now = w.now
	}
	today := domain.Today(now())
	koder, err := kommuneKoder(ctx, w.deps, false)
	if err != nil {
		return err
	}
	var before, after int64
	err = eachKommune(ctx, w.deps, koder, systemActor, func(tx *tenant.Tx) error {
		b, a, err := tx.CompactListCounts(ctx, today)
		before, after = before+b, after+a
		return err
	})
	if err != nil {
		return err
	}
	w.deps.Logger.InfoContext(ctx, "list counts compacted", "job_id", job.ID, "rows_before", before, "rows_after", after)
	return nil
}

// systemActor is the actor of the maintenance jobs (kept counts, CPR index) in the audit log.
var systemActor = tenant.Actor{Email: "system"}

// kommuneKoder are the codes of every kommune and, with platform, tenant.PlatformKommune (the
// platform's own records).
func kommuneKoder(ctx context.Context, deps Deps, platform bool) ([]string, error) {
	ks, err := deps.DB.Kommuner(ctx)
	if err != nil {
		return nil, err
	}
	koder := make([]string, 0, len(ks)+1)
	for _, k := range ks {
		koder = append(koder, k.Kode)
	}
	if platform {
		koder = append(koder, tenant.PlatformKommune)
	}
	return koder, nil
}

// eachKommune runs fn for each of the kommuner koder, each in a transaction of its own scope
// (T1) as actor, so that one kommune never waits for the whole country. The first error
// stops it.
func eachKommune(ctx context.Context, deps Deps, koder []string, actor tenant.Actor, fn func(tx *tenant.Tx) error) error {
	for _, k := range koder {
		if err := deps.DB.InScope(ctx, tenant.Scope{Kommune: k, Actor: actor}, fn); err != nil {
			return fmt.Errorf("kommune %s: %w", k, err)
		}
	}
	return nil
}
