// Package pgcluster runs a private PostgreSQL cluster in a directory of its
// own, using the initdb and pg_ctl binaries of a local PostgreSQL
// installation. It exists so that nobody needs to set up a database server by
// hand: when DATABASE_URL is unset, `make run` and the CLI subcommands keep a
// persistent cluster under <repo>/.data/pg, and the test helper (package
// tenant/testdb) starts a throwaway one per `go test` run.
//
// Layout of a cluster directory Dir:
//
//	Dir/data           the data directory (initdb -D)
//	Dir/port           the TCP port chosen the first time, reused later
//	Dir/postgres.log   server log (pg_ctl -l)
//	Dir/.s.PGSQL.PORT  the Unix socket
//	Dir/.lock          flock taken by Ensure and Stop
//
// Security model: this is a development and test cluster. The server listens
// only on 127.0.0.1. Connections over the Unix socket (in Dir, mode 0700) are
// trusted; TCP connections need a password (scram-sha-256). The superuser is
// "postgres" with password "postgres"; the application's owner role is
// "indberet" with password "indberet" (LOGIN, CREATEROLE, not a superuser,
// no BYPASSRLS) and owns the database "indberet". Never use this package for
// a server reachable from other machines.
//
// PostgreSQL refuses to run as root. When the current process is root, every
// server binary is run as the "postgres" system user via `runuser -u
// postgres --`, and Dir is chown'ed to that user; Dir and all its parents must
// then be traversable by "postgres".
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Fixed credentials of a development cluster; see the package comment.
const (
	// SuperuserName is the cluster's bootstrap superuser (initdb -U).
	SuperuserName = "postgres"
	// SuperuserPassword is the superuser's password for TCP connections.
	SuperuserPassword = "postgres"
	// OwnerRole is the login role that owns the application database.
	OwnerRole = "indberet"
	// OwnerPassword is OwnerRole's password.
	OwnerPassword = "indberet"
	// Database is the application database, owned by OwnerRole.
	Database = "indberet"
	// SystemUser is the operating system user that runs the server when the
	// current process is root.
	SystemUser = "postgres"
)

// readyTimeout bounds how long Ensure waits for a started server to accept
// connections.
const readyTimeout = 30 * time.Second

// Cluster is a PostgreSQL cluster in a directory of its own.
type Cluster struct {
	// Dir is the absolute cluster directory (data in Dir/data).
	Dir string
	// Port is the TCP port the server listens on at 127.0.0.1.
	Port int
	// BinDir is the directory holding initdb, pg_ctl and postgres.
	BinDir string
	// Started tells that Ensure started the server: it was not running.
	Started bool
}

// Options configures Ensure.
type Options struct {
	// Dir is the cluster directory: data lives in Dir/data, the socket and
	// the log in Dir. It is created if missing.
	Dir string
	// Port is the TCP port on 127.0.0.1. 0 picks a free port the first time
	// and remembers it in Dir/port so that later starts reuse it.
	Port int
	// Throwaway trades durability for speed (fsync, synchronous_commit and
	// full_page_writes off); for test clusters whose data may be lost.
	Throwaway bool
	// AsIs leaves the cluster's roles and databases as they are: Ensure does
	// not create OwnerRole and Database when they are missing. For a copy
	// whose contents are under test (the backup drill).
	AsIs bool
	// Logf receives progress lines; nil means silent.
	Logf func(format string, args ...any)
}

// Ensure creates the cluster the first time (initdb), starts it if it is not
// running, waits until it accepts connections, and makes sure the role
// OwnerRole and the database Database exist (unless Options.AsIs). When the server is already
// running, Ensure only checks the role and database; Cluster.Port is then the
// port the running server actually uses. Ensure is safe to call concurrently
// from several goroutines and processes: it holds a flock on Dir/.lock.
func Ensure(ctx context.Context, o Options) (*Cluster, error) {
	if o.Dir == "" {
		return nil, errors.New("pgcluster: Options.Dir is empty")
	}
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	binDir, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	if err := makeDirs(dir); err != nil {
		return nil, err
	}
	unlock, err := LockFile(ctx, filepath.Join(dir, ".lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()

	r, err := newRunner(binDir, dir)
	if err != nil {
		return nil, err
	}
	if err := r.prepareDir(); err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, BinDir: binDir}

	running, pidPort, err := r.status()
	if err != nil {
		return nil, err
	}
	if running {
		c.Port = pidPort
		logf("using PostgreSQL on 127.0.0.1:%d (already running, %s)", c.Port, dir)
	} else {
		if c.Port, err = choosePort(dir, o.Port); err != nil {
			return nil, err
		}
		if err := checkSocketPath(dir, c.Port); err != nil {
			return nil, err
		}
		if _, err := os.Stat(filepath.Join(r.dataDir(), "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
			logf("creating PostgreSQL cluster in %s", dir)
			if err := r.initdb(o.Throwaway); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, fmt.Errorf("pgcluster: %w", err)
		}
		logf("starting PostgreSQL on 127.0.0.1:%d", c.Port)
		if err := r.start(c.Port, o.Throwaway); err != nil {
			return nil, err
		}
		c.Started = true
	}
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	if o.AsIs {
		return c, nil
	}
	if err := c.ensureOwner(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Stop stops the cluster (pg_ctl stop -m fast). Stopping a cluster that is
// not running is not an error.
func (c *Cluster) Stop() error {
	return stopDir(context.Background(), c.BinDir, c.Dir, "fast")
}

// StopDir stops the cluster in dir (pg_ctl stop -m fast) without a Cluster
// value, e.g. for `make db-stop`. A directory without a running cluster (or
// without any cluster) is not an error.
func StopDir(dir string) error {
	return StopDirMode(dir, "fast")
}

// StopDirMode is StopDir with a pg_ctl shutdown mode: "smart", "fast" or
// "immediate".
func StopDirMode(dir, mode string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if _, err := os.Stat(filepath.Join(abs, "data", "PG_VERSION")); err != nil {
		return nil // no cluster here
	}
	binDir, err := FindBinDir()
	if err != nil {
		return err
	}
	return stopDir(context.Background(), binDir, abs, mode)
}

func stopDir(ctx context.Context, binDir, dir, mode string) error {
	unlock, err := LockFile(ctx, filepath.Join(dir, ".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	r, err := newRunner(binDir, dir)
	if err != nil {
		return err
	}
	running, _, err := r.status()
	if err != nil || !running {
		return err
	}
	out, err := r.run("pg_ctl", "stop", "-D", r.dataDir(), "-m", mode, "-w", "-t", "60", "-s")
	if err != nil {
		return fmt.Errorf("pgcluster: pg_ctl stop in %s: %w\n%s", dir, err, out)
	}
	return nil
}

// URL returns the connection URL for database as the application's owner
// role, e.g. postgres://indberet:indberet@127.0.0.1:PORT/DB?sslmode=disable.
func (c *Cluster) URL(database string) string {
	return c.url(OwnerRole, OwnerPassword, database)
}

// SuperuserURL returns the connection URL for database as the superuser
// "postgres". Only setup code and tests should need it (CREATE DATABASE,
// DROP DATABASE).
func (c *Cluster) SuperuserURL(database string) string {
	return c.url(SuperuserName, SuperuserPassword, database)
}

func (c *Cluster) url(role, password, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(role, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// waitReady polls with a superuser connection until the server accepts it.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(c.SuperuserURL("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	cfg.ConnectTimeout = 2 * time.Second
	for {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgcluster: PostgreSQL in %s does not accept connections on 127.0.0.1:%d: %w\n--- tail of %s ---\n%s",
				c.Dir, c.Port, err, c.logPath(), tailFile(c.logPath(), 30))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ensureOwner creates the owner role and the application database if they
// are missing.
func (c *Cluster) ensureOwner(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: connect as superuser: %w", err)
	}
	defer conn.Close(context.Background())

	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, OwnerRole).Scan(&exists); err != nil {
		return fmt.Errorf("pgcluster: look up role %s: %w", OwnerRole, err)
	}
	if !exists {
		q := fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD %s NOSUPERUSER CREATEROLE NOBYPASSRLS`,
			pgx.Identifier{OwnerRole}.Sanitize(), quoteLiteral(OwnerPassword))
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgcluster: create role %s: %w", OwnerRole, err)
		}
	}
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, Database).Scan(&exists); err != nil {
		return fmt.Errorf("pgcluster: look up database %s: %w", Database, err)
	}
	if !exists {
		q := fmt.Sprintf(`CREATE DATABASE %s OWNER %s`, pgx.Identifier{Database}.Sanitize(), pgx.Identifier{OwnerRole}.Sanitize())
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgcluster: create database %s: %w", Database, err)
		}
	}
	return nil
}

func (c *Cluster) logPath() string { return filepath.Join(c.Dir, "postgres.log") }

// runner runs the server binaries of one cluster directory, as the postgres
// system user when the current process is root.
type runner struct {
	binDir string
	dir    string
	// asUser is non-nil when binaries must run as SystemUser.
	asUser *user.User
}

func newRunner(binDir, dir string) (*runner, error) {
	r := &runner{binDir: binDir, dir: dir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup(SystemUser)
		if err != nil {
			return nil, fmt.Errorf("pgcluster: running as root needs the %q system user to run PostgreSQL (install PostgreSQL, e.g. `apt-get install -y postgresql`): %w", SystemUser, err)
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			return nil, fmt.Errorf("pgcluster: running as root needs runuser (util-linux) to run PostgreSQL as %q: %w", SystemUser, err)
		}
		r.asUser = u
	}
	return r, nil
}

func (r *runner) dataDir() string { return filepath.Join(r.dir, "data") }

// command builds the command for a server binary.
func (r *runner) command(name string, args ...string) *exec.Cmd {
	bin := filepath.Join(r.binDir, name)
	var cmd *exec.Cmd
	if r.asUser != nil {
		cmd = exec.Command("runuser", append([]string{"-u", SystemUser, "--", bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	// The binaries complain when they cannot access the working directory
	// (e.g. /root for the postgres user).
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	return cmd
}

// run runs a server binary and returns its combined output.
func (r *runner) run(name string, args ...string) (string, error) {
	out, err := r.command(name, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// prepareDir hands Dir over to the postgres user when running as root and
// checks that this user can reach it.
func (r *runner) prepareDir() error {
	if r.asUser == nil {
		return nil
	}
	uid, _ := strconv.Atoi(r.asUser.Uid)
	gid, _ := strconv.Atoi(r.asUser.Gid)
	if err := chownTree(r.dir, uid, gid); err != nil {
		return err
	}
	if out, err := exec.Command("runuser", "-u", SystemUser, "--", "test", "-x", r.dir, "-a", "-w", r.dir).CombinedOutput(); err != nil {
		return fmt.Errorf("pgcluster: the %q system user cannot enter %s: every parent directory must be traversable by it "+
			"(chmod o+x on the parents, or put the cluster elsewhere, or set DATABASE_URL) (%v %s)",
			SystemUser, r.dir, err, bytes.TrimSpace(out))
	}
	return nil
}

// status reports whether a postmaster is running for the data directory and,
// if so, on which port.
func (r *runner) status() (running bool, port int, err error) {
	if _, err := os.Stat(filepath.Join(r.dataDir(), "PG_VERSION")); err != nil {
		return false, 0, nil
	}
	out, err := r.run("pg_ctl", "status", "-D", r.dataDir())
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && (exit.ExitCode() == 3 || exit.ExitCode() == 4):
		return false, 0, nil
	default:
		return false, 0, fmt.Errorf("pgcluster: pg_ctl status in %s: %w\n%s", r.dir, err, out)
	}
	pidFile := filepath.Join(r.dataDir(), "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return false, 0, nil // stopped in between
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return false, 0, fmt.Errorf("pgcluster: cannot parse %s", pidFile)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, err = strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return false, 0, fmt.Errorf("pgcluster: cannot parse port in %s", pidFile)
	}
	if !r.isOurPostmaster(pid) {
		// A stale postmaster.pid whose pid now belongs to another process
		// (typical after a reboot or container restart): pg_ctl believes
		// the server runs, and postgres would refuse to start.
		if err := os.Remove(pidFile); err != nil {
			return false, 0, fmt.Errorf("pgcluster: remove stale %s: %w", pidFile, err)
		}
		return false, 0, nil
	}
	return true, port, nil
}

// isOurPostmaster reports whether pid can be the postmaster of this cluster.
// It only says no when /proc shows that pid belongs to a program other than
// postgres; anything else is left to pg_ctl, because wrongly deleting the
// pid file of a live server is far worse than a failed start.
func (r *runner) isOurPostmaster(pid int) bool {
	if runtime.GOOS != "linux" || pid <= 0 {
		return true
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return true
	}
	return strings.TrimSpace(string(comm)) == "postgres"
}

// initdb creates the data directory.
func (r *runner) initdb(throwaway bool) error {
	if err := os.RemoveAll(r.dataDir()); err != nil { // leftovers of a failed initdb
		return fmt.Errorf("pgcluster: %w", err)
	}
	pwfile := filepath.Join(r.dir, ".pwfile")
	if err := os.WriteFile(pwfile, []byte(SuperuserPassword+"\n"), 0o600); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer os.Remove(pwfile)
	if r.asUser != nil {
		uid, _ := strconv.Atoi(r.asUser.Uid)
		gid, _ := strconv.Atoi(r.asUser.Gid)
		if err := os.Chown(pwfile, uid, gid); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
	}
	var out string
	var err error
	// C.UTF-8 sorts by code point like C but knows the character classes
	// of non-ASCII letters (upper('æ')); fall back to plain C where the
	// C library lacks it.
	for _, locale := range []string{"C.UTF-8", "C"} {
		args := []string{"-D", r.dataDir(), "-U", SuperuserName, "-E", "UTF8", "--locale=" + locale,
			"--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + pwfile}
		if throwaway {
			args = append(args, "--no-sync")
		}
		out, err = r.run("initdb", args...)
		if err == nil {
			return nil
		}
		_ = os.RemoveAll(r.dataDir())
		if !strings.Contains(strings.ToLower(out), "locale") {
			break
		}
	}
	return fmt.Errorf("pgcluster: initdb in %s: %w\n%s", r.dir, err, out)
}

// start starts the server and waits until pg_ctl considers it up.
func (r *runner) start(port int, throwaway bool) error {
	opts := []string{
		"-c listen_addresses=127.0.0.1",
		"-c port=" + strconv.Itoa(port),
		"-c " + shellQuote("unix_socket_directories="+r.dir),
		"-c unix_socket_permissions=0700",
	}
	if throwaway {
		opts = append(opts, "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
			"-c max_connections=200")
	}
	logPath := filepath.Join(r.dir, "postgres.log")
	out, err := r.run("pg_ctl", "start", "-D", r.dataDir(), "-l", logPath, "-w",
		"-t", strconv.Itoa(int(readyTimeout/time.Second)), "-s", "-o", strings.Join(opts, " "))
	if err != nil {
		return fmt.Errorf("pgcluster: pg_ctl start in %s: %w\n%s\n--- tail of %s ---\n%s", r.dir, err, out, logPath, tailFile(logPath, 30))
	}
	return nil
}

// choosePort returns the port to start on: the requested one, else the one
// remembered in Dir/port, else a free one; it remembers the choice.
func choosePort(dir string, requested int) (int, error) {
	portFile := filepath.Join(dir, "port")
	port := requested
	if port == 0 {
		if b, err := os.ReadFile(portFile); err == nil {
			if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && p > 0 && p < 65536 {
				return p, nil
			}
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("pgcluster: find a free port: %w", err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
	}
	if err := os.WriteFile(portFile, []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
		return 0, fmt.Errorf("pgcluster: %w", err)
	}
	return port, nil
}

// checkSocketPath rejects directories whose Unix socket path would exceed
// the kernel limit (107 bytes on Linux), which postgres reports cryptically.
func checkSocketPath(dir string, port int) error {
	p := filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(port))
	if len(p) > 107 {
		return fmt.Errorf("pgcluster: the cluster directory %s is too deep: the socket path %s exceeds 107 bytes; use a shorter path", dir, p)
	}
	return nil
}

// makeDirs creates dir and its missing parents with mode 0755 regardless of
// the umask, so that the postgres user can traverse them.
func makeDirs(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	for _, d := range missing {
		if err := os.Chmod(d, 0o755); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
	}
	return nil
}

// chownTree gives dir and everything below it to uid:gid. The data directory
// is skipped when it already belongs to uid (the server creates its files
// itself) so that this stays cheap for big clusters.
func chownTree(dir string, uid, gid int) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed by the running server meanwhile
			}
			return fmt.Errorf("pgcluster: %w", err)
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("pgcluster: %w", err)
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		owned := ok && int(st.Uid) == uid && int(st.Gid) == gid
		if !owned {
			if err := os.Lchown(path, uid, gid); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("pgcluster: %w", err)
			}
		}
		if d.IsDir() && path == filepath.Join(dir, "data") && owned {
			return filepath.SkipDir
		}
		return nil
	})
}

// tailFile returns about the last n lines of a file, for error messages.
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// shellQuote quotes s for /bin/sh (pg_ctl passes -o through a shell).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
