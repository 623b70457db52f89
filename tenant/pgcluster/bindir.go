package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNotInstalled is wrapped by the error of FindBinDir (and so of Ensure)
// when no PostgreSQL server binaries can be found.
var ErrNotInstalled = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found")

// debianRoot is where Debian and Ubuntu install the server binaries, one
// directory per major version, not on PATH.
const debianRoot = "/usr/lib/postgresql"

// FindBinDir finds the directory holding initdb and pg_ctl: the directory of
// initdb on PATH first (of the program it links to, if it is a link: a
// directory of links may lack the installation's other programs, such as
// pg_basebackup), then the highest /usr/lib/postgresql/<version>/bin.
func FindBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && isExecutable(filepath.Join(filepath.Dir(real), "pg_ctl")) {
			p = real
		}
		dir := filepath.Dir(p)
		if isExecutable(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob(filepath.Join(debianRoot, "*", "bin"))
	sort.Slice(matches, func(i, j int) bool {
		return versionLess(versionOf(matches[i]), versionOf(matches[j]))
	})
	for i := len(matches) - 1; i >= 0; i-- {
		if isExecutable(filepath.Join(matches[i], "initdb")) && isExecutable(filepath.Join(matches[i], "pg_ctl")) {
			return matches[i], nil
		}
	}
	return "", fmt.Errorf("pgcluster: %w on PATH or in %s/*/bin; install PostgreSQL, e.g. `apt-get install -y postgresql` "+
		"(Debian/Ubuntu) or `brew install postgresql` (macOS), or set DATABASE_URL to use an existing server", ErrNotInstalled, debianRoot)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// versionOf parses the version directory of .../<version>/bin ("15", "9.6").
func versionOf(binDir string) []int {
	var v []int
	for _, part := range strings.Split(filepath.Base(filepath.Dir(binDir)), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}

func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}
