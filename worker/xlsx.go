package worker

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
)

// A streaming XLSX writer for the exports (xlsxWriter, the tableWriter of the XLSX format):
// one sheet, written as a zip straight to the export's file while the rows come, in memory
// that does not grow with the rows.
//
// What the file holds (SpreadsheetML, ECMA-376): the package's fixed parts, written when the
// writer starts, then xl/worksheets/sheet1.xml row by row:
//
//   - the header row bold (style 2), frozen (the pane below row 1), columns 16 wide;
//   - strings as inline strings (no shared string table, which would have to be kept whole
//     until the end), XML-escaped, with the characters XML 1.0 forbids removed;
//   - ints as numbers; dates (time.Time) as Excel serial day numbers (the 1900 date
//     system) with style 1, the number format dd-mm-yyyy; nil as no cell at all.
//
// The sheet's XML is gathered in a buffer of xlsxChunk bytes; each full buffer is
// compressed (deflate at its fastest level, by klauspost/compress/flate: about a third
// faster than compress/flate's, and smaller) in a goroutine of its own while the caller
// fills the next one, so on two cores the rows and the compression overlap. Only the
// caller's goroutine writes to the io.Writer under it (the export's file writes its parts in
// the export's transaction, which is not safe for concurrent use): the compressed bytes are
// gathered in a buffer and written out when the next chunk starts or at Close. At most one
// such goroutine runs, for one chunk: a writer dropped after an error without Close leaves
// none behind once its chunk is done.

// xlsxChunk is how much of the sheet's XML is compressed at a time.
const xlsxChunk = 256 << 10

// datoFormat is how the XLSX shows dates: DD-MM-YYYY, as the screens (number format 164,
// the first custom one).
const datoFormat = "dd-mm-yyyy"

// The cell styles of styles.xml (cellXfs).
const (
	styleDate = "1"
	styleBold = "2"
)

// excelMaxRows is the most rows a sheet has in Excel.
const excelMaxRows = 1 << 20

// excelMaxChars is the most characters (UTF-16 units) Excel holds in a cell.
const excelMaxChars = 32767

// xlsxWriter writes one sheet as an XLSX file.
type xlsxWriter struct {
	out   io.Writer   // the file
	zw    *zip.Writer // writes into spool
	spool *spool      // the zip's compressed bytes not yet written to out
	sheet io.Writer   // the sheet's part in zw
	buf   []byte      // the sheet's XML not yet handed to sheet
	spare []byte      // the other buffer: the chunk being compressed, then free
	done  chan error  // the compression of a chunk: its result, once
	async bool        // compress the chunks in a goroutine (false: in the caller's, for tests)
	busy  bool        // a chunk is being compressed
	cols  []string    // the column letters: A, B, …
	row   int         // the rows written, header included
	err   error       // the first error; the writer is spoilt
}

func newXLSXWriter(w io.Writer, sheet string, header []string) (*xlsxWriter, error) {
	if err := checkSheetName(sheet); err != nil {
		return nil, err
	}
	x := &xlsxWriter{out: w, spool: &spool{}, done: make(chan error, 1), async: true,
		buf: make([]byte, 0, xlsxChunk+4096), spare: make([]byte, 0, xlsxChunk+4096)}
	x.zw = zip.NewWriter(x.spool)
	x.zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for i := range header {
		x.cols = append(x.cols, columnName(i))
	}
	if err := x.start(sheet, header); err != nil {
		return nil, err
	}
	return x, nil
}

// start writes the fixed parts and the sheet up to and with the header row.
func (x *xlsxWriter) start(sheet string, header []string) error {
	if err := x.startParts(sheet); err != nil {
		return x.fail(err)
	}
	x.startSheet(header)
	return x.flush(false)
}

// startParts writes the fixed parts and starts the sheet's.
func (x *xlsxWriter) startParts(sheet string) error {
	modified := time.Now()
	var wb []byte
	wb = append(wb, xml.Header+`<workbook xmlns="`+nsMain+`" xmlns:r="`+nsRel+`">`+
		`<bookViews><workbookView/></bookViews><sheets><sheet name="`...)
	wb = appendXMLText(wb, sheet)
	wb = append(wb, `" sheetId="1" r:id="rId1"/></sheets></workbook>`...)
	parts := []struct {
		name string
		data []byte
	}{
		{"[Content_Types].xml", []byte(contentTypesXML)},
		{"_rels/.rels", []byte(relsXML)},
		{"xl/workbook.xml", wb},
		{"xl/_rels/workbook.xml.rels", []byte(workbookRelsXML)},
		{"xl/styles.xml", []byte(stylesXML)},
	}
	for _, p := range parts {
		f, err := x.zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return err
		}
		if _, err := f.Write(p.data); err != nil {
			return err
		}
	}
	var err error
	x.sheet, err = x.zw.CreateHeader(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		Modified: modified})
	return err
}

// startSheet starts the sheet's XML in buf.
func (x *xlsxWriter) startSheet(header []string) {
	x.buf = append(x.buf, xml.Header+`<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`">`+
		`<sheetViews><sheetView tabSelected="1" workbookViewId="0">`+
		`<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>`+
		`<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>`+
		`</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>`...)
	if len(header) > 0 {
		x.buf = append(x.buf, `<cols><col min="1" max="`...)
		x.buf = strconv.AppendInt(x.buf, int64(len(header)), 10)
		x.buf = append(x.buf, `" width="16" customWidth="1"/></cols>`...)
	}
	x.buf = append(x.buf, `<sheetData>`...)
	x.row = 1
	x.buf = append(x.buf, `<row r="1">`...)
	for i, h := range header {
		x.buf = x.appendString(x.buf, i, styleBold, h)
	}
	x.buf = append(x.buf, `</row>`...)
}

func (x *xlsxWriter) Row(cells []cell) error {
	if x.err != nil {
		return x.err
	}
	if x.row == excelMaxRows {
		return x.fail(fmt.Errorf("more than %d rows, Excel's limit", excelMaxRows))
	}
	x.row++
	b := append(x.buf, `<row r="`...)
	b = strconv.AppendInt(b, int64(x.row), 10)
	b = append(b, `">`...)
	for i, v := range cells {
		switch v := v.(type) {
		case nil:
		case string:
			b = x.appendString(b, i, "", v)
		case int:
			b = x.appendCellStart(b, i, "")
			b = append(b, `><v>`...)
			b = strconv.AppendInt(b, int64(v), 10)
			b = append(b, `</v></c>`...)
		case time.Time:
			serial, ok := excelSerial(v)
			if !ok { // before 1900: Excel has no such date; as text
				b = x.appendString(b, i, "", cellText(v))
				break
			}
			b = x.appendCellStart(b, i, styleDate)
			b = append(b, `><v>`...)
			b = strconv.AppendFloat(b, serial, 'f', -1, 64)
			b = append(b, `</v></c>`...)
		default:
			b = x.appendString(b, i, "", cellText(v))
		}
	}
	x.buf = append(b, `</row>`...)
	if len(x.buf) >= xlsxChunk {
		return x.flush(true)
	}
	return nil
}

func (x *xlsxWriter) Close() error {
	if x.err != nil {
		x.wait() // no goroutine outlives Close
		return x.err
	}
	x.buf = append(x.buf, `</sheetData></worksheet>`...)
	if err := x.flush(false); err != nil {
		return err
	}
	if err := x.zw.Close(); err != nil {
		return x.fail(err)
	}
	if err := x.spool.writeTo(x.out); err != nil {
		return x.fail(err)
	}
	return nil
}

// flush hands the XML in buf to the compressor: in a goroutine of its own when async (and
// x.async), otherwise in this one. It first waits for the chunk before, if it is still
// being compressed, and writes what the compressor has made so far to the file.
func (x *xlsxWriter) flush(async bool) error {
	if err := x.wait(); err != nil {
		return x.fail(err)
	}
	if err := x.spool.writeTo(x.out); err != nil {
		return x.fail(err)
	}
	chunk := x.buf
	x.buf, x.spare = x.spare[:0], chunk
	if !async || !x.async {
		_, err := x.sheet.Write(chunk)
		return x.fail(err)
	}
	x.busy = true
	go func() {
		_, err := x.sheet.Write(chunk)
		x.done <- err
	}()
	return nil
}

// wait waits for the chunk being compressed, if any.
func (x *xlsxWriter) wait() error {
	if !x.busy {
		return nil
	}
	x.busy = false
	return <-x.done
}

// fail records err, if any, as the writer's error and returns it.
func (x *xlsxWriter) fail(err error) error {
	if err != nil && x.err == nil {
		x.err = fmt.Errorf("xlsx: %w", err)
	}
	return x.err
}

// appendCellStart appends the start of column i's cell in the current row up to its
// attributes' end (without the '>').
func (x *xlsxWriter) appendCellStart(b []byte, i int, style string) []byte {
	b = append(b, `<c r="`...)
	if i < len(x.cols) {
		b = append(b, x.cols[i]...)
	} else {
		b = append(b, columnName(i)...)
	}
	b = strconv.AppendInt(b, int64(x.row), 10)
	b = append(b, '"')
	if style != "" {
		b = append(b, ` s="`...)
		b = append(b, style...)
		b = append(b, '"')
	}
	return b
}

// appendString appends column i's cell with the inline string s.
func (x *xlsxWriter) appendString(b []byte, i int, style, s string) []byte {
	b = x.appendCellStart(b, i, style)
	b = append(b, ` t="inlineStr"><is><t xml:space="preserve">`...)
	if len(s) > excelMaxChars { // in bytes: never fewer than its UTF-16 units
		s = truncateUTF16(s, excelMaxChars)
	}
	b = appendXMLText(b, s)
	return append(b, `</t></is></c>`...)
}

// appendXMLText appends s escaped as XML text or attribute value: &, <, >, " as entities,
// CR as a character reference (a literal one would be read as a line end), the characters
// XML 1.0 forbids (control characters, U+FFFE, U+FFFF, invalid UTF-8) left out, and "_x"
// before four hex digits and "_" escaped as "_x005F_x" (Excel reads _xHHHH_ as the
// character U+HHHH).
func appendXMLText(b []byte, s string) []byte {
	start := 0 // s[start:i] is yet to be appended as it is
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' && c != '"' && c != '_' {
			i++
			continue
		}
		var esc string
		n := 1
		switch {
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '"':
			esc = "&quot;"
		case c == '\r':
			esc = "&#xD;"
		case c == '\t' || c == '\n':
			i++
			continue
		case c == '_':
			if !isExcelEscape(s[i:]) {
				i++
				continue
			}
			esc = "_x005F_"
		case c < 0x20:
			// forbidden: left out
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r != utf8.RuneError || size > 1) && r != 0xFFFE && r != 0xFFFF {
				i += size
				continue
			}
			n = size // invalid UTF-8 (DecodeRune also rejects surrogates) or a non-character: left out
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		i += n
		start = i
	}
	return append(b, s[start:]...)
}

// isExcelEscape says whether s starts with _xHHHH_, which Excel reads as one character.
func isExcelEscape(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// truncateUTF16 cuts s to at most n UTF-16 units, at a character's end.
func truncateUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		u := 1
		if r >= 0x10000 {
			u = 2
		}
		if units+u > n {
			return s[:i]
		}
		units += u
	}
	return s
}

// excelSerial is t's wall clock as an Excel serial day number in the 1900 date system (day
// 1 is 1 January 1900, and like Excel it counts a 29 February 1900 that was not); false
// before 1900.
func excelSerial(t time.Time) (float64, bool) {
	y, m, d := t.Date()
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/86400 + 25569 // 1970-01-01 is day 25569
	// Before 1 March 1900 there is no 29 February to skip.
	if days < 61 {
		days--
	}
	if days < 1 {
		return 0, false
	}
	h, mi, s := t.Clock()
	frac := float64((h*60+mi)*60+s)/86400 + float64(t.Nanosecond())/86400e9
	return float64(days) + frac, true
}

// columnName is the letters of column i (from 0): A … Z, AA, AB, ….
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append(b, byte('A'+(i-1)%26))
	}
	for l, r := 0, len(b)-1; l < r; l, r = l+1, r-1 {
		b[l], b[r] = b[r], b[l]
	}
	return string(b)
}

// checkSheetName returns an error if Excel would not take name as a sheet's name.
func checkSheetName(name string) error {
	switch {
	case name == "":
		return errors.New("xlsx: empty sheet name")
	case utf8.RuneCountInString(name) > 31:
		return fmt.Errorf("xlsx: sheet name %q: longer than 31 characters", name)
	case strings.ContainsAny(name, `[]:*?/\`):
		return fmt.Errorf("xlsx: sheet name %q: holds one of []:*?/\\", name)
	case strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'"):
		return fmt.Errorf("xlsx: sheet name %q: starts or ends with an apostrophe", name)
	}
	return nil
}

// spool gathers the zip's bytes until the caller writes them to the file.
type spool struct{ bytes.Buffer }

// writeTo writes what the spool holds to w and empties it.
func (s *spool) writeTo(w io.Writer) error {
	if s.Len() == 0 {
		return nil
	}
	_, err := w.Write(s.Bytes())
	s.Reset()
	return err
}

// The package's fixed parts.
const (
	nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

	contentTypesXML = xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`

	relsXML = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`

	workbookRelsXML = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>`

	// stylesXML: cell style 0 the default, 1 a date (number format 164), 2 bold.
	stylesXML = xml.Header + `<styleSheet xmlns="` + nsMain + `">` +
		`<numFmts count="1"><numFmt numFmtId="164" formatCode="` + datoFormat + `"/></numFmts>` +
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
		`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`
)
