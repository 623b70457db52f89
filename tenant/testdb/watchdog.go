package testdb

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"indberet/tenant/pgcluster"
)

// watchdogMarker is the watchdog's $0, to recognize it in /proc.
const watchdogMarker = "indberet-testdb-watchdog"

// ensureWatchdog spawns, unless one is already watching goTestPID for dir, a
// detached shell that waits for goTestPID to exit, then stops the cluster
// in dir and, if removeDir, deletes dir. It reports whether it spawned one,
// i.e. whether the caller is the first user of the cluster in this run. The
// caller holds the testdb lock of dir.
func ensureWatchdog(dir string, goTestPID int, removeDir bool) (bool, error) {
	pidFile := filepath.Join(dir, "watchdog.pid")
	if b, err := os.ReadFile(pidFile); err == nil {
		var wpid, watched int
		if _, err := fmt.Sscan(string(b), &wpid, &watched); err == nil && watched == goTestPID && isWatchdog(wpid) {
			return false, nil
		}
	}

	binDir, err := pgcluster.FindBinDir()
	if err != nil {
		return false, err
	}
	pgCtl := shellQuote(filepath.Join(binDir, "pg_ctl"))
	if os.Geteuid() == 0 {
		pgCtl = "runuser -u " + pgcluster.SystemUser + " -- " + pgCtl
	}
	script := fmt.Sprintf(`while kill -0 %d 2>/dev/null; do sleep 1; done
if [ -f %s ]; then %s -D %s stop -m immediate -w -t 30; fi
`, goTestPID, shellQuote(filepath.Join(dir, "data", "PG_VERSION")), pgCtl, shellQuote(filepath.Join(dir, "data")))
	if removeDir {
		script += "rm -rf " + shellQuote(dir) + "\n"
	}
	cmd := exec.Command("/bin/sh", "-c", script, watchdogMarker)
	cmd.Dir = "/"
	// Stdin, Stdout and Stderr stay nil (/dev/null): inheriting the test
	// binary's stdout pipe would make `go test` wait for the watchdog,
	// which waits for `go test`.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return false, fmt.Errorf("start watchdog: %w", err)
	}
	wpid := cmd.Process.Pid
	_ = cmd.Process.Release()
	if err := os.WriteFile(pidFile, []byte(fmt.Sprintf("%d %d\n", wpid, goTestPID)), 0o644); err != nil {
		return false, err
	}
	return true, nil
}

// isWatchdog reports whether pid is a live watchdog process.
func isWatchdog(pid int) bool {
	if !pidAlive(pid) {
		return false
	}
	if runtime.GOOS != "linux" {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err != nil || strings.Contains(string(b), watchdogMarker)
}

// pidAlive reports whether a process with this pid exists.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// cleanStale stops and removes the clusters of earlier runs whose `go test`
// process no longer exists (normally their watchdog did that already).
func cleanStale(t testing.TB) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(dir), dirPrefix))
		if err != nil || pid == os.Getppid() || pidAlive(pid) {
			continue
		}
		unlock, ok, err := pgcluster.TryLockFile(filepath.Join(dir, "testdb.lock"))
		if err != nil || !ok {
			continue // vanished, or somebody else is on it
		}
		if err := pgcluster.StopDirMode(dir, "immediate"); err != nil {
			t.Logf("testdb: stop stale test cluster: %v", err)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("testdb: remove stale test cluster: %v", err)
		}
		unlock()
	}
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
