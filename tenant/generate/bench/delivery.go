package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"indberet/tenant"
	"indberet/tenant/domain"
	"indberet/tenant/pgcluster"
)

// deliveryDatabase is the copy of the data set the delivery run works on: a run marks what
// it delivers (I2), and the data set must stay as generated for the next measurement and the
// next run of make bench.
const deliveryDatabase = "indberet_levering"

// measureDelivery measures the monthly delivery run of every kommune (I1–I6) the way an
// operator starts it: `indberet deliver --wait`, built from this checkout, in a process of
// its own that is the only worker, on a copy of the data set (CREATE DATABASE … TEMPLATE,
// before anything connects to the data set). It reports the wall time of the process and
// its peak resident memory (the kernel's maxrss of the process), and what was delivered.
//
// Two runs, two rows: every kommune's first delivery (the whole data set), and then an
// ordinary month after it: 1 % of the sager changed by caseworkers (changeMonth), and the
// next periode (I7) delivered for all 98 kommuner. Only the runs are measured, not the
// copy nor the changes.
func measureDelivery(ctx context.Context, c *pgcluster.Cluster) ([]result, error) {
	first := result{name: "Delivery run, all 98 kommuner (`indberet deliver --wait` as the only worker, on a copy of the data set)",
		target: "≤ 120 s, worker peak RSS ≤ 300 MB"}
	admin, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return nil, err
	}
	defer admin.Close(context.Background())
	drop := "DROP DATABASE IF EXISTS " + deliveryDatabase + " WITH (FORCE)"
	start := time.Now()
	for _, q := range []string{drop,
		"CREATE DATABASE " + deliveryDatabase + " TEMPLATE " + pgcluster.Database + " OWNER " + pgcluster.OwnerRole} {
		if _, err := admin.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	defer func() {
		if _, err := admin.Exec(context.Background(), drop); err != nil {
			logf("drop the delivery copy: %v", err)
		}
	}()
	logf("  copied the data set in %s", time.Since(start).Round(time.Second))

	dir, err := os.MkdirTemp("", "indberet-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "indberet")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v\n%s", err, out)
	}

	// I7: a kommune delivers only its next periode, and only a month that has ended. The
	// data set may have been made in an earlier month; in the copy every kommune starts at
	// the month before last, its first delivery, so that the ordinary month after it is the
	// last month, which can be delivered now.
	month := domain.PeriodeBefore(time.Now())
	periode := domain.PeriodeAdd(month, -1)
	url := c.URL(deliveryDatabase)
	if err := firstPeriode(ctx, url, periode); err != nil {
		return nil, err
	}
	ownerDB, err := tenant.OpenOwner(ctx, url)
	if err != nil {
		return nil, err
	}
	defer ownerDB.Close()
	owner := ownerDB.ToolPool()

	wall, rss, err := runDeliver(ctx, bin, url, periode)
	if err != nil {
		return nil, err
	}
	d, err := deliveredIn(ctx, owner, periode)
	if err != nil {
		return nil, err
	}
	first.measured = fmt.Sprintf("%.0f s, peak RSS %d MB; %d kommuner delivered %s: %s sager, %s ydelser, %d MB of XML stored as %d MB gzip",
		wall.Seconds(), rss>>20, d.kommuner, periode, thousands(int(d.sager)), thousands(int(d.ydelser)), d.bytes>>20, d.gzipped>>20)
	first.met = d.kommuner == 98 && wall <= 120*time.Second && rss <= 300<<20
	logf("  %s", first.measured)

	// A month passes before the next run: the first delivery rewrote every sag and ydelse
	// row (MarkIndberettet), and autovacuum, which starts on such a table within a minute,
	// has long cleared the dead rows and their entries in the indexes (the partial indexes of
	// 00029 among them) and renewed the statistics when the 14th comes again. Without it the
	// month's run would scan the first run's 3.2 million dead index entries.
	start = time.Now()
	if _, err := owner.Exec(ctx, `VACUUM (ANALYZE) sager, ydelser, ydelse_maalgrupper`); err != nil {
		return nil, fmt.Errorf("vacuum after the first delivery: %w", err)
	}
	logf("  vacuumed sager, ydelser, ydelse_maalgrupper in %s (autovacuum's work in the month between)", time.Since(start).Round(time.Millisecond))

	logf("measuring an ordinary month: 1 %% of the sager changed, then %s delivered", month)
	start = time.Now()
	ch, err := changeMonth(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("the month's changes: %w", err)
	}
	logf("  changed %s sager in %s (%s)", thousands(ch.total()), time.Since(start).Round(time.Millisecond), ch)
	ordinary := result{name: "Delivery run of an ordinary month after it, all 98 kommuner (1 % of the sager changed: " +
		"Slutdato set, Funktionsvurdering changed, a new ydelse; same process, copy)", target: "≤ 10 s (peak RSS reported)"}
	wall, rss, err = runDeliver(ctx, bin, url, month)
	if err != nil {
		return nil, err
	}
	d, err = deliveredIn(ctx, owner, month)
	if err != nil {
		return nil, err
	}
	ordinary.measured = fmt.Sprintf("%.1f s, peak RSS %d MB; %d kommuner delivered %s: %s sager, %s ydelser "+
		"(%s nye, %s ændrede, %s neutraliserede), %d KB of XML; changed %s sager (%s)",
		wall.Seconds(), rss>>20, d.kommuner, month, thousands(int(d.sager)), thousands(int(d.ydelser)),
		thousands(int(d.nye)), thousands(int(d.aendrede)), thousands(int(d.neutraliserede)), d.bytes>>10,
		thousands(ch.total()), ch)
	ordinary.met = d.kommuner == 98 && wall <= 10*time.Second && d.ydelser > 0
	return []result{first, ordinary}, nil
}

// runDeliver runs `indberet deliver --periode periode --wait` (bin) on the database of url
// and returns its wall time and its peak resident memory.
func runDeliver(ctx context.Context, bin, url, periode string) (time.Duration, int64, error) {
	cmd := exec.CommandContext(ctx, bin, "deliver", "--periode", periode, "--wait")
	level := "warn"
	if os.Getenv("BENCH_DELIVERY_LOG") != "" {
		level = "info" // every kommune's counts and duration (worker/delivery.go), into that file
	}
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "LOG_LEVEL="+level)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("indberet deliver: %w", err)
	}
	// The peak RSS is the process's VmHWM, read from /proc every 10 ms while it runs (the
	// last reading before it exits): its ru_maxrss would be at least this process's own
	// peak, which a child inherits across exec, and this process holds the server's heap.
	var rss int64
	done := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		for {
			if kb := vmHWM(status); kb > 0 {
				rss = kb << 10
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-polled
	wall := time.Since(start)
	if f := os.Getenv("BENCH_DELIVERY_LOG"); f != "" {
		if werr := os.WriteFile(f+"."+periode, out.Bytes(), 0o644); werr != nil {
			logf("  BENCH_DELIVERY_LOG: %v", werr)
		}
	}
	if err != nil {
		return 0, 0, fmt.Errorf("indberet deliver --periode %s: %v\n%s", periode, err, tail(out.String(), 2000))
	}
	return wall, rss, nil
}

// delivered sums the leverancer of a periode.
type delivered struct {
	kommuner, sager, ydelser, nye, aendrede, neutraliserede, bytes, gzipped int64
}

// deliveredIn sums the leverancer of periode of every kommune.
func deliveredIn(ctx context.Context, owner *pgxpool.Pool, periode string) (delivered, error) {
	var d delivered
	err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('indberet.alle', 'read', true)"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*), coalesce(sum(antal_sager), 0), coalesce(sum(antal_ydelser), 0),
			coalesce(sum(antal_nye), 0), coalesce(sum(antal_aendrede), 0), coalesce(sum(antal_neutraliserede), 0),
			coalesce(sum(byte_size), 0), coalesce(sum(gzip_size), 0) FROM leverancer WHERE periode = $1`, periode).
			Scan(&d.kommuner, &d.sager, &d.ydelser, &d.nye, &d.aendrede, &d.neutraliserede, &d.bytes, &d.gzipped)
	})
	return d, err
}

// firstPeriode makes periode the first periode of every kommune in the database of url.
func firstPeriode(ctx context.Context, url, periode string) error {
	owner, err := tenant.OpenOwner(ctx, url)
	if err != nil {
		return err
	}
	defer owner.Close()
	if _, err := owner.ToolPool().Exec(ctx, `UPDATE kommuner SET foerste_periode = $1`, periode); err != nil {
		return fmt.Errorf("first periode of the delivery copy: %w", err)
	}
	return nil
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
