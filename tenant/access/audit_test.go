package access

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Issue 5: the policies and grants change only through the screens and the CLI, and every
// change is audited. Policies and grants are rows of casbin_rule, written by grants.go alone
// (Grant, Revoke, SyncPolicies, through the statements of tenant/casbinrule.go) and never by
// the Enforcer (auto-save off, no Add/Remove/Save calls). This test reads the module's source
// and fails when
//   - SQL that writes casbin_rule appears anywhere but tenant/casbinrule.go,
//   - code other than grants.go calls the tenant methods that write casbin_rule,
//   - a function calls access.Grant, Revoke or SyncPolicies without writing an audit record
//     (a call of .Audit) in the same function,
//   - package access calls a Casbin method that writes policies.
// The database side (the records those functions write) is tested where they run:
// tenant/accounts (user.create, user.roles), tenant/schema (policy.sync), app/brugere_test.

var writesCasbinRule = regexp.MustCompile(`(?is)(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+casbin_rule`)

var casbinWrite = regexp.MustCompile(`^(Add|Remove|Update|Save|Delete|Clear)[A-Z]?`)

// ruleWriters are tenant's methods that write casbin_rule (tenant/casbinrule.go).
var ruleWriters = map[string]bool{"AddGrantRule": true, "DeleteGrantRule": true, "AddPolicyRule": true,
	"DeletePolicyRulesExcept": true}

// finding is one place that breaks the rule.
type finding struct{ at, what string }

// checkFile returns the findings of one parsed file of package pkg (its import path's last
// element) at path (slash-separated, relative to the module root).
func checkFile(fset *token.FileSet, f *ast.File, path string) []finding {
	var out []finding
	pkg := f.Name.Name
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if ok && lit.Kind == token.STRING && path != "tenant/casbinrule.go" {
			if s, err := strconv.Unquote(lit.Value); err == nil && writesCasbinRule.MatchString(s) {
				out = append(out, finding{fset.Position(lit.Pos()).String(), "SQL writing casbin_rule outside tenant/casbinrule.go"})
			}
		}
		if sel, ok := n.(*ast.SelectorExpr); ok && ruleWriters[sel.Sel.Name] && path != "tenant/access/grants.go" &&
			path != "tenant/casbinrule.go" {
			out = append(out, finding{fset.Position(sel.Pos()).String(), "casbin_rule written outside grants.go (" + sel.Sel.Name + ")"})
		}
		return true
	})
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		var changes []ast.Node
		audits := false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, _ := sel.X.(*ast.Ident)
			switch {
			case sel.Sel.Name == "Audit":
				audits = true
			case x != nil && x.Name == "access" && (sel.Sel.Name == "Grant" || sel.Sel.Name == "Revoke" || sel.Sel.Name == "SyncPolicies"):
				changes = append(changes, call)
			case pkg == "access" && casbinWrite.MatchString(sel.Sel.Name) && !ruleWriters[sel.Sel.Name] && !strings.HasSuffix(path, "_test.go"):
				out = append(out, finding{fset.Position(call.Pos()).String(), "package access calls Casbin's " + sel.Sel.Name})
			}
			return true
		})
		if !audits {
			for _, c := range changes {
				out = append(out, finding{fset.Position(c.Pos()).String(), fn.Name.Name + " changes casbin_rule without an audit record"})
			}
		}
	}
	return out
}

func TestPolicyAndGrantChangesAreAudited(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	fset := token.NewFileSet()
	files, calls := 0, 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "static") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, p)
		for _, fd := range checkFile(fset, f, filepath.ToSlash(rel)) {
			t.Errorf("%s: %s", fd.at, fd.what)
		}
		src, _ := os.ReadFile(p)
		calls += strings.Count(string(src), "access.Grant(") + strings.Count(string(src), "access.Revoke(") +
			strings.Count(string(src), "access.SyncPolicies(")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk saw the code that changes grants and policies: accounts (Create, SetRoles) and
	// schema.Prepare.
	if files < 50 || calls < 3 {
		t.Fatalf("read %d files with %d calls that change casbin_rule; the walk missed the code", files, calls)
	}
}

// The checker finds what it is for.
func TestAuditCheckerFinds(t *testing.T) {
	src := `package accounts
func grantQuietly(ctx, tx) { access.Grant(ctx, tx, 1, "laeser", "101") }
func grantAudited(ctx, tx) { access.Revoke(ctx, tx, 1, "laeser", "101"); tx.Audit(ctx, e) }
func rawSQL(tx) { tx.Exec(ctx, "DELETE FROM casbin_rule WHERE v0 = $1", x) }
func grantAround(tx) { tx.AddGrantRule(ctx, "id", "u:1", "laeser", "101"); tx.Audit(ctx, e) }
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := checkFile(fset, f, "tenant/accounts/x.go")
	all := ""
	for _, g := range got {
		all += g.what + "\n"
	}
	if len(got) != 3 || !strings.Contains(all, "grantQuietly changes casbin_rule") ||
		!strings.Contains(all, "SQL writing casbin_rule") || !strings.Contains(all, "outside grants.go (AddGrantRule)") {
		t.Errorf("findings %+v", got)
	}
	f, _ = parser.ParseFile(fset, "e.go", `package access
func f() { e.AddPolicy("x"); e.LoadPolicy() }`, 0)
	if got := checkFile(fset, f, "tenant/access/e.go"); len(got) != 1 {
		t.Errorf("Casbin write: %+v", got)
	}
}
