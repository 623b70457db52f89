package tenanttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
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
	err := pgx.BeginFunc(ctx, db.ToolPool(), func(tx pgx.Tx) error {
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

// FoerstePeriode gives the kommuner (none: every active one) the first periode p (I7), as
// if the platform administrator had activated them with it, so that tests can deliver
// fixed periodes whatever the month they run in.
func FoerstePeriode(t testing.TB, db *tenant.DB, p string, kommuner ...string) {
	t.Helper()
	if _, err := db.ToolPool().Exec(context.Background(), `UPDATE kommuner SET foerste_periode = $1
		WHERE CASE WHEN coalesce(cardinality($2::text[]), 0) = 0 THEN aktiv ELSE kommune_kode = ANY($2) END`, p, kommuner); err != nil {
		t.Fatalf("first periode: %v", err)
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
	err := pgx.BeginFunc(ctx, db.ToolPool(), func(tx pgx.Tx) error {
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

// LeverancerBothWays stores doc as a leverance of tx's kommune in gzip parts (Leverance) and
// whole as one stored before 00016 (LeveranceStoredWhole), and returns both.
func LeverancerBothWays(ctx context.Context, tx *tenant.Tx, doc, whole []byte) (parts, old tenant.LeveranceFil, err error) {
	sum := sha256.Sum256(doc)
	id, err := Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M10", SHA256: hex.EncodeToString(sum[:])}, doc)
	if err != nil {
		return parts, old, err
	}
	if parts, err = tx.LeveranceFil(ctx, id); err != nil {
		return parts, old, err
	}
	old, err = LeveranceStoredWhole(ctx, tx, whole)
	return parts, old, err
}

// RandomHex is n characters of random hex (seeded: the same each run), XML content that gzip
// only halves, so a document of some MB takes several parts and batches.
func RandomHex(seed uint64, n int) string {
	rnd := rand.New(rand.NewPCG(seed, 14))
	raw := make([]byte, n/2)
	for i := range raw {
		raw[i] = byte(rnd.UintN(256))
	}
	return hex.EncodeToString(raw)
}

// LeveranceStoredWhole stores doc as a leverance of tx's kommune the way leverancer were
// stored before 00016, whole in leverancer.document, and returns it.
func LeveranceStoredWhole(ctx context.Context, tx *tenant.Tx, doc []byte) (tenant.LeveranceFil, error) {
	sum := sha256.Sum256(doc)
	var id int64
	if err := tx.ToolTx().QueryRow(ctx, `INSERT INTO leverancer (kommune_kode, periode, created_by, document, sha256,
		byte_size, antal_sager, antal_ydelser, antal_nye, antal_aendrede, antal_afsluttede, antal_neutraliserede)
		VALUES ($1, '2026M09', 'old', $2, $3, $4, 1, 1, 1, 0, 0, 0) RETURNING id`,
		tx.Scope().Kommune, doc, hex.EncodeToString(sum[:]), len(doc)).Scan(&id); err != nil {
		return tenant.LeveranceFil{}, err
	}
	return tx.LeveranceFil(ctx, id)
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

// FinishedEksport stores a finished CSV export (the CPR list of Egne IDEP, Kun sager) of tx's
// kommune with file as its file and cprs as its CPR numbers, as the export job leaves one, and
// returns it.
func FinishedEksport(ctx context.Context, tx *tenant.Tx, file string, cprs ...string) (tenant.Eksport, error) {
	return FinishedEksportOf(ctx, tx, tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV,
		Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}},
		file, cprs...)
}

// FinishedEksportOf is FinishedEksport of the export n (its kind, format and list).
func FinishedEksportOf(ctx context.Context, tx *tenant.Tx, n tenant.NewEksport, file string, cprs ...string) (tenant.Eksport, error) {
	e, err := tx.CreateEksport(ctx, n)
	if err != nil {
		return e, err
	}
	if err := tx.StartEksport(ctx, e.ID, len(cprs), tenant.EksportForsoeg{Frist: time.Minute}); err != nil {
		return e, err
	}
	fil := tx.EksportFil(ctx, e.ID)
	if _, err := io.WriteString(fil, file); err != nil {
		return e, err
	}
	if err := fil.Close(); err != nil {
		return e, err
	}
	r := tenant.EksportResultat{Raekker: len(cprs), Bytes: fil.Size()}
	for _, c := range cprs {
		r.CPRs.Add(c)
	}
	if err := tx.FinishEksport(ctx, e.ID, r); err != nil {
		return e, err
	}
	return tx.Eksport(ctx, e.ID)
}
