package generate

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
)

// The SQL `make bench` runs beside the app (SQL lives in tenant/ and here, never in the
// benchmark program itself). Each runs in a transaction scoped to one kommune the way
// tenant.DB.InScope scopes the app's, so row-level security applies as it does for the app.

// inKommune runs fn in a transaction of db's pool scoped to kommune.
func inKommune(ctx context.Context, db *tenant.DB, kommune string, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.ToolPool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('indberet.kommune', $1, true), set_config('indberet.alle', '', true)",
			kommune); err != nil {
			return err
		}
		return fn(tx)
	})
}

// Statement is one SQL statement with its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// Explain returns EXPLAIN (ANALYZE, BUFFERS) of the statement run in kommune's scope.
func Explain(ctx context.Context, db *tenant.DB, kommune string, s Statement) (string, error) {
	var lines []string
	err := inKommune(ctx, db, kommune, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+s.SQL, s.Args...)
		if err != nil {
			return err
		}
		lines, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return "", fmt.Errorf("explain: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

// KommuneCPRs returns the CPR numbers of kommune's sager and, in egne, those of its own
// list (S9: kilde 'egne').
func KommuneCPRs(ctx context.Context, db *tenant.DB, kommune string) (all, egne []string, err error) {
	err = inKommune(ctx, db, kommune, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT cpr, kilde = 'egne' FROM sager WHERE kommune_kode = $1`, kommune)
		if err != nil {
			return err
		}
		var cpr string
		var own bool
		_, err = pgx.ForEachRow(rows, []any{&cpr, &own}, func() error {
			all = append(all, cpr)
			if own {
				egne = append(egne, cpr)
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("cpr numbers of %s: %w", kommune, err)
	}
	return all, egne, nil
}

// DeleteSager deletes kommune's sager with the given CPR numbers and their ydelser: the
// benchmark's *Opret* leaves the generated data as it found it.
func DeleteSager(ctx context.Context, db *tenant.DB, kommune string, cprs []string) (int64, error) {
	var n int64
	err := inKommune(ctx, db, kommune, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sager WHERE kommune_kode = $1 AND cpr = ANY($2)`, kommune, cprs)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete sager of %s: %w", kommune, err)
	}
	return n, nil
}
