package tenant

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The fitness tests that need the types of the code (the audit log's stored format, the CPR
// access log's reads) read the module's packages as the compiler does: each package's files
// (no tests) parsed and type-checked from source, what they import read from the export data
// `go list -export` points to.

// checkedPackage is one package of the module, type-checked.
type checkedPackage struct {
	path  string // import path, e.g. "indberet/app"
	files []*ast.File
	info  *types.Info
	pkg   *types.Package
}

// moduleCode is the module's packages, type-checked, and the file set of their files.
type moduleCode struct {
	root string // the module's directory
	fset *token.FileSet
	pkgs []*checkedPackage
	imp  types.Importer // of the export data of every package the module's import
}

var (
	moduleOnce sync.Once
	moduleRead *moduleCode
	moduleErr  error
)

// readModule type-checks every package of the module once per test binary.
func readModule(t *testing.T) *moduleCode {
	t.Helper()
	moduleOnce.Do(func() { moduleRead, moduleErr = typeCheckModule() })
	if moduleErr != nil {
		t.Fatalf("type-check the module: %v", moduleErr)
	}
	return moduleRead
}

func typeCheckModule() (*moduleCode, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "list", "-deps", "-export", "-json=ImportPath,Dir,GoFiles,Export,Module", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.New("go list: " + err.Error() + ": " + stderr.String())
	}
	type listed struct {
		ImportPath, Dir, Export string
		GoFiles                 []string
		Module                  *struct{ Path string }
	}
	exports := map[string]string{}
	var own []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		exports[p.ImportPath] = p.Export
		if p.Module != nil && p.Module.Path == "indberet" {
			own = append(own, p)
		}
	}
	m := &moduleCode{root: root, fset: token.NewFileSet()}
	m.imp = importer.ForCompiler(m.fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, errors.New("no export data for " + path)
		}
		return os.Open(f)
	})
	for _, p := range own {
		cp := newCheckedPackage(p.ImportPath)
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(m.fset, filepath.Join(p.Dir, name), nil, parser.ParseComments)
			if err != nil {
				return nil, err
			}
			cp.files = append(cp.files, f)
		}
		if err := m.check(cp); err != nil {
			return nil, err
		}
		m.pkgs = append(m.pkgs, cp)
	}
	return m, nil
}

func newCheckedPackage(path string) *checkedPackage {
	return &checkedPackage{path: path, info: &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{},
	}}
}

func (m *moduleCode) check(cp *checkedPackage) (err error) {
	conf := types.Config{Importer: m.imp}
	cp.pkg, err = conf.Check(cp.path, m.fset, cp.files, cp.info)
	return err
}

// checkSource type-checks src, one file of a package of import path, as if it were part of
// the module: for the tests of the fitness tests.
func (m *moduleCode) checkSource(path, src string) (*checkedPackage, error) {
	f, err := parser.ParseFile(m.fset, filepath.Join(m.root, "x_fitness_"+strings.ReplaceAll(path, "/", "_")+".go"), src, 0)
	if err != nil {
		return nil, err
	}
	cp := newCheckedPackage(path)
	cp.files = []*ast.File{f}
	return cp, m.check(cp)
}

// pkg is the module's package of import path, or nil.
func (m *moduleCode) pkg(path string) *checkedPackage {
	for _, p := range m.pkgs {
		if p.path == path {
			return p
		}
	}
	return nil
}

// at is the position of n as file:line, the file relative to the module.
func (m *moduleCode) at(n ast.Node) string {
	p := m.fset.Position(n.Pos())
	if rel, err := filepath.Rel(m.root, p.Filename); err == nil {
		p.Filename = filepath.ToSlash(rel)
	}
	return p.Filename + ":" + strconv.Itoa(p.Line)
}

// funcName is how the tests name a function: "tenant.(*Tx).InsertSag", "codes.audit".
func funcName(f *types.Func) string {
	name := f.Pkg().Name() + "."
	if recv := f.Type().(*types.Signature).Recv(); recv != nil {
		t := recv.Type()
		ptr := ""
		if p, ok := t.(*types.Pointer); ok {
			t, ptr = p.Elem(), "*"
		}
		if n, ok := t.(*types.Named); ok {
			name += "(" + ptr + n.Obj().Name() + ")."
		}
	}
	return name + f.Name()
}

// sameFunc tells whether a and b are the same function, also when one of them comes from
// export data and the other from source.
func sameFunc(a, b *types.Func) bool {
	return a != nil && b != nil && a.Pkg() != nil && b.Pkg() != nil && a.Pkg().Path() == b.Pkg().Path() &&
		funcName(a) == funcName(b)
}

// calledFunc is the function or method call calls, or nil (a call of a function value, a
// conversion, a builtin).
func calledFunc(info *types.Info, call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch fn := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = fn
	case *ast.SelectorExpr:
		id = fn.Sel
	case *ast.IndexExpr: // a generic function instantiated explicitly
		if s, ok := fn.X.(*ast.SelectorExpr); ok {
			id = s.Sel
		} else if i, ok := fn.X.(*ast.Ident); ok {
			id = i
		}
	}
	if id == nil {
		return nil
	}
	f, _ := info.Uses[id].(*types.Func)
	return f
}

// source is the text of n, as gofmt prints it.
func (m *moduleCode) source(n ast.Node) string {
	var b strings.Builder
	if err := printer.Fprint(&b, m.fset, n); err != nil {
		return "?"
	}
	return b.String()
}
