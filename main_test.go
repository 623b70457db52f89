package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
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

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"indberet/app"
	"indberet/app/config"
	"indberet/tenant"
	"indberet/tenant/domain"
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
		web, work := s.db.ToolPool().Config().MaxConns, s.work.ToolPool().Config().MaxConns
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
		_, err := tx.InsertSag(ctx, domain.Sag{CPR: "0203041234", Navn: "Rigtig Borger"})
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
		if err := db.ToolPool().QueryRow(ctx, `SELECT count(*) FROM users WHERE demo`).Scan(&demoUsers); err != nil || demoUsers != 0 {
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
	periode := domain.PeriodeBefore(time.Now()) // the demo kommuner's first periode (I7)
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
		return tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'levering.start' AND user_email = $1`,
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

// freeAddr is an address of 127.0.0.1 with a port nothing listens on just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startCommand runs the command args (serve, worker) in the background until the test ends,
// and returns a function that stops it and returns its error.
func startCommand(t *testing.T, args ...string) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, args, nil, io.Discard) }()
	stopped := false
	var err error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case err = <-errc:
			case <-time.After(60 * time.Second):
				err = fmt.Errorf("%v did not stop", args)
			}
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// waitFor polls url until it answers, for at most 60 s.
func waitFor(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// scrapeMetrics gets url and parses it with the Prometheus text parser.
func scrapeMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", url, res.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", url, err, body)
	}
	return fams
}

// metricValues are the values of fams' metric name by its labels written name=value,… in the
// order they come (the text format sorts them by name).
func metricValues(fams map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range fams[name].GetMetric() {
		var ls []string
		for _, l := range m.GetLabel() {
			ls = append(ls, l.GetName()+"="+l.GetValue())
		}
		v := m.GetGauge().GetValue() + m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
		out[strings.Join(ls, ",")] = v
	}
	return out
}

// TestServeMetrics (issue 15, the run's health): `serve` and `worker` with METRICS_ADDR serve
// /metrics there, not on the app's port: requests by route pattern (no id, no CPR number, no
// path of a 404 in any label) and status with their durations, River's jobs, the receipts,
// the kommuner per delivery state and the pools, parsed by Prometheus's text parser.
func TestServeMetrics(t *testing.T) {
	t.Setenv("DATABASE_URL", tenanttest.OwnerURL(t))
	t.Setenv("LOG_LEVEL", "error")
	ctx := context.Background()
	if err := run(ctx, []string{"demo", "--allow-database-url"}, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	// 147 delivers the current periode (the previous month): a leverance, a receipt, jobs.
	if err := run(ctx, []string{"deliver", "--kommune", "147", "--wait"}, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	appAddr, metricsAddr := freeAddr(t), freeAddr(t)
	_, port, _ := net.SplitHostPort(appAddr)
	t.Setenv("PORT", port)
	t.Setenv("METRICS_ADDR", metricsAddr)
	stop := startCommand(t, "serve")
	base := "http://" + appAddr
	waitFor(t, base+"/healthz")
	waitFor(t, "http://"+metricsAddr+"/metrics")

	cprInPath := "0101011234"
	for _, r := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/healthz", 200},
		{"HEAD", "/healthz", 200},
		{"GET", "/findes-ikke/4711", 404},
		{"GET", "/sager/4711/rediger", 303}, // an id: to the login
		{"GET", "/indberetninger/" + cprInPath, 303},
		{"DELETE", "/healthz", 405},
		{"GET", "/metrics", 404}, // not on the app's port
	} {
		req, _ := http.NewRequest(r.method, base+r.path, nil)
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != r.status {
			t.Errorf("%s %s: %d, want %d", r.method, r.path, res.StatusCode, r.status)
		}
	}
	if res, err := http.Get("http://" + metricsAddr + "/"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("GET / on METRICS_ADDR: %v %v, want 404", res, err)
	}

	fams := scrapeMetrics(t, "http://"+metricsAddr+"/metrics")
	requests := metricValues(fams, "indberet_http_requests_total")
	for labels, want := range map[string]float64{
		"method=GET,route=/sager/:id/rediger,status=303":     1,
		"method=GET,route=/indberetninger/:liste,status=303": 1,
		"method=HEAD,route=/healthz,status=200":              1,
		"method=GET,route=unmatched,status=404":              2, // /findes-ikke/4711 and /metrics
		"method=DELETE,route=unmatched,status=405":           1,
	} {
		if requests[labels] != want {
			t.Errorf("indberet_http_requests_total{%s} = %v, want %v; all: %v", labels, requests[labels], want, requests)
		}
	}
	if requests["method=GET,route=/healthz,status=200"] < 1 {
		t.Errorf("no GET /healthz counted: %v", requests)
	}
	durations := fams["indberet_http_request_duration_seconds"]
	if durations.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("indberet_http_request_duration_seconds: %v, want a histogram", durations.GetType())
	}
	if got := metricValues(fams, "indberet_http_request_duration_seconds")["method=GET,route=/sager/:id/rediger"]; got != 1 {
		t.Errorf("duration of /sager/:id/rediger observed %v times, want 1", got)
	}
	for _, m := range durations.GetMetric() {
		if h := m.GetHistogram(); len(h.GetBucket()) < 10 || h.GetSampleSum() <= 0 {
			t.Errorf("histogram %v: %d buckets, sum %v", m.GetLabel(), len(h.GetBucket()), h.GetSampleSum())
		}
	}
	// No label of any metric holds a path's id, a CPR number or a 404's path.
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if v := l.GetValue(); strings.Contains(v, "4711") || strings.Contains(v, cprInPath) || strings.Contains(v, "findes") {
					t.Errorf("%s has the label %s=%q", name, l.GetName(), v)
				}
			}
		}
	}

	if up := metricValues(fams, "indberet_metrics_db_up")[""]; up != 1 {
		t.Errorf("indberet_metrics_db_up = %v", up)
	}
	jobs := metricValues(fams, "indberet_river_jobs")
	// `deliver` enqueues the kommune's job itself (worker.StartDeliveryTx), no delivery_run.
	if jobs["kind=delivery_kommune,state=completed"] != 1 || jobs["kind=receipt_email,state=completed"] != 1 {
		t.Errorf("indberet_river_jobs: %v, want 147's delivery_kommune and receipt_email completed", jobs)
	}
	var receipts float64
	for _, v := range metricValues(fams, "indberet_receipts") {
		receipts += v
	}
	if receipts != 1 || len(metricValues(fams, "indberet_receipts")) != 4 {
		t.Errorf("indberet_receipts: %v, want 147's one receipt in one of the 4 states", metricValues(fams, "indberet_receipts"))
	}
	states := metricValues(fams, "indberet_kommuner_delivery")
	if states["state=delivered"] != 1 || states["state=afventer"]+states["state=forsinket"] != 2 || states["state=failed"] != 0 {
		t.Errorf("indberet_kommuner_delivery: %v, want 147 delivered and 101 and 751 not", states)
	}
	pools := metricValues(fams, "indberet_db_pool_max_connections")
	if pools["pool=web"] != 10 || pools["pool=jobs"] != 10 || len(pools) != 2 {
		t.Errorf("indberet_db_pool_max_connections: %v, want web and jobs of 10 (DATABASE_POOL_MAX 20 split)", pools)
	}
	if conns := metricValues(fams, "indberet_db_pool_connections"); conns["pool=web,state=idle"]+conns["pool=web,state=acquired"] < 1 {
		t.Errorf("indberet_db_pool_connections: %v, want the web pool's connections", conns)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}

	// `worker` serves its own: its one pool, the jobs'; no requests.
	t.Setenv("METRICS_ADDR", freeAddr(t))
	stop = startCommand(t, "worker")
	waitFor(t, "http://"+os.Getenv("METRICS_ADDR")+"/metrics")
	fams = scrapeMetrics(t, "http://"+os.Getenv("METRICS_ADDR")+"/metrics")
	if pools := metricValues(fams, "indberet_db_pool_max_connections"); pools["pool=jobs"] != 20 || len(pools) != 1 {
		t.Errorf("worker's indberet_db_pool_max_connections: %v, want jobs of 20", pools)
	}
	if fams["indberet_http_requests_total"] != nil || metricValues(fams, "indberet_kommuner_delivery")["state=delivered"] != 1 {
		t.Errorf("worker's metrics: requests %v, kommuner %v", fams["indberet_http_requests_total"], metricValues(fams, "indberet_kommuner_delivery"))
	}
	if err := stop(); err != nil {
		t.Fatalf("worker: %v", err)
	}
}

// METRICS_ADDR: a wrong value or a taken address stops serve and worker at their start, with
// a message naming the variable, before they connect to the database.
func TestMetricsAddrAtStart(t *testing.T) {
	t.Setenv("DATABASE_URL", unreachable)
	ctx := context.Background()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, c := range []struct{ addr, want string }{
		{"9091", "METRICS_ADDR: want host:port or :port, e.g. :9091"},
		{":8080", "METRICS_ADDR: port 8080 is PORT"},
		{taken.Addr().String(), "METRICS_ADDR " + taken.Addr().String() + ": listen tcp"},
	} {
		t.Setenv("METRICS_ADDR", c.addr)
		for _, args := range [][]string{{"serve"}, {"serve", "--workers=false"}, {"worker"}} {
			err := run(ctx, args, nil, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("METRICS_ADDR=%s %v: %v, want %q", c.addr, args, err, c.want)
			}
		}
	}
}

// fly.toml serves each process's /metrics on METRICS_ADDR and declares the same port and
// path in [metrics], where Fly scrapes it; not on the app's internal port.
func TestFlyScrapesMetrics(t *testing.T) {
	b, err := os.ReadFile("fly.toml")
	if err != nil {
		t.Fatal(err)
	}
	addr := regexp.MustCompile(`(?m)^\s*METRICS_ADDR\s*=\s*"([^"]*)"`).FindSubmatch(b)
	section := regexp.MustCompile(`(?m)^\[metrics\]\s*\n\s*port\s*=\s*(\d+)\s*\n\s*path\s*=\s*"([^"]*)"`).FindSubmatch(b)
	internal := regexp.MustCompile(`(?m)^\s*internal_port\s*=\s*(\d+)`).FindSubmatch(b)
	if addr == nil || section == nil || internal == nil {
		t.Fatalf("fly.toml: METRICS_ADDR %q, [metrics] %q, internal_port %q", addr, section, internal)
	}
	if string(addr[1]) != ":"+string(section[1]) || string(section[2]) != "/metrics" || string(section[1]) == string(internal[1]) {
		t.Errorf("fly.toml: METRICS_ADDR %s, [metrics] port %s path %s, internal_port %s", addr[1], section[1], section[2], internal[1])
	}
	if _, err := config.Parse(func(k string) string {
		return map[string]string{"METRICS_ADDR": string(addr[1]), "PORT": string(internal[1])}[k]
	}); err != nil {
		t.Error(err)
	}
}

// TestDeliverWaitSaysWhereReceiptsGo (I3, I10): `indberet deliver --wait` sends the receipts
// with the server's configuration, and says on stderr when they are only stored (no SMTP_URL,
// MAIL_MODE=outbox) and where their links point (the default without BASE_URL); the receipts
// carry that link.
func TestDeliverWaitSaysWhereReceiptsGo(t *testing.T) {
	t.Setenv("DATABASE_URL", tenanttest.OwnerURL(t))
	for _, k := range []string{"BASE_URL", "SMTP_URL", "MAIL_MODE", "MAIL_FROM", "PORT"} {
		t.Setenv(k, "")
	}
	ctx := context.Background()
	if err := run(ctx, []string{"demo", "--allow-database-url"}, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	var said bytes.Buffer
	stderr = &said
	t.Cleanup(func() { stderr = os.Stderr })
	deliver := func(kommune string) string {
		t.Helper()
		said.Reset()
		if err := run(ctx, []string{"deliver", "--kommune", kommune, "--wait"}, nil, io.Discard); err != nil {
			t.Fatalf("deliver --wait for %s: %v\n%s", kommune, err, said.String())
		}
		return said.String()
	}
	s := deliver("101")
	for _, want := range []string{"Kvitteringer gemmes lokalt i Udbakken og sendes ikke: SMTP_URL er ikke sat.",
		"Links i kvitteringer peger på http://localhost:8080: BASE_URL er ikke sat.", "Send igen"} {
		if !strings.Contains(s, want) {
			t.Errorf("deliver --wait without SMTP_URL and BASE_URL said:\n%s\nwant %q", s, want)
		}
	}
	t.Setenv("BASE_URL", "https://indberet.example")
	t.Setenv("MAIL_MODE", "outbox")
	s = deliver("147")
	for _, want := range []string{"sendes ikke: MAIL_MODE=outbox.", "Links i kvitteringer peger på https://indberet.example (BASE_URL)."} {
		if !strings.Contains(s, want) {
			t.Errorf("deliver --wait with MAIL_MODE=outbox said:\n%s\nwant %q", s, want)
		}
	}

	db, err := tenant.Open(ctx, os.Getenv("DATABASE_URL"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		ms, _, err := tx.Mails(ctx, tenant.MailQuery{})
		if err != nil {
			return err
		}
		want := map[string]string{"101": "http://localhost:8080/leverancer/", "147": "https://indberet.example/leverancer/"}
		for _, m := range ms {
			full, err := tx.Mail(ctx, m.ID)
			if err != nil {
				return err
			}
			if m.Status != tenant.MailGemtLokalt || !strings.Contains(full.Text, want[m.Kommune]) {
				t.Errorf("receipt of %s: %s, want gemt lokalt with a link to %s:\n%s", m.Kommune, m.Status, want[m.Kommune], full.Text)
			}
			delete(want, m.Kommune)
		}
		if len(want) > 0 {
			t.Errorf("no receipt of %v", want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Issue 14 #13: serve and worker refuse to start with a LOG_RETENTION below the floor the
// database's owner set (60 months unless moved), naming the variable and the owner's
// command; once the owner moves the floor, the same period passes.
func TestStartRefusesRetentionBelowFloor(t *testing.T) {
	url := tenanttest.OwnerURL(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("LOG_RETENTION", "3y")
	ctx := context.Background()
	for _, args := range [][]string{{"worker"}, {"serve"}, {"serve", "--workers=false"}} {
		err := run(ctx, args, nil, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "LOG_RETENTION er 36 måneder") ||
			!strings.Contains(err.Error(), "UPDATE log_retention_floor SET months = 36") {
			t.Errorf("%v with LOG_RETENTION=3y: %v, want refused", args, err)
		}
	}
	db, err := tenant.Open(ctx, url, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tenanttest.Owner(t, url).Exec(ctx, `UPDATE log_retention_floor SET months = 36`); err != nil {
		t.Fatal(err)
	}
	if err := checkRetention(ctx, db, cfg); err != nil {
		t.Errorf("LOG_RETENTION=3y under a floor of 36 months: %v", err)
	}
	if err := checkRetention(ctx, db, config.Config{}); err != nil {
		t.Errorf("LOG_RETENTION unset (5 years): %v", err)
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
	next := domain.PeriodeBefore(time.Now()) // the month before the demo activated the kommuner
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
	before := domain.PeriodeAdd(next, -1)
	code, _, stderr = runMain(t, "deliver", "--periode", before, "--kommune", "147")
	if want := "næste periode for Frederiksberg (147) er " + domain.PeriodeAdd(next, 1) + ".\n"; code != 1 || !strings.HasSuffix(stderr, want) {
		t.Errorf("deliver %s for 147 after %s: exit code %d, stderr %q; want 1 and %q", before, next, code, stderr, want)
	}
	db, err := tenant.Open(ctx, os.Getenv("DATABASE_URL"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var jobs int
	if err := db.ToolPool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'delivery_kommune'`).Scan(&jobs); err != nil || jobs != 1 {
		t.Errorf("%d delivery jobs (%v), want 1: 147's", jobs, err)
	}
}

// TestDeliverGenlever (I8): `indberet deliver --genlever --kommune K --aarsag "..."`
// redelivers the kommune's latest periode as its next version; refusals are Danish, on
// stderr, with exit code 1.
func TestDeliverGenlever(t *testing.T) {
	t.Setenv("DATABASE_URL", tenanttest.OwnerURL(t))
	ctx := context.Background()
	if err := run(ctx, []string{"demo", "--allow-database-url"}, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	periode := domain.PeriodeBefore(time.Now())
	refused := func(want string, args ...string) {
		t.Helper()
		code, _, stderr := runMain(t, append([]string{"deliver", "--genlever"}, args...)...)
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("%v: exit code %d, stderr %q; want 1 and %q", args, code, stderr, want)
		}
	}
	refused("København (101) har ingen leveret periode, der kan genleveres.", "--kommune", "101", "--aarsag", "Rettelser")
	if err := run(ctx, []string{"deliver", "--kommune", "101", "--wait"}, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	refused("Skriv årsagen til genleveringen.", "--kommune", "101")
	refused("--genlever kræver præcis én --kommune", "--aarsag", "Rettelser")
	refused("angiv ikke --periode", "--kommune", "101", "--periode", periode, "--aarsag", "Rettelser")
	refused(`Kommune "999" findes ikke.`, "--kommune", "999", "--aarsag", "Rettelser")

	var out bytes.Buffer
	if err := run(ctx, []string{"deliver", "--genlever", "--kommune", "101", "--aarsag", "Rettede slutdatoer", "--wait"}, nil, &out); err != nil {
		t.Fatalf("genlever: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Genlevering (version 2) af "+periode+" for København (101) er sat i kø.") ||
		!strings.Contains(out.String(), periode+" version 2: sager ") {
		t.Errorf("genlever printed:\n%s", out.String())
	}
}
