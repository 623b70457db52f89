package worker

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"indberet/tenant"
)

// Tests of the XLSX writer (xlsx.go), read back with excelize and archive/zip, and
// benchmarks of the export's two table writers on the shape of the largest CPR list.

// xlsxTestSheet has the characters a sheet name may hold that XML must escape.
const xlsxTestSheet = `Sager & <ydelser> "x"`

// xlsxTestRows is how many rows writeTestXLSX writes after its three fixed ones: enough for
// several chunks of xlsxChunk.
const xlsxTestRows = 6_000

// writeTestXLSX writes a sheet of five columns: the header, three rows of every kind of
// cell, then xlsxTestRows rows of a number and a date, and returns the file.
func writeTestXLSX(t *testing.T, async bool) []byte {
	t.Helper()
	var b bytes.Buffer
	x, err := newXLSXWriter(&b, xlsxTestSheet, []string{"CPR-nummer", "Navn", "Antal", "Dato", "Tom"})
	if err != nil {
		t.Fatal(err)
	}
	x.async = async
	rows := [][]cell{
		{"010203-1234", "a <&> \"b\" 'c'\x01d\x1f\uFFFEe", 42, time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC), nil},
		{" lead and trail ", "_x0041_ and\ttab\r\nline", -7, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), "Ærø å"},
		{nil, "bad \xff utf-8", 0, time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC), nil, "past the header"},
	}
	for _, r := range rows {
		if err := x.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	for i := range xlsxTestRows {
		if err := x.Row([]cell{"r" + strconv.Itoa(i), nil, i, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The file as excelize reads it: the sheet's name, the bold header, strings escaped and
// without the characters XML forbids, numbers and dates as numbers, dates shown
// DD-MM-YYYY, empty cells, the frozen header, the columns' widths; through the goroutine
// and without.
func TestXLSXWriter(t *testing.T) {
	t.Parallel()
	for _, async := range []bool{true, false} {
		t.Run(fmt.Sprintf("async=%v", async), func(t *testing.T) {
			t.Parallel()
			file := writeTestXLSX(t, async)
			f, err := excelize.OpenReader(bytes.NewReader(file))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer f.Close()
			const sh = xlsxTestSheet
			if got := f.GetSheetList(); !slices.Equal(got, []string{sh}) {
				t.Fatalf("sheets %q, want %q", got, sh)
			}
			value := func(ref string, raw bool) string {
				t.Helper()
				v, err := f.GetCellValue(sh, ref, excelize.Options{RawCellValue: raw})
				if err != nil {
					t.Fatalf("%s: %v", ref, err)
				}
				return v
			}
			typ := func(ref string) excelize.CellType {
				t.Helper()
				ct, err := f.GetCellType(sh, ref)
				if err != nil {
					t.Fatalf("%s: %v", ref, err)
				}
				return ct
			}
			bold := func(ref string) bool {
				t.Helper()
				id, err := f.GetCellStyle(sh, ref)
				if err != nil {
					t.Fatalf("%s: %v", ref, err)
				}
				s, err := f.GetStyle(id)
				if err != nil {
					t.Fatalf("%s: style %d: %v", ref, id, err)
				}
				return s.Font != nil && s.Font.Bold
			}
			for _, c := range []struct{ ref, want string }{
				{"A1", "CPR-nummer"}, {"E1", "Tom"},
				{"A2", "010203-1234"},
				{"B2", "a <&> \"b\" 'c'de"},
				{"C2", "42"},
				{"D2", "14-02-2026"},
				{"E2", ""},
				{"A3", " lead and trail "},
				{"B3", "_x0041_ and\ttab\r\nline"},
				{"C3", "-7"},
				{"D3", "01-01-1900"},
				{"E3", "Ærø å"},
				{"A4", ""},
				{"B4", "bad  utf-8"},
				{"C4", "0"},
				{"D4", "31-12-1899"}, // before Excel's first day: as text
				{"F4", "past the header"},
				{"A" + strconv.Itoa(4+xlsxTestRows), "r" + strconv.Itoa(xlsxTestRows-1)},
				{"D" + strconv.Itoa(4+xlsxTestRows), rulesDate(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, xlsxTestRows-1))},
			} {
				if got := value(c.ref, false); got != c.want {
					t.Errorf("%s = %q, want %q", c.ref, got, c.want)
				}
			}
			for _, ref := range []string{"A1", "E1"} {
				if !bold(ref) {
					t.Errorf("header cell %s is not bold", ref)
				}
			}
			for _, ref := range []string{"A2", "C2", "D2"} {
				if bold(ref) {
					t.Errorf("cell %s is bold", ref)
				}
			}
			for _, ref := range []string{"A1", "A2", "B2", "A3", "E3", "D4"} {
				if ct := typ(ref); ct != excelize.CellTypeInlineString {
					t.Errorf("%s: type %v, want an inline string", ref, ct)
				}
			}
			for _, c := range []struct{ ref, raw string }{{"C2", "42"}, {"C3", "-7"}, {"D2", "46067"}, {"D3", "1"}} {
				if ct := typ(c.ref); ct != excelize.CellTypeUnset && ct != excelize.CellTypeNumber {
					t.Errorf("%s: type %v, want a number", c.ref, ct)
				}
				if got := value(c.ref, true); got != c.raw {
					t.Errorf("%s: raw value %q, want %q", c.ref, got, c.raw)
				}
			}
			rows, err := f.GetRows(sh)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 4+xlsxTestRows {
				t.Errorf("%d rows, want %d", len(rows), 4+xlsxTestRows)
			}
			panes, err := f.GetPanes(sh)
			if err != nil {
				t.Fatal(err)
			}
			if !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" || panes.ActivePane != "bottomLeft" {
				t.Errorf("panes %+v, want the first row frozen", panes)
			}
			for _, col := range []string{"A", "C", "E", "F"} {
				w, err := f.GetColWidth(sh, col)
				if err != nil {
					t.Fatal(err)
				}
				if want := 16.0; (col != "F") != (w == want) {
					t.Errorf("column %s: width %v (16 for the header's columns only)", col, w)
				}
			}
			// The cells as written: a reference on each, none for nil.
			sheet := zipPart(t, file, "xl/worksheets/sheet1.xml")
			for _, s := range []string{`<c r="A2" t="inlineStr"><is><t xml:space="preserve">010203-1234</t></is></c>`,
				`<c r="C2"><v>42</v></c>`, `<c r="D2" s="1"><v>46067</v></c>`, `_x005F_x0041_`} {
				if !strings.Contains(sheet, s) {
					t.Errorf("sheet1.xml does not hold %s", s)
				}
			}
			for _, s := range []string{`r="E2"`, `r="A4"`} {
				if strings.Contains(sheet, s) {
					t.Errorf("sheet1.xml holds an empty cell: %s", s)
				}
			}
		})
	}
}

// rulesDate is t as the sheet shows it.
func rulesDate(t time.Time) string { return t.Format("02-01-2006") }

// zipPart returns the part name of the zip file.
func zipPart(t *testing.T, file []byte, name string) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The file is a zip that archive/zip opens, with the parts of a workbook, each well-formed
// XML, each named in [Content_Types].xml or of an extension it has a default for.
func TestXLSXZip(t *testing.T) {
	t.Parallel()
	file := writeTestXLSX(t, true)
	z, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, zf := range z.File {
		names = append(names, zf.Name)
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(r)
		n := 0
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: token %d: %v", zf.Name, n, err)
			}
			n++
		}
		if err := r.Close(); err != nil { // checks the CRC
			t.Fatalf("%s: %v", zf.Name, err)
		}
		if n == 0 {
			t.Errorf("%s is empty", zf.Name)
		}
	}
	want := []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
		"xl/styles.xml", "xl/worksheets/sheet1.xml"}
	if !slices.Equal(names, want) {
		t.Errorf("parts %q, want %q", names, want)
	}
	types := zipPart(t, file, "[Content_Types].xml")
	for _, name := range want[2:] {
		if name != "xl/_rels/workbook.xml.rels" && !strings.Contains(types, `PartName="/`+name+`"`) {
			t.Errorf("[Content_Types].xml does not name %s", name)
		}
	}
	if wb := zipPart(t, file, "xl/workbook.xml"); !strings.Contains(wb, `name="Sager &amp; &lt;ydelser&gt; &quot;x&quot;"`) {
		t.Errorf("workbook.xml: the sheet's name not escaped: %s", wb)
	}
}

// failWriter fails once more than n bytes would have been written to it.
type failWriter struct{ n int }

var errFail = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errFail
	}
	w.n -= len(p)
	return len(p), nil
}

// An error of the writer under it is returned, by the start, a Row or Close, wherever in
// the file it comes, and sticks.
func TestXLSXWriteError(t *testing.T) {
	t.Parallel()
	header := []string{"CPR-nummer", "Navn", "Antal", "Dato"}
	row := []cell{"010203-1234", "Navn Navnesen", 7, time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC)}
	const rows = 30_000
	write := func(w io.Writer) error {
		x, err := newXLSXWriter(w, "CPR-liste", header)
		if err != nil {
			return err
		}
		for range rows {
			if err = x.Row(row); err != nil {
				if err2 := x.Row(row); !errors.Is(err2, errFail) {
					t.Errorf("Row after an error: %v, want the error again", err2)
				}
				if err2 := x.Close(); !errors.Is(err2, errFail) {
					t.Errorf("Close after an error: %v, want the error again", err2)
				}
				return err
			}
		}
		return x.Close()
	}
	var whole countWriter
	if err := write(&whole); err != nil {
		t.Fatal(err)
	}
	size := int(whole)
	for _, n := range []int{0, 100, 2000, 40_000, size / 2, size - 30, size - 1} {
		err := write(&failWriter{n: n})
		if !errors.Is(err, errFail) || strings.Count(err.Error(), "xlsx:") != 1 {
			t.Errorf("writer failing after %d of %d bytes: %v, want xlsx: %v", n, size, err, errFail)
		}
	}
}

// A writer dropped with a chunk being compressed (an export that failed on its database,
// without Close) leaves no goroutine waiting: the chunk's goroutine ends by itself, though
// nobody reads its result. Not parallel: it counts the process's goroutines.
func TestXLSXDroppedWriter(t *testing.T) {
	before := runtime.NumGoroutine()
	x, err := newXLSXWriter(io.Discard, "CPR-liste", []string{"A"})
	if err != nil {
		t.Fatal(err)
	}
	for !x.busy {
		if err := x.Row([]cell{"some text to fill a chunk"}); err != nil {
			t.Fatal(err)
		}
	}
	x = nil // dropped, its chunk's goroutine running
	for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines 10 s after the writer was dropped, %d before it: the chunk's goroutine waits",
				runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A row past Excel's last is an error, as excelize made it.
func TestXLSXMaxRows(t *testing.T) {
	t.Parallel()
	x, err := newXLSXWriter(io.Discard, "CPR-liste", []string{"A"})
	if err != nil {
		t.Fatal(err)
	}
	x.row = excelMaxRows - 1
	if err := x.Row([]cell{"last"}); err != nil {
		t.Fatalf("row %d: %v", excelMaxRows, err)
	}
	if err := x.Row([]cell{"one too many"}); err == nil {
		t.Fatalf("row %d: no error", excelMaxRows+1)
	}
	if err := x.Close(); err == nil {
		t.Fatal("Close after the error: no error")
	}
}

func TestExcelSerial(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		t    time.Time
		want float64
		ok   bool
	}{
		{time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC), 0, false},
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 1, true},
		{time.Date(1900, 2, 28, 0, 0, 0, 0, time.UTC), 59, true},
		{time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), 61, true}, // Excel's 29-02-1900 is 60
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 25569, true},
		{time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC), 46067, true},
		{time.Date(2026, 2, 14, 18, 0, 0, 0, time.UTC), 46067.75, true},
		{time.Date(2026, 2, 14, 0, 30, 0, 0, time.FixedZone("CET", 3600)), 46067 + 1.0/48, true}, // the wall clock
	} {
		got, ok := excelSerial(c.t)
		if got != c.want || ok != c.ok {
			t.Errorf("excelSerial(%v) = %v, %v; want %v, %v", c.t, got, ok, c.want, c.ok)
		}
	}
}

func TestColumnName(t *testing.T) {
	t.Parallel()
	for i, want := range map[int]string{0: "A", 7: "H", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := columnName(i); got != want {
			t.Errorf("columnName(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestAppendXMLText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                      "",
		"Niels Hansen":          "Niels Hansen",
		`<&>"'`:                 `&lt;&amp;&gt;&quot;'`,
		"a\x00b\x08c\x1fd\x7fe": "abcd\x7fe",
		"tab\tnl\ncr\r":         "tab\tnl\ncr&#xD;",
		"Ærø 😀 \uFFFD":          "Ærø 😀 \uFFFD",
		"\uFFFE\uFFFFx":         "x",
		"bad\xff\xc3":           "bad",
		"\xed\xa0\x80surrogate": "surrogate",
		"_x0041_":               "_x005F_x0041_",
		"_x004_ _xABCG_ x_":     "_x004_ _xABCG_ x_",
	} {
		if got := string(appendXMLText(nil, in)); got != want {
			t.Errorf("appendXMLText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := truncateUTF16(strings.Repeat("😀", 3), 5); got != "😀😀" {
		t.Errorf("truncateUTF16: %q", got)
	}
}

// The names Excel refuses are refused, the exports' own are taken.
func TestCheckSheetName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"CPR-liste", "Tabel 3 (ophold)", "Fejlopgørelse", strings.Repeat("ø", 31)} {
		if err := checkSheetName(name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	for _, name := range []string{"", strings.Repeat("x", 32), "a/b", "a[1]", "a:b", "a*", "a?", `a\b`, "'a"} {
		if err := checkSheetName(name); err == nil {
			t.Errorf("%q: taken", name)
		}
	}
}

// benchRows and benchCPRs are the size of the benchmark's CPR list of the largest kommune
// (Egne IDEP, Sager og ydelser: a row per ydelse; README.md, Performance).
const (
	benchRows = 317_490
	benchCPRs = 150_095
)

// benchIndsatser are some indsatser of the code list, as code and name.
var benchIndsatser = [][2]string{
	{"1.1", "Aktivitets- og samværsydelse"},
	{"1.3", "Behandling"},
	{"1.4", "Beskyttet beskæftigelsesydelse"},
	{"1.8.1", "Længerevarende botilbud inklusiv tilknyttede ydelser"},
	{"1.8.2", "Midlertidige botilbud inklusiv tilknyttede ydelser"},
	{"1.12.0.1", "Socialpædagogisk støtte i botilbudslignende tilbud"},
	{"1.12.0.2", "Andre former for socialpædagogisk støtte"},
	{"1.13.2", "Støttepersonsordning - Borgerstyret Personlig Assistance (BPA)"},
	{"1.13.4", "Støttepersonsordning - Ledsageordning"},
	{"1.17", "Personlig og praktisk hjælp (behov for mere end 20 timer)"},
	{"1.18.1", "Gruppebaseret socialpædagogisk hjælp og støtte"},
	{"1.18.3", "Socialt akuttilbud"},
}

var (
	benchFornavne   = []string{"Niels", "Anne", "Mette", "Jens", "Søren", "Kirsten", "Peter", "Hanne", "Lars", "Birgitte", "Michael", "Lone", "Henrik", "Susanne", "Thomas", "Inger"}
	benchEfternavne = []string{"Hansen", "Jensen", "Nielsen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen"}
)

// benchSager returns the CPR numbers and names of the benchmark's sager, made once.
var benchSager = func() func() ([]string, []string) {
	var cprs, navne []string
	return func() ([]string, []string) {
		if cprs == nil {
			for i := range benchCPRs {
				birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*7919)%(60*365))
				cprs = append(cprs, fmt.Sprintf("%02d%02d%02d-%04d", birth.Day(), birth.Month(), birth.Year()%100, (i*31)%10000))
				navne = append(navne, benchFornavne[i%len(benchFornavne)]+" "+benchEfternavne[(i/len(benchFornavne)+i*7)%len(benchEfternavne)])
			}
		}
		return cprs, navne
	}
}()

// benchTable writes the benchmark's table (8 cells a row, as eksportTabelFor's Sager og
// ydelser) in format f and reports the size of the file.
func benchTable(b *testing.B, f tenant.EksportFormat) {
	cprs, navne := benchSager()
	header := []string{"CPR-nummer", "Navn", "Status", "Indsatskode", "Indsats", "Startdato", "Slutdato", "Indberettet"}
	start := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	row := make([]cell, 8)
	var size int64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := new(countWriter) // delivery_xml.go: counts and drops
		tw, err := newTableWriter(f, w, "CPR-liste", header)
		if err != nil {
			b.Fatal(err)
		}
		for i := range benchRows {
			sag := i * benchCPRs / benchRows
			ind := benchIndsatser[(i*13)%len(benchIndsatser)]
			startdato := start.AddDate(0, 0, (i*37)%5000)
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] =
				cprs[sag], navne[sag], "Ikke afsluttet", ind[0], ind[1], startdato, nil, nil
			if i%3 == 0 {
				row[2], row[6] = "Afsluttet", startdato.AddDate(0, 0, 400)
			}
			if i%2 == 0 {
				row[7] = startdato.AddDate(0, 1, 0)
			}
			if err := tw.Row(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			b.Fatal(err)
		}
		size = int64(*w)
	}
	b.ReportMetric(float64(size), "file-bytes")
}

func BenchmarkXLSXWriter(b *testing.B) { benchTable(b, tenant.FormatXLSX) }
func BenchmarkCSVWriter(b *testing.B)  { benchTable(b, tenant.FormatCSV) }
