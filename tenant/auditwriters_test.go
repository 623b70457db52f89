package tenant

import (
	"bytes"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestAuditStoredFormat (issue 16 #5) reads every write of an audit record in the module —
// each call of Tx.Audit and of generate.writeAudit, the demo generator's direct INSERT, with
// the arguments a helper forwards (codes.audit) followed to its callers — and what it stores
// as before and after, by type. It fails when
//   - a struct the audit log stores (at any depth) has an exported field without a json tag
//     naming its key, or is anonymous (a stored format has a name and a place);
//   - a value is stored whose type is an interface, whose format the code does not fix;
//   - a key changed: the records and the keys of every stored struct are the golden file
//     testdata/audit_format.golden (-update rewrites it, making a change of the stored
//     format a reviewed diff);
//   - a record of a sag lacks the "CPR", or a record of a ydelse the "SagID", that 00011's
//     generated columns read;
//   - a tenant record has no JSON sample in auditSamples (TestAuditFormatGolden);
//   - SQL that writes audit_log appears outside audit.go and the generator.
func TestAuditStoredFormat(t *testing.T) {
	m := readModule(t)
	var a auditFormat
	a.read(m)
	for _, f := range a.findings {
		t.Error(f)
	}
	if len(a.records) < 30 {
		t.Fatalf("found %d audit records; the reading missed the code", len(a.records))
	}
	got := a.golden()
	path := filepath.Join("testdata", "audit_format.golden")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want, err := os.ReadFile(path); err != nil {
		t.Fatal(err)
	} else if !bytes.Equal(got, want) {
		t.Errorf("the audit log's stored format changed (go test ./tenant -run AuditFormat -update, and review the diff):\n%s",
			lineDiff(string(want), string(got)))
	}

	// 00011: audit_log.sag_cpr from "CPR" (or "Sag" › "CPR") of a sag's record, sag_id from
	// "SagID" of a ydelse's record.
	mig, err := os.ReadFile(filepath.Join(m.root, "migrations", "00011_log_viewers.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, read := range []string{`after ->> 'SagID'`, `before ->> 'SagID'`, `after ->> 'CPR'`, `before ->> 'CPR'`,
		`before -> 'Sag' ->> 'CPR'`} {
		if !strings.Contains(string(mig), read) {
			t.Errorf("00011 no longer reads %s: this test's knowledge of it is out of date", read)
		}
	}
	for _, r := range a.records {
		switch r.entity {
		case `"sag"`:
			if !r.before.has("CPR") && !r.after.has("CPR") && !r.before.has("Sag", "CPR") {
				t.Errorf("%s (%s): a sag's record without the \"CPR\" of audit_log.sag_cpr (00011)", r.at, r.action)
			}
		case `"ydelse"`:
			if !r.before.has("SagID") && !r.after.has("SagID") {
				t.Errorf("%s (%s): a ydelse's record without the \"SagID\" of audit_log.sag_id (00011)", r.at, r.action)
			}
		}
	}

	// Every struct of package tenant the log stores has its JSON in TestAuditFormatGolden.
	sampled := map[string]bool{}
	for _, v := range auditSamples() {
		sampled[reflect.TypeOf(v).Name()] = true
	}
	for name := range a.structs {
		if n, ok := strings.CutPrefix(name, "tenant."); ok && !sampled[n] && n != "maalgruppeRecord" &&
			n != "leveranceTalRecord" && n != "LogPartitionChange" && n != "EksportParametre" {
			t.Errorf("%s is stored in the audit log but has no sample in auditSamples", name)
		}
	}
}

// TestAuditFormatCheckerFinds: the reading finds what it is for, on code written to break
// each rule.
func TestAuditFormatCheckerFinds(t *testing.T) {
	m := readModule(t)
	tenantPkg := m.pkg("indberet/tenant")
	if tenantPkg == nil {
		t.Fatal("package tenant not read")
	}
	src := `package x
import "indberet/tenant"
type unnamed struct{ A string }
type half struct {
	A string ` + "`json:\"a\"`" + `
	B int
}
func anon(tx *tenant.Tx) error {
	return tx.Audit(nil, tenant.AuditEntry{Action: "x.anon", Entity: "x", After: struct{ A string }{"a"}})
}
func untagged(tx *tenant.Tx, h half) error {
	return tx.Audit(nil, tenant.AuditEntry{Action: "x.half", Entity: "x", Before: h, After: map[string]any{"u": unnamed{}}})
}
func iface(tx *tenant.Tx, v any) error {
	return tx.Audit(nil, tenant.AuditEntry{Action: "x.any", Entity: "x", After: v})
}
func forwards(tx *tenant.Tx, after any) error {
	return tx.Audit(nil, tenant.AuditEntry{Action: "x.fwd", Entity: "x", After: after})
}
func caller(tx *tenant.Tx) error { return forwards(tx, half{}) }
`
	p, err := m.checkSource("indberet/x", src)
	if err != nil {
		t.Fatal(err)
	}
	var a auditFormat
	a.read(&moduleCode{root: m.root, fset: m.fset, pkgs: []*checkedPackage{p}})
	want := []string{
		"anonymous struct",                     // anon
		"x.half.B has no json tag",             // untagged, caller
		"x.unnamed.A has no json tag",          // untagged, in a map
		"x.iface: After is an interface value", // iface (its only caller: none)
	}
	all := strings.Join(a.findings, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no finding %q in:\n%s", w, all)
		}
	}
	if !slices.ContainsFunc(a.records, func(r auditWrite) bool { return r.at == "x.caller → x.forwards" }) {
		t.Errorf("the forwarded record was not followed to its caller: %+v", a.records)
	}
}

// auditFormat is what the module writes to the audit log.
type auditFormat struct {
	m        *moduleCode
	records  []auditWrite
	structs  map[string]*jsonShape // the stored structs by qualified name
	findings []string
}

// auditWrite is one write of an audit record: where (the function, and those a forwarded
// argument came from), its action and entity as written, and the shapes of before and after.
type auditWrite struct {
	at, action, entity string
	before, after      *jsonShape
}

// jsonShape is the JSON a Go type is written as: a kind (string, number, bool, null, a time,
// …), or an object (keys, in order), a list (elem), a map (elem), or a named struct (ref).
type jsonShape struct {
	kind string
	keys []jsonKey
	elem *jsonShape
	ref  string // the qualified name of a struct, described in auditFormat.structs
	a    *auditFormat
}

type jsonKey struct {
	name, opts string
	shape      *jsonShape
}

// has tells whether s is an object (or a struct) with the key path.
func (s *jsonShape) has(path ...string) bool {
	if s == nil || len(path) == 0 {
		return s != nil
	}
	if s.ref != "" {
		return s.a.structs[s.ref].has(path...)
	}
	for _, k := range s.keys {
		if k.name == path[0] {
			return k.shape.has(path[1:]...)
		}
	}
	return false
}

// writer is a function that writes an audit record from its arguments: the argument of
// each part of the record (-1: none), and the entity it writes where no argument names it.
type writer struct {
	pkg, name                     string
	action, entity, before, after int
	entry                         int // the argument that is a tenant.AuditEntry literal, or -1
	fixedEntity                   string
}

var auditWriters = []writer{
	{pkg: "indberet/tenant", name: "tenant.(*Tx).Audit", entry: 1},
	// The demo generator writes its records with the owner's connection (generate.go).
	{pkg: "indberet/tenant/generate", name: "generate.writeAudit", entry: -1, action: 3, entity: -1, before: -1, after: 4,
		fixedEntity: `"demo"`},
}

// sinkArg is an expression that becomes part of a record, and where it is written.
type sinkArg struct {
	expr ast.Expr
	pkg  *checkedPackage
	fn   *ast.FuncDecl
}

func (a *auditFormat) read(m *moduleCode) {
	a.m, a.structs = m, map[string]*jsonShape{}
	for _, p := range m.pkgs {
		for _, f := range p.files {
			a.checkSQL(p, f)
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					if call, ok := n.(*ast.CallExpr); ok {
						a.readCall(p, fd, call)
					}
					return true
				})
			}
		}
	}
	slices.SortFunc(a.records, func(x, y auditWrite) int {
		return strings.Compare(x.at+"\x00"+x.action, y.at+"\x00"+y.action)
	})
}

var writesAuditLog = regexp.MustCompile(`(?is)(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+audit_log\b`)

// checkSQL finds SQL that writes audit_log outside its two writers.
func (a *auditFormat) checkSQL(p *checkedPackage, f *ast.File) {
	file := a.m.at(f)
	if strings.HasPrefix(file, "tenant/audit.go:") || strings.HasPrefix(file, "tenant/generate/generate.go:") {
		return
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && writesAuditLog.MatchString(s) {
				a.findings = append(a.findings, a.m.at(lit)+": SQL that writes audit_log outside tenant/audit.go")
			}
		}
		return true
	})
}

func (a *auditFormat) readCall(p *checkedPackage, fd *ast.FuncDecl, call *ast.CallExpr) {
	f := calledFunc(p.info, call)
	if f == nil || f.Pkg() == nil {
		return
	}
	for _, w := range auditWriters {
		if f.Pkg().Path() != w.pkg || funcName(f) != w.name {
			continue
		}
		parts := map[string]sinkArg{}
		arg := func(i int) (sinkArg, bool) {
			if i < 0 || i >= len(call.Args) {
				return sinkArg{}, false
			}
			return sinkArg{call.Args[i], p, fd}, true
		}
		if w.entry >= 0 {
			e, _ := arg(w.entry)
			lit, ok := ast.Unparen(e.expr).(*ast.CompositeLit)
			if !ok {
				a.findings = append(a.findings, a.m.at(call)+": the AuditEntry of an audit record is written in the call (a literal)")
				return
			}
			for _, el := range lit.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok && (k.Name == "Action" || k.Name == "Entity" || k.Name == "Before" || k.Name == "After") {
						parts[k.Name] = sinkArg{kv.Value, p, fd}
					}
				}
			}
		} else {
			for name, i := range map[string]int{"Action": w.action, "Entity": w.entity, "Before": w.before, "After": w.after} {
				if s, ok := arg(i); ok {
					parts[name] = s
				}
			}
		}
		a.follow(parts, w.fixedEntity, funcName(p.info.Defs[fd.Name].(*types.Func)), p, fd, 0)
	}
}

// follow records the write whose parts are these, or, where a part is a parameter of the
// function that writes it, the writes of each of its callers with their arguments.
func (a *auditFormat) follow(parts map[string]sinkArg, fixedEntity, at string, p *checkedPackage, fn *ast.FuncDecl, depth int) {
	// The callers are read where the record's action or entity is an argument (to name the
	// record), or its before or after is one of an interface type (to know what is stored).
	params := map[string]int{} // part → the parameter of fn it is
	forward := false
	for name, s := range parts {
		id, ok := ast.Unparen(s.expr).(*ast.Ident)
		if !ok || s.fn != fn {
			continue
		}
		if v, ok := s.pkg.info.Uses[id].(*types.Var); ok {
			if i := paramIndex(s.pkg, s.fn, v); i >= 0 {
				params[name] = i
				forward = forward || name == "Action" || name == "Entity" || types.IsInterface(v.Type())
			}
		}
	}
	if forward && depth < 4 {
		callee := p.info.Defs[fn.Name].(*types.Func)
		callers := 0
		for _, cp := range a.m.pkgs {
			for _, f := range cp.files {
				for _, d := range f.Decls {
					cfd, ok := d.(*ast.FuncDecl)
					if !ok || cfd.Body == nil {
						continue
					}
					ast.Inspect(cfd.Body, func(n ast.Node) bool {
						call, ok := n.(*ast.CallExpr)
						if !ok || !sameFunc(calledFunc(cp.info, call), callee) {
							return true
						}
						callers++
						next := map[string]sinkArg{}
						for name, s := range parts {
							if i, ok := params[name]; ok && i < len(call.Args) {
								s = sinkArg{call.Args[i], cp, cfd}
							}
							next[name] = s
						}
						caller := funcName(cp.info.Defs[cfd.Name].(*types.Func))
						a.follow(next, fixedEntity, caller+" → "+at, cp, cfd, depth+1)
						return true
					})
				}
			}
		}
		if callers > 0 {
			return
		}
	}
	r := auditWrite{at: at, action: a.text(parts["Action"]), entity: a.text(parts["Entity"])}
	if r.entity == "" {
		r.entity = fixedEntity
	}
	r.before = a.shapeOf(parts["Before"], at+": Before")
	r.after = a.shapeOf(parts["After"], at+": After")
	a.records = append(a.records, r)
}

// paramIndex is the position of v among the parameters of fn, or -1.
func paramIndex(p *checkedPackage, fn *ast.FuncDecl, v *types.Var) int {
	f, ok := p.info.Defs[fn.Name].(*types.Func)
	if !ok {
		return -1
	}
	params := f.Type().(*types.Signature).Params()
	for i := range params.Len() {
		if params.At(i) == v {
			return i
		}
	}
	return -1
}

// text is a part as written: its value where it is a constant, else its source.
func (a *auditFormat) text(s sinkArg) string {
	if s.expr == nil {
		return ""
	}
	if tv, ok := s.pkg.info.Types[s.expr]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
		return strconv.Quote(constant.StringVal(tv.Value))
	}
	return a.m.source(s.expr)
}

// shapeOf is the JSON the expression is stored as; nil for none (no part, or nil).
func (a *auditFormat) shapeOf(s sinkArg, where string) *jsonShape {
	if s.expr == nil {
		return nil
	}
	e := ast.Unparen(s.expr)
	tv := s.pkg.info.Types[e]
	if tv.IsNil() {
		return nil
	}
	if lit, ok := e.(*ast.CompositeLit); ok {
		if _, isMap := tv.Type.Underlying().(*types.Map); isMap {
			obj := &jsonShape{kind: "object", a: a}
			for _, el := range lit.Elts {
				kv := el.(*ast.KeyValueExpr)
				ktv := s.pkg.info.Types[kv.Key]
				if ktv.Value == nil || ktv.Value.Kind() != constant.String {
					a.findings = append(a.findings, a.m.at(kv)+": a key of a stored map is not a constant string")
					continue
				}
				v := a.shapeOf(sinkArg{kv.Value, s.pkg, s.fn}, where+" › "+constant.StringVal(ktv.Value))
				if v == nil {
					v = &jsonShape{kind: "null"}
				}
				obj.keys = append(obj.keys, jsonKey{name: constant.StringVal(ktv.Value), shape: v})
			}
			return obj
		}
	}
	if types.IsInterface(tv.Type) {
		a.findings = append(a.findings, where+" is an interface value ("+a.m.source(e)+"): its stored format is not fixed by its type")
		return &jsonShape{kind: "?"}
	}
	return a.shape(tv.Type, where)
}

var (
	jsonMarshaler = types.NewInterfaceType([]*types.Func{types.NewFunc(token.NoPos, nil, "MarshalJSON",
		types.NewSignatureType(nil, nil, nil, nil, types.NewTuple(
			types.NewVar(token.NoPos, nil, "", types.NewSlice(types.Typ[types.Byte])),
			types.NewVar(token.NoPos, nil, "", types.Universe.Lookup("error").Type())), false))}, nil).Complete()
	textMarshaler = types.NewInterfaceType([]*types.Func{types.NewFunc(token.NoPos, nil, "MarshalText",
		types.NewSignatureType(nil, nil, nil, nil, types.NewTuple(
			types.NewVar(token.NoPos, nil, "", types.NewSlice(types.Typ[types.Byte])),
			types.NewVar(token.NoPos, nil, "", types.Universe.Lookup("error").Type())), false))}, nil).Complete()
)

// shape is the JSON encoding/json writes for a value of type t.
func (a *auditFormat) shape(t types.Type, where string) *jsonShape {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		return &jsonShape{kind: "or null", elem: a.shape(p.Elem(), where)}
	}
	switch {
	case types.Implements(t, jsonMarshaler) || types.Implements(types.NewPointer(t), jsonMarshaler):
		return &jsonShape{kind: types.TypeString(t, qualifier) + " (its MarshalJSON)"}
	case types.Implements(t, textMarshaler) || types.Implements(types.NewPointer(t), textMarshaler):
		return &jsonShape{kind: types.TypeString(t, qualifier) + " (its MarshalText)"}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsString != 0:
			return &jsonShape{kind: "string"}
		case u.Info()&types.IsBoolean != 0:
			return &jsonShape{kind: "bool"}
		case u.Info()&types.IsNumeric != 0 && u.Info()&types.IsComplex == 0:
			return &jsonShape{kind: "number"}
		}
	case *types.Slice:
		if b, ok := u.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Byte {
			return &jsonShape{kind: "string (base64)"}
		}
		return &jsonShape{kind: "list", elem: a.shape(u.Elem(), where+"[]")}
	case *types.Array:
		return &jsonShape{kind: "list", elem: a.shape(u.Elem(), where+"[]")}
	case *types.Map:
		return &jsonShape{kind: "map", elem: a.shape(u.Elem(), where+"[key]")}
	case *types.Struct:
		named, ok := types.Unalias(t).(*types.Named)
		if !ok {
			a.findings = append(a.findings, where+": an anonymous struct; give the stored format a name and json tags")
			return a.structShape(u, "struct", where)
		}
		name := types.TypeString(named, qualifier)
		if s, ok := a.structs[name]; ok {
			if s == nil { // a struct that holds itself
				a.findings = append(a.findings, where+": "+name+" holds itself")
			}
			return &jsonShape{ref: name, a: a}
		}
		a.structs[name] = nil
		a.structs[name] = a.structShape(u, name, where)
		return &jsonShape{ref: name, a: a}
	case *types.Interface:
		a.findings = append(a.findings, where+" is an interface value ("+types.TypeString(t, qualifier)+
			"): its stored format is not fixed by its type")
		return &jsonShape{kind: "?"}
	}
	a.findings = append(a.findings, where+": "+types.TypeString(t, qualifier)+" has no JSON form")
	return &jsonShape{kind: "?"}
}

func (a *auditFormat) structShape(st *types.Struct, name, where string) *jsonShape {
	s := &jsonShape{kind: "object", a: a}
	for i := range st.NumFields() {
		f := st.Field(i)
		if !f.Exported() && !f.Embedded() {
			continue // encoding/json leaves it out
		}
		tag, ok := reflect.StructTag(st.Tag(i)).Lookup("json")
		if !ok {
			a.findings = append(a.findings, where+": field "+name+"."+f.Name()+" has no json tag naming its stored key")
			continue
		}
		key, opts, _ := strings.Cut(tag, ",")
		switch {
		case key == "-" && opts == "":
			continue
		case key == "":
			a.findings = append(a.findings, where+": the json tag of "+name+"."+f.Name()+" names no key")
			continue
		}
		s.keys = append(s.keys, jsonKey{name: key, opts: opts, shape: a.shape(f.Type(), where+" › "+key)})
	}
	return s
}

func qualifier(p *types.Package) string { return p.Name() }

// golden is the records and the stored structs as text.
func (a *auditFormat) golden() []byte {
	var b strings.Builder
	b.WriteString(`# The stored format of the audit log (issue 16 #5, tenant/auditformat.go): every write of a
# record, where (a forwarded argument: caller → writer), with its action and entity as written
# and the JSON of its before and after; then each struct the log stores, by its keys. Written
# by go test ./tenant -run AuditStoredFormat -update: a diff here is a change of the format of
# history, which records already stored do not follow.
`)
	seen := map[string]bool{}
	for _, r := range a.records {
		var e strings.Builder
		e.WriteString("\nrecord " + r.at + "\n  action: " + r.action + "\n  entity: " + r.entity + "\n")
		for _, part := range []struct {
			name  string
			shape *jsonShape
		}{{"before", r.before}, {"after", r.after}} {
			if part.shape != nil {
				e.WriteString("  " + part.name + ": ")
				part.shape.write(&e, "  ")
				e.WriteString("\n")
			}
		}
		if !seen[e.String()] {
			seen[e.String()] = true
			b.WriteString(e.String())
		}
	}
	names := make([]string, 0, len(a.structs))
	for n := range a.structs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		b.WriteString("\ntype " + n + " ")
		a.structs[n].write(&b, "")
		b.WriteString("\n")
	}
	return []byte(b.String())
}

func (s *jsonShape) write(b *strings.Builder, indent string) {
	switch {
	case s.ref != "":
		b.WriteString(s.ref)
	case s.kind == "object":
		b.WriteString("{\n")
		for _, k := range s.keys {
			b.WriteString(indent + "  " + strconv.Quote(k.name) + ": ")
			k.shape.write(b, indent+"  ")
			if k.opts != "" {
				b.WriteString(" (" + k.opts + ")")
			}
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case s.kind == "or null":
		s.elem.write(b, indent)
		b.WriteString(" or null")
	case s.kind == "list":
		b.WriteString("[")
		s.elem.write(b, indent)
		b.WriteString("]")
	case s.kind == "map":
		b.WriteString("{any key: ")
		s.elem.write(b, indent)
		b.WriteString("}")
	default:
		b.WriteString(s.kind)
	}
}

// lineDiff is the lines of want that got lacks (-) and those got adds (+), each with the
// line number in its file: a diff by the longest common subsequence.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	lcs := make([][]int, len(w)+1) // lcs[i][j]: of w[i:] and g[j:]
	for i := range lcs {
		lcs[i] = make([]int, len(g)+1)
	}
	for i := len(w) - 1; i >= 0; i-- {
		for j := len(g) - 1; j >= 0; j-- {
			if w[i] == g[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < len(w) || j < len(g) {
		switch {
		case i < len(w) && j < len(g) && w[i] == g[j]:
			i, j = i+1, j+1
		case j < len(g) && (i == len(w) || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, "+"+strconv.Itoa(j+1)+": "+g[j])
			j++
		default:
			out = append(out, "-"+strconv.Itoa(i+1)+": "+w[i])
			i++
		}
	}
	return strings.Join(out, "\n")
}
