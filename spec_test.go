package main

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The specification lives in the repository (issue 16 #9): docs/DOMAIN.md and docs/CODES.md
// are copies of ../shared/spec/, and the code lists in tenant/codes/data/ are its CSV files.
// `make spec` copies them again.

// specDir is where the specification is kept beside the repository: ../shared/spec, or
// INDBERET_SPEC_DIR (a work tree that does not sit beside shared/).
func specDir() string {
	if d := os.Getenv("INDBERET_SPEC_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "shared", "spec")
}

// specCopies maps each file of the specification to its copy in the repository.
func specCopies(t *testing.T, spec string) map[string]string {
	t.Helper()
	copies := map[string]string{
		"DOMAIN.md": "docs/DOMAIN.md",
		"CODES.md":  "docs/CODES.md",
	}
	csvs, err := filepath.Glob(filepath.Join(spec, "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range csvs {
		copies[filepath.Base(f)] = filepath.Join("tenant", "codes", "data", filepath.Base(f))
	}
	return copies
}

func TestSpecCopiesEqualShared(t *testing.T) {
	spec := specDir()
	if _, err := os.Stat(filepath.Join(spec, "DOMAIN.md")); err != nil {
		t.Skipf("no specification at %s (%v): the copies in docs/ and tenant/codes/data/ are not compared; "+
			"set INDBERET_SPEC_DIR to compare them", spec, err)
	}
	copies := specCopies(t, spec)
	for src, dst := range copies {
		want, err := os.ReadFile(filepath.Join(spec, src))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(dst)
		if err != nil {
			t.Errorf("%s: %v; run `make spec`", dst, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s; run `make spec` (the specification is changed there, not here)",
				dst, filepath.Join(spec, src))
		}
	}
	// A code list in the repository that the specification no longer has.
	data, err := filepath.Glob(filepath.Join("tenant", "codes", "data", "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range data {
		if _, ok := copies[filepath.Base(f)]; !ok {
			t.Errorf("%s is not in %s", f, spec)
		}
	}
}

// ruleDefRE finds the rules docs/DOMAIN.md defines: "- **T1** …".
var ruleDefRE = regexp.MustCompile(`(?m)^- \*\*([A-Z])([0-9]+)\*\*`)

// ruleRefRE finds what may be a rule id in a comment: a capital letter and a number, as a
// word, its number without a leading zero ("Y5", "I10"; not "2026M11" or "T00:00").
var ruleRefRE = regexp.MustCompile(`\b([A-Z])([1-9][0-9]*)\b`)

// domainRules returns the rule ids docs/DOMAIN.md defines, and the letters of its rule groups.
func domainRules(t *testing.T) (ids map[string]bool, letters string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("docs", "DOMAIN.md"))
	if err != nil {
		t.Fatal(err)
	}
	ids = map[string]bool{}
	for _, m := range ruleDefRE.FindAllStringSubmatch(string(b), -1) {
		ids[m[1]+m[2]] = true
		if !strings.Contains(letters, m[1]) {
			letters += m[1]
		}
	}
	if len(ids) < 40 || len(letters) < 7 {
		t.Fatalf("docs/DOMAIN.md defines %d rules in groups %q; ruleDefRE no longer reads it", len(ids), letters)
	}
	return ids, letters
}

// unknownRuleIDs returns "file:line: id" for every id of a rule group (letters) in text that
// is not among ids.
func unknownRuleIDs(ids map[string]bool, letters, text, file string, line int) []string {
	var bad []string
	for i, l := range strings.Split(text, "\n") {
		for _, m := range ruleRefRE.FindAllStringSubmatch(l, -1) {
			if strings.Contains(letters, m[1]) && !ids[m[1]+m[2]] {
				bad = append(bad, file+":"+strconv.Itoa(line+i)+": "+m[1]+m[2])
			}
		}
	}
	return bad
}

// TestCitedRuleIDsAreDefined: every rule id that a comment of the Go code or of a migration
// cites (T1, S6, Y5, I10 …) is a rule of docs/DOMAIN.md, so that a reader finds it there.
func TestCitedRuleIDsAreDefined(t *testing.T) {
	ids, letters := domainRules(t)
	var bad []string
	cited := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go":
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			for _, g := range f.Comments {
				for _, c := range g.List {
					if strings.HasPrefix(c.Text, "//lint:") {
						continue // a linter's directive names its checks, not rules of DOMAIN.md
					}
					cited += len(ruleRefRE.FindAllString(c.Text, -1))
					bad = append(bad, unknownRuleIDs(ids, letters, c.Text, path, fset.Position(c.Pos()).Line)...)
				}
			}
		case ".sql":
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, l := range strings.Split(string(b), "\n") {
				if _, comment, ok := strings.Cut(l, "--"); ok {
					cited += len(ruleRefRE.FindAllString(comment, -1))
					bad = append(bad, unknownRuleIDs(ids, letters, comment, path, i+1)...)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited < 100 {
		t.Fatalf("found %d rule ids in the comments; the walk no longer reads the code", cited)
	}
	slices.Sort(bad)
	for _, b := range bad {
		t.Errorf("%s is not a rule of docs/DOMAIN.md", b)
	}
}
