package tenant

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
)

// Files kept in the database as numbered parts (eksport_dele, 00013; leverance_dele, 00016):
// a table with kommune_kode, the owner's id column, nr and data. The writer stores each part
// as it fills and the reader returns one row at a time, so neither holds more than a part in
// memory however large the file.

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

// readParts returns a reader of the parts of id of kommune in table, in order. Close the
// rows (the returned func) when done.
func (t *Tx) readParts(ctx context.Context, table, idColumn, kommune string, id int64) (io.Reader, func(), error) {
	rows, err := t.tx.Query(ctx, `SELECT data FROM `+table+` WHERE kommune_kode = $1 AND `+idColumn+` = $2 ORDER BY nr`,
		kommune, id)
	if err != nil {
		return nil, nil, err
	}
	return &partReader{rows: rows}, rows.Close, nil
}

// partReader reads parts one row at a time.
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
		// RawValues is the row as received, valid until the next Next: no copy of the part.
		r.cur = r.rows.RawValues()[0]
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}
