package tenant

import (
	"go/ast"
	"go/types"
	"slices"
	"strings"
	"testing"
)

// Issue 16 #4: a screen gets CPR numbers only through a read that records them in the CPR
// access log in its own transaction (cpraccess.go). This test reads package app with its
// types and fails when a handler
//   - calls (or takes as a value) a method of tenant.Tx or tenant.DB that returns CPR numbers
//     without recording them (List, Sag, AuditLog, the download readers …), or writes CPR
//     access records by hand (LogCPRAccess: a record of its own is a record of something
//     else than what the read returned);
//   - reads a sag under LockSag in a function that changes nothing: LockSag is for changes,
//     whose audit record, in the same transaction, names the sag;
//   - reads rows with SQL of its own (pgx's Query, QueryRow, SendBatch).
// And it fails when a method of Tx or DB that may return CPR numbers (by its name, by a field
// CPR or CPRs in what it returns or hands a callback, by a document it returns as a reader
// or writes to a writer) is in none of the lists below: a new read is classified when it is
// written.

// cprShows are the reads for a person, which record what they return.
var cprShows = []string{"ShowList", "ShowSag", "ShowSagVisning", "ShowAuditLog", "ShowCPRAccessLog",
	"DownloadEksport", "DownloadLeverance"}

// cprRaw return CPR numbers and record nothing (or record by hand): for the jobs, the stores
// and the tests, never for a screen.
var cprRaw = []string{"List", "Sag", "SagIn", "SagMedYdelser", "SagVisning", "AuditLog", "CPRAccessLog",
	"EksportCPRs", "LeveranceCPRs", "LeveranceDocument", "WriteLeveranceDocument", "WriteEksportFil",
	"EksportDownload", "LeveranceDownload", "EachEksportBatch", "EachLeveranceYdelse",
	"LogCPRAccess", "LogCPRAccessIn"}

// cprForChange is the read of a sag a change holds its lock on; cprChanges are the changes
// whose audit record names the sag.
var (
	cprForChange = []string{"LockSag"}
	cprChanges   = []string{"InsertYdelse", "UpdateSag", "UpdateYdelse", "DeleteSag", "DeleteYdelse"}
)

// cprNone look like the reads above but return no CPR number to anyone: SagIDByCPR takes one
// (the user typed it) and returns an id, IndexCPRAccess a count, EksportFil and
// NewLeveranceDocument are the jobs' writers of an export's file and a delivery's document.
var cprNone = []string{"SagIDByCPR", "IndexCPRAccess", "EksportFil", "NewLeveranceDocument", "Session"}

func TestScreensReadCPRNumbersOnlyThroughTheAccessLog(t *testing.T) {
	m := readModule(t)
	app := m.pkg("indberet/app")
	if app == nil {
		t.Fatal("package app not read")
	}
	findings, shows := checkCPRReads(m, app)
	for _, f := range findings {
		t.Error(f)
	}
	// The reading saw the screens that show CPR numbers: lists, sager, ydelser, the
	// read-only view, both logs, both downloads.
	if shows < 11 {
		t.Errorf("found %d reads for a person in app; the reading missed the code", shows)
	}

	// Every method that may return CPR numbers is classified, and every name classified exists.
	tenantPkg := m.pkg("indberet/tenant")
	classified := slices.Concat(cprShows, cprRaw, cprForChange, cprChanges, cprNone)
	methods := map[string]bool{}
	for _, recv := range []string{"Tx", "DB"} {
		named := tenantPkg.pkg.Scope().Lookup(recv).Type().(*types.Named)
		for i := range named.NumMethods() {
			f := named.Method(i)
			if !f.Exported() {
				continue
			}
			methods[f.Name()] = true
			if why := mayCarryCPR(f); why != "" && !slices.Contains(classified, f.Name()) {
				t.Errorf("tenant.(*%s).%s %s: classify it in cpraccess_fitness_test.go (a read for a person records "+
					"the access, cpraccess.go)", recv, f.Name(), why)
			}
		}
	}
	for _, name := range classified {
		if !methods[name] {
			t.Errorf("%s is classified but is no method of tenant.Tx or tenant.DB", name)
		}
	}
}

// checkCPRReads returns the findings of package p (app) and how many reads for a person it
// makes.
func checkCPRReads(m *moduleCode, p *checkedPackage) (findings []string, shows int) {
	for _, f := range p.files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			var locks []ast.Node
			changes := false
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				fn, ok := p.info.Uses[sel.Sel].(*types.Func)
				if !ok {
					return true
				}
				name := fn.Name()
				switch recv := receiverOf(fn); {
				case recv == "indberet/tenant.Tx" || recv == "indberet/tenant.DB":
					switch {
					case slices.Contains(cprShows, name):
						shows++
					case slices.Contains(cprRaw, name):
						findings = append(findings, m.at(sel)+": "+fd.Name.Name+" reads CPR numbers with tenant."+
							name+", which records no access (or not what was read): use the read for a person "+
							"(tenant.Show…, DB.Download…)")
					case slices.Contains(cprForChange, name):
						locks = append(locks, sel)
					case slices.Contains(cprChanges, name):
						changes = true
					}
				case strings.HasPrefix(recv, "github.com/jackc/pgx/") && (name == "Query" || name == "QueryRow" ||
					name == "SendBatch"):
					findings = append(findings, m.at(sel)+": "+fd.Name.Name+" reads rows with SQL of its own ("+
						name+"); the tenant stores read, and record what they show")
				}
				return true
			})
			if !changes {
				for _, l := range locks {
					findings = append(findings, m.at(l)+": "+fd.Name.Name+" reads a sag with LockSag but changes "+
						"nothing, so no audit record names it: use tenant.ShowSag")
				}
			}
		}
	}
	return findings, shows
}

// receiverOf is "<import path>.<type>" of a method's receiver, "" for a function.
func receiverOf(f *types.Func) string {
	recv := f.Type().(*types.Signature).Recv()
	if recv == nil {
		return ""
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil {
		return n.Obj().Pkg().Path() + "." + n.Obj().Name()
	}
	if _, ok := t.Underlying().(*types.Interface); ok && f.Pkg() != nil { // a method of an interface (pgx.Tx)
		return f.Pkg().Path() + ".interface"
	}
	return ""
}

// mayCarryCPR says how method f may return CPR numbers, or "".
func mayCarryCPR(f *types.Func) string {
	sig := f.Type().(*types.Signature)
	if strings.Contains(f.Name(), "CPR") {
		return "names CPR numbers"
	}
	for i := range sig.Results().Len() {
		t := sig.Results().At(i).Type()
		if isNamed(t, "io", "Reader") {
			return "returns a document (an io.Reader)"
		}
		if holdsCPR(t, map[types.Type]bool{}) {
			return "returns a CPR field or bytes (" + types.TypeString(t, qualifier) + ")"
		}
	}
	for i := range sig.Params().Len() {
		t := sig.Params().At(i).Type()
		if isNamed(t, "io", "Writer") {
			return "writes a document (to an io.Writer)"
		}
		if cb, ok := t.Underlying().(*types.Signature); ok {
			for j := range cb.Params().Len() {
				if holdsCPR(cb.Params().At(j).Type(), map[types.Type]bool{}) {
					return "hands a callback a CPR field or bytes (" + types.TypeString(cb.Params().At(j).Type(), qualifier) + ")"
				}
			}
		}
	}
	return ""
}

func isNamed(t types.Type, pkg, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// holdsCPR tells whether a value of type t holds a field named CPR or CPRs, or bytes (which
// may be anything), at any depth of the project's types.
func holdsCPR(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if n, ok := types.Unalias(t).(*types.Named); ok && (n.Obj().Pkg() == nil || !strings.HasPrefix(n.Obj().Pkg().Path(), "indberet")) {
		return false // time.Time and the like
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		return holdsCPR(u.Elem(), seen)
	case *types.Slice:
		if b, ok := u.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Byte {
			return true // bytes: a document, the JSON of an audit record
		}
		return holdsCPR(u.Elem(), seen)
	case *types.Array:
		return holdsCPR(u.Elem(), seen)
	case *types.Map:
		return holdsCPR(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if f.Name() == "CPR" || f.Name() == "CPRs" || holdsCPR(f.Type(), seen) {
				return true
			}
		}
	}
	return false
}

// TestCPRReadCheckerFinds: the check finds each way around the access log, and passes the
// ways through it.
func TestCPRReadCheckerFinds(t *testing.T) {
	m := readModule(t)
	src := `package app
import (
	"context"
	"indberet/tenant"
)
func liste(ctx context.Context, tx *tenant.Tx) error {
	_, err := tx.List(ctx, tenant.ListQuery{})
	return err
}
func sag(ctx context.Context, tx *tenant.Tx) (string, error) {
	s, err := tx.Sag(ctx, 1)
	return s.CPR, err
}
func byHand(ctx context.Context, tx *tenant.Tx) error {
	s, _ := tx.SagIn(ctx, "", 1)
	return tx.LogCPRAccess(ctx, "view", []string{s.CPR}, "sag 1")
}
func lockOnly(ctx context.Context, tx *tenant.Tx) (string, error) {
	s, err := tx.LockSag(ctx, 1)
	return s.CPR, err
}
func value(tx *tenant.Tx) any { return tx.AuditLog }
func sql(ctx context.Context, tx *tenant.Tx) error {
	var cpr string
	return tx.ToolTx().QueryRow(ctx, "SELECT cpr FROM sager").Scan(&cpr)
}
func download(ctx context.Context, db *tenant.DB, s tenant.Scope, e tenant.Eksport) error {
	_, _ = db.EksportDownload(ctx, s, e)
	return nil
}
func good(ctx context.Context, tx *tenant.Tx) error {
	s, err := tx.ShowSag(ctx, 1, "sag 1")
	if err != nil {
		return err
	}
	l, err := tx.LockSag(ctx, s.ID)
	if err != nil {
		return err
	}
	return tx.UpdateSag(ctx, l)
}
`
	p, err := m.checkSource("indberet/app", src)
	if err != nil {
		t.Fatal(err)
	}
	findings, shows := checkCPRReads(m, p)
	all := strings.Join(findings, "\n")
	for _, want := range []string{"liste reads CPR numbers with tenant.List", "sag reads CPR numbers with tenant.Sag,",
		"byHand reads CPR numbers with tenant.SagIn", "byHand reads CPR numbers with tenant.LogCPRAccess",
		"lockOnly reads a sag with LockSag but changes nothing", "value reads CPR numbers with tenant.AuditLog",
		"sql reads rows with SQL of its own (QueryRow)", "download reads CPR numbers with tenant.EksportDownload"} {
		if !strings.Contains(all, want) {
			t.Errorf("no finding %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, "good") || len(findings) != 8 || shows != 1 {
		t.Errorf("%d reads for a person, findings:\n%s", shows, all)
	}
}
