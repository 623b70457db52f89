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

// LeveranceFil returns leverance id with what its document's download needs to know, or
// ErrNotFound (also for a leverance the scope may not read: T1).
func (t *Tx) LeveranceFil(ctx context.Context, id int64) (LeveranceFil, error) {
	var f LeveranceFil
	var gzipSize *int64
	err := t.tx.QueryRow(ctx, `SELECT `+leveranceColumns+`, gzip_size FROM leverancer WHERE id = $1`, id).Scan(
		&f.ID, &f.Kommune, &f.Periode, &f.CreatedAt, &f.CreatedBy, &f.SHA256, &f.Bytes, &f.Tal.Sager, &f.Tal.Ydelser,
		&f.Tal.Nye, &f.Tal.Aendrede, &f.Tal.Afsluttede, &f.Tal.Neutraliserede, &f.Version, &f.Aarsag, &gzipSize)
	if gzipSize != nil {
		f.GzipSize = *gzipSize
	}
	return f, notFound(err, "leverance document")
}

// LeveranceDownload is the document of leverance f (LeveranceFil) for a download of scope s
// (I5), and its size (-1: unknown until the end): with gzipped true the gzip stream (for a
// response with Content-Encoding: gzip), else the XML itself. The reader reads the document a
// batch at a time, each batch in a short transaction of its own that has ended before the
// reader hands the batch on (parts.go), so a client that reads slowly or not at all holds no
// connection (issue 14 #1). The document holds CPR numbers: a person gets it
// through DownloadLeverance, which records them first. ctx outlives the request: the
// response is written after the handler returns.
func (db *DB) LeveranceDownload(ctx context.Context, s Scope, f LeveranceFil, gzipped bool) (io.Reader, int64) {
	return leveranceDocument(f, newBatchReader(ctx, db.downloadBatch(s), leveranceSource(f)), gzipped)
}

// WriteLeveranceDocument writes the XML document of leverance id, as delivered, to w, read
// in the transaction: with gzipped true the gzip stream, else the XML itself
// (LeveranceDownload says more). It returns the leverance, or ErrNotFound (also for a
// leverance the scope may not read: T1). The document holds CPR numbers: a person gets it
// through DownloadLeverance. Nothing is written to w before the leverance is found.
func (t *Tx) WriteLeveranceDocument(ctx context.Context, id int64, gzipped bool, w io.Writer) (LeveranceFil, error) {
	f, err := t.LeveranceFil(ctx, id)
	if err != nil {
		return f, err
	}
	r, _ := leveranceDocument(f, newBatchReader(ctx, t.inThis, leveranceSource(f)), gzipped)
	if _, err := io.Copy(w, r); err != nil {
		return f, fmt.Errorf("leverance document %d: %w", f.ID, err)
	}
	return f, nil
}

// leveranceSource is where the document of f is stored: the parts of its gzip stream, or
// whole in leverancer.document (before 00016). Both never change once the leverance row is
// visible: the parts commit with the row (a deferred foreign key), and leverancer and
// leverance_dele are history, the app's role may neither update nor delete them (00005,
// 00016). partsSource checks the parts' order and their size against gzip_size all the same.
func leveranceSource(f LeveranceFil) batchSource {
	if f.GzipSize == 0 {
		return &wholeSource{kommune: f.Kommune, id: f.ID, size: f.Bytes}
	}
	return &partsSource{table: "leverance_dele", idColumn: "leverance_id", kommune: f.Kommune, id: f.ID,
		size: f.GzipSize, perBatch: max(1, downloadBatchBytes/leveranceDelSize), what: fmt.Sprintf("leverance %d", f.ID)}
}

// leveranceDocument is the document of f read from stored (the bytes leveranceSource gives):
// gzipped or not, and its size (-1: unknown). The gzip parts pass as they are or are
// unzipped on the way; a document stored whole is zipped on the way (its size is then known
// only at the end).
func leveranceDocument(f LeveranceFil, stored io.Reader, gzipped bool) (io.Reader, int64) {
	switch {
	case f.GzipSize == 0 && gzipped:
		return newGzipReader(stored), -1
	case f.GzipSize == 0:
		return stored, f.Bytes
	case gzipped:
		return stored, f.GzipSize
	}
	return &gunzipReader{src: stored}, f.Bytes
}

// wholeSource reads a document stored whole (leverancer.document, before 00016) a slice at a
// time. PostgreSQL decompresses the stored value from its start up to each slice's end, so
// the reading costs more than once the document's size in the server, which is fine for the
// few leverancer stored so.
type wholeSource struct {
	kommune string
	id      int64
	size    int64 // byte_size, which a check keeps equal to octet_length(document)
	read    int64
}

func (s *wholeSource) next(ctx context.Context, t *Tx, buf []byte) ([]byte, bool, error) {
	if s.read == s.size {
		return buf, true, nil
	}
	n := min(s.size-s.read, downloadBatchBytes)
	var slice []byte
	err := t.tx.QueryRow(ctx, `SELECT substring(document FROM $3 FOR $4) FROM leverancer WHERE kommune_kode = $1 AND id = $2`,
		s.kommune, s.id, s.read+1, n).Scan(&slice)
	if err != nil {
		return buf, false, fmt.Errorf("read leverance %d: %w", s.id, err)
	}
	if int64(len(slice)) != n {
		return buf, false, fmt.Errorf("read leverance %d: %d bytes at %d, want %d: %w", s.id, len(slice), s.read, n, errFileChanged)
	}
	s.read += n
	return append(buf, slice...), s.read == s.size, nil
}

// gunzipReader unzips src, starting at its first Read (so that nothing is read before the
// response is written).
type gunzipReader struct {
	src io.Reader
	zr  *gzip.Reader
}

func (r *gunzipReader) Read(p []byte) (int, error) {
	if r.zr == nil {
		zr, err := gzip.NewReader(r.src)
		if err != nil {
			return 0, err
		}
		r.zr = zr
	}
	return r.zr.Read(p)
}

// gzipReader zips src as it is read: a reader, so that it reads src only as fast as its
// own reader takes the result (no goroutine, nothing read ahead).
type gzipReader struct {
	src   io.Reader
	chunk []byte
	out   bytes.Buffer // zipped, not yet read
	gz    *gzip.Writer // writes into out
	done  bool
}

func newGzipReader(src io.Reader) *gzipReader {
	r := &gzipReader{src: src, chunk: make([]byte, 32<<10)}
	r.gz = gzip.NewWriter(&r.out)
	return r
}

func (r *gzipReader) Read(p []byte) (int, error) {
	for r.out.Len() == 0 {
		if r.done {
			return 0, io.EOF
		}
		n, err := r.src.Read(r.chunk)
		if _, werr := r.gz.Write(r.chunk[:n]); werr != nil {
			return 0, werr
		}
		switch {
		case errors.Is(err, io.EOF):
			r.done = true
			if err := r.gz.Close(); err != nil {
				return 0, err
			}
		case err != nil:
			return 0, err
		}
	}
	return r.out.Read(p)
}

// LeveranceDocument returns the XML document of leverance id as delivered (I5) and its
// SHA-256 (hex), or ErrNotFound (also for a leverance the scope may not read: T1): the whole
// document in memory, for the tests and small documents; a download streams it with
// WriteLeveranceDocument. The document holds CPR numbers: a person gets it through
// DownloadLeverance.
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
