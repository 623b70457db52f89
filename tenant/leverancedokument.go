package tenant

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
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
// ReserveLeveranceID) into the database: gzip-compressed, a part at a time (parts.go). Close
// it before InsertLeverance, with the document's size; the parts commit with the leverance or
// not at all.
type LeveranceDocumentWriter struct {
	gz    *gzip.Writer
	parts *partsWriter
}

// NewLeveranceDocument starts the document of leverance id of the scope kommune.
func (t *Tx) NewLeveranceDocument(ctx context.Context, id int64) *LeveranceDocumentWriter {
	parts := t.newParts(ctx, "leverance_dele", "leverance_id", id, leveranceDelSize, fmt.Sprintf("leverance %d", id))
	// BestSpeed: XML compresses well at any level, and the delivery of every kommune is
	// bound by time (make bench).
	gz, _ := gzip.NewWriterLevel(parts, gzip.BestSpeed)
	return &LeveranceDocumentWriter{gz: gz, parts: parts}
}

// Write compresses p, storing each part as it fills.
func (w *LeveranceDocumentWriter) Write(p []byte) (int, error) { return w.gz.Write(p) }

// Close ends the gzip stream and stores the last part.
func (w *LeveranceDocumentWriter) Close() error {
	if err := w.gz.Close(); err != nil {
		return err
	}
	return w.parts.Close()
}

// GzipSize is the size of the stored gzip stream (after Close).
func (w *LeveranceDocumentWriter) GzipSize() int64 { return w.parts.written }

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
	parts, done, err := t.readParts(ctx, "leverance_dele", "leverance_id", f.Kommune, f.ID)
	if err != nil {
		return f, fmt.Errorf("leverance document: %w", err)
	}
	defer done()
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

// errNoDocument is returned by InsertLeverance for a leverance without its reserved id and
// written parts.
var errNoDocument = errors.New("tenant: a leverance needs its reserved id and its document's written parts")
