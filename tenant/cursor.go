package tenant

import (
	"context"
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The page cursors of the lists (lister.go) and the logs (audit.go) are opaque to the browser:
// base64 of "|"-separated fields, the first the rows before the page, the others the key of
// the last row shown. The server reads back only what it could have written (issue 14 #6: a
// forged cursor showed "Viser -9.223.372.036.854.775.808–…"): the strict encoding, numbers as
// strconv writes them, and the count of rows before the page in 1..maxPageOffset.

// maxPageOffset is the most rows a cursor may say come before its page: more than any list
// or log holds, and far from where "Viser a–b" would overflow.
const maxPageOffset = 1_000_000_000

var cursorEncoding = base64.RawURLEncoding.Strict()

// encodePageCursor encodes a cursor's fields.
func encodePageCursor(fields ...string) string {
	return cursorEncoding.EncodeToString([]byte(strings.Join(fields, "|")))
}

// decodePageCursor decodes s into n fields, the first of them the rows before the page,
// returned as offset; ok is false for anything encodePageCursor could not have written.
func decodePageCursor(s string, n int) (offset int, fields []string, ok bool) {
	raw, err := cursorEncoding.DecodeString(s)
	if err != nil {
		return 0, nil, false
	}
	fields = strings.Split(string(raw), "|")
	if len(fields) != n {
		return 0, nil, false
	}
	off, ok := cursorInt(fields[0], 1, maxPageOffset)
	return int(off), fields, ok
}

// cursorInt parses a field of a cursor: a number in [lo, hi] written as strconv writes it
// (no sign but a minus, no leading zeros).
func cursorInt(s string, lo, hi int64) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < lo || v > hi || strconv.FormatInt(v, 10) != s {
		return 0, false
	}
	return v, true
}

// cursorID parses a row id of a cursor: 1 or more.
func cursorID(s string) (int64, bool) { return cursorInt(s, 1, math.MaxInt64) }

// eachBatch runs query (with args) as the server-side cursor name in tx and calls fn with its
// rows, scanned by scan, size at a time, then closes the cursor. One statement: one
// consistent snapshot, however long the walk; memory holds one batch, and fn may use the
// transaction between batches (the exports and deliveries store their file's parts as they
// go). An error of fn stops the walk and is returned as it is.
func eachBatch[T any](ctx context.Context, tx pgx.Tx, name, query string, args []any, size int,
	scan pgx.RowToFunc[T], fn func([]T) error) error {
	if _, err := tx.Exec(ctx, `DECLARE `+name+` NO SCROLL CURSOR FOR `+query, args...); err != nil {
		return err
	}
	fetch := `FETCH FORWARD ` + strconv.Itoa(size) + ` FROM ` + name
	for {
		rows, err := tx.Query(ctx, fetch)
		if err != nil {
			return err
		}
		batch, err := pgx.CollectRows(rows, scan)
		if err != nil {
			return err
		}
		if len(batch) > 0 {
			if err := fn(batch); err != nil {
				return err
			}
		}
		if len(batch) < size {
			break
		}
	}
	_, err := tx.Exec(ctx, `CLOSE `+name)
	return err
}
