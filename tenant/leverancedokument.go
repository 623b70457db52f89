package tenant

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
)

// A leverance's document (I5) is stored as the parts of its gzip stream (leverance_dele,
// 00016): written while the delivery produces it and read back part by part, so neither
// writing nor downloading holds more than a part in memory, however large the kommune.

// leveranceDelSize is the size of a stored part of a document's gzip stream.
const leveranceDelSize = 1 << 20

// ReserveLeveranceID takes the id the scope kommune's next leverance will have, so that its
// document's parts can be written before the leverance row (NewLeverance.ID).
func (t *Tx) ReserveLeveranceID(ctx context.Context) (int64, error) {
	var id int64
	if err := t.tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('leverancer', 'id'))`).Scan(&id); err != nil {
		return 0, fmt.Errorf("reserve leverance id: %w", err)
	}
	return id, nil
}

// LeveranceDocumentWriter writes the document of leverance id (reserved with
// ReserveLeveranceID) into the database: gzip-compressed, a part at a time. Close it before
// InsertLeverance, with the document's size; the parts commit with the leverance or not at all.
type LeveranceDocumentWriter struct {
	ctx  context.Context
	t    *Tx
	id   int64
	gz   *gzip.Writer
	part bytes.Buffer
	nr   int
	size int64 // of the gzip stream written so far
	err  error
}

// NewLeveranceDocument starts the document of leverance id of the scope kommune.
func (t *Tx) NewLeveranceDocument(ctx context.Context, id int64) *LeveranceDocumentWriter {
	w := &LeveranceDocumentWriter{ctx: ctx, t: t, id: id}
	w.part.Grow(leveranceDelSize)
	// BestSpeed: XML compresses well at any level, and the delivery of every kommune is
	// bound by time (make bench).
	w.gz, _ = gzip.NewWriterLevel(partWriter{w}, gzip.BestSpeed)
	return w
}

// Write compresses p into the current part, storing each part as it fills.
func (w *LeveranceDocumentWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.gz.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, w.err
}

// Close ends the gzip stream and stores the last part. GzipSize is then the stored size.
func (w *LeveranceDocumentWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.gz.Close(); err != nil {
		return err
	}
	if w.part.Len() > 0 || w.nr == 0 {
		w.store()
	}
	return w.err
}

// GzipSize is the size of the stored gzip stream (after Close).
func (w *LeveranceDocumentWriter) GzipSize() int64 { return w.size }

// partWriter is where the gzip stream goes: the current part, stored when full.
type partWriter struct{ w *LeveranceDocumentWriter }

func (p partWriter) Write(b []byte) (int, error) {
	w := p.w
	n := len(b)
	for len(b) > 0 && w.err == nil {
		k := min(len(b), leveranceDelSize-w.part.Len())
		w.part.Write(b[:k])
		b = b[k:]
		if w.part.Len() == leveranceDelSize {
			w.store()
		}
	}
	if w.err != nil {
		return 0, w.err
	}
	return n, nil
}

func (w *LeveranceDocumentWriter) store() {
	_, err := w.t.tx.Exec(w.ctx, `INSERT INTO leverance_dele (kommune_kode, leverance_id, nr, data) VALUES ($1, $2, $3, $4)`,
		w.t.scope.Kommune, w.id, w.nr, w.part.Bytes())
	if err != nil {
		w.err = fmt.Errorf("store part %d of leverance %d: %w", w.nr, w.id, err)
		return
	}
	w.size += int64(w.part.Len())
	w.nr++
	w.part.Reset()
}

// LeveranceFil is what a download of a leverance's document needs to know before it starts.
type LeveranceFil struct {
	Leverance
	GzipSize int64 // the size of the stored gzip stream; 0 for a document stored whole (before 00016)
}

// WriteLeveranceDocument writes the XML document of leverance id, as delivered, to w: with
// gzipped true the gzip stream as stored (for a response with Content-Encoding: gzip), else
// the XML itself. It returns the leverance, or ErrNotFound (also for a leverance the scope
// may not read: T1). The document holds CPR numbers: a caller that hands it to a user logs
// that (LogCPRAccess). Nothing is written to w before the leverance is found.
func (t *Tx) WriteLeveranceDocument(ctx context.Context, id int64, gzipped bool, w io.Writer) (LeveranceFil, error) {
	var f LeveranceFil
	var whole []byte
	var gzipSize *int64
	row := t.tx.QueryRow(ctx, `SELECT `+leveranceColumns+`, document, gzip_size FROM leverancer WHERE id = $1`, id)
	err := row.Scan(&f.ID, &f.Kommune, &f.Periode, &f.CreatedAt, &f.CreatedBy, &f.SHA256, &f.Bytes,
		&f.Tal.Sager, &f.Tal.Ydelser, &f.Tal.Nye, &f.Tal.Aendrede, &f.Tal.Afsluttede, &f.Tal.Neutraliserede, &whole, &gzipSize)
	if err != nil {
		return f, notFound(err, "leverance document")
	}
	if gzipSize == nil { // stored whole
		if gzipped {
			gz := gzip.NewWriter(w)
			if _, err := gz.Write(whole); err != nil {
				return f, err
			}
			return f, gz.Close()
		}
		_, err := w.Write(whole)
		return f, err
	}
	f.GzipSize = *gzipSize
	rows, err := t.tx.Query(ctx, `SELECT data FROM leverance_dele WHERE kommune_kode = $1 AND leverance_id = $2 ORDER BY nr`,
		f.Kommune, f.ID)
	if err != nil {
		return f, fmt.Errorf("leverance document: %w", err)
	}
	defer rows.Close()
	parts := &partReader{rows: rows}
	if gzipped {
		_, err = io.Copy(w, parts)
	} else {
		var gz *gzip.Reader
		if gz, err = gzip.NewReader(parts); err == nil {
			_, err = io.Copy(w, gz)
		}
	}
	if err != nil {
		return f, fmt.Errorf("leverance document %d: %w", f.ID, err)
	}
	return f, nil
}

// partReader reads the parts of a gzip stream one row at a time.
type partReader struct {
	rows pgx.Rows
	cur  []byte
}

func (r *partReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if !r.rows.Next() {
			if err := r.rows.Err(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		var raw []byte
		if err := r.rows.Scan(&raw); err != nil {
			return 0, err
		}
		r.cur = raw
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// LeveranceDocument returns the XML document of leverance id as delivered (I5) and its
// SHA-256 (hex), or ErrNotFound (also for a leverance the scope may not read: T1): the whole
// document in memory, for the tests and small documents; a download streams it with
// WriteLeveranceDocument. The document holds CPR numbers: a caller that hands it to a user
// logs that (LogCPRAccess).
func (t *Tx) LeveranceDocument(ctx context.Context, id int64) ([]byte, string, error) {
	var buf bytes.Buffer
	f, err := t.WriteLeveranceDocument(ctx, id, false, &buf)
	if err != nil {
		return nil, "", err
	}
	return buf.Bytes(), f.SHA256, nil
}

// errNoDocument is returned by InsertLeverance for a leverance with neither a document nor
// written parts.
var errNoDocument = errors.New("tenant: a leverance needs its document or its written parts")
