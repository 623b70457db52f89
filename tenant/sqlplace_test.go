package tenant_test

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

// Issue 16 item 3: only package tenant runs SQL. Its own files (tenant/*.go) hold every
// statement; the pool (DB.pool) and a scope's transaction (Tx.tx) are unexported, and what
// other code may reach of them is named and counted here. This test reads the module's source
// and fails when a file outside package tenant
//   - calls a pgx method that runs SQL or begins a transaction (Exec, Query, QueryRow,
//     SendBatch, CopyFrom, Begin, BeginTx, on any value), or a pgx function
//     (anything of package pgx but its type pgx.Tx, which River's generic calls name),
//   - imports a pgx package other than pgx itself (pgxpool, pgconn, stdlib …),
//   - holds a string that is an SQL statement,
//   - calls DB.DriverPool anywhere but the libraries' three places (driverPoolCallers),
//   - calls DB.ToolPool or Tx.ToolTx outside tests and the developer tools,
//   - calls Tx.RiverTx other than as the transaction argument of one of River's
//     transactional calls (riverTxCalls): the one way to the raw transaction, so that a job
//     is enqueued, completed or retried in the transaction of the data that causes it.
//
// Tests (_test.go) may run SQL of their own to set up and inspect data, and so may the test
// support and developer tools of sqlTools; the other rules hold for them too.

// sqlTools are the folders, besides package tenant's own files, whose code may run SQL of
// its own: test support and developer tools, not the product.
var sqlTools = map[string]string{
	"tenant/tenanttest/": "test support: fixtures that set up data as tests need it",
	"tenant/testdb/":     "test support: the shared throwaway cluster and the template databases (leaves tenant/ with issue 16 item 7)",
	"tenant/pgcluster/":  "developer tool: local and throwaway PostgreSQL clusters and the backup drill (item 7)",
	"tenant/generate/":   "developer tool: the test-data generator and the benchmark, which load and measure data with SQL (item 7)",
}

// driverPoolCallers are the files that may hand the pool to a library that runs its own SQL
// (tenant.DB.DriverPool).
var driverPoolCallers = map[string]string{
	"worker/client.go":          "River's driver (riverpgxv5.New)",
	"tenant/access/enforcer.go": "Casbin's pgx adapter, which loads the policies",
	"tenant/schema/schema.go":   "goose and River's migrator (migrations.Up), as the owner",
}

// pgxImports are the pgx packages a file outside tenant may import: pgx itself for the type
// pgx.Tx, and in migrations/migrate.go the pool and its database/sql bridge for goose and
// River's migrator.
var pgxImports = map[string]func(path string) bool{
	"github.com/jackc/pgx/v5":         func(string) bool { return true },
	"github.com/jackc/pgx/v5/pgxpool": func(p string) bool { return p == "migrations/migrate.go" },
	"github.com/jackc/pgx/v5/stdlib":  func(p string) bool { return p == "migrations/migrate.go" },
}

// sqlCalls are the names of pgx's methods that run SQL or begin a transaction.
var sqlCalls = map[string]bool{"Exec": true, "Query": true, "QueryRow": true, "SendBatch": true, "CopyFrom": true,
	"Begin": true, "BeginTx": true}

// riverTxCalls are River's transactional calls, which take the transaction as their second
// argument.
var riverTxCalls = map[string]bool{"InsertTx": true, "InsertManyTx": true, "InsertManyFastTx": true,
	"JobCompleteTx": true, "JobRetryTx": true, "JobListTx": true, "JobCancelTx": true, "JobDeleteTx": true,
	"JobGetTx": true, "QueueGetTx": true, "QueuePauseTx": true, "QueueResumeTx": true}

// sqlInMessages are the SQL statements that code outside tenant may hold as text, not to run
// them: by file, the statement's beginning and why.
var sqlInMessages = map[string]map[string]string{
	"main.go": {"UPDATE log_retention_floor SET months": "checkRetention's error tells the operator what to run as the owner"},
}

// sqlStatement is a string that begins like an SQL statement (the code writes its keywords
// in capitals).
var sqlStatement = regexp.MustCompile(`^\s*(SELECT\s(.|\n)*\sFROM\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|` +
	`WITH\s+\w+\s+AS\s|TRUNCATE\s|CREATE\s|ALTER\s|DROP\s|SAVEPOINT\s|SET\s+(LOCAL\s+)?ROLE\s|VACUUM|ANALYZE\s|EXPLAIN\s)`)

// sqlFinding is one place that breaks the rule.
type sqlFinding struct{ at, what string }

// checkSQLPlace returns the findings of one parsed file at path (slash-separated, relative
// to the module root). What is allowed where follows the file's place: package tenant's own
// files may do anything.
func checkSQLPlace(fset *token.FileSet, f *ast.File, path string) []sqlFinding {
	if !strings.Contains(strings.TrimPrefix(path, "tenant/"), "/") && strings.HasPrefix(path, "tenant/") {
		return nil // package tenant's own files (and tests)
	}
	tool := false
	for dir := range sqlTools {
		tool = tool || strings.HasPrefix(path, dir)
	}
	mayRunSQL := strings.HasSuffix(path, "_test.go") || tool
	var out []sqlFinding
	add := func(n ast.Node, what string) { out = append(out, sqlFinding{fset.Position(n.Pos()).String(), what}) }

	pgxName := ""
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if !strings.HasPrefix(p, "github.com/jackc/pgx/v5") {
			continue
		}
		if ok := pgxImports[p]; !mayRunSQL && (ok == nil || !ok(path)) {
			add(imp, "imports "+p)
		}
		if p == "github.com/jackc/pgx/v5" {
			pgxName = "pgx"
			if imp.Name != nil {
				pgxName = imp.Name.Name
			}
		}
	}

	// The RiverTx calls written as a River call's transaction argument.
	asRiverArg := map[ast.Expr]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) < 2 {
			return true
		}
		fun := call.Fun
		switch x := fun.(type) {
		case *ast.IndexExpr: // river.JobCompleteTx[*riverpgxv5.Driver](…)
			fun = x.X
		case *ast.IndexListExpr:
			fun = x.X
		}
		if sel, ok := fun.(*ast.SelectorExpr); ok && riverTxCalls[sel.Sel.Name] {
			asRiverArg[call.Args[1]] = true
		}
		return true
	})

	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if n.Kind != token.STRING || mayRunSQL {
				return true
			}
			if s, err := strconv.Unquote(n.Value); err == nil && sqlStatement.MatchString(s) && !inMessage(path, s) {
				add(n, "SQL statement outside package tenant")
			}
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && pgxName != "" && x.Name == pgxName && n.Sel.Name != "Tx" && !mayRunSQL {
				add(n, "uses "+pgxName+"."+n.Sel.Name+" outside package tenant")
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch name := sel.Sel.Name; {
			case sqlCalls[name] && !mayRunSQL && len(n.Args) >= 1 && !isStringLit(n.Args[0]) &&
				(len(n.Args) >= 2 || name == "Begin" || name == "BeginTx"):
				// pgx's calls take a context first; Fiber's c.Query("key") takes a string.
				add(n, "runs SQL ("+name+") outside package tenant")
			case name == "DriverPool" && len(n.Args) == 0 && driverPoolCallers[path] == "":
				add(n, "DriverPool outside the libraries' places")
			case (name == "ToolPool" || name == "ToolTx") && len(n.Args) == 0 && !mayRunSQL:
				add(n, name+" outside tests and developer tools")
			case name == "RiverTx" && len(n.Args) == 0 && !asRiverArg[n]:
				add(n, "RiverTx other than as the transaction of a River call")
			}
		}
		return true
	})
	return out
}

// inMessage tells whether s, in the file at path, is one of sqlInMessages.
func inMessage(path, s string) bool {
	for prefix := range sqlInMessages[path] {
		if strings.HasPrefix(strings.TrimSpace(s), prefix) {
			return true
		}
	}
	return false
}

func isStringLit(e ast.Expr) bool {
	lit, ok := e.(*ast.BasicLit)
	return ok && lit.Kind == token.STRING
}

func TestSQLOnlyInTenant(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	fset := token.NewFileSet()
	files, riverTx := 0, 0
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
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, p)
		for _, fd := range checkSQLPlace(fset, f, filepath.ToSlash(rel)) {
			t.Errorf("%s: %s", fd.at, fd.what)
		}
		src, _ := os.ReadFile(p)
		riverTx += strings.Count(string(src), ".RiverTx()")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk saw the module, and the jobs enqueued and completed in their data's
	// transaction (worker, app/eksport.go).
	if files < 200 || riverTx < 10 {
		t.Fatalf("read %d files with %d RiverTx calls; the walk missed the code", files, riverTx)
	}
}

// The checker finds what it is for, and leaves alone what is allowed.
func TestSQLCheckerFinds(t *testing.T) {
	src := `package app
import (
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)
func a(ctx context.Context, db *tenant.DB, c *fiber.Ctx) {
	db.DriverPool().Exec(ctx, "x")
	rows, _ := pool.Query(ctx, sql, 1)
	pgx.CollectRows(rows, pgx.RowTo[string])
	_ = "SELECT id FROM sager WHERE kommune_kode = $1"
	_ = db.ToolPool()
	_ = c.Query("kommune")
	var t pgx.Tx
	db.InScope(ctx, s, func(tx *tenant.Tx) error {
		c.InsertTx(ctx, tx.RiverTx(), args, nil)
		river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx.RiverTx(), job)
		keep := tx.RiverTx()
		return nil
	})
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fd := range checkSQLPlace(fset, f, "app/x.go") {
		got = append(got, fd.what)
	}
	want := []string{
		"imports github.com/jackc/pgx/v5/pgxpool",
		"runs SQL (Exec) outside package tenant",
		"DriverPool outside the libraries' places",
		"runs SQL (Query) outside package tenant",
		"uses pgx.CollectRows outside package tenant",
		"uses pgx.RowTo outside package tenant",
		"SQL statement outside package tenant",
		"ToolPool outside tests and developer tools",
		"RiverTx other than as the transaction of a River call",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The same code in a test may run SQL and use the tool accessors, but not DriverPool,
	// and the rule of RiverTx holds there too.
	got = nil
	for _, fd := range checkSQLPlace(fset, f, "app/x_test.go") {
		got = append(got, fd.what)
	}
	if strings.Join(got, "\n") != "DriverPool outside the libraries' places\nRiverTx other than as the transaction of a River call" {
		t.Errorf("findings in a test: %q", got)
	}
	// Package tenant's own files may do anything; its subpackages may not.
	if got := checkSQLPlace(fset, f, "tenant/x.go"); len(got) != 0 {
		t.Errorf("findings in tenant: %+v", got)
	}
	if got := checkSQLPlace(fset, f, "tenant/accounts/x.go"); len(got) != len(want) {
		t.Errorf("findings in tenant/accounts: %d, want %d", len(got), len(want))
	}
}
