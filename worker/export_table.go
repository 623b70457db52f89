package worker

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"indberet/tenant"
	"indberet/tenant/rules"
)

// The two file formats of an export (E1, E2), as tables with a header row. Both write as
// they go: CSV straight to the export's file, XLSX through excelize's StreamWriter (which
// keeps at most excelize.StreamChunkSize of the sheet in memory and the rest in a temporary
// file) and zipped into the file at Close.

// cell is a value of a table: a string, an int, a date (time.Time, shown DD-MM-YYYY) or nil
// for an empty cell.
type cell = any

// tableWriter writes the rows of an export's table.
type tableWriter interface {
	Row(cells []cell) error
	Close() error // finishes the file (not the writer under it)
}

// newTableWriter starts a table with the header row in format f on w.
func newTableWriter(f tenant.EksportFormat, w io.Writer, sheet string, header []string) (tableWriter, error) {
	if f == tenant.FormatXLSX {
		return newXLSXWriter(w, sheet, header)
	}
	return newCSVWriter(w, header)
}

// csvWriter writes what Danish Excel opens as it is: UTF-8 with a byte order mark (or Excel
// reads it as Windows-1252), ';' between fields (the list separator of the Danish locale),
// CRLF line ends, dates DD-MM-YYYY.
type csvWriter struct {
	w   *csv.Writer
	buf []string
}

func newCSVWriter(w io.Writer, header []string) (*csvWriter, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	c := &csvWriter{w: csv.NewWriter(w)}
	c.w.Comma, c.w.UseCRLF = ';', true
	cells := make([]cell, len(header))
	for i, h := range header {
		cells[i] = h
	}
	return c, c.Row(cells)
}

func (c *csvWriter) Row(cells []cell) error {
	c.buf = c.buf[:0]
	for _, v := range cells {
		c.buf = append(c.buf, cellText(v))
	}
	return c.w.Write(c.buf)
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

// cellText is a cell as text: a date DD-MM-YYYY.
func cellText(v cell) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case time.Time:
		return rules.FormatDate(v)
	}
	return fmt.Sprint(v)
}

// datoFormat is how the XLSX shows dates: DD-MM-YYYY, as the screens.
var datoFormat = "dd-mm-yyyy"

// xlsxWriter writes one sheet with a bold header row, real dates shown DD-MM-YYYY, and the
// header frozen.
type xlsxWriter struct {
	out       io.Writer
	f         *excelize.File
	sw        *excelize.StreamWriter
	row       int
	dateStyle int
	buf       []any
}

func newXLSXWriter(w io.Writer, sheet string, header []string) (*xlsxWriter, error) {
	f := excelize.NewFile()
	x := &xlsxWriter{out: w, f: f}
	err := func() error {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return err
		}
		var err error
		if x.sw, err = f.NewStreamWriter(sheet); err != nil {
			return err
		}
		if x.dateStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &datoFormat}); err != nil {
			return err
		}
		bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
		if err != nil {
			return err
		}
		if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		if err := x.sw.SetColWidth(1, len(header), 16); err != nil {
			return err
		}
		cells := make([]any, len(header))
		for i, h := range header {
			cells[i] = excelize.Cell{StyleID: bold, Value: h}
		}
		x.row = 1
		return x.sw.SetRow("A1", cells)
	}()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return x, nil
}

func (x *xlsxWriter) Row(cells []cell) error {
	x.row++
	x.buf = x.buf[:0]
	for _, v := range cells {
		if t, ok := v.(time.Time); ok {
			v = excelize.Cell{StyleID: x.dateStyle, Value: t}
		}
		x.buf = append(x.buf, v)
	}
	name, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(name, x.buf)
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close() // removes the stream's temporary file
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := x.f.Write(x.out); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}
