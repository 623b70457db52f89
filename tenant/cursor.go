package tenant

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"
)

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
