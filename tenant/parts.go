package tenant

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Files kept in the database as numbered parts (eksport_dele, 00013; leverance_dele, 00016):
// a table with kommune_kode, the owner's id column, nr and data. The writer stores each part
// as it fills, and the reader reads a batch of parts at a time, so neither holds more than a
// part or a batch in memory however large the file.
//
// A download reads its file batch by batch, each batch in a short transaction of its own
// that has ended before the first byte of the batch is handed on (issue 14 #1): nothing of
// the pool waits while the client reads, however slowly. Reading across transactions is
// consistent because a stored file never changes once its owner's row is visible (the parts
// commit in the transaction that finishes the leverance or export; leverancer are history
// that the app's role may not update or delete; an export's parts go only with the export),
// and partsSource checks it batch by batch all the same: see there.

// partsWriter writes a file as parts of the scope kommune, in the transaction.
type partsWriter struct {
	ctx     context.Context
	t       *Tx
	insert  string // INSERT of (kommune_kode, id, nr, data)
	owner   int64  // the id the parts belong to
	what    string // for errors, e.g. "export 7"
	size    int    // of a part
	buf     []byte
	nr      int
	written int64
}

// newParts returns a writer of the parts of id in table (its owner's id column idColumn).
func (t *Tx) newParts(ctx context.Context, table, idColumn string, id int64, size int, what string) *partsWriter {
	return &partsWriter{ctx: ctx, t: t, owner: id, size: size, buf: make([]byte, 0, size), what: what,
		insert: `INSERT INTO ` + table + ` (kommune_kode, ` + idColumn + `, nr, data) VALUES ($1, $2, $3, $4)`}
}

// Write adds p, storing each part as it fills.
func (w *partsWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), w.size-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == w.size {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	w.written += int64(n)
	return n, nil
}

// Close stores what is left.
func (w *partsWriter) Close() error {
	if len(w.buf) == 0 {
		return nil
	}
	return w.flush()
}

func (w *partsWriter) flush() error {
	if _, err := w.t.tx.Exec(w.ctx, w.insert, w.t.scope.Kommune, w.owner, w.nr, w.buf); err != nil {
		return fmt.Errorf("write %s part %d: %w", w.what, w.nr, err)
	}
	w.nr++
	w.buf = w.buf[:0]
	return nil
}

// downloadBatchBytes is about how much of a file one batch of a read holds: what a download
// keeps in memory (a leverance part is 1 MiB, an export part 256 KiB), and what one short
// transaction reads.
const downloadBatchBytes = 1 << 20

// downloadBatchTimeout bounds one batch of a download, the wait for its slot and connection
// included: a batch is a few milliseconds of reading; a database that does not answer ends
// the download rather than keep a slot.
const downloadBatchTimeout = 30 * time.Second

// errFileChanged is returned when a stored file is not what its owner's row recorded when
// the read began (an export deleted at its expiry, or ordered again, while it downloads).
var errFileChanged = errors.New("tenant: the stored file changed or is incomplete")

// batchSource gives a stored file a batch at a time: next appends the next batch to buf and
// tells whether it was the last.
type batchSource interface {
	next(ctx context.Context, t *Tx, buf []byte) (_ []byte, last bool, _ error)
}

// partsSource reads the parts of one file in order, up to perBatch parts per batch. Each batch
// is checked against what the owner's row recorded when the read began, so a file is never
// handed on mixed from two versions or cut short unnoticed: the parts come numbered 0, 1, 2 …
// without a gap, they add up to exactly size bytes, and cond (SQL on the owner's row, in the
// same statement and so the same snapshot as the parts) still holds.
type partsSource struct {
	table, idColumn string // e.g. eksport_dele, eksport_id
	kommune         string
	id              int64
	size            int64  // of the whole file, as its owner's row records it
	perBatch        int    // parts per batch
	cond            string // "" or " AND …" on $1 (kommune) and $2 (id) and condArgs from $5
	condArgs        []any
	what            string // for errors, e.g. "export 7"
	nr              int    // the next part
	read            int64  // bytes read so far
}

func (s *partsSource) next(ctx context.Context, t *Tx, buf []byte) ([]byte, bool, error) {
	if s.read == s.size {
		return buf, true, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT nr, data FROM `+s.table+` WHERE kommune_kode = $1 AND `+s.idColumn+` = $2
		AND nr >= $3`+s.cond+` ORDER BY nr LIMIT $4`, append([]any{s.kommune, s.id, s.nr, s.perBatch}, s.condArgs...)...)
	if err != nil {
		return buf, false, fmt.Errorf("read %s: %w", s.what, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var nr int
		if err := rows.Scan(&nr, nil); err != nil {
			return buf, false, fmt.Errorf("read %s: %w", s.what, err)
		}
		if nr != s.nr {
			return buf, false, fmt.Errorf("read %s: part %d where %d was due: %w", s.what, nr, s.nr, errFileChanged)
		}
		// RawValues is the row as received, valid until the next Next: one copy of the part.
		data := rows.RawValues()[1]
		buf = append(buf, data...)
		s.nr++
		s.read += int64(len(data))
		n++
	}
	if err := rows.Err(); err != nil {
		return buf, false, fmt.Errorf("read %s: %w", s.what, err)
	}
	if s.read > s.size || (n < s.perBatch && s.read < s.size) {
		return buf, false, fmt.Errorf("read %s: %d bytes in %d parts, recorded %d: %w", s.what, s.read, s.nr, s.size, errFileChanged)
	}
	return buf, s.read == s.size, nil
}

// batchRunner runs fn, the reading of one batch: in a transaction of its own for a download
// (DB.downloadBatch), in the caller's for a read inside one (Tx.inThis).
type batchRunner func(ctx context.Context, fn func(context.Context, *Tx) error) error

// inThis runs fn in t.
func (t *Tx) inThis(ctx context.Context, fn func(context.Context, *Tx) error) error {
	return fn(ctx, t)
}

// downloadBatch runs each batch of a download in a short transaction of scope s of its own,
// once one of the pool's bulk slots is free (DB.bulk): downloads together never take more than
// that share of the pool, so the logins, sessions, lists and /readyz keep the rest.
func (db *DB) downloadBatch(s Scope) batchRunner {
	return func(ctx context.Context, fn func(context.Context, *Tx) error) error {
		ctx, cancel := context.WithTimeout(ctx, downloadBatchTimeout)
		defer cancel()
		release, err := db.acquireBulk(ctx)
		if err != nil {
			return err
		}
		defer release()
		return db.InScope(ctx, s, func(t *Tx) error { return fn(ctx, t) })
	}
}

// batchReader reads a file from src a batch at a time, run by run. A batch is read whole,
// and run has returned (its transaction ended), before the first byte of it is handed on;
// the next is read only when the reader has taken all of it. Memory holds one batch.
type batchReader struct {
	ctx  context.Context
	run  batchRunner
	src  batchSource
	buf  []byte
	pos  int
	last bool
	err  error
}

func newBatchReader(ctx context.Context, run batchRunner, src batchSource) *batchReader {
	return &batchReader{ctx: ctx, run: run, src: src}
}

// Read hands on the batch read last, and reads the next when it is all taken.
func (r *batchReader) Read(p []byte) (int, error) {
	for r.pos == len(r.buf) {
		switch {
		case r.err != nil:
			return 0, r.err
		case r.last:
			return 0, io.EOF
		}
		r.pos = 0
		r.err = r.run(r.ctx, func(ctx context.Context, t *Tx) (err error) {
			r.buf, r.last, err = r.src.next(ctx, t, r.buf[:0])
			return err
		})
		if r.err != nil {
			r.buf = r.buf[:0]
		}
	}
	n := copy(p, r.buf[r.pos:])
	r.pos += n
	return n, nil
}
