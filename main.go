// Command indberet is the whole system in one binary: the web app, the River workers and
// the operator commands. Wiring only; the logic lives in app/, worker/ and tenant/.
//
//	indberet serve [--workers=false]   web server (and River workers unless --workers=false)
//	indberet worker [--rescue-stuck-after D]  River workers only
//	indberet deliver [--kommune K]... [--periode 2026M11] [--wait]  start a delivery run
//	indberet migrate                   apply migrations, load code lists, sync role policies
//	indberet user add --kommune 101 --email E --name N --role R [--password-stdin]
//	indberet demo [--scale N] [--seed S] [--allow-database-url]  load the demo data (idempotent); --scale: the national-scale data set
//	indberet localdb start|stop|url    the local PostgreSQL cluster under .data/pg
//
// Without DATABASE_URL every command uses (starting it if needed) the local cluster.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"indberet/app"
	"indberet/app/config"
	"indberet/app/metrics"
	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/demo"
	"indberet/tenant/domain"
	"indberet/tenant/generate"
	"indberet/tenant/pgcluster"
	"indberet/tenant/schema"
	"indberet/worker"
)

// localDir is where the local cluster lives when DATABASE_URL is not set.
const localDir = ".data/pg"

// stderr is where the commands write what they say to the operator beside their output (a
// test reads it).
var stderr io.Writer = os.Stderr

// sayMailNotes tells the operator of a process that sends the receipts where they go when
// they will not be sent as the server's are (I3, I10: config.MailNotes).
func sayMailNotes(cfg config.Config) {
	for _, n := range cfg.MailNotes() {
		fmt.Fprintln(stderr, n)
	}
}

// commands are the commands with their synopsis and what they do (Danish), for the usage
// texts: `indberet` alone lists them, `indberet <command> --help` shows one with its flags.
var commands = []struct{ name, synopsis, what string }{
	{"serve", "serve [--workers=false]", "webserver og River-workers (--workers=false: kun web)"},
	{"worker", "worker [--rescue-stuck-after 20s]", "kun River-workers (--rescue-stuck-after: kun til test)"},
	{"deliver", "deliver [--kommune K]... [--periode 2026M10] [--wait] | deliver --genlever --kommune K --aarsag \"...\" [--wait]",
		"starter en levering til Danmarks Statistik for perioden (standard: forrige måned) for alle aktive kommuner " +
			"eller de angivne; --wait venter og viser resultatet pr. kommune (og udfører selv jobbene); --genlever " +
			"leverer kommunens seneste periode igen som en ny version, med årsagen"},
	{"migrate", "migrate", "migrerer databasen, indlæser kodelister og roller"},
	{"user", "user add --kommune 101 --email E --name N --role R [--password-stdin]", "opretter en bruger " +
		"(roller: indberetter, laeser, kommuneadmin, dst, platformadmin)"},
	{"demo", "demo [--scale N] [--seed S] [--allow-database-url]", "indlæser demodata (kan køres flere gange); " +
		"--scale N: alle 98 kommuner, N × 60.000 sager (til make bench). Kun i den lokale klynge, medmindre " +
		"--allow-database-url er givet, og aldrig i en database med rigtige data"},
	{"localdb", "localdb start|stop|url", "den lokale PostgreSQL-klynge i .data/pg"},
}

// printUsage writes the list of commands.
func printUsage(w io.Writer) {
	fmt.Fprint(w, "Brug: indberet <kommando> [flag]\n\nKommandoer:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %s\n%s", c.synopsis, wrap(c.what, "        "))
	}
	fmt.Fprint(w, "\nUden DATABASE_URL bruges (og startes) den lokale klynge i .data/pg.\n"+
		"`indberet <kommando> --help` viser kommandoens flag.\n")
}

// wrap breaks text into lines of at most 80 characters, each starting with indent.
func wrap(text, indent string) string {
	var b, line strings.Builder
	for _, word := range strings.Fields(text) {
		if line.Len() > 0 && len([]rune(indent+line.String()+" "+word)) > 80 {
			b.WriteString(indent + line.String() + "\n")
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(word)
	}
	b.WriteString(indent + line.String() + "\n")
	return b.String()
}

// newFlags is the flag set of command name. Its -h or --help (flag.ErrHelp, which run takes
// for success) writes the command's usage to stdout before the command does anything.
func newFlags(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		for _, c := range commands {
			if c.name == name {
				fmt.Fprintf(stdout, "Brug: indberet %s\n\n%s", c.synopsis, wrap(c.what, ""))
			}
		}
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprint(stdout, "\nFlag:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// isHelp tells whether arg asks for help.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "indberet:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		printUsage(stdout)
		return errors.New("mangler kommando")
	}
	cmd, rest := args[0], args[1:]
	if cmd == "help" || isHelp(cmd) {
		printUsage(stdout)
		return nil
	}
	cfg, cfgErr := config.FromEnv()
	e := env{Config: cfg, err: cfgErr}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, e, logger, rest, stdout)
	case "worker":
		err = workOnly(ctx, e, logger, rest, stdout)
	case "deliver":
		err = deliver(ctx, e, logger, rest, stdout)
	case "migrate":
		err = migrate(ctx, e, rest, stdout)
	case "user":
		err = user(ctx, e, rest, stdin, stdout)
	case "demo":
		err = loadDemo(ctx, e, rest, stdout)
	case "localdb":
		err = localdb(ctx, e, rest, stdout)
	default:
		printUsage(stdout)
		return fmt.Errorf("ukendt kommando %q", cmd)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil // the usage is written
	}
	return err
}

// env is the configuration as config.FromEnv read it, with its error. A command returns the
// error right after its flags parse (parse): -h and --help answer with a wrong configuration
// too, and nothing else does, whatever the arguments hold (`serve -- --help`, `user add
// --name --help`: a positional argument and a flag's value, not a help flag).
type env struct {
	config.Config
	err error
}

// parse parses a command's flags from args and then returns the configuration's error:
// flag.ErrHelp for -h and --help (run takes it for success), else the first error.
func (e env) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return e.err
}

// databaseURL is DATABASE_URL, or the URL of the local cluster (started if needed).
func databaseURL(ctx context.Context, cfg config.Config) (string, error) {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, nil
	}
	c, err := pgcluster.Ensure(ctx, pgcluster.Options{Dir: localDir, Logf: func(f string, a ...any) {
		fmt.Fprintf(os.Stderr, f+"\n", a...)
	}})
	if err != nil {
		return "", err
	}
	return c.URL(pgcluster.Database), nil
}

// services is what serve and worker share.
type services struct {
	db       *tenant.DB // the web's pool, or the process's only one
	work     *tenant.DB // the workers' pool: db, unless open split the connections
	accounts *accounts.Store
}

// open connects to the database with a pool of at most cfg.DatabasePoolMax connections. With
// split (`serve` with its workers) it opens two pools that share them, half each: one for the
// web, one for River and its jobs, so that the workers' long transactions (deliveries,
// exports) and River's own queries never take the connections of the logins, sessions,
// lists and /readyz (issue 14 #1); each pool has at least one. The jobs are sized to the
// workers' pool (worker.NewClient); River's LISTEN connection comes on top of it.
func open(ctx context.Context, cfg config.Config, split bool) (*services, error) {
	url, err := databaseURL(ctx, cfg)
	if err != nil {
		return nil, err
	}
	web, work := cfg.DatabasePoolMax, 0
	if split {
		web, work = max(1, cfg.DatabasePoolMax-cfg.DatabasePoolMax/2), max(1, cfg.DatabasePoolMax/2)
	}
	db, err := tenant.Open(ctx, url, web)
	if err != nil {
		return nil, err
	}
	s := &services{db: db, work: db, accounts: accounts.NewStore(db)}
	if split {
		if s.work, err = tenant.Open(ctx, url, work); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// close closes the pools.
func (s *services) close() {
	if s.work != s.db {
		s.work.Close()
	}
	s.db.Close()
}

// workerDeps is what the jobs need, on the workers' pool, the e-mail settings among them.
func (s *services) workerDeps(cfg config.Config, logger *slog.Logger) worker.Deps {
	return worker.Deps{DB: s.work, Accounts: accounts.NewStore(s.work), Logger: logger, LogRetentionMonths: cfg.LogRetentionMonths,
		Mail: worker.MailConfig{SMTPURL: cfg.SMTPURL, From: cfg.MailFrom, BaseURL: cfg.BaseURL}}
}

// checkRetention refuses a LOG_RETENTION (5 years when unset) below the floor the database's
// owner set (log_retention_floor, 00025): the nightly retention job would fail every night,
// as the database refuses to drop a month the floor keeps (issue 14 #13).
func checkRetention(ctx context.Context, db *tenant.DB, cfg config.Config) error {
	keep := cfg.LogRetentionMonths
	if keep == 0 {
		keep = worker.DefaultLogRetentionMonths
	}
	floor, err := db.LogRetentionFloor(ctx)
	if err != nil {
		return err
	}
	if keep < floor {
		return fmt.Errorf("LOG_RETENTION er %d måneder, men databasen beholder logfilerne mindst %d måneder "+
			"(log_retention_floor, som kun databasens ejer ændrer), så opbevaringsjobbet ville fejle hver nat. "+
			"Sæt LOG_RETENTION til mindst %d måneder, eller sænk grænsen som ejeren (DATABASE_URL's bruger): "+
			"UPDATE log_retention_floor SET months = %d; (se README, Retention of the logs)", keep, floor, floor, keep)
	}
	return nil
}

func serve(ctx context.Context, cfg env, logger *slog.Logger, args []string, stdout io.Writer) error {
	fs := newFlags("serve", stdout)
	workers := fs.Bool("workers", true, "kør River-workers i samme proces")
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if err := cfg.CheckStart(true, *workers); err != nil {
		return err
	}
	if *workers {
		sayMailNotes(cfg.Config)
	}
	if !*workers {
		app.TuneGC(os.Getenv) // a web process only: the workers' exports and deliveries keep Go's defaults
	}
	metricsLn, err := listenMetrics(cfg.Config)
	if err != nil {
		return err
	}
	defer closeListener(metricsLn)
	s, err := open(ctx, cfg.Config, *workers)
	if err != nil {
		return err
	}
	defer s.close()
	if err := checkRetention(ctx, s.work, cfg.Config); err != nil {
		return err
	}
	if cfg.SessionKeysGenerated {
		logger.Warn("SESSION_KEYS is not set: using a random key, sessions end when the process restarts")
	}
	deps, err := app.Wire(ctx, cfg.Config, s.db, logger)
	if err != nil {
		return err
	}
	riverClient, err := worker.NewClient(s.workerDeps(cfg.Config, logger),
		worker.Options{Work: *workers})
	if err != nil {
		return err
	}
	deps.Jobs = riverClient
	deps.Metrics = s.metrics(metricsLn, "web", riverClient, logger)
	web, err := app.New(ctx, deps)
	if err != nil {
		return err
	}
	addr := fmt.Sprintf(":%d", cfg.Port)
	logger.Info("serving", "addr", addr, "base_url", cfg.BaseURL, "workers", *workers)
	fmt.Fprintf(os.Stderr, "\nIndberet kører på %s (Ctrl-C stopper)\n\n", cfg.BaseURL)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return web.Listen(gctx, addr) })
	if *workers {
		g.Go(func() error { return worker.Run(gctx, riverClient) })
	}
	if deps.Metrics != nil {
		logger.Info("serving metrics", "addr", metricsLn.Addr().String())
		g.Go(func() error { return deps.Metrics.Serve(gctx, metricsLn) })
	}
	return g.Wait()
}

func workOnly(ctx context.Context, cfg env, logger *slog.Logger, args []string, stdout io.Writer) error {
	fs := newFlags("worker", stdout)
	rescue := fs.Duration("rescue-stuck-after", 0,
		"afkort hver jobtypes frist og minuttet efter den (hvorefter et job, der stadig kører, anses for dødt og startes igen) til tilsammen højst denne; kun til test")
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if err := cfg.CheckStart(false, true); err != nil {
		return err
	}
	metricsLn, err := listenMetrics(cfg.Config)
	if err != nil {
		return err
	}
	defer closeListener(metricsLn)
	sayMailNotes(cfg.Config)
	s, err := open(ctx, cfg.Config, false)
	if err != nil {
		return err
	}
	defer s.close()
	if err := checkRetention(ctx, s.work, cfg.Config); err != nil {
		return err
	}
	c, err := worker.NewClient(s.workerDeps(cfg.Config, logger),
		worker.Options{Work: true, RescueStuckJobsAfter: *rescue})
	if err != nil {
		return err
	}
	logger.Info("worker started")
	m := s.metrics(metricsLn, "jobs", c, logger)
	if m == nil {
		return worker.Run(ctx, c)
	}
	logger.Info("serving metrics", "addr", metricsLn.Addr().String())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return worker.Run(gctx, c) })
	g.Go(func() error { return m.Serve(gctx, metricsLn) })
	return g.Wait()
}

// listenMetrics opens METRICS_ADDR when it is set (nil when not), before the process
// connects to the database, so that a taken address stops it at once.
func listenMetrics(cfg config.Config) (net.Listener, error) {
	if cfg.MetricsAddr == "" {
		return nil, nil
	}
	return metrics.Listen(cfg.MetricsAddr)
}

// closeListener closes ln, if any (Serve closes it too; a second close does nothing).
func closeListener(ln net.Listener) {
	if ln != nil {
		_ = ln.Close()
	}
}

// metrics are the process's metrics to serve on ln (nil without ln: no METRICS_ADDR): its
// pools, the first named name ("web", or "jobs" in a worker, whose one pool is the jobs'),
// and the database's metrics, read on that pool, the kommuner's delivery states with jobs'
// list of River's jobs (worker.DeliveryStates).
func (s *services) metrics(ln net.Listener, name string, jobs *worker.Client, logger *slog.Logger) *metrics.Metrics {
	if ln == nil {
		return nil
	}
	m := metrics.New()
	m.AddPool(name, s.db)
	if s.work != s.db {
		m.AddPool("jobs", s.work)
	}
	m.AddDatabase(s.db, metrics.KommuneStates(jobs, s.db, time.Now), logger)
	return m
}

func migrate(ctx context.Context, cfg env, args []string, stdout io.Writer) error {
	fs := newFlags("migrate", stdout)
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("migrate tager ingen argumenter, fik %q", fs.Args())
	}
	url, err := databaseURL(ctx, cfg.Config)
	if err != nil {
		return err
	}
	r, err := schema.Prepare(ctx, url)
	if err != nil {
		return err
	}
	var added int64
	for _, n := range r.Codes {
		added += n
	}
	fmt.Fprintf(stdout, "Migreringer anvendt: %d. Kodelisterækker tilføjet: %d.\n", r.Migrations, added)
	return nil
}

func user(ctx context.Context, cfg env, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlags("user", stdout)
	kommune := fs.String("kommune", "", "kommunekode (ikke for dst og platformadmin)")
	email := fs.String("email", "", "e-mail (login)")
	name := fs.String("name", "", "navn")
	role := fs.String("role", "", "rolle: indberetter, laeser, kommuneadmin, dst, platformadmin")
	pwStdin := fs.Bool("password-stdin", false, "læs adgangskoden fra standard input")
	if len(args) > 0 && isHelp(args[0]) { // `indberet user --help`: the usage of user add, with its flags
		fs.Usage()
		return nil
	}
	if len(args) == 0 || args[0] != "add" {
		return errors.New("brug: indberet user add --kommune 101 --email E --name N --role R [--password-stdin]")
	}
	if err := cfg.parse(fs, args[1:]); err != nil {
		return err
	}
	password := ""
	if *pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("læs adgangskode: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		password = accounts.RandomPassword()
	}
	s, err := open(ctx, cfg.Config, false)
	if err != nil {
		return err
	}
	defer s.close()
	u, err := s.accounts.Create(ctx, tenant.Actor{Email: worker.CLIActor}, accounts.NewUser{
		Email: *email, Name: *name, Kommune: *kommune, Role: *role, Password: password,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Bruger %d oprettet: %s (%s)\n", u.ID, u.Email, *role)
	if !*pwStdin {
		fmt.Fprintf(stdout, "Adgangskode (vises kun nu): %s\n", password)
	}
	return nil
}

func loadDemo(ctx context.Context, cfg env, args []string, stdout io.Writer) error {
	fs := newFlags("demo", stdout)
	scale := fs.Float64("scale", 0, "indlæs det landsdækkende datasæt: N × 60.000 sager i alle 98 kommuner")
	seed := fs.Uint64("seed", 1, "frø for --scale (samme frø og skala giver samme data)")
	anyDB := fs.Bool("allow-database-url", false, "indlæs i databasen fra DATABASE_URL (uden flaget kun i den lokale klynge)")
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	// Issue 14 #11: demo users have the published password, and demo sager would be
	// delivered to DST.
	if cfg.DatabaseURL != "" && !*anyDB {
		return errors.New("demodata indlæses kun i den lokale klynge i .data/pg (uden DATABASE_URL): demobrugerne " +
			"har en offentlig adgangskode, og demosagerne ville blive leveret til Danmarks Statistik. Er databasen i " +
			"DATABASE_URL en test- eller demodatabase, så giv --allow-database-url")
	}
	s, err := open(ctx, cfg.Config, false)
	if err != nil {
		return err
	}
	defer s.close()
	if err := demo.CheckNoRealData(ctx, s.db, s.accounts); err != nil {
		return err
	}
	if *scale > 0 {
		url, err := databaseURL(ctx, cfg.Config)
		if err != nil {
			return err
		}
		res, err := generate.Generate(ctx, url, s.db, s.accounts, generate.Options{Scale: *scale, Seed: *seed,
			Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }})
		if errors.Is(err, generate.ErrOtherData) {
			return fmt.Errorf("databasen har allerede demodata i en anden skala; indlæs skala %g i en tom database (%w)", *scale, err)
		}
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, generate.Summary(res, cfg.BaseURL))
		return nil
	}
	res, err := demo.Load(ctx, s.db, s.accounts)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, res.Summary(cfg.BaseURL))
	return nil
}

func localdb(ctx context.Context, cfg env, args []string, stdout io.Writer) error {
	if slices.ContainsFunc(args, isHelp) {
		newFlags("localdb", stdout).Usage()
		return nil
	}
	if cfg.err != nil {
		return cfg.err
	}
	if len(args) != 1 {
		return errors.New("brug: indberet localdb start|stop|url")
	}
	switch args[0] {
	case "stop":
		if _, err := os.Stat(localDir); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(stdout, "Ingen lokal database i", localDir)
			return nil
		}
		if err := pgcluster.StopDir(localDir); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "Lokal database stoppet.")
		return nil
	case "start", "url":
		url, err := databaseURL(ctx, config.Config{})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, url)
		return nil
	}
	return fmt.Errorf("ukendt localdb-kommando %q", args[0])
}

// kommuneFlags collects repeated --kommune flags.
type kommuneFlags []string

func (k *kommuneFlags) String() string { return strings.Join(*k, ",") }

func (k *kommuneFlags) Set(v string) error {
	*k = append(*k, strings.TrimSpace(v))
	return nil
}

// deliver starts a delivery run (I1: DST starts one by hand). With --wait it also works the
// jobs in this process (beside any running `indberet worker`; River gives each job to one of
// them) and prints the result per kommune.
func deliver(ctx context.Context, cfg env, logger *slog.Logger, args []string, stdout io.Writer) error {
	fs := newFlags("deliver", stdout)
	var kommuner kommuneFlags
	fs.Var(&kommuner, "kommune", "kommunekode; kan gentages (standard: alle aktive kommuner)")
	periode := fs.String("periode", domain.PeriodeBefore(time.Now()), "perioden, fx 2026M10 (standard: forrige måned)")
	wait := fs.Bool("wait", false, "vent på leveringen, udfør jobbene her, og vis resultatet pr. kommune")
	genlever := fs.Bool("genlever", false, "genlever kommunens seneste leverede periode (I8); kræver én --kommune og --aarsag")
	aarsag := fs.String("aarsag", "", "årsagen til genleveringen (kræves med --genlever)")
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if *genlever {
		if len(kommuner) != 1 {
			return errors.New("--genlever kræver præcis én --kommune")
		}
		periodeSat := false
		fs.Visit(func(f *flag.Flag) { periodeSat = periodeSat || f.Name == "periode" })
		if periodeSat {
			return errors.New("--genlever genleverer kommunens seneste leverede periode; angiv ikke --periode")
		}
	} else if *aarsag != "" {
		return errors.New("--aarsag bruges kun med --genlever")
	}
	if err := cfg.CheckStart(false, *wait); err != nil {
		return err
	}
	if *wait { // this process sends the receipts (I3, I10)
		sayMailNotes(cfg.Config)
	}
	s, err := open(ctx, cfg.Config, false)
	if err != nil {
		return err
	}
	defer s.close()
	if err := checkRetention(ctx, s.work, cfg.Config); err != nil {
		return err
	}
	c, err := worker.NewClient(s.workerDeps(cfg.Config, logger),
		worker.Options{Work: *wait, NoPeriodic: true, SoftStopTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	if *genlever {
		return genleverCLI(ctx, c, s.db, kommuner[0], *aarsag, *wait, stdout)
	}
	d, err := worker.StartDelivery(ctx, c, s.db, *periode, kommuner, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, d.Tekst())
	if !*wait || len(d.Kommuner) == 0 {
		fmt.Fprintln(stdout, "En kørende `indberet worker` udfører den; `indberet deliver --wait` venter på resultatet.")
		return nil
	}
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	results, err := worker.WaitForDelivery(ctx, c, s.db, d, time.Second, func(k worker.KommuneDelivery) {
		if !k.Done && k.Err != "" {
			fmt.Fprintf(os.Stderr, "kommune %s: forsøg %d fejlede, prøves igen: %s\n", k.Kommune, k.Attempt, k.Err)
		}
	})
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if stopErr := c.Stop(stopCtx); stopErr != nil && err == nil {
		err = stopErr
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Kommune\tSager\tYdelser\tNye\tÆndrede\tAfsluttede\tNeutraliserede\tSHA-256")
	failed := 0
	for _, r := range results {
		if l := r.Leverance; l != nil {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Kommune, l.Tal.Sager, l.Tal.Ydelser,
				l.Tal.Nye, l.Tal.Aendrede, l.Tal.Afsluttede, l.Tal.Neutraliserede, l.SHA256)
			continue
		}
		failed++
		fmt.Fprintf(tw, "%s\tfejl: %s\n", r.Kommune, r.Err)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("levering fejlede for %d kommuner", failed)
	}
	return nil
}

// genleverCLI is `indberet deliver --genlever` (I8): the kommune's latest delivered periode
// again as its next version, with the reason; with wait c works the job and the new
// version's counts are printed. A refusal is returned (stderr, exit code 1).
func genleverCLI(ctx context.Context, c *worker.Client, db *tenant.DB, kommune, aarsag string, wait bool, stdout io.Writer) error {
	g, err := worker.StartGenlevering(ctx, c, db, kommune, aarsag)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, g.Tekst())
	if !wait {
		fmt.Fprintln(stdout, "En kørende `indberet worker` udfører den; `indberet deliver --genlever --wait` venter på resultatet.")
		return nil
	}
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	l, err := worker.WaitForGenlevering(ctx, c, db, g, time.Second)
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if stopErr := c.Stop(stopCtx); stopErr != nil && err == nil {
		err = stopErr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s version %d: sager %d, ydelser %d (nye %d, ændrede %d, neutraliserede %d), SHA-256 %s\n",
		l.Periode, l.Version, l.Tal.Sager, l.Tal.Ydelser, l.Tal.Nye, l.Tal.Aendrede, l.Tal.Neutraliserede, l.SHA256)
	return nil
}
