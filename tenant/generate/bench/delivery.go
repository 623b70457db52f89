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

	"indberet/tenant"
	"indberet/tenant/pgcluster"
	"indberet/worker"
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
func measureDelivery(ctx context.Context, c *pgcluster.Cluster) (result, error) {
	res := result{name: "Delivery run, all 98 kommuner (`indberet deliver --wait` as the only worker, on a copy of the data set)",
		target: "≤ 120 s, worker peak RSS ≤ 300 MB"}
	admin, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return res, err
	}
	defer admin.Close(context.Background())
	drop := "DROP DATABASE IF EXISTS " + deliveryDatabase + " WITH (FORCE)"
	start := time.Now()
	for _, q := range []string{drop,
		"CREATE DATABASE " + deliveryDatabase + " TEMPLATE " + pgcluster.Database + " OWNER " + pgcluster.OwnerRole} {
		if _, err := admin.Exec(ctx, q); err != nil {
			return res, fmt.Errorf("%s: %w", q, err)
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
		return res, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "indberet")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return res, fmt.Errorf("go build: %v\n%s", err, out)
	}

	periode := worker.PeriodeBefore(time.Now())
	url := c.URL(deliveryDatabase)
	// I7: a kommune delivers only its next periode. The data set may have been made in an
	// earlier month; in the copy every kommune starts at this periode, its first delivery.
	if err := firstPeriode(ctx, url, periode); err != nil {
		return res, err
	}
	cmd := exec.CommandContext(ctx, bin, "deliver", "--periode", periode, "--wait")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "LOG_LEVEL=warn")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start = time.Now()
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("indberet deliver: %w", err)
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
	err = cmd.Wait()
	close(done)
	<-polled
	wall := time.Since(start)
	if err != nil {
		return res, fmt.Errorf("indberet deliver: %v\n%s", err, tail(out.String(), 2000))
	}

	owner, err := tenant.OpenOwner(ctx, url)
	if err != nil {
		return res, err
	}
	defer owner.Close()
	var kommuner, sager, ydelser, bytes, gzipped int64
	err = pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('indberet.alle', 'read', true)"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*), coalesce(sum(antal_sager), 0), coalesce(sum(antal_ydelser), 0),
			coalesce(sum(byte_size), 0), coalesce(sum(gzip_size), 0) FROM leverancer WHERE periode = $1`, periode).
			Scan(&kommuner, &sager, &ydelser, &bytes, &gzipped)
	})
	if err != nil {
		return res, err
	}
	res.measured = fmt.Sprintf("%.0f s, peak RSS %d MB; %d kommuner delivered %s: %s sager, %s ydelser, %d MB of XML stored as %d MB gzip",
		wall.Seconds(), rss>>20, kommuner, periode, thousands(int(sager)), thousands(int(ydelser)), bytes>>20, gzipped>>20)
	res.met = kommuner == 98 && wall <= 120*time.Second && rss <= 300<<20
	return res, nil
}

// firstPeriode makes periode the first periode of every kommune in the database of url.
func firstPeriode(ctx context.Context, url, periode string) error {
	owner, err := tenant.OpenOwner(ctx, url)
	if err != nil {
		return err
	}
	defer owner.Close()
	if _, err := owner.Exec(ctx, `UPDATE kommuner SET foerste_periode = $1`, periode); err != nil {
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
