// Command bench is `make bench` (issue 6): it measures the real server against the national
// data set of package generate and prints one table of measurement, target, measured figure
// and whether the target is met, also written as markdown to bench-results.md (git-ignored).
//
//	go run ./tenant/generate/bench [-scale 25] [-explain] [-fresh] [-delivery=false] [-only-export] [-only-delivery] [-clients 8] [-duration 10s] [-cpuprofile p]
//
// It keeps its own throwaway PostgreSQL cluster in .data/bench (package pgcluster, with fsync
// off and the settings of serverSettings) and generates the data set there once: a later
// run whose database holds the same scale, seed and generator version reuses it (unless
// -fresh), any other database is dropped and made again. The server is the app itself (app.New served on a
// free port of 127.0.0.1, as `indberet serve --workers=false` serves it) in this process;
// the load comes from Go HTTP clients in the same process over loopback, each logged in as
// the generated indberetter of the largest kommune (København).
//
// What is measured, each after a warm-up (-warmup) for -duration with -clients clients:
//   - the CPR prefix search: the htmx partial POST /indberetninger/egne with 3 digits (the
//     beginnings of the kommune's own CPR numbers, at random) in the list's default view;
//   - the same SQL run directly with pgx, right after, on as many goroutines: every
//     statement of the search request in the same round trips, through the stores the
//     handler calls, without HTTP, middleware or rendering (direct.go): the ratio of the
//     two medians;
//   - the overview *Kun sager* / *Ikke afsluttede sager*: the first page (the whole page, GET)
//     and page 1,000 (the page button's htmx POST with its cursor). The cursor of page 1,000
//     is reached by walking 999 pages with the store (tenant.Tx.List), the cursor the page
//     itself renders;
//   - *Opret* of a sag with one ydelse (validation, audit, CPR log), each with a new CPR
//     number; the sager made are deleted afterwards, so the data set stays as generated;
//   - the CPR-list export (E1) of the kommune, CSV and XLSX, each in a worker process of its
//     own for its peak RSS (export.go); -only-export measures only this;
//   - last (unless -delivery=false), with the server stopped, the delivery run of every
//     kommune: `indberet deliver --wait` in a process of its own on a copy of the data set
//     (delivery.go), so that the copy's writing does not run under the latency rows; then,
//     on the same copy, an ordinary month after it: 1 % of the sager changed (month.go) and
//     the next periode delivered (I7). -only-delivery measures only these two runs. With
//     BENCH_DELIVERY_LOG=f in the environment each run's own log (level info: every
//     kommune's counts and duration) is written to f.<periode>.
//
// -only search,overview-first,... measures only those HTTP rows (no export, no delivery).
//
// With -explain (make bench EXPLAIN=1) it prints EXPLAIN (ANALYZE, BUFFERS) of the search
// and the overview statements and checks that none scans sager sequentially.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/app"
	"indberet/app/config"
	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/domain"
	"indberet/tenant/generate"
	"indberet/tenant/pgcluster"
	"indberet/tenant/schema"
)

// options are the command's flags.
type options struct {
	scale      float64
	seed       uint64
	dir        string
	clients    int
	warmup     time.Duration
	duration   time.Duration
	explain    bool
	out        string
	keep       bool
	fresh      bool
	delivery   bool
	cpuprofile string
	onlyExport bool
	only       string

	onlyDelivery bool
}

func main() {
	var o options
	flag.Float64Var(&o.scale, "scale", 25, "the data set's scale (generate: 1 ≈ 60,000 sager)")
	flag.Uint64Var(&o.seed, "seed", 1, "the data set's seed")
	flag.StringVar(&o.dir, "dir", ".data/bench", "the directory of the benchmark's PostgreSQL cluster")
	flag.IntVar(&o.clients, "clients", 8, "concurrent clients of each measurement")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unrecorded time before each measurement")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "recorded time of each measurement")
	flag.BoolVar(&o.explain, "explain", false, "print EXPLAIN (ANALYZE, BUFFERS) of the search and overview statements")
	flag.StringVar(&o.out, "out", "bench-results.md", "the markdown file the table is written to")
	flag.BoolVar(&o.keep, "keep", false, "leave the cluster running afterwards")
	flag.BoolVar(&o.delivery, "delivery", true, "measure the delivery run of every kommune (on a copy of the data set)")
	flag.BoolVar(&o.fresh, "fresh", false, "generate the data set again even when the database holds it (to measure the load)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of each measurement (server and clients) to <this>.<measurement>.prof")
	flag.BoolVar(&o.onlyExport, "only-export", false, "measure only the CPR-list export (not the HTTP measurements nor the delivery)")
	flag.BoolVar(&o.onlyDelivery, "only-delivery", false, "measure only the delivery runs (not the HTTP measurements nor the export)")
	flag.StringVar(&o.only, "only", "", "measure only these HTTP rows, comma-separated (search,pgx,overview-first,overview-page,opret); no export nor delivery")
	if len(os.Args) == 4 && os.Args[1] == exportChildArg { // the export's worker process (export.go)
		id, _ := strconv.ParseInt(os.Args[3], 10, 64)
		os.Exit(exportChild(os.Args[2], id))
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// serverSettings are the benchmark cluster's settings beside pgcluster's throwaway ones: a
// server sized for the data set rather than PostgreSQL's defaults (128 MB of shared buffers).
var serverSettings = []struct {
	name, value string
	restart     bool
}{
	{"shared_buffers", "1GB", true},
	{"effective_cache_size", "8GB", false},
	{"maintenance_work_mem", "1GB", false},
	{"max_wal_size", "8GB", false},
	{"checkpoint_timeout", "30min", false},
}

// cluster starts (creating it the first time) the benchmark's cluster with serverSettings.
func cluster(ctx context.Context, dir string) (*pgcluster.Cluster, error) {
	c, err := pgcluster.Ensure(ctx, pgcluster.Options{Dir: dir, Throwaway: true, Logf: logf})
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	restart, reload := false, false
	for _, s := range serverSettings {
		var cur string
		if err := conn.QueryRow(ctx, "SELECT current_setting($1)", s.name).Scan(&cur); err != nil {
			return nil, err
		}
		if cur == s.value {
			continue
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER SYSTEM SET %s = '%s'", s.name, s.value)); err != nil {
			return nil, err
		}
		restart, reload = restart || s.restart, true
	}
	switch {
	case restart:
		logf("restarting PostgreSQL with the benchmark's settings")
		if err := c.Stop(); err != nil {
			return nil, err
		}
		return pgcluster.Ensure(ctx, pgcluster.Options{Dir: dir, Throwaway: true, Logf: logf})
	case reload:
		_, err = conn.Exec(ctx, "SELECT pg_reload_conf()")
	}
	return c, err
}

// dataSet makes sure the cluster's database holds the data set of o, generating it unless
// it is there already. The result tells how it was loaded (now or before).
func dataSet(ctx context.Context, c *pgcluster.Cluster, o options) (generate.Result, error) {
	ownerURL := c.URL(pgcluster.Database)
	if _, err := schema.Prepare(ctx, ownerURL); err != nil {
		return generate.Result{}, err
	}
	owner, err := tenant.OpenOwner(ctx, ownerURL)
	if err != nil {
		return generate.Result{}, err
	}
	m, ok, err := generate.ReadMarker(ctx, owner.ToolPool())
	owner.Close()
	if err != nil {
		return generate.Result{}, err
	}
	if ok && m.Scale == o.scale && m.Seed == o.seed && m.Version == generate.Version && m.TotalSeconds > 0 && !o.fresh {
		logf("reusing the data set of scale %g loaded %s (%d sager, %d ydelser)", m.Scale,
			m.At.Format(time.DateOnly), m.Sager, m.Ydelser)
		return generate.Result{Marker: m, Reused: true}, nil
	}
	if err := recreate(ctx, c); err != nil {
		return generate.Result{}, err
	}
	if _, err := schema.Prepare(ctx, ownerURL); err != nil {
		return generate.Result{}, err
	}
	db, err := tenant.Open(ctx, ownerURL, 0)
	if err != nil {
		return generate.Result{}, err
	}
	defer db.Close()
	logf("generating the data set of scale %g", o.scale)
	return generate.Generate(ctx, ownerURL, db, accounts.NewStore(db), generate.Options{Scale: o.scale, Seed: o.seed, Logf: logf})
}

// recreate drops the benchmark database and creates it empty.
func recreate(ctx context.Context, c *pgcluster.Cluster) error {
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for _, q := range []string{
		"DROP DATABASE IF EXISTS " + pgcluster.Database + " WITH (FORCE)",
		"CREATE DATABASE " + pgcluster.Database + " OWNER " + pgcluster.OwnerRole,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// largestKommune is the kommune with the most inhabitants, and so the most sager.
func largestKommune() string {
	best := ""
	for k, p := range generate.Population {
		if best == "" || p > generate.Population[best] {
			best = k
		}
	}
	return best
}

func run(ctx context.Context, o options) error {
	c, err := cluster(ctx, o.dir)
	if err != nil {
		return err
	}
	if !o.keep {
		defer func() {
			if err := c.Stop(); err != nil {
				logf("stop cluster: %v", err)
			}
		}()
	}
	data, err := dataSet(ctx, c, o)
	if err != nil {
		return err
	}
	var b *bench
	if o.onlyDelivery {
		b = &bench{o: o, data: data, kommune: largestKommune(), version: clusterVersion(ctx, c)}
	} else if b, err = measureServer(ctx, c, o, data); err != nil {
		return err
	}
	// The delivery last, with the server and its connections gone: its copy of the data set
	// needs a database nobody is connected to, and the copy (gigabytes written, then a
	// checkpoint) must not run under the latency measurements.
	if o.delivery && !o.onlyExport && o.only == "" {
		logf("measuring the delivery run of every kommune")
		rs, err := measureDelivery(ctx, c)
		if err != nil {
			return fmt.Errorf("delivery: %w", err)
		}
		logf("  %s", rs[len(rs)-1].measured)
		b.results = append(b.results, rs...)
	}
	report := b.report()
	fmt.Print(report)
	if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
		return err
	}
	logf("written to %s", o.out)
	return nil
}

// measureServer serves the app on the data set and measures the HTTP rows and the exports;
// the server and its connections are gone when it returns.
func measureServer(ctx context.Context, c *pgcluster.Cluster, o options, data generate.Result) (*bench, error) {
	// The server: the app as `indberet serve --workers=false` builds it, logging as it does
	// (one JSON line per request), into io.Discard.
	ownerURL := c.URL(pgcluster.Database)
	db, err := tenant.Open(ctx, ownerURL, 0)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	cfg, err := config.Parse(func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	app.TuneGC(os.Getenv) // as serve --workers=false
	deps, err := app.Wire(ctx, cfg, db, logger)
	if err != nil {
		return nil, err
	}
	web, err := app.New(ctx, deps)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() {
		if err := web.Serve(ln); err != nil {
			logf("serve: %v", err)
		}
	}()
	defer web.Fiber().Shutdown()
	base := "http://" + ln.Addr().String()

	b := &bench{o: o, db: db, deps: deps, superuserURL: c.SuperuserURL(pgcluster.Database), base: base, kommune: largestKommune(), today: generate.Today(), data: data}
	if err := b.prepare(ctx); err != nil {
		return nil, err
	}
	if o.explain {
		if err := b.explain(ctx); err != nil {
			return nil, err
		}
	}
	if !o.onlyExport {
		if err := b.measureAll(ctx); err != nil {
			return nil, err
		}
	}
	if o.only == "" {
		if err := b.measureExports(ctx, ownerURL, deps.Jobs); err != nil {
			return nil, err
		}
	}
	b.version = b.serverVersion(ctx)
	return b, nil
}

// bench holds one run's state.
type bench struct {
	o            options
	db           *tenant.DB
	deps         app.Deps
	superuserURL string
	base         string
	kommune      string
	today        time.Time
	data         generate.Result

	clients  []*client
	prefixes []string // 3-digit beginnings of the kommune's own CPR numbers
	existing []string // every CPR number of the kommune
	cursor   string   // of page 1,000 of Kun sager / Ikke afsluttede
	page     int      // the page of cursor: 1,000, or the last one when there are fewer
	opret    url.Values
	ffbCode  string

	results []result
	version string   // PostgreSQL's
	notes   []string // printed under the table
	plans   []string
	planOK  bool
}

// result is one row of the table.
type result struct {
	name, target, measured string
	met                    bool
}

// prepare logs the clients in, samples the search prefixes, walks to page 1,000 and builds
// the Opret form.
func (b *bench) prepare(ctx context.Context) error {
	// The kept list counts as the compaction job leaves them every 5 minutes (00015): a run
	// started without workers would otherwise sum the delta rows of every earlier run's Opret.
	// Likewise the CPR access records of earlier runs get their index rows, as the job does
	// every minute (00019).
	err := b.db.InScope(ctx, tenant.Scope{Kommune: b.kommune, Actor: tenant.Actor{Email: "bench"}}, func(tx *tenant.Tx) error {
		before, after, err := tx.CompactListCounts(ctx, b.today)
		logf("kept list counts of %s compacted: %d rows to %d", b.kommune, before, after)
		if err != nil {
			return err
		}
		n, err := tx.IndexCPRAccess(ctx)
		logf("CPR access records of %s indexed: %d", b.kommune, n)
		return err
	})
	if err != nil {
		return err
	}
	// Every run starts from the state autovacuum keeps: the dead rows of the compaction just
	// now, and of earlier runs' Opret (its sager are deleted afterwards), vacuumed, so that
	// the counts are index-only scans and no index walk meets dead entries; and the CPR
	// access records of earlier runs with their index rows (hundreds of thousands a run),
	// which autovacuum would otherwise take on during the measurements, in the server's CPU
	// time. Then a checkpoint, so that the writing of the buffers all this dirtied does not
	// fall in the measurements either. As the cluster's superuser: the app's role may do
	// neither.
	t0 := time.Now()
	super, err := pgx.Connect(ctx, b.superuserURL)
	if err != nil {
		return err
	}
	defer super.Close(context.Background())
	if _, err := super.Exec(ctx, `VACUUM (ANALYZE) liste_taelling, liste_taelling_cpr, sager, ydelser, ydelse_maalgrupper,
		cpr_access_log, cpr_access_log_cprs, cpr_access_log_nye, sessions, audit_log`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	if _, err := super.Exec(ctx, `CHECKPOINT`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	logf("vacuumed the list and log tables and checkpointed in %s", time.Since(t0).Round(time.Millisecond))
	hc := newHostClient(b.base, b.o.clients)
	for range b.o.clients {
		c, err := login(hc, generate.UserEmail(b.kommune), generate.Password)
		if err != nil {
			return err
		}
		b.clients = append(b.clients, c)
	}
	all, egne, err := generate.KommuneCPRs(ctx, b.db, b.kommune)
	if err != nil {
		return err
	}
	if len(egne) == 0 {
		return errors.New("the largest kommune has no sager of its own")
	}
	b.existing = all
	for _, cpr := range egne {
		b.prefixes = append(b.prefixes, cpr[:3])
	}
	// Page 1,000's cursor (the last page's on a smaller data set), by the store's own cursors.
	q := tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterIkkeAfsluttede,
		Today: b.today}
	b.page = 1
	err = b.db.InScope(ctx, tenant.Scope{Kommune: b.kommune, Actor: tenant.Actor{Email: "system:bench"}},
		func(tx *tenant.Tx) error {
			for ; b.page < 1000; b.page++ {
				p, err := tx.List(ctx, q)
				if err != nil {
					return err
				}
				if p.Next == "" {
					break
				}
				q.After = p.Next
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("walk to page 1,000: %w", err)
	}
	b.cursor = q.After

	// Opret: a ydelse starting a week ago of the first indsatskode that needs neither FFB
	// nor a tilbudssted, with the first FFB målgruppe that may be primary (Y3: FFB only
	// from 2025).
	snap, err := b.db.CodeSnapshot(ctx)
	if err != nil {
		return err
	}
	start := b.today.AddDate(0, 0, -7)
	indsats := ""
	for _, i := range snap.Indsatser() {
		if !i.FFB && i.RequiresTilbudssted == "no" && i.VarighedDefault == "periode" && i.ValidAt(start) {
			indsats = i.Code
			break
		}
	}
	for _, m := range snap.Maalgrupper(domain.MaalgruppeSchemes(start)...) {
		if m.PrimaryAllowed && m.ValidAt(start) {
			b.ffbCode = m.Scheme + ":" + m.Code
			break
		}
	}
	if indsats == "" || b.ffbCode == "" {
		return errors.New("no indsatskode or målgruppe for Opret in the code lists")
	}
	b.opret = url.Values{"navn": {"Bench Testesen"}, "funktionsvurdering": {"B"}, "indsatskode": {indsats},
		"varighed": {"periode"}, "maalgruppe_primaer": {b.ffbCode},
		"bevillingsdato": {domain.FormatDate(start.AddDate(0, 0, -14))}, "startdato": {domain.FormatDate(start)},
		"betalingskommune": {b.kommune}, "handling": {"opret"}}
	return nil
}

// searchForm is the search field's POST for prefix, in the list's default view.
func searchForm(prefix string) url.Values {
	return url.Values{"cpr": {prefix}, "visning": {string(tenant.VisningSagerOgYdelser)}, "filter": {string(tenant.FilterAlle)}}
}

func searchQuery(kommune, prefix string, today time.Time) tenant.ListQuery {
	return tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningSagerOgYdelser, Filter: tenant.FilterAlle,
		CPRPrefix: prefix, Today: today}
}

func listStatements(kommune string, q tenant.ListQuery) ([]generate.Statement, error) {
	count, countArgs, rows, rowsArgs, err := tenant.ListStatements(kommune, q)
	if err != nil {
		return nil, err
	}
	return []generate.Statement{{SQL: count, Args: countArgs}, {SQL: rows, Args: rowsArgs}}, nil
}

// measure runs one measurement (see the package function measure), with -cpuprofile
// writing its CPU profile to <cpuprofile>.<name>.prof.
func (b *bench) measure(ctx context.Context, name string, do func(w int, seq int64) error) stats {
	if b.skip(name) {
		return stats{}
	}
	if b.o.cpuprofile != "" {
		f, err := os.Create(b.o.cpuprofile + "." + name + ".prof")
		if err == nil {
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err == nil {
				defer pprof.StopCPUProfile()
			}
		}
		if err != nil {
			logf("cpu profile: %v", err)
		}
	}
	return measure(ctx, b.o.clients, b.o.warmup, b.o.duration, func() (time.Duration, time.Duration) {
		return cpuTimes(b.o.dir)
	}, do)
}

// skip tells whether -only leaves out the measurement name.
func (b *bench) skip(name string) bool {
	return b.o.only != "" && !slices.Contains(strings.Split(b.o.only, ","), name)
}

// measureAll runs the measurements in turn.
func (b *bench) measureAll(ctx context.Context) error {
	o := b.o
	prefix := func(seq int64) string { return b.prefixes[int(uint64(seq)*2654435761%uint64(len(b.prefixes)))] }

	logf("measuring the CPR search (%d clients, %s)", o.clients, o.duration)
	search := b.measure(ctx, "search", func(w int, seq int64) error {
		err := b.clients[w].do("POST", "/indberetninger/egne", searchForm(prefix(seq)), true, 200)
		return err
	})
	logf("  %s", search)

	logf("measuring the same SQL directly with pgx")
	direct := b.measure(ctx, "pgx", func(w int, seq int64) error {
		return b.directSearch(ctx, b.clients[w], prefix(seq))
	})
	logf("  %s", direct)

	logf("measuring the overview, first page")
	first := b.measure(ctx, "overview-first", func(w int, seq int64) error {
		err := b.clients[w].do("GET", "/indberetninger/egne?visning=kun-sager&filter=ikke-afsluttede", nil, false, 200)
		return err
	})
	logf("  %s", first)

	logf("measuring the overview, page %d", b.page)
	page1000 := b.measure(ctx, "overview-page", func(w int, seq int64) error {
		err := b.clients[w].do("POST", "/indberetninger/egne", url.Values{"cpr": {""},
			"visning": {string(tenant.VisningKunSager)}, "filter": {string(tenant.FilterIkkeAfsluttede)},
			"efter": {b.cursor}}, true, 200)
		return err
	})
	logf("  %s", page1000)

	logf("measuring Opret")
	cprs := generate.NewCPRs(uint64(time.Now().UnixNano()), b.existing)
	made := make([]string, 0, 30000)
	for range cap(made) {
		made = append(made, cprs.Next(time.Date(1940, 3, 2, 0, 0, 0, 0, time.UTC).AddDate(0, 0, len(made)%20000), len(made)%2 == 0))
	}
	opret := b.measure(ctx, "opret", func(w int, seq int64) error {
		if seq > int64(len(made)) {
			return errors.New("out of CPR numbers")
		}
		f := url.Values{}
		for k, v := range b.opret {
			f[k] = v
		}
		f.Set("cpr", domain.FormatCPR(made[seq-1]))
		err := b.clients[w].do("POST", "/sager/ny", f, false, 303)
		return err
	})
	logf("  %s", opret)
	n, err := generate.DeleteSager(ctx, b.db, b.kommune, made)
	if err != nil {
		return err
	}
	logf("  deleted the %d sager Opret made", n)

	// The work the rows above left for the CPR index job (00019): the index rows of the CPR
	// access records they wrote, as the job writes them, timed here because no row above
	// includes it.
	start := time.Now()
	var indexed int64
	err = b.db.InScope(ctx, tenant.Scope{Kommune: b.kommune, Actor: tenant.Actor{Email: "bench"}}, func(tx *tenant.Tx) (err error) {
		indexed, err = tx.IndexCPRAccess(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if indexed > 0 {
		took := time.Since(start)
		b.notes = append(b.notes, fmt.Sprintf("The CPR index job's work that these requests left (00019: the index rows by CPR number "+
			"of their CPR access records, written by a job each minute instead of in each request): %d records in %.1f s, "+
			"%.0f µs per record.", indexed, took.Seconds(), float64(took.Microseconds())/float64(indexed)))
		logf("  %s", b.notes[len(b.notes)-1])
	}

	fmtStats := func(s stats) string {
		out := fmt.Sprintf("p50 %.1f / p95 %.1f / p99 %.1f ms, %.0f req/s; CPU per request: app %.2f ms, PostgreSQL %.2f ms",
			ms(s.P50), ms(s.P95), ms(s.P99), s.RPS(), ms(s.AppCPU), ms(s.PgCPU))
		if s.Errors > 0 {
			out += fmt.Sprintf(", %d errors (%v)", s.Errors, s.FirstErr)
		}
		return out
	}
	ok := func(s stats) bool { return s.Errors == 0 && s.N > 0 }
	clients := fmt.Sprintf("%d clients", o.clients)
	add := func(name string, r result) {
		if !b.skip(name) {
			b.results = append(b.results, r)
		}
	}
	add("search", result{name: "CPR prefix search (3 digits) in the largest kommune, htmx partial, " + clients,
		target: "p95 ≤ 15 ms, ≥ 1,000 req/s", measured: fmtStats(search),
		met: ok(search) && ms(search.P95) <= 15 && search.RPS() >= 1000})
	add("overview-first", result{name: "Overview *Kun sager*, *Ikke afsluttede sager*, first page (whole page), " + clients,
		target: "p95 ≤ 15 ms", measured: fmtStats(first), met: ok(first) && ms(first.P95) <= 15})
	add("overview-page", result{name: fmt.Sprintf("Overview *Kun sager*, *Ikke afsluttede sager*, page %s (htmx, cursor), %s",
		thousands(b.page), clients),
		target: "p95 ≤ 15 ms", measured: fmtStats(page1000), met: ok(page1000) && ms(page1000.P95) <= 15})
	add("opret", result{name: "*Opret* sag with one ydelse (validation, audit, CPR log), " + clients,
		target: "p95 ≤ 25 ms, ≥ 300 req/s", measured: fmtStats(opret),
		met: ok(opret) && ms(opret.P95) <= 25 && opret.RPS() >= 300})
	ratio := 0.0
	if direct.P50 > 0 {
		ratio = float64(search.P50) / float64(direct.P50)
	}
	if !b.skip("search") && !b.skip("pgx") {
		b.results = append(b.results, result{name: "Ratio: search endpoint median / the same SQL run directly with pgx",
			target: "≤ 2.0", measured: fmt.Sprintf("%.2f (%.1f ms / %.1f ms; pgx: %.0f req/s)", ratio, ms(search.P50),
				ms(direct.P50), direct.RPS()), met: ok(search) && ok(direct) && ratio <= 2})
	}
	load := fmt.Sprintf("%.0f s (%d sager, %d ydelser)", b.data.TotalSeconds, b.data.Sager, b.data.Ydelser)
	if b.data.Reused {
		load += ", loaded " + b.data.At.Format(time.DateOnly) + " (cached)"
	}
	b.results = append(b.results, result{name: fmt.Sprintf("Loading the data set, scale %g (`indberet demo --scale`)", b.data.Scale),
		target: "< 3 min at scale 25", measured: load, met: b.data.TotalSeconds < 180})
	return nil
}

// explain prints EXPLAIN (ANALYZE, BUFFERS) of the search's and the overview's statements
// and notes whether any scans sager sequentially.
func (b *bench) explain(ctx context.Context) error {
	cases := []struct {
		name string
		q    tenant.ListQuery
	}{
		{"CPR search (" + b.prefixes[0] + ")", searchQuery(b.kommune, b.prefixes[0], b.today)},
		{"overview, first page", tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager,
			Filter: tenant.FilterIkkeAfsluttede, Today: b.today}},
		{"overview, page " + thousands(b.page), tenant.ListQuery{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager,
			Filter: tenant.FilterIkkeAfsluttede, After: b.cursor, Today: b.today}},
	}
	b.planOK = true
	for _, c := range cases {
		stmts, err := listStatements(b.kommune, c.q)
		if err != nil {
			return err
		}
		for i, s := range stmts {
			plan, err := generate.Explain(ctx, b.db, b.kommune, s)
			if err != nil {
				return err
			}
			what := []string{"count", "rows"}[i]
			verdict := "index scans only"
			if strings.Contains(plan, "Seq Scan on sager") || !strings.Contains(plan, "Index") {
				verdict, b.planOK = "SEQUENTIAL SCAN OF SAGER", false
			}
			text := fmt.Sprintf("### %s: %s statement (%s)\n\n```\n%s\n\n%s\n```\n", c.name, what, verdict, s.SQL, plan)
			b.plans = append(b.plans, text)
		}
	}
	return nil
}

// report is the markdown of the run: the machine, the table and, with -explain, the plans.
func (b *bench) report() string {
	var s strings.Builder
	fmt.Fprintf(&s, "# make bench, %s\n\n", time.Now().Format("2006-01-02 15:04"))
	fmt.Fprintf(&s, "Machine: %d cores (`nproc`), %s; %s; PostgreSQL %s (pgcluster, fsync off, shared_buffers 1GB).  \n",
		runtime.NumCPU(), cpuModel(), runtime.Version(), b.version)
	if b.o.onlyDelivery {
		fmt.Fprintf(&s, "Data: scale %g, seed %d: %d kommuner, %d sager, %d ydelser, %d målgrupper; the delivery runs only (-only-delivery).\n\n",
			b.data.Scale, b.data.Seed, b.data.Kommuner, b.data.Sager, b.data.Ydelser, b.data.Maalgrupper)
	} else {
		fmt.Fprintf(&s, "Data: scale %g, seed %d: %d kommuner, %d sager, %d ydelser, %d målgrupper; measured in kommune %s "+
			"(%d sager); %d clients, %s warm-up, %s per measurement.\n\n",
			b.data.Scale, b.data.Seed, b.data.Kommuner, b.data.Sager, b.data.Ydelser, b.data.Maalgrupper, b.kommune,
			len(b.existing), b.o.clients, b.o.warmup, b.o.duration)
	}
	s.WriteString("| measurement | target | measured | met? |\n| --- | --- | --- | --- |\n")
	for _, r := range b.results {
		met := "yes"
		if !r.met {
			met = "**no**"
		}
		fmt.Fprintf(&s, "| %s | %s | %s | %s |\n", r.name, r.target, r.measured, met)
	}
	for _, n := range b.notes {
		fmt.Fprintf(&s, "\n%s\n", n)
	}
	if !b.data.Reused && len(b.data.Phases) > 0 {
		s.WriteString("\nLoad phases:")
		for _, p := range b.data.Phases {
			fmt.Fprintf(&s, " %s %.1f s;", p.Name, p.Duration.Seconds())
		}
		s.WriteString("\n")
	}
	if len(b.plans) > 0 {
		verdict := "every plan uses indexes, none scans sager sequentially"
		if !b.planOK {
			verdict = "**a plan scans sager sequentially**"
		}
		fmt.Fprintf(&s, "\n## Plans (EXPLAIN=1): %s\n\n%s", verdict, strings.Join(b.plans, "\n"))
	}
	return s.String()
}

// clusterVersion is PostgreSQL's version, "?" when it cannot be read.
func clusterVersion(ctx context.Context, c *pgcluster.Cluster) string {
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return "?"
	}
	defer conn.Close(context.Background())
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "?"
	}
	return strings.Fields(v)[0]
}

func (b *bench) serverVersion(ctx context.Context) string {
	var v string
	if err := b.db.ToolPool().QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "?"
	}
	return strings.Fields(v)[0]
}

// cpuModel is the CPU's model name from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return "unknown CPU"
}

// thousands writes n with a comma between thousands, as the table does.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
