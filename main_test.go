package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"indberet/app"
	"indberet/app/config"
	"indberet/tenant"
	"indberet/tenant/rules"
	"indberet/tenant/tenanttest"
	"indberet/worker"
)

// These tests set DATABASE_URL, so they do not run in parallel.

// TestMain runs the command itself, main with its exit code and stderr, when a test starts
// the test binary with INDBERET_RUN_MAIN=1 (runMain).
func TestMain(m *testing.M) {
	if os.Getenv("INDBERET_RUN_MAIN") == "1" {
		os.Args = append([]string{"indberet"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs `indberet args…` as a process of its own (the test binary as the command)
// and returns its exit code, stdout and stderr.
func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "INDBERET_RUN_MAIN=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("run %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	url := tenanttest.OwnerURL(t) // already migrated once, as by `indberet migrate`
	t.Setenv("DATABASE_URL", url)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "Migreringer anvendt: 0. Kodelisterækker tilføjet: 0." {
		t.Errorf("second migrate printed %q", got)
	}
}

func TestUserAddThenLogin(t *testing.T) {
	dbURL := tenanttest.OwnerURL(t)
	t.Setenv("DATABASE_URL", dbURL)
	ctx := context.Background()
	var out bytes.Buffer
	err := run(ctx, []string{"user", "add", "--kommune", "751", "--email", "Ny.Bruger@Aarhus.example",
		"--name", "Ny Bruger", "--role", "indberetter", "--password-stdin"}, strings.NewReader("hemmelig-kode-123\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ny.bruger@aarhus.example") || strings.Contains(out.String(), "hemmelig") {
		t.Errorf("user add printed %q", out.String())
	}
	// Without --password-stdin a random password is printed once.
	out.Reset()
	if err := run(ctx, []string{"user", "add", "--email", "dst@dst.example", "--name", "DST", "--role", "dst"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`Adgangskode \(vises kun nu\): \S{20}`).MatchString(out.String()) {
		t.Errorf("user add without --password-stdin printed %q", out.String())
	}
	// Refusals.
	for _, args := range [][]string{
		{"user", "add", "--kommune", "751", "--email", "ny.bruger@aarhus.example", "--name", "X", "--role", "laeser"}, // taken
		{"user", "add", "--email", "a@b.example", "--name", "X", "--role", "indberetter"},                             // needs kommune
		{"user", "add", "--kommune", "101", "--email", "c@b.example", "--name", "X", "--role", "chef"},                // unknown role
		{"user", "add", "--kommune", "999", "--email", "d@b.example", "--name", "X", "--role", "laeser"},              // unknown kommune
	} {
		if err := run(ctx, args, nil, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}

	// Log in over HTTP with the new account.
	db, err := tenant.Open(ctx, dbURL, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg, _ := config.Parse(func(string) string { return "" })
	deps, err := app.Wire(ctx, cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	web, err := app.New(ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	res, err := web.Fiber().Test(httptest.NewRequest("GET", "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(string(body))[1]
	cookie := res.Header.Get("Set-Cookie")
	logIn := func() *http.Response {
		form := url.Values{"_csrf": {token}, "email": {"ny.bruger@aarhus.example"}, "password": {"hemmelig-kode-123"}}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", strings.SplitN(cookie, ";", 2)[0])
		res, err := web.Fiber().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// T3: the users of a kommune log in once a platform administrator has activated it.
	if res := logIn(); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("login before 751 is active: %d", res.StatusCode)
	}
	if _, err := deps.Accounts.SetKommuneAktiv(ctx, tenant.Actor{Email: "test"}, "751", true); err != nil {
		t.Fatal(err)
	}
	res = logIn()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("login of the new user: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), b)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", strings.SplitN(res.Header.Get("Set-Cookie"), ";", 2)[0])
	res, err = web.Fiber().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "Aarhus (751)") {
		t.Errorf("start page after login: %d\n%s", res.StatusCode, b)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"fly-væk"}, nil, &out); err == nil || !strings.Contains(out.String(), "Brug: indberet") {
		t.Errorf("unknown command: err %v, output %q", err, out.String())
	}
}

// TestOpenSplitsThePool: a process opens at most DATABASE_POOL_MAX connections; `serve` with
// its workers splits them into a pool for the web and one for River and its jobs, so the
// workers' long transactions never take the web's connections (issue 14 #1).
func TestOpenSplitsThePool(t *testing.T) {
	url := tenanttest.OwnerURL(t)
	for _, c := range []struct {
		max       int
		split     bool
		web, work int32
	}{{20, false, 20, 20}, {20, true, 10, 10}, {5, true, 3, 2}, {1, true, 1, 1}} {
		s, err := open(context.Background(), config.Config{DatabaseURL: url, DatabasePoolMax: c.max}, c.split)
		if err != nil {
			t.Fatal(err)
		}
		web, work := s.db.Pool.Config().MaxConns, s.work.Pool.Config().MaxConns
		if web != c.web || work != c.work || (s.work != s.db) != c.split {
			t.Errorf("DATABASE_POOL_MAX=%d, split %v: web %d, workers %d (own pool %v); want %d and %d",
				c.max, c.split, web, work, s.work != s.db, c.web, c.work)
		}
		s.close()
	}
}

// unreachable is a DATABASE_URL nothing answers at: a command that tries to connect fails.
const unreachable = "postgres://indberet@127.0.0.1:1/indberet?connect_timeout=2"

// Issue 14 #11: every command and subcommand answers -h and --help with its usage and
// succeeds without acting: no database is touched (DATABASE_URL answers nowhere, and the
// local cluster would be started in the test's own directory), also with a configuration
// the command would refuse.
func TestHelpDoesNotAct(t *testing.T) {
	t.Setenv("DATABASE_URL", unreachable)
	t.Setenv("PORT", "ikke-en-port")
	t.Chdir(t.TempDir())
	ctx := context.Background()
	for _, args := range [][]string{
		{"serve"}, {"serve", "--workers=false"}, {"worker"}, {"deliver", "--wait"}, {"migrate"}, {"user"}, {"user", "add"},
		{"demo"}, {"demo", "--scale", "1"}, {"localdb"}, {"localdb", "start"}, {"localdb", "stop"},
	} {
		for _, help := range []string{"-h", "--help"} {
			var out bytes.Buffer
			err := run(ctx, append(slices.Clone(args), help), nil, &out)
			if err != nil || !strings.HasPrefix(out.String(), "Brug: indberet "+args[0]) {
				t.Errorf("%v %s: err %v, output %q; want its usage and no error", args, help, err, out.String())
			}
			// A command with flags lists them (`indberet user --help` those of user add).
			if flags := !slices.Contains([]string{"migrate", "localdb"}, args[0]); flags != strings.Contains(out.String(), "\nFlag:\n") {
				t.Errorf("%v %s: flags listed %v, want %v:\n%s", args, help, !flags, flags, out.String())
			}
		}
	}
	if _, err := os.Stat(".data"); !os.IsNotExist(err) {
		t.Errorf("a command asked for help made .data: %v", err)
	}
	// Without help they act, and fail on the database or the configuration.
	for _, args := range [][]string{{"migrate"}, {"serve"}} {
		if err := run(ctx, args, nil, io.Discard); err == nil {
			t.Errorf("%v with an unreachable database and a wrong PORT: no error", args)
		}
	}
	t.Setenv("PORT", "")
	if err := run(ctx, []string{"migrate", "nu"}, nil, io.Discard); err == nil || !strings.Contains(err.Error(), "ingen argumenter") {
		t.Errorf("migrate with an argument: %v", err)
	}
}

// Issue 14 #11: only a real -h or --help, which the command's flags parse as such, skips the
// configuration's error; a "--help" that is a positional argument (after "--") or a flag's
// value does not, and the command refuses the wrong configuration before it connects.
func TestHelpInArgumentsKeepsConfigError(t *testing.T) {
	t.Setenv("DATABASE_URL", unreachable)
	t.Setenv("PORT", "ikke-en-port")
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"serve", "--", "--help"},
		{"worker", "--", "-h"},
		{"user", "add", "--name", "--help", "--email", "a@b.example", "--role", "dst"},
		{"deliver", "--periode", "--help"},
		{"demo", "--allow-database-url", "--", "--help"},
		{"migrate", "--", "--help"},
	} {
		err := run(context.Background(), args, nil, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "PORT") {
			t.Errorf("%q with PORT=ikke-en-port: %v, want the configuration's error", args, err)
		}
	}
}

// Issue 14 #12: in production (an https BASE_URL) serve stops at its start without
// SESSION_KEYS, and serve and worker without SMTP_URL unless MAIL_MODE=outbox, each with a
// message that names the variable, before they connect; a web-only server sends no e-mail.
func TestStartChecksConfiguration(t *testing.T) {
	t.Setenv("DATABASE_URL", unreachable)
	t.Setenv("BASE_URL", "https://indberet.example")
	ctx := context.Background()
	check := func(args []string, want string) {
		t.Helper()
		err := run(ctx, args, nil, io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want an error with %q", args, err, want)
		}
	}
	check([]string{"serve"}, "SESSION_KEYS er ikke sat")
	check([]string{"serve"}, "SMTP_URL er ikke sat")
	check([]string{"serve", "--workers=false"}, "SESSION_KEYS er ikke sat")
	check([]string{"worker"}, "SMTP_URL er ikke sat")
	check([]string{"deliver", "--wait"}, "SMTP_URL er ikke sat")
	t.Setenv("SESSION_KEYS", strings.Repeat("k", 32))
	check([]string{"serve", "--workers=false"}, "connect") // on to the database
	check([]string{"serve"}, "SMTP_URL er ikke sat")
	t.Setenv("MAIL_MODE", "outbox")
	check([]string{"serve"}, "connect")
	check([]string{"worker"}, "connect")
}

// Issue 14 #11: `indberet demo` loads only into the local cluster unless told to use
// DATABASE_URL's (it refuses before it connects), and never into a database with real data:
// a user who is not a demo user, or sager of a kommune that is not a demo kommune.
func TestDemoRefusesOtherDatabases(t *testing.T) {
	ctx := context.Background()
	t.Setenv("DATABASE_URL", unreachable)
	for _, args := range [][]string{{"demo"}, {"demo", "--scale", "0.01"}} {
		err := run(ctx, args, nil, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--allow-database-url") {
			t.Errorf("%v with DATABASE_URL: %v, want a refusal naming --allow-database-url", args, err)
		}
	}

	// A database with demo data only takes it again (make run loads it at every start).
	t.Setenv("DATABASE_URL", tenanttest.OwnerURL(t))
	for range 2 {
		if err := run(ctx, []string{"demo", "--allow-database-url"}, nil, io.Discard); err != nil {
			t.Fatalf("demo into a database with demo data only: %v", err)
		}
	}

	dbURL := tenanttest.OwnerURL(t)
	t.Setenv("DATABASE_URL", dbURL)
	db, err := tenant.Open(ctx, dbURL, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Sager in Odense, which is not a demo kommune.
	err = db.InScope(ctx, tenant.Scope{Kommune: "461", Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
		_, err := tx.InsertSag(ctx, tenant.Sag{CPR: "0203041234", Navn: "Rigtig Borger"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	refused := func(want ...string) {
		t.Helper()
		for _, args := range [][]string{{"demo", "--allow-database-url"}, {"demo", "--allow-database-url", "--scale", "0.01"}} {
			err := run(ctx, args, nil, io.Discard)
			for _, w := range append(want, "rigtige data") {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("%v: %v, want a refusal with %q", args, err, w)
				}
			}
		}
		var demoUsers int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE demo`).Scan(&demoUsers); err != nil || demoUsers != 0 {
			t.Errorf("%d demo users after the refusals (%v)", demoUsers, err)
		}
	}
	refused("Odense (461) har sager, og den er ikke en demokommune")
	if err := run(ctx, []string{"user", "add", "--kommune", "751", "--email", "rigtig@aarhus.example", "--name", "Rigtig",
		"--role", "laeser"}, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	refused("Aarhus (751) har brugeren rigtig@aarhus.example, der ikke er en demobruger", "Odense (461)")
}

// TestDeliverWait: `indberet deliver --wait` with no worker running works the run itself and
// prints every active kommune's result (I1); a second call finds the periode delivered.
func TestDeliverWait(t *testing.T) {
	t.Setenv("DATABASE_URL", tenanttest.OwnerURL(t))
	ctx := context.Background()
	if err := run(ctx, []string{"demo", "--allow-database-url"}, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"deliver", "--periode", "2099M01"},                     // not a past month
		{"deliver", "--periode", "2026-10"},                     // not a periode
		{"deliver", "--kommune", "999", "--periode", "2026M01"}, // no such kommune
		{"deliver", "--kommune", "860", "--periode", "2026M01"}, // not active
	} {
		if err := run(ctx, args, nil, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	periode := worker.PeriodeBefore(time.Now()) // the demo kommuner's first periode (I7)
	var out bytes.Buffer
	if err := run(ctx, []string{"deliver", "--periode", periode, "--wait"}, nil, &out); err != nil {
		t.Fatalf("deliver --wait: %v\n%s", err, out.String())
	}
	t.Logf("deliver --wait printed:\n%s", out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || lines[0] != "Leveringen af "+periode+" er sat i kø for København (101), Frederiksberg (147) og Aarhus (751)." ||
		!regexp.MustCompile(`^101 +31 +62 +62 +0 +12 +0 +[0-9a-f]{64}$`).MatchString(lines[2]) ||
		!regexp.MustCompile(`^751 +0 +0 +0 +0 +0 +0 +[0-9a-f]{64}$`).MatchString(lines[4]) {
		t.Errorf("deliver --wait printed:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"deliver", "--periode", periode, "--kommune", "101", "--wait"}, nil, &out); err != nil {
		t.Fatalf("second deliver: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), lines[2]) || !strings.Contains(out.String(), "allerede leveret") {
		t.Errorf("second deliver printed:\n%s\nwant 'allerede leveret' and the same line for 101:\n%s", out.String(), lines[2])
	}
	// The start is in the audit log, by the operator; the second, which started nothing, is not.
	db, err := tenant.Open(ctx, os.Getenv("DATABASE_URL"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var starts int
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		return tx.PgxTx().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'levering.start' AND user_email = $1`,
			worker.CLIActor).Scan(&starts)
	})
	if err != nil || starts != 1 {
		t.Errorf("%d levering.start records by %s (%v), want 1", starts, worker.CLIActor, err)
	}
}

// Issue 14 #12: .dockerignore keeps the local clusters, binaries and git out of the image's
// build context, and none of its patterns leaves out a file the build of the binary reads
// (the module's Go files and embedded files, as `go list` names them).
func TestDockerignore(t *testing.T) {
	b, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, strings.TrimSuffix(line, "/"))
		}
	}
	for _, must := range []string{".data", "bin", ".git"} {
		if !slices.Contains(patterns, must) {
			t.Errorf(".dockerignore does not leave out %s", must)
		}
	}
	// A path is left out when it or a directory above it matches a pattern (Docker's rule).
	ignored := func(path string) bool {
		for p := path; p != "."; p = filepath.Dir(p) {
			for _, pat := range patterns {
				if ok, _ := filepath.Match(pat, p); ok {
					return true
				}
			}
		}
		return false
	}
	out, err := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}{{end}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, _ := os.Getwd()
	n := 0
	for _, f := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, f)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue // a dependency's, from the module cache
		}
		n++
		if ignored(rel) {
			t.Errorf(".dockerignore leaves out %s, which the build reads", rel)
		}
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if ignored(f) {
			t.Errorf(".dockerignore leaves out %s", f)
		}
	}
	if n < 50 {
		t.Errorf("go list named only %d files of the module", n)
	}
}

// Issue 14 #11: `make run` loads the demo data, whose users have the published password, into
// DATABASE_URL's database only when told so (DEMO_FLAGS=--allow-database-url), never because
// DATABASE_URL is set in the shell, e.g. to a fresh production database.
func TestMakeRunDemoOnlyWhenTold(t *testing.T) {
	demoLine := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command("make", append([]string{"-n", "run"}, args...)...) // -n: print, run nothing
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("make -n run %v: %v", args, err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "indberet demo") {
				return strings.TrimSpace(line)
			}
		}
		t.Fatalf("make -n run %v runs no demo:\n%s", args, out)
		return ""
	}
	prod := []string{"DATABASE_URL=postgres://indberet@db.example/indberet"}
	if got := demoLine(prod); strings.Contains(got, "--allow-database-url") {
		t.Errorf("make run with DATABASE_URL set runs %q; want the demo without --allow-database-url", got)
	}
	if got := demoLine(prod, "DEMO_FLAGS=--allow-database-url"); !strings.HasSuffix(got, "demo --allow-database-url") {
		t.Errorf("make run DEMO_FLAGS=--allow-database-url runs %q", got)
	}
}

// Issue 14 #5: on Fly.io the app believes Fly-Client-IP only from Fly's proxy, which connects
// from 172.16.0.0/12; not from the organization's private IPv6 network (6PN, fdaa::/16),
// where any Machine of the organization or `fly wireguard` peer could claim any address.
func TestFlyTrustsOnlyFlysProxy(t *testing.T) {
	b, err := os.ReadFile("fly.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*TRUSTED_PROXIES\s*=\s*"([^"]*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("fly.toml sets no TRUSTED_PROXIES")
	}
	env := map[string]string{"TRUSTED_PROXIES": string(m[1]), "FLY_APP_NAME": "indberet"}
	cfg, err := config.Parse(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	trusted := func(addr string) bool {
		return slices.ContainsFunc(cfg.Proxies.Trusted, func(p netip.Prefix) bool { return p.Contains(netip.MustParseAddr(addr)) })
	}
	if !trusted("172.16.0.1") || !trusted("172.31.255.254") {
		t.Errorf("fly.toml's TRUSTED_PROXIES %q leaves out Fly's proxy (172.16.0.0/12)", m[1])
	}
	for _, a := range []string{"fdaa::1", "fdaa:0:1:a7b:1::2", "172.32.0.1", "203.0.113.7"} {
		if trusted(a) {
			t.Errorf("fly.toml's TRUSTED_PROXIES %q trusts %s", m[1], a)
		}
	}
}

// Issue 15 #1 (I7): `indberet deliver` refuses a periode that is not the kommune's next, with
// a Danish message on stderr that says which is next, and exit code 1; it enqueues nothing.
// Frederiksberg delivers its next periode, and then cannot go back a month.
func TestDeliverRefusesPeriodeNotNext(t *testing.T) {
	t.Setenv("DATABASE_URL", tenanttest.OwnerURL(t))
	ctx := context.Background()
	if err := run(ctx, []string{"demo", "--allow-database-url"}, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	next := worker.PeriodeBefore(time.Now()) // the month before the demo activated the kommuner
	code, _, stderr := runMain(t, "deliver", "--periode", "1999M01", "--kommune", "101")
	want := "indberet: Periode 1999M01 kan ikke leveres for København (101): perioderne leveres i rækkefølge, " +
		"én gang hver, og næste periode for København (101) er " + next + ".\n"
	if code != 1 || stderr != want {
		t.Errorf("deliver 1999M01: exit code %d, stderr %q; want 1 and %q", code, stderr, want)
	}
	if code, stdout, stderr := runMain(t, "deliver", "--periode", next, "--kommune", "147", "--wait"); code != 0 ||
		!strings.Contains(stdout, "Leveringen af "+next+" er sat i kø for Frederiksberg (147).") {
		t.Fatalf("deliver %s for 147: exit code %d\n%s%s", next, code, stdout, stderr)
	}
	before := rules.PeriodeAdd(next, -1)
	code, _, stderr = runMain(t, "deliver", "--periode", before, "--kommune", "147")
	if want := "næste periode for Frederiksberg (147) er " + rules.PeriodeAdd(next, 1) + ".\n"; code != 1 || !strings.HasSuffix(stderr, want) {
		t.Errorf("deliver %s for 147 after %s: exit code %d, stderr %q; want 1 and %q", before, next, code, stderr, want)
	}
	db, err := tenant.Open(ctx, os.Getenv("DATABASE_URL"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var jobs int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'delivery_kommune'`).Scan(&jobs); err != nil || jobs != 1 {
		t.Errorf("%d delivery jobs (%v), want 1: 147's", jobs, err)
	}
}
