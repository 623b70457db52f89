// Command indberet is the whole system in one binary: the web app, the River workers and
// the operator commands. Wiring only; the logic lives in app/, worker/ and tenant/.
//
//	indberet serve [--workers=false]   web server (and River workers unless --workers=false)
//	indberet worker [--rescue-stuck-after D]  River workers only
//	indberet deliver [--kommune K]... [--periode 2026M11] [--wait]  start a delivery run
//	indberet migrate                   apply migrations, load code lists, sync role policies
//	indberet user add --kommune 101 --email E --name N --role R [--password-stdin]
//	indberet demo [--scale N] [--seed S] load the demo data (idempotent); --scale: the national-scale data set
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
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"indberet/app"
	"indberet/app/config"
	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/demo"
	"indberet/tenant/generate"
	"indberet/tenant/pgcluster"
	"indberet/tenant/schema"
	"indberet/worker"
)

// localDir is where the local cluster lives when DATABASE_URL is not set.
const localDir = ".data/pg"

const usage = `Brug: indberet <kommando> [flag]

Kommandoer:
  serve [--workers=false]  webserver og River-workers (--workers=false: kun web)
  worker [--rescue-stuck-after 10s]
                           kun River-workers (--rescue-stuck-after: kun til test)
  deliver [--kommune K]... [--periode 2026M10] [--wait]
                           starter en levering til Danmarks Statistik for
                           perioden (standard: forrige måned) for alle aktive
                           kommuner eller de angivne; --wait venter og viser
                           resultatet pr. kommune (og udfører selv jobbene)
  migrate                  migrerer databasen, indlæser kodelister og roller
  user add --kommune 101 --email E --name N --role R [--password-stdin]
                           opretter en bruger (roller: indberetter, laeser,
                           kommuneadmin, dst, platformadmin)
  demo [--scale N] [--seed S]
                           indlæser demodata (kan køres flere gange); --scale N:
                           alle 98 kommuner, N × 60.000 sager (til make bench)
  localdb start|stop|url   den lokale PostgreSQL-klynge i .data/pg

Uden DATABASE_URL bruges (og startes) den lokale klynge i .data/pg.
`

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
		fmt.Fprint(stdout, usage)
		return errors.New("mangler kommando")
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, cfg, logger, rest)
	case "worker":
		return workOnly(ctx, cfg, logger, rest)
	case "deliver":
		return deliver(ctx, cfg, logger, rest, stdout)
	case "migrate":
		return migrate(ctx, cfg, stdout)
	case "user":
		return user(ctx, cfg, rest, stdin, stdout)
	case "demo":
		return loadDemo(ctx, cfg, rest, stdout)
	case "localdb":
		return localdb(ctx, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stdout, usage)
	return fmt.Errorf("ukendt kommando %q", cmd)
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
	db       *tenant.DB
	accounts *accounts.Store
}

func open(ctx context.Context, cfg config.Config) (*services, error) {
	url, err := databaseURL(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db, err := tenant.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	return &services{db: db, accounts: accounts.NewStore(db)}, nil
}

// workerDeps is what the jobs need, the e-mail settings among them.
func (s *services) workerDeps(cfg config.Config, logger *slog.Logger) worker.Deps {
	return worker.Deps{DB: s.db, Accounts: s.accounts, Logger: logger, LogRetentionMonths: cfg.LogRetentionMonths,
		Mail: worker.MailConfig{SMTPURL: cfg.SMTPURL, From: cfg.MailFrom, BaseURL: cfg.BaseURL}}
}

func serve(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	workers := fs.Bool("workers", true, "kør River-workers i samme proces")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*workers {
		app.TuneGC(os.Getenv) // a web process only: the workers' exports and deliveries keep Go's defaults
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.db.Close()
	if cfg.SessionKeysGenerated {
		logger.Warn("SESSION_KEYS is not set: using a random key, sessions end when the process restarts")
	}
	deps, err := app.Wire(ctx, cfg, s.db, logger)
	if err != nil {
		return err
	}
	riverClient, err := worker.NewClient(s.workerDeps(cfg, logger),
		worker.Options{Work: *workers})
	if err != nil {
		return err
	}
	deps.Jobs = riverClient
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
	return g.Wait()
}

func workOnly(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	rescue := fs.Duration("rescue-stuck-after", 0,
		"efter hvor lang tid et job, der stadig kører, anses for død og startes igen (standard 1h; kort kun i test)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.db.Close()
	c, err := worker.NewClient(s.workerDeps(cfg, logger),
		worker.Options{Work: true, RescueStuckJobsAfter: *rescue})
	if err != nil {
		return err
	}
	logger.Info("worker started")
	return worker.Run(ctx, c)
}

func migrate(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	url, err := databaseURL(ctx, cfg)
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

func user(ctx context.Context, cfg config.Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("brug: indberet user add --kommune 101 --email E --name N --role R [--password-stdin]")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	kommune := fs.String("kommune", "", "kommunekode (ikke for dst og platformadmin)")
	email := fs.String("email", "", "e-mail (login)")
	name := fs.String("name", "", "navn")
	role := fs.String("role", "", "rolle: indberetter, laeser, kommuneadmin, dst, platformadmin")
	pwStdin := fs.Bool("password-stdin", false, "læs adgangskoden fra standard input")
	if err := fs.Parse(args[1:]); err != nil {
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
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.db.Close()
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

func loadDemo(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	scale := fs.Float64("scale", 0, "indlæs det landsdækkende datasæt: N × 60.000 sager i alle 98 kommuner")
	seed := fs.Uint64("seed", 1, "frø for --scale (samme frø og skala giver samme data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.db.Close()
	if *scale > 0 {
		url, err := databaseURL(ctx, cfg)
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

func localdb(ctx context.Context, args []string, stdout io.Writer) error {
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
func deliver(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("deliver", flag.ContinueOnError)
	var kommuner kommuneFlags
	fs.Var(&kommuner, "kommune", "kommunekode; kan gentages (standard: alle aktive kommuner)")
	periode := fs.String("periode", worker.PeriodeBefore(time.Now()), "perioden, fx 2026M10 (standard: forrige måned)")
	wait := fs.Bool("wait", false, "vent på leveringen, udfør jobbene her, og vis resultatet pr. kommune")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.db.Close()
	c, err := worker.NewClient(s.workerDeps(cfg, logger),
		worker.Options{Work: *wait, NoPeriodic: true, SoftStopTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	d, err := worker.StartDelivery(ctx, c, s.db, *periode, kommuner, time.Now())
	if err != nil {
		return err
	}
	switch {
	case d.JobID == 0:
		fmt.Fprintf(stdout, "Levering for %s er allerede leveret for alle %d kommuner.\n", d.Periode, len(d.Kommuner))
	case d.Duplicate:
		fmt.Fprintf(stdout, "Levering for %s lå allerede i kø for %d kommuner, job %d.\n", d.Periode, len(d.Kommuner), d.JobID)
	default:
		fmt.Fprintf(stdout, "Levering for %s sat i kø for %d kommuner, job %d.\n", d.Periode, len(d.Kommuner), d.JobID)
	}
	if !*wait {
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
