package tenanttest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
)

// MarkDelivered sets indberettet_at (I2) of the given sager and ydelser of kommune to at, as
// a delivery run would, so tests can build delivered data before the delivery exists.
func MarkDelivered(t testing.TB, db *tenant.DB, kommune string, at time.Time, sagIDs, ydelseIDs []int64) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('indberet.kommune', $1, true)", kommune); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sager SET indberettet_at = $2 WHERE kommune_kode = $1 AND id = ANY($3)`,
			kommune, at, sagIDs); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE ydelser SET indberettet_at = $2 WHERE kommune_kode = $1 AND id = ANY($3)`,
			kommune, at, ydelseIDs)
		return err
	})
	if err != nil {
		t.Fatalf("mark delivered: %v", err)
	}
}

// CPRAccess is one record of the CPR access log.
type CPRAccess struct {
	UserEmail, Action, Detail string
	CPRs                      []string
}

// CPRAccessLog returns kommune's CPR access records, oldest first.
func CPRAccessLog(t testing.TB, db *tenant.DB, kommune string) []CPRAccess {
	t.Helper()
	ctx := context.Background()
	var out []CPRAccess
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('indberet.kommune', $1, true)", kommune); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT user_email, action, detail, cprs FROM cpr_access_log
			WHERE kommune_kode = $1 ORDER BY id`, kommune)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CPRAccess, error) {
			var a CPRAccess
			err := r.Scan(&a.UserEmail, &a.Action, &a.Detail, &a.CPRs)
			return a, err
		})
		return err
	})
	if err != nil {
		t.Fatalf("read cpr access log: %v", err)
	}
	return out
}

// Leverance stores doc as a leverance of tx's kommune the way a delivery does
// (ReserveLeveranceID, the document's gzip parts, InsertLeverance), with l's other fields;
// l.ID, l.Bytes and l.GzipSize are set here. It returns the leverance's id.
func Leverance(ctx context.Context, tx *tenant.Tx, l tenant.NewLeverance, doc []byte) (int64, error) {
	id, err := tx.ReserveLeveranceID(ctx)
	if err != nil {
		return 0, err
	}
	w := tx.NewLeveranceDocument(ctx, id)
	if _, err := w.Write(doc); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	l.ID, l.Bytes, l.GzipSize = id, int64(len(doc)), w.GzipSize()
	return tx.InsertLeverance(ctx, l)
}

// KeptLists are the lists and views whose counts are kept (00015, 00021), each to be asked
// with a status filter, a day and a CPR prefix: Kun sager of both lists (S9) and Egne IDEP's
// Sager og ydelser.
var KeptLists = []tenant.ListQuery{
	{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager},
	{Liste: tenant.ListeAlle, Visning: tenant.VisningKunSager},
	{Liste: tenant.ListeEgne, Visning: tenant.VisningSagerOgYdelser},
}

// CountedSQL counts the list of q (one of KeptLists with its status filter) by counting the
// sager themselves, the figure its kept count must equal: $1 the kommune, $2 the day the
// status is of (S6), $3 the CPR prefix (S8).
func CountedSQL(q tenant.ListQuery) string {
	which := "kilde = 'egne'"
	if q.Liste == tenant.ListeAlle {
		which = "indberettet_at IS NOT NULL"
	}
	what := "count(*)"
	if q.Visning == tenant.VisningSagerOgYdelser {
		what = "coalesce(sum(antal_ydelser), 0)"
	}
	cond := map[tenant.Filter]string{
		tenant.FilterAlle:           "$2::date IS NOT NULL",
		tenant.FilterAfsluttede:     "slutdato_max < $2",
		tenant.FilterIkkeAfsluttede: "(slutdato_max IS NULL OR slutdato_max >= $2)",
	}[q.Filter]
	return `SELECT ` + what + ` FROM sager WHERE kommune_kode = $1 AND ` + which + ` AND ` + cond + ` AND cpr LIKE $3 || '%'`
}
