package worker

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/xuri/excelize/v2"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/demo"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
)

// eksportBundle is a test database with the demo data and a River client working the
// export jobs with w (its batch size and hook set by the test).
type eksportBundle struct {
	db       *tenant.DB
	ownerURL string
	client   *Client
	events   <-chan *river.Event
}

func setupEksport(t *testing.T, w *EksportWorker) *eksportBundle {
	t.Helper()
	ctx := context.Background()
	db, ownerURL := tenanttest.DB(t)
	if _, err := demo.Load(ctx, db, accounts.NewStore(db)); err != nil {
		t.Fatalf("demo: %v", err)
	}
	d := Deps{DB: db, Accounts: accounts.NewStore(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if w == nil {
		w = &EksportWorker{}
	}
	w.deps = d
	if w.limit == (attemptLimit{}) {
		w.limit = attemptLimit{limit: time.Minute, margin: time.Minute}
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	river.AddWorker(workers, &EksportCleanupWorker{deps: d})
	c, err := river.NewClient(riverpgxv5.New(db.ToolPool()), &river.Config{
		Logger: d.Logger, Workers: workers, SoftStopTimeout: 5 * time.Second,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}, QueueEksport: {MaxWorkers: eksportQueueWorkers}},
	})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := c.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(runCtx, c) }()
	t.Cleanup(func() {
		cancel()
		stop()
		if err := <-done; err != nil {
			t.Errorf("stop client: %v", err)
		}
	})
	return &eksportBundle{db: db, ownerURL: ownerURL, client: c, events: events}
}

// order orders an export in kommune as the screen does: the row and its job in one
// transaction.
func (b *eksportBundle) order(t *testing.T, kommune string, n tenant.NewEksport) tenant.Eksport {
	t.Helper()
	return orderEksport(t, b.db, b.client, kommune, n)
}

// orderEksport orders an export in kommune of db through client, as the screen does.
func orderEksport(t *testing.T, db *tenant.DB, client *Client, kommune string, n tenant.NewEksport) tenant.Eksport {
	t.Helper()
	ctx := context.Background()
	var e tenant.Eksport
	err := db.InScope(ctx, tenant.Scope{Kommune: kommune, Actor: tenant.Actor{Email: "test@demo.invalid"}}, func(tx *tenant.Tx) error {
		var err error
		if e, err = tx.CreateEksport(ctx, n); err != nil {
			return err
		}
		_, err = client.InsertTx(ctx, tx.ToolTx(), EksportArgs{Kommune: kommune, EksportID: e.ID}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// wait waits for the next event of a job of kind and returns it.
func (b *eksportBundle) wait(t *testing.T, kind string) *river.Event {
	t.Helper()
	for {
		select {
		case ev := <-b.events:
			if ev.Job.Kind == kind {
				return ev
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("no %s job finished", kind)
		}
	}
}

// run orders an export, waits for its job to complete and returns it with its file.
func (b *eksportBundle) run(t *testing.T, kommune string, n tenant.NewEksport) (tenant.Eksport, []byte) {
	t.Helper()
	e := b.order(t, kommune, n)
	if ev := b.wait(t, EksportArgs{}.Kind()); ev.Kind != river.EventKindJobCompleted {
		t.Fatalf("export job: %s %v", ev.Kind, ev.Job.Errors)
	}
	return b.file(t, kommune, e.ID)
}

// file returns export id of kommune and its file.
func (b *eksportBundle) file(t *testing.T, kommune string, id int64) (tenant.Eksport, []byte) {
	t.Helper()
	return eksportFile(t, b.db, kommune, id)
}

// eksportFile returns export id of kommune in db and its file.
func eksportFile(t *testing.T, db *tenant.DB, kommune string, id int64) (tenant.Eksport, []byte) {
	t.Helper()
	ctx := context.Background()
	var e tenant.Eksport
	var buf bytes.Buffer
	err := db.InScope(ctx, tenant.Scope{Kommune: kommune}, func(tx *tenant.Tx) error {
		var err error
		if e, err = tx.Eksport(ctx, id); err != nil {
			return err
		}
		return tx.WriteEksportFil(ctx, e, &buf)
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.Status == tenant.EksportFaerdig && int64(buf.Len()) != e.Bytes {
		t.Errorf("export %d: file of %d bytes, recorded %d", id, buf.Len(), e.Bytes)
	}
	return e, buf.Bytes()
}

// changeNiels runs fn with Niels Hansen's sag in a transaction of 101's scope: a test's
// change to the demo data before its export.
func (b *eksportBundle) changeNiels(t *testing.T, fn func(ctx context.Context, tx *tenant.Tx, sag int64) error) {
	t.Helper()
	ctx := context.Background()
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		id, err := tx.SagIDByCPR(ctx, demo.NielsHansenCPR)
		if err != nil {
			return err
		}
		return fn(ctx, tx, id)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readCSV checks the form Danish Excel expects (BOM, ';', CRLF) and returns the records.
func readCSV(t *testing.T, file []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(file, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV does not start with the UTF-8 byte order mark: %q", file[:min(20, len(file))])
	}
	body := file[3:]
	if n, crlf := bytes.Count(body, []byte("\n")), bytes.Count(body, []byte("\r\n")); n == 0 || n != crlf {
		t.Errorf("CSV has %d line ends, %d of them CRLF", n, crlf)
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	return recs
}

// rowsOf returns the records whose first column is the CPR number cpr (DDMMYY-SSSS).
func rowsOf(recs [][]string, cpr string) [][]string {
	var out [][]string
	for _, r := range recs {
		if r[0] == cpr {
			out = append(out, r)
		}
	}
	return out
}

// egneSagerOgYdelser is the biggest list: Egne IDEP, a row per ydelse, every sag.
var egneSagerOgYdelser = tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningSagerOgYdelser,
	Filter: tenant.FilterAlle}

// demoSager101 is the number of demo sager of kommune 101: Niels Hansen and 30 generated.
const demoSager101 = 31

var nielsHansen = "150362-1235"

// E1: the CSV of Egne IDEP per ydelse (Sager og ydelser): header, every ydelse of 101 in CPR
// order, Niels Hansen's two ydelser with their codes, texts and dates DD-MM-YYYY.
func TestEksportCSVSagerOgYdelser(t *testing.T) {
	t.Parallel()
	b := setupEksport(t, nil)
	e, file := b.run(t, "101", tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV,
		Parametre: egneSagerOgYdelser})
	recs := readCSV(t, file)
	want := []string{"CPR-nummer", "Navn", "Status", "Indsatskode", "Indsats", "Startdato", "Slutdato", "Indberettet"}
	if !slices.Equal(recs[0], want) {
		t.Errorf("header %q, want %q", recs[0], want)
	}
	var ydelser101 int
	err := b.db.InScope(context.Background(), tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(context.Background(), `SELECT count(*) FROM ydelser`).Scan(&ydelser101)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 != ydelser101 || e.AntalRaekker != ydelser101 || e.AntalCPR != demoSager101 {
		t.Errorf("%d rows (recorded %d, %d CPR numbers), want %d ydelser of %d sager", len(recs)-1, e.AntalRaekker,
			e.AntalCPR, ydelser101, demoSager101)
	}
	if e.Status != tenant.EksportFaerdig || e.SagerGennemgaaet != demoSager101 || e.SagerIAlt != demoSager101 {
		t.Errorf("status %s, progress %d/%d; want done, %d/%d", e.Status, e.SagerGennemgaaet, e.SagerIAlt, demoSager101, demoSager101)
	}
	if !slices.IsSortedFunc(recs[1:], func(a, b []string) int { return strings.Compare(cprKey(a[0]), cprKey(b[0])) }) {
		t.Error("rows are not in CPR order")
	}
	niels := rowsOf(recs, nielsHansen)
	wantNiels := [][]string{
		{nielsHansen, "Niels Hansen", "Afsluttet", "1.3", "Behandling", "01-03-2014", "31-08-2016", ""},
		{nielsHansen, "Niels Hansen", "Ikke afsluttet", "1.8.1", "Længerevarende botilbud inklusiv tilknyttede ydelser", "01-09-2016", "", ""},
	}
	if !slices.EqualFunc(niels, wantNiels, slices.Equal) {
		t.Errorf("Niels Hansen's rows:\n%q\nwant\n%q", niels, wantNiels)
	}
	if strings.Contains(string(file), "1503621235") {
		t.Error("a CPR number without its dash: Excel would read it as a number")
	}
}

// cprKey is a CPR number DDMMYY-SSSS as the 10 digits the lists sort by.
func cprKey(s string) string { return strings.ReplaceAll(s, "-", "") }

// E1, Kun sager, XLSX: opened with excelize; a row per sag with Antal ydelser, dates real
// dates shown DD-MM-YYYY.
func TestEksportXLSXKunSager(t *testing.T) {
	t.Parallel()
	b := setupEksport(t, nil)
	ctx := context.Background()
	// Niels Hansen's sag delivered, to see Indberettet.
	delivered := time.Date(2026, 2, 14, 1, 30, 0, 0, time.UTC) // 14-02-2026 in Copenhagen
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		_, err := tx.ToolTx().Exec(ctx, `UPDATE sager SET indberettet_at = $1 WHERE cpr = $2`, delivered, demo.NielsHansenCPR)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e, file := b.run(t, "101", tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatXLSX,
		Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}})
	f, err := excelize.OpenReader(bytes.NewReader(file))
	if err != nil {
		t.Fatalf("open XLSX: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("CPR-liste")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"CPR-nummer", "Navn", "Antal ydelser", "Status", "Indberettet"}; !slices.Equal(rows[0], want) {
		t.Errorf("header %q, want %q", rows[0], want)
	}
	if len(rows)-1 != demoSager101 || e.AntalRaekker != demoSager101 {
		t.Errorf("%d rows (recorded %d), want %d sager", len(rows)-1, e.AntalRaekker, demoSager101)
	}
	niels := rowsOf(rows, nielsHansen)
	if want := []string{nielsHansen, "Niels Hansen", "2", "Ikke afsluttet", "14-02-2026"}; len(niels) != 1 || !slices.Equal(niels[0], want) {
		t.Errorf("Niels Hansen: %q, want %q", niels, want)
	}
	// The date is a date (a number with a date format), not text.
	for i, r := range rows {
		if len(r) > 0 && r[0] == nielsHansen {
			cell, _ := excelize.CoordinatesToCellName(5, i+1)
			typ, err := f.GetCellType("CPR-liste", cell)
			if err != nil || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
				t.Errorf("Indberettet cell %s: type %v, %v; want a date", cell, typ, err)
			}
		}
	}
}

// E2, fejlopgørelser: a second stay overlapping Niels Hansen's (Y6, stored past the forms)
// is listed with its rule id and the rule's Danish message; the demo data breaks no rule.
func TestEksportFejlopgoerelse(t *testing.T) {
	t.Parallel()
	b := setupEksport(t, nil)
	b.changeNiels(t, func(ctx context.Context, tx *tenant.Tx, id int64) error {
		start := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
		_, err := tx.InsertYdelse(ctx, domain.Ydelse{SagID: id, Indsatskode: "1.8.2", Startdato: start, Bevillingsdato: &start,
			Betalingskommune: "101", PNummer: "9000000199", AfdelingsUUID: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
			Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2013", Code: "1.1.4", Primaer: true}}})
		return err
	})
	_, file := b.run(t, "101", tenant.NewEksport{Art: tenant.EksportFejl, Format: tenant.FormatCSV,
		Parametre: egneSagerOgYdelser})
	recs := readCSV(t, file)
	want := []string{"CPR-nummer", "Navn", "Niveau", "Indsatskode", "Startdato", "Slutdato", "Indberettet", "Regel", "Felt", "Forklaring"}
	if !slices.Equal(recs[0], want) {
		t.Errorf("header %q, want %q", recs[0], want)
	}
	wantRows := [][]string{
		{nielsHansen, "Niels Hansen", "Ydelse", "1.8.1", "01-09-2016", "", "", "Y6", "Startdato",
			"Borgeren er allerede på et ophold i perioden: 1.8.2 fra 01-01-2017 (uden slutdato)."},
		{nielsHansen, "Niels Hansen", "Ydelse", "1.8.2", "01-01-2017", "", "", "Y6", "Startdato",
			"Borgeren er allerede på et ophold i perioden: 1.8.1 fra 01-09-2016 (uden slutdato)."},
	}
	if !slices.EqualFunc(recs[1:], wantRows, slices.Equal) {
		t.Errorf("rows:\n%q\nwant\n%q", recs[1:], wantRows)
	}
}

// E2, tabel 3: only the stays (residential ydelser), with their place.
func TestEksportTabel3(t *testing.T) {
	t.Parallel()
	b := setupEksport(t, nil)
	_, file := b.run(t, "101", tenant.NewEksport{Art: tenant.EksportTabel3, Format: tenant.FormatCSV,
		Parametre: egneSagerOgYdelser})
	recs := readCSV(t, file)
	if len(recs) < 3 {
		t.Fatalf("%d rows, want the demo's stays", len(recs)-1)
	}
	for _, r := range recs[1:] {
		if !slices.Contains([]string{"1.8.1", "1.8.2", "1.12.0.1"}, r[2]) {
			t.Errorf("row %q is not a stay", r)
		}
	}
	niels := rowsOf(recs, nielsHansen)
	if len(niels) != 1 || niels[0][2] != "1.8.1" || niels[0][6] != "9000000101" {
		t.Errorf("Niels Hansen: %q, want his stay 1.8.1 at P-nummer 9000000101", niels)
	}
}

// A worker that dies mid-export (after the first batch) leaves no part of the file and
// nothing marked done, only the progress it reached; River runs the job again and that
// attempt starts from scratch and makes the whole file.
func TestEksportRetriesFromScratch(t *testing.T) {
	t.Parallel()
	crashed := false
	w := &EksportWorker{batch: 10, afterBatch: func(done int) error {
		if !crashed && done == 10 {
			crashed = true
			return errors.New("worker died")
		}
		return nil
	}}
	b := setupEksport(t, w)
	ctx := context.Background()
	e := b.order(t, "101", tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV,
		Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}})
	if ev := b.wait(t, EksportArgs{}.Kind()); ev.Kind != river.EventKindJobFailed {
		t.Fatalf("first attempt: %s, want failed", ev.Kind)
	}
	var parts int
	var after tenant.Eksport
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) (err error) {
		if err := tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM eksport_dele WHERE eksport_id = $1`, e.ID).Scan(&parts); err != nil {
			return err
		}
		after, err = tx.Eksport(ctx, e.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if parts != 0 || after.Status != tenant.EksportIKoe || after.SagerGennemgaaet != 10 || after.Fejl == "" || after.FaerdigAt != nil {
		t.Errorf("after the crash: %d parts, status %s, progress %d, fejl %q; want no parts, queued again at 10 with the error",
			parts, after.Status, after.SagerGennemgaaet, after.Fejl)
	}
	if ev := b.wait(t, EksportArgs{}.Kind()); ev.Kind != river.EventKindJobCompleted || ev.Job.Attempt != 2 {
		t.Fatalf("retry: %s at attempt %d, want completed at 2", ev.Kind, ev.Job.Attempt)
	}
	done, file := b.file(t, "101", e.ID)
	if recs := readCSV(t, file); len(recs)-1 != demoSager101 || done.Status != tenant.EksportFaerdig || done.Fejl != "" {
		t.Errorf("after the retry: %d rows, status %s, fejl %q; want %d rows, done", len(recs)-1, done.Status, done.Fejl, demoSager101)
	}
}

// TestEksportAttemptLimit: issue 14 #8. An attempt ends at its kind's limit, not at River's
// Timeout (the limit and the margin after it): River's context would still run for a minute,
// the attempt is cut after its 2 s all the same, and its failure is recorded after its
// context ended (eksportFejlTimeout). The deadline stored for the stalled display is the
// attempt's limit. The next attempt, within its limit, makes the file.
func TestEksportAttemptLimit(t *testing.T) {
	t.Parallel()
	// The limit is long enough for the retry's export of the demo sager: milliseconds alone,
	// but once over 2 s under the whole suite on the 2 cores (load 11); the first attempt
	// sleeps past it.
	const limit = 5 * time.Second
	slow := true
	w := &EksportWorker{batch: 10, limit: attemptLimit{limit: limit, margin: time.Minute},
		afterBatch: func(int) error {
			if slow {
				slow = false
				time.Sleep(limit + 500*time.Millisecond)
			}
			return nil
		}}
	b := setupEksport(t, w)
	ctx := context.Background()
	start := time.Now()
	e := b.order(t, "101", tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV,
		Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}})
	ev := b.wait(t, EksportArgs{}.Kind())
	if ev.Kind != river.EventKindJobFailed || !strings.Contains(ev.Job.Errors[0].Error, "deadline exceeded") {
		t.Fatalf("first attempt: %s %v, want failed at its deadline", ev.Kind, ev.Job.Errors)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the attempt ended after %s, want soon after its limit of %s", took, limit)
	}
	var after tenant.Eksport
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) (err error) {
		after, err = tx.Eksport(ctx, e.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != tenant.EksportIKoe || after.Fejl == "" || after.FristAt == nil ||
		after.FristAt.Sub(*after.StartetAt) != limit {
		t.Errorf("after the cut attempt: status %s, fejl %q, deadline %v for the start %v; want queued again with the "+
			"error and the start + %s", after.Status, after.Fejl, after.FristAt, after.StartetAt, limit)
	}
	if ev := b.wait(t, EksportArgs{}.Kind()); ev.Kind != river.EventKindJobCompleted || ev.Job.Attempt != 2 {
		t.Fatalf("retry: %s at attempt %d, want completed at 2", ev.Kind, ev.Job.Attempt)
	}
	if done, file := b.file(t, "101", e.ID); done.Status != tenant.EksportFaerdig || len(readCSV(t, file))-1 != demoSager101 {
		t.Errorf("after the retry: status %s, want done with %d rows", done.Status, demoSager101)
	}
}

// TestEksportDoneStaysDone: issue 14 #8. A job of an export that is done already (an attempt
// that finished it after River took it for dead, then its retry) completes doing nothing:
// the file, its time and its audit record stay as the first attempt made them.
func TestEksportDoneStaysDone(t *testing.T) {
	t.Parallel()
	b := setupEksport(t, nil)
	ctx := context.Background()
	first, file := b.run(t, "101", tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV,
		Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}})
	// River forgets the completed job (uniqueness would refuse a second), and runs another.
	if _, err := b.db.ToolPool().Exec(ctx, `DELETE FROM river_job WHERE kind = $1`, EksportArgs{}.Kind()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.Insert(ctx, EksportArgs{Kommune: "101", EksportID: first.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if ev := b.wait(t, EksportArgs{}.Kind()); ev.Kind != river.EventKindJobCompleted {
		t.Fatalf("the second job: %s %v, want completed", ev.Kind, ev.Job.Errors)
	}
	again, fileAgain := b.file(t, "101", first.ID)
	var finishes int
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'eksport.finish' AND entity_id = $1`,
			strconv.FormatInt(first.ID, 10)).Scan(&finishes)
	})
	if err != nil {
		t.Fatal(err)
	}
	if again.Status != tenant.EksportFaerdig || !again.FaerdigAt.Equal(*first.FaerdigAt) || !bytes.Equal(file, fileAgain) || finishes != 1 {
		t.Errorf("after a second job: status %s, done at %v (first %v), same file %v, %d finish records; want it as it was",
			again.Status, again.FaerdigAt, first.FaerdigAt, bytes.Equal(file, fileAgain), finishes)
	}
}

// TestEksportKillAndRestart: issue 14 #8 with a real worker process. `indberet worker` is
// killed (SIGKILL) while it writes a large export: the export stays marked running without
// a part of its file, and once its attempt's deadline has passed it shows as stalled
// (GaaetIStaa), no longer as running. River's rescuer in a restarted worker runs it again
// after its limit and the margin (11 minutes in production, killTestRescue here), not after
// River's default hour, and the new attempt makes the whole file.
func TestEksportKillAndRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const extra = 30000 // about a second of export
	k := setupKillTest(t, extra)
	db, client := k.db, k.client
	first := k.workers.start()
	e := orderEksport(t, db, client, "101", tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV,
		Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}})
	var parts int
	read := func() tenant.Eksport {
		var got tenant.Eksport
		inScope(t, db, "101", func(tx *tenant.Tx) (err error) {
			if got, err = tx.Eksport(ctx, e.ID); err != nil {
				return err
			}
			return tx.ToolTx().QueryRow(ctx, `SELECT count(*) FROM eksport_dele WHERE eksport_id = $1`, e.ID).Scan(&parts)
		})
		return got
	}
	eventually(t, "the export to be under way", 60*time.Second, func() bool {
		e = read()
		return e.Status == tenant.EksportIGang && e.SagerGennemgaaet > 0
	})
	first.signal(syscall.SIGKILL, 10*time.Second)
	killed := time.Now()
	if e = read(); e.Status != tenant.EksportIGang {
		t.Fatalf("export %s before the kill; the test needs more data to kill it mid-export", e.Status)
	}
	limit := jobLimits(Options{RescueStuckJobsAfter: killTestRescue}).eksport // the attempt's, without the margin
	if parts != 0 || e.FristAt == nil || e.FristAt.Sub(*e.StartetAt).Round(time.Second) != limit {
		t.Fatalf("after the kill: %d parts, deadline %v for the start %v; want no parts and the start + %s",
			parts, e.FristAt, e.StartetAt, limit)
	}
	if e.GaaetIStaa(killed) && killed.Before(*e.FristAt) {
		t.Errorf("stalled before its deadline")
	}
	eventually(t, "the export to show as stalled", limit+5*time.Second, func() bool {
		return read().GaaetIStaa(time.Now())
	})
	if e.SidsteForsoeg {
		t.Error("the first attempt is marked the last")
	}

	second := k.workers.start()
	eventually(t, "the export to be made after the restart", 180*time.Second, func() bool {
		return read().Status == tenant.EksportFaerdig
	})
	second.signal(syscall.SIGTERM, 60*time.Second)
	done, file := eksportFile(t, db, "101", e.ID)
	if recs := readCSV(t, file); len(recs)-1 != demoSager101+extra || done.AntalRaekker != demoSager101+extra {
		t.Errorf("after the restart: %d rows in the file, %d recorded; want %d", len(recs)-1, done.AntalRaekker, demoSager101+extra)
	}
	job, err := client.JobList(ctx, river.NewJobListParams().Kinds(EksportArgs{}.Kind()))
	if err != nil || len(job.Jobs) != 1 || job.Jobs[0].State != rivertype.JobStateCompleted || job.Jobs[0].Attempt < 2 {
		t.Errorf("the export's job after the restart: %+v (%v); want completed at the second attempt or later (rescued)", job, err)
	}
}

// The cleanup deletes exports past their expiry with their files (and says so in the audit
// log), and leaves the others.
func TestEksportCleanup(t *testing.T) {
	t.Parallel()
	b := setupEksport(t, nil)
	ctx := context.Background()
	p := tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV,
		Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}}
	old, _ := b.run(t, "101", p)
	fresh, _ := b.run(t, "101", p)
	other, _ := b.run(t, "147", p)
	for _, k := range []string{"101", "147"} {
		err := b.db.InScope(ctx, tenant.Scope{Kommune: k}, func(tx *tenant.Tx) error {
			_, err := tx.ToolTx().Exec(ctx, `UPDATE eksporter SET udloeber_at = now() - interval '1 minute' WHERE id = ANY($1)`,
				[]int64{old.ID, other.ID})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.client.Insert(ctx, EksportCleanupArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	if ev := b.wait(t, EksportCleanupArgs{}.Kind()); ev.Kind != river.EventKindJobCompleted {
		t.Fatalf("cleanup: %s %v", ev.Kind, ev.Job.Errors)
	}
	var ids []int64
	var parts, audits int
	err := b.db.InScope(ctx, tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT (SELECT array_agg(id ORDER BY id) FROM eksporter),
			(SELECT count(*) FROM eksport_dele WHERE eksport_id <> $1),
			(SELECT count(*) FROM audit_log WHERE action = 'eksport.expire')`, fresh.ID).Scan(&ids, &parts, &audits)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []int64{fresh.ID}) || parts != 0 || audits != 2 {
		t.Errorf("after cleanup: exports %v, %d parts of others, %d audit records; want [%d], 0, 2", ids, parts, audits, fresh.ID)
	}
}

// TestEksportWithoutAFreeConnection: an export whose worker finds no free connection for its
// progress (a pool of one, held by the export's own transaction, as when exports and
// deliveries hold every connection of the pool) finishes all the same; the progress is
// best-effort and never waits longer than eksportProgressTimeout.
func TestEksportWithoutAFreeConnection(t *testing.T) {
	t.Parallel()
	w := &EksportWorker{batch: 10} // the demo's 31 sager of 101: 4 batches, 4 progress writes
	b := setupEksport(t, w)
	sep := "?"
	if strings.Contains(b.ownerURL, "?") {
		sep = "&"
	}
	one, err := tenant.Open(context.Background(), b.ownerURL+sep+"pool_max_conns=1", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(one.Close)
	w.deps.DB = one // before the order: the job reads it only when it runs
	start := time.Now()
	e, file := b.run(t, "101", tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV,
		Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}})
	if e.Status != tenant.EksportFaerdig || len(file) == 0 {
		t.Fatalf("export %+v, %d bytes: want it finished", e, len(file))
	}
	if took, most := time.Since(start), time.Duration(e.SagerIAlt/10+3)*eksportProgressTimeout; took > most {
		t.Errorf("the export took %s, more than a progress timeout per batch (%s)", took, most)
	}
}
