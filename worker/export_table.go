package worker

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"indberet/tenant"
	"indberet/tenant/rules"
)

// The two file formats of an export (E1, E2), as tables with a header row. Both write as
// they go, straight to the export's file: CSV here, XLSX by xlsxWriter (xlsx.go), which
// zips the sheet while the rows come.

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
