package worker

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"indberet/tenant"
	"indberet/tenant/domain"
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
//
// Against formula injection (issue 14 #2, OWASP's "CSV Injection") text cells go through
// spreadsheetText, and every field is quoted with its quotes doubled: a value holding a
// separator (';', or the ',' or tab of a spreadsheet set to split on those) or a quote then
// cannot end its field early and start a cell of its own, behind the neutralising '.
// encoding/csv quotes only fields that hold its own separator, so the fields are written
// here.
type csvWriter struct {
	w *bufio.Writer
}

func newCSVWriter(w io.Writer, header []string) (*csvWriter, error) {
	c := &csvWriter{w: bufio.NewWriter(w)}
	if _, err := c.w.WriteString("\uFEFF"); err != nil {
		return nil, err
	}
	cells := make([]cell, len(header))
	for i, h := range header {
		cells[i] = h
	}
	return c, c.Row(cells)
}

func (c *csvWriter) Row(cells []cell) error {
	for i, v := range cells {
		if i > 0 {
			c.w.WriteByte(';')
		}
		text := cellText(v)
		if s, ok := v.(string); ok {
			text = spreadsheetText(s)
		}
		c.w.WriteByte('"')
		for {
			j := strings.IndexByte(text, '"')
			if j < 0 {
				break
			}
			c.w.WriteString(text[:j+1])
			c.w.WriteByte('"')
			text = text[j+1:]
		}
		c.w.WriteString(text)
		c.w.WriteByte('"')
	}
	_, err := c.w.WriteString("\r\n") // a bufio.Writer keeps its first error
	return err
}

func (c *csvWriter) Close() error { return c.w.Flush() }

// spreadsheetText is text as a spreadsheet must show it, never run it (issue 14 #2): text a
// spreadsheet would read as a formula – OWASP's rule: it begins with = + - @ tab or CR –
// gets a ' in front, which Excel and LibreOffice take as "this is text". Leading spaces and
// line feeds are looked past, as some spreadsheets skip them. Only text cells go through it:
// the exports' numbers are counts and their dates are dates, which never start with these;
// among the texts the CPR numbers (DDMMYY-SSSS), codes, UUIDs and rule ids begin with a
// digit or a letter, so only typed text such as a Navn can change. A value changed so shows
// its ' in the spreadsheet: the price of opening it safely.
func spreadsheetText(s string) string {
	t := strings.TrimLeft(s, " \n")
	if t != "" && strings.IndexByte("=+-@\t\r", t[0]) >= 0 {
		return "'" + s
	}
	return s
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
		return domain.FormatDate(v)
	}
	return fmt.Sprint(v)
}
