package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
	"indberet/worker"
)

// The delivery screens: Hent data fra Danmarks Statistik (I5), DST's Leveringsoversigt with
// Start levering (I1, K1, T3) and the Udbakke (I3).

// testDocument is the document of a leverance made by insertReceipt: two records, one CPR.
func testDocument(periode string) []byte { return testDocumentOf(periode, demo.NielsHansenCPR) }

// testDocumentOf is testDocument with cpr in place of Niels Hansen's.
func testDocumentOf(periode, cpr string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?><Leverance periode="` + periode + `">` +
		`<R><CPR>` + cpr + `</CPR></R><R><CPR>` + cpr + `</CPR></R></Leverance>`)
}

// insertReceipt stores a leverance of periode for tx's kommune and records its receipt (as
// the receipt job does without SMTP_URL), returning both ids.
func insertReceipt(ctx context.Context, tx *tenant.Tx, periode string) (leverance, mail int64, err error) {
	return insertReceiptOf(ctx, tx, periode, demo.NielsHansenCPR)
}

// insertReceiptOf is insertReceipt of a leverance that holds cpr.
func insertReceiptOf(ctx context.Context, tx *tenant.Tx, periode, cpr string) (leverance, mail int64, err error) {
	k := tx.Scope().Kommune
	leverance, err = tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: periode, CPRs: []string{cpr}, SHA256: strings.Repeat("c", 64), Tal: tenant.LeveranceTal{Sager: 1, Ydelser: 2, Nye: 1, Aendrede: 1, Afsluttede: 1}}, testDocumentOf(periode, cpr))
	if err != nil {
		return 0, 0, err
	}
	m, err := tx.InsertMail(ctx, tenant.NewMail{Kind: tenant.MailKvittering, LeveranceID: leverance, ToName: "Kvittering Demoperson",
		ToAddress: "kvittering." + k + "@demo.invalid", From: "Indberet <noreply@localhost>",
		Subject: "Kvittering for indberetning til Danmarks Statistik: " + k + ", " + periode,
		Text:    "Kære Kvittering Demoperson\n\nSager: 1", HTML: "<p>Kære Kvittering Demoperson</p>",
		MessageID: "kvittering-" + k + "-" + periode + "@localhost", Status: tenant.MailGemtLokalt})
	return leverance, m.ID, err
}

// deliveries gives 101 and 147 a leverance each with its receipt, and returns their ids by
// kommune.
func (b *bundle) deliveries() (leverancer, mails map[string]int64) {
	leverancer, mails = map[string]int64{}, map[string]int64{}
	for _, k := range []string{"101", "147"} {
		b.in(k, func(ctx context.Context, tx *tenant.Tx) (err error) {
			leverancer[k], mails[k], err = insertReceipt(ctx, tx, "2026M09")
			return err
		})
	}
	return leverancer, mails
}

func TestLeverancerKommune(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lev, _ := b.deliveries()
	c := b.client()
	c.login("indberetter.101@demo.invalid")

	// I5: the kommune's own leverancer with counts and receipt, none of 147's.
	r := c.get("/leverancer").mustStatus(t, http.StatusOK).
		mustContain(t, "<h1>Hent data fra Danmarks Statistik</h1>", "2026M09", "Gemt lokalt", "Hent XML",
			`href="/leverancer/`+strconv.FormatInt(lev["101"], 10)+`/dokument"`)
	if contains(r.body, "/leverancer/"+strconv.FormatInt(lev["147"], 10)) || contains(r.body, `id="leverancer-kommune"`) {
		t.Errorf("101's list shows 147's leverance or the kommune filter")
	}
	// An indberetter does not read e-mails: the receipt's state is shown without a link.
	if contains(r.body, "/udbakke/") {
		t.Errorf("the list links to the Udbakke for an indberetter")
	}
	c.get("/leverancer/"+strconv.FormatInt(lev["101"], 10)).mustStatus(t, http.StatusOK).
		mustContain(t, "Levering 2026M09", strings.Repeat("c", 64), "Afsluttede sager")

	// T1: 147's leverance does not exist for 101, and its download logs nothing.
	c.get("/leverancer/"+strconv.FormatInt(lev["147"], 10)).mustStatus(t, http.StatusNotFound)
	c.get("/leverancer/"+strconv.FormatInt(lev["147"], 10)+"/dokument").mustStatus(t, http.StatusNotFound)
	c.get("/leverancer/abc/dokument").mustStatus(t, http.StatusNotFound)
	if log := tenanttest.CPRAccessLog(t, b.db, "147"); len(log) != 0 {
		t.Errorf("147's CPR log after 101's attempt: %+v", log)
	}

	// The download: the document as delivered, an attachment named by kommune and periode,
	// and a CPR access record of its CPR numbers under 101.
	r = c.get("/leverancer/"+strconv.FormatInt(lev["101"], 10)+"/dokument").mustStatus(t, http.StatusOK)
	if r.body != string(testDocument("2026M09")) {
		t.Errorf("document %q", r.body)
	}
	if got := r.header.Get("Content-Disposition"); got != `attachment; filename="leverance-101-2026M09.xml"` {
		t.Errorf("Content-Disposition %q", got)
	}
	if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, "application/xml") {
		t.Errorf("Content-Type %q", got)
	}
	want := tenanttest.CPRAccess{UserEmail: "indberetter.101@demo.invalid", Action: "download",
		Detail: fmt.Sprintf("leverance=%d periode=2026M09", lev["101"]), CPRs: []string{demo.NielsHansenCPR}}
	if log := tenanttest.CPRAccessLog(t, b.db, "101"); !slices.ContainsFunc(log, func(a tenanttest.CPRAccess) bool {
		return a.UserEmail == want.UserEmail && a.Action == want.Action && a.Detail == want.Detail && slices.Equal(a.CPRs, want.CPRs)
	}) {
		t.Errorf("101's CPR log %+v lacks %+v", log, want)
	}
}

func TestLeverancerDST(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lev, mails := b.deliveries()
	c := b.client()
	c.login("dst@demo.invalid")
	// T3: every kommune's, with the kommune and a filter; the receipt links to the Udbakke.
	r := c.get("/leverancer").mustStatus(t, http.StatusOK).mustContain(t, `id="leverancer-kommune"`,
		"/leverancer/"+strconv.FormatInt(lev["101"], 10), "/leverancer/"+strconv.FormatInt(lev["147"], 10),
		`href="/udbakke/`+strconv.FormatInt(mails["101"], 10)+`"`)
	if !contains(r.body, "(101)") || !contains(r.body, "(147)") {
		t.Errorf("kommune column missing")
	}
	r = c.get("/leverancer?kommune=147").mustStatus(t, http.StatusOK)
	if contains(r.body, "/leverancer/"+strconv.FormatInt(lev["101"], 10)) || !contains(r.body, "/leverancer/"+strconv.FormatInt(lev["147"], 10)) {
		t.Errorf("the filter on 147 shows: %s", r.body)
	}
	c.get("/leverancer?kommune=999&efter=x").mustStatus(t, http.StatusOK) // unknown values are ignored

	// DST's download is recorded under the leverance's kommune.
	c.get("/leverancer/"+strconv.FormatInt(lev["147"], 10)+"/dokument").mustStatus(t, http.StatusOK)
	log := tenanttest.CPRAccessLog(t, b.db, "147")
	if len(log) != 1 || log[0].UserEmail != "dst@demo.invalid" || log[0].Action != "download" {
		t.Errorf("147's CPR log after DST's download: %+v", log)
	}
	c.get("/leverancer/999999/dokument").mustStatus(t, http.StatusNotFound)
}

// Paging: 50 a page, newest first, the next page from the last id.
func TestLeverancerPaging(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		for i := range 52 {
			if _, _, err := insertReceipt(ctx, tx, fmt.Sprintf("%04dM01", 1970+i)); err != nil {
				return err
			}
		}
		return nil
	})
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	for _, path := range []string{"/leverancer", "/udbakke"} {
		r := c.get(path).mustStatus(t, http.StatusOK).mustContain(t, "2021M01")
		if contains(r.body, "1971M01") {
			t.Errorf("%s: the first page holds the second oldest", path)
		}
		i := strings.Index(r.body, path+"?efter=")
		if i < 0 {
			t.Fatalf("%s: no next page link", path)
		}
		next := r.body[i : i+strings.IndexByte(r.body[i:], '"')]
		r = c.get(next).mustStatus(t, http.StatusOK).mustContain(t, "1970M01", "1971M01")
		if contains(r.body, "2021M01") || contains(r.body, "?efter=") {
			t.Errorf("%s: second page %s", path, next)
		}
	}
}

func TestLeveringOverview(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.deliveries()
	c := b.client()
	c.login("dst@demo.invalid")
	r := c.get("/levering").mustStatus(t, http.StatusOK).mustContain(t, "<h1>Leveringsoversigt</h1>", "Start levering",
		`value="`+domain.PeriodeBefore(time.Now())+`"`, "Alle aktive kommuner", "2026M09", "Gemt lokalt",
		"1 kommune mangler kontaktpersoner",
		"Mangler: Fagligt ansvarlig, Teknisk ansvarlig og Kvitteringsmodtager", "Ikke leveret endnu")
	// 751 has no contact persons and no delivery; 101 and 147 have both.
	row := func(kode string) string {
		i := strings.Index(r.body, "("+kode+")</th>")
		if i < 0 {
			t.Fatalf("no row of %s", kode)
		}
		return r.body[i : i+strings.Index(r.body[i:], "</tr>")]
	}
	if !contains(row("751"), "Mangler") || !contains(row("751"), "Ikke leveret endnu") {
		t.Errorf("751's row: %s", row("751"))
	}
	if !contains(row("101"), "Angivet") || !contains(row("101"), "2026M09") {
		t.Errorf("101's row: %s", row("101"))
	}

	// A kommune's user is sent to the kommune's own deliveries.
	k := b.client()
	k.login("laeser.101@demo.invalid")
	if r := k.get("/levering"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/leverancer" {
		t.Errorf("laeser on /levering: %d %q", r.status, r.header.Get("Location"))
	}
}

// Issue 14 #8: DST's overview lists the deliveries not finished with their state, and one
// still running after a delivery's limit (its worker died) as stalled, not as running.
func TestLeveringIGang(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c := b.client()
	c.login("dst@demo.invalid")
	if r := c.get("/levering").mustStatus(t, http.StatusOK); contains(r.body, "Leveringer i gang") {
		t.Error("the overview shows deliveries in progress without any")
	}
	for _, k := range []struct {
		kommune, set string
	}{
		{"101", `state = 'running', attempt = 1, attempted_at = now() - interval '31 minutes'`}, // past its limit (30 min)
		{"147", `state = 'running', attempt = 2, attempted_at = now() - interval '1 minute'`},
		{"751", `state = 'available'`},
	} {
		res, err := b.app.deps.Jobs.Insert(ctx, worker.DeliveryKommuneArgs{Kommune: k.kommune, Periode: "2026M09"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.db.ToolPool().Exec(ctx, `UPDATE river_job SET `+k.set+` WHERE id = $1`, res.Job.ID); err != nil {
			t.Fatal(err)
		}
	}
	r := c.get("/levering").mustStatus(t, http.StatusOK).mustContain(t, "<h2 class=\"mt-7\">Leveringer i gang</h2>")
	table := r.body[strings.Index(r.body, `id="levering-i-gang"`):]
	table = table[:strings.Index(table, "</table>")]
	for kommune, want := range map[string]string{
		"København (101)":     "Gået i stå — genstartes automatisk",
		"Frederiksberg (147)": "I gang siden ",
		"Aarhus (751)":        "I kø",
	} {
		i := strings.Index(table, kommune+"</th>")
		if i < 0 {
			t.Fatalf("no row of %s:\n%s", kommune, table)
		}
		row := html.UnescapeString(table[i : i+strings.Index(table[i:], "</tr>")])
		if !contains(row, "2026M09") || !contains(row, want) {
			t.Errorf("%s's row %q, want 2026M09 and %q", kommune, row, want)
		}
	}
	if contains(table, "(forsøg 1") {
		t.Error("the stalled delivery shows as running")
	}
}

func TestStartLevering(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.deliveries() // 101 and 147 have delivered 2026M09: their next periode is 2026M10 (I7)
	c := b.client()
	c.login("dst@demo.invalid")
	c.get("/levering")
	latest := domain.PeriodeBefore(time.Now()) // 751's next: the month before its activation

	// Bad input: 422 with a Danish message and the typed values kept; nothing enqueued.
	for _, tc := range []struct{ periode, kommune, msg string }{
		{"", "", "Angiv en periode, fx " + latest + "."},
		{"2026-08", "", `Ugyldig periode "2026-08"`},
		{"2999M01", "", "Periode 2999M01 er ikke afsluttet"},
		{"2999M01", "101", "Periode 2999M01 er ikke afsluttet: den seneste periode, der kan leveres, er " + latest +
			". Næste periode for København (101) er 2026M10."},
		{"2026M08", "999", `Kommune "999" findes ikke eller er ikke aktiv.`},
		// I7: only the kommune's next periode.
		{"2026M08", "101", "Periode 2026M08 kan ikke leveres for København (101): perioderne leveres i rækkefølge, " +
			"én gang hver, og næste periode for København (101) er 2026M10."},
		{"2026M11", "147", "næste periode for Frederiksberg (147) er 2026M10."},
		{"2026M08", "", "Periode 2026M08 kan ikke leveres: perioderne leveres i rækkefølge, én gang hver; næste periode for " +
			"København (101) og Frederiksberg (147) er 2026M10; næste periode for Aarhus (751) er " + latest + "."},
	} {
		r := c.post("/levering", url.Values{"periode": {tc.periode}, "kommune": {tc.kommune}}, true).
			mustStatus(t, http.StatusUnprocessableEntity)
		if body := html.UnescapeString(r.body); !contains(body, tc.msg) || !contains(body, "Leveringsoversigt") {
			t.Errorf("%q for %q: no %q", tc.periode, tc.kommune, tc.msg)
		}
		if tc.periode != "" && !contains(r.body, `value="`+tc.periode+`"`) {
			t.Errorf("%q: the typed periode is not kept", tc.periode)
		}
	}
	if n := len(b.kommuneJobs(t)); n != 0 {
		t.Fatalf("%d deliveries enqueued by refused starts", n)
	}
	// Missing CSRF: 403, nothing enqueued.
	c.post("/levering", url.Values{"periode": {"2026M10"}}, false).mustStatus(t, http.StatusForbidden)

	// A start enqueues the kommune's delivery with its audit record, and says so.
	r := c.post("/levering", url.Values{"periode": {"2026M10"}, "kommune": {"101"}}, true).mustStatus(t, http.StatusSeeOther)
	if r.header.Get("Location") != "/levering" {
		t.Errorf("redirect to %q", r.header.Get("Location"))
	}
	c.get("/levering").mustContain(t, "Leveringen af 2026M10 er sat i kø for København (101).")
	if n := len(b.kommuneJobs(t)); n != 1 {
		t.Errorf("%d deliveries enqueued, want 1", n)
	}
	if n := b.auditCount("levering.start"); n != 1 {
		t.Errorf("%d audit records levering.start, want 1", n)
	}
	// The same start again: it is queued already, not an error and not a second delivery.
	c.post("/levering", url.Values{"periode": {"2026M10"}, "kommune": {"101"}}, true).mustStatus(t, http.StatusSeeOther)
	c.get("/levering").mustContain(t, "Leveringen af 2026M10 for København (101) er allerede sat i kø. Den er ikke startet igen.")
	if n := len(b.kommuneJobs(t)); n != 1 || b.auditCount("levering.start") != 1 {
		t.Errorf("%d deliveries after the second start, want 1", n)
	}
	// A periode the kommune has delivered: nothing to do (I2).
	c.post("/levering", url.Values{"periode": {"2026M09"}, "kommune": {"147"}}, true).mustStatus(t, http.StatusSeeOther)
	c.get("/levering").mustContain(t, "Perioden 2026M09 er allerede leveret for Frederiksberg (147). Der er intet at levere.")
	if n := len(b.kommuneJobs(t)); n != 1 || b.auditCount("levering.start") != 1 {
		t.Errorf("%d deliveries after starting a delivered periode, want 1", n)
	}
	// All kommuner: enqueued for those whose next periode it is, and it says which are
	// queued already and which have another periode next.
	c.post("/levering", url.Values{"periode": {"2026M10"}}, true).mustStatus(t, http.StatusSeeOther)
	c.get("/levering").mustContain(t, "Leveringen af 2026M10 er sat i kø for Frederiksberg (147). Allerede i kø: København (101). "+
		"Ikke startet, fordi perioderne leveres i rækkefølge: næste periode for Aarhus (751) er "+latest+".")
	if n := len(b.kommuneJobs(t)); n != 2 {
		t.Errorf("%d deliveries, want 2", n)
	}

	// A kommune whose delivery failed and waits for River's retry is tried again now (I9).
	if _, err := b.db.ToolPool().Exec(context.Background(), `UPDATE river_job SET state = 'retryable', attempt = 1,
		scheduled_at = now() + interval '1 hour',
		errors = ARRAY[jsonb_build_object('at', now(), 'attempt', 1, 'error', 'conflict')]
		WHERE args->>'kommune' = '101'`); err != nil {
		t.Fatal(err)
	}
	c.post("/levering", url.Values{"periode": {"2026M10"}, "kommune": {"101"}}, true).mustStatus(t, http.StatusSeeOther)
	c.get("/levering").mustContain(t, "Leveringen af 2026M10 for København (101) er allerede sat i kø. Den er ikke startet igen. "+
		"Leveringen fejlede sidst for København (101) og prøves igen nu.")
	var state string
	if err := b.db.ToolPool().QueryRow(context.Background(), `SELECT state FROM river_job WHERE args->>'kommune' = '101'
		AND scheduled_at <= now()`).Scan(&state); err != nil || state != "available" {
		t.Errorf("101's job after the start: %q (%v), want available now", state, err)
	}
	if n := b.auditCount("levering.start"); n != 3 {
		t.Errorf("%d audit records levering.start, want 3 (101, the run of 147, the retry)", n)
	}
}

// Issue 15 #1 (I7): a periode that is not the kommune's next is refused with a Danish
// message that says which is next, the typed values kept (422), and nothing is enqueued.
func TestStartLeveringRefusesAnyOtherPeriode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("dst@demo.invalid")
	c.get("/levering")
	next := domain.PeriodeBefore(time.Now()) // the month before the demo activated København
	r := c.post("/levering", url.Values{"periode": {"2012M01"}, "kommune": {"101"}}, true).mustStatus(t, http.StatusUnprocessableEntity)
	r.mustContain(t, `value="2012M01"`, `<option value="101" selected`)
	if want := "næste periode for København (101) er " + next + "."; !contains(html.UnescapeString(r.body), want) {
		t.Errorf("no %q in the refusal", want)
	}
	if n := len(b.kommuneJobs(t)); n != 0 {
		t.Errorf("%d deliveries enqueued for 2012M01", n)
	}
	// The overview shows each kommune's next periode.
	if row := leveringRow(t, c.get("/levering").body, "101"); !contains(row, `<td class="levering-naeste">`+next+`</td>`) {
		t.Errorf("101's row does not show its next periode %s: %s", next, row)
	}
}

// Issue 15 #2 (I2, I7): uniqueness is per kommune and periode. A second run of a periode
// after a kommune was activated delivers exactly that kommune, and names those that have
// delivered it.
func TestStartLeveringAgainDeliversTheOthers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c := b.client()
	c.login("dst@demo.invalid")
	c.get("/levering")
	periode := domain.PeriodeBefore(time.Now())
	c.post("/levering", url.Values{"periode": {periode}}, true).mustStatus(t, http.StatusSeeOther)
	c.get("/levering").mustContain(t, "Leveringen af "+periode+" er sat i kø for København (101), Frederiksberg (147) og Aarhus (751).")
	// The three are delivered, their jobs completed (as the worker would).
	for _, k := range []string{"101", "147", "751"} {
		b.in(k, func(ctx context.Context, tx *tenant.Tx) error {
			_, _, err := insertReceipt(ctx, tx, periode)
			return err
		})
	}
	if _, err := b.db.ToolPool().Exec(ctx, `UPDATE river_job SET state = 'completed', finalized_at = now(), attempt = 1`); err != nil {
		t.Fatal(err)
	}
	p := b.client()
	p.login("platform@demo.invalid")
	p.get("/kommuner/461")
	p.post("/kommuner/461/aktiver", nil, true).mustStatus(t, http.StatusSeeOther)

	c.post("/levering", url.Values{"periode": {periode}}, true).mustStatus(t, http.StatusSeeOther)
	c.get("/levering").mustContain(t, "Leveringen af "+periode+" er sat i kø for Odense (461). "+
		"Allerede leveret for perioden, leveres ikke igen: København (101), Frederiksberg (147) og Aarhus (751).")
	jobs := b.kommuneJobs(t)
	if len(jobs) != 4 || jobs[0] != (worker.DeliveryKommuneArgs{Kommune: "461", Periode: periode}) {
		t.Errorf("delivery jobs %v, want the three and Odense's", jobs)
	}
}

// Issue 15 #3 (I7): "Seneste periode" is the latest by periode, not the latest made.
func TestLeveringSenestePeriodeByPeriode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, p := range []string{"2026M11", "2026M08"} {
		b.in("147", func(ctx context.Context, tx *tenant.Tx) error { _, _, err := insertReceipt(ctx, tx, p); return err })
	}
	c := b.client()
	c.login("dst@demo.invalid")
	row := leveringRow(t, c.get("/levering").mustStatus(t, http.StatusOK).body, "147")
	if !contains(row, ">2026M11</a>") || contains(row, "2026M08") || !contains(row, `<td class="levering-naeste">2026M12</td>`) {
		t.Errorf("147's row, want 2026M11 as the latest and 2026M12 as the next: %s", row)
	}
}

// leveringRow is kommune's row of the table of kommuner on /levering.
func leveringRow(t *testing.T, body, kommune string) string {
	t.Helper()
	body = body[strings.Index(body, `id="levering"`):]
	i := strings.Index(body, "("+kommune+")</th>")
	if i < 0 {
		t.Fatalf("no row of %s", kommune)
	}
	return body[i : i+strings.Index(body[i:], "</tr>")]
}

// kommuneJobs are the delivery_kommune jobs in River's queue, newest first.
func (b *bundle) kommuneJobs(t *testing.T) []worker.DeliveryKommuneArgs {
	t.Helper()
	res, err := b.app.deps.Jobs.JobList(context.Background(), river.NewJobListParams().
		Kinds(worker.DeliveryKommuneArgs{}.Kind()).OrderBy(river.JobListOrderByID, river.SortOrderDesc))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]worker.DeliveryKommuneArgs, len(res.Jobs))
	for i, j := range res.Jobs {
		if err := json.Unmarshal(j.EncodedArgs, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// auditCount is the number of audit records with action (any kommune).
func (b *bundle) auditCount(action string) int {
	var n int
	err := b.db.InScope(context.Background(), tenant.Scope{AllKommuner: true}, func(tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1`, action).Scan(&n)
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

func TestUdbakke(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lev, mails := b.deliveries()
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.SetMailStatus(ctx, mails["101"], tenant.MailAttempt{Status: tenant.MailFejlet, Attempted: true,
			Error: "550 5.1.1 Mailbox does not exist"})
	})
	admin := b.client()
	admin.login("kommuneadmin.101@demo.invalid")
	// The kommune's own e-mails, with the failure visible; without SMTP_URL the page says so.
	r := admin.get("/udbakke").mustStatus(t, http.StatusOK).mustContain(t, "<h1>Udbakke</h1>", "Fejlet",
		"550 5.1.1 Mailbox does not exist", "Kvittering Demoperson <kvittering.101@demo.invalid>", "SMTP_URL")
	if contains(r.body, "kvittering.147@demo.invalid") {
		t.Errorf("101's Udbakke shows 147's e-mail")
	}
	id := strconv.FormatInt(mails["101"], 10)
	admin.get("/udbakke/"+id).mustStatus(t, http.StatusOK).mustContain(t, "Kære Kvittering Demoperson\n\nSager: 1",
		"<kvittering-101-2026M09@localhost>", "Vis HTML-udgaven", "/leverancer/"+strconv.FormatInt(lev["101"], 10))
	r = admin.get("/udbakke/"+id+"/html").mustStatus(t, http.StatusOK).mustContain(t, "<p>Kære Kvittering Demoperson</p>")
	if csp := r.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox;") {
		t.Errorf("the HTML body's CSP is %q", csp)
	}
	// T1: 147's e-mail is not found; a laeser has no Udbakke.
	admin.get("/udbakke/"+strconv.FormatInt(mails["147"], 10)).mustStatus(t, http.StatusNotFound)
	admin.get("/udbakke/"+strconv.FormatInt(mails["147"], 10)+"/html").mustStatus(t, http.StatusNotFound)
	laeser := b.client()
	laeser.login("laeser.101@demo.invalid")
	laeser.get("/udbakke").mustStatus(t, http.StatusForbidden)
	// DST and the platform administrator read every kommune's.
	for _, email := range []string{"dst@demo.invalid", "platform@demo.invalid"} {
		c := b.client()
		c.login(email)
		c.get("/udbakke").mustStatus(t, http.StatusOK).mustContain(t, "kvittering.101@demo.invalid", "kvittering.147@demo.invalid")
		c.get("/udbakke/"+strconv.FormatInt(mails["147"], 10)).mustStatus(t, http.StatusOK)
		c.get("/udbakke?kommune=147").mustStatus(t, http.StatusOK).mustContain(t, "kvittering.147@demo.invalid").
			mustNotContain(t, "kvittering.101@demo.invalid")
	}
}

// The start page has a card for each delivery screen the user may use.
func TestLeveringHomeLinks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for email, want := range map[string][]bool{ // Hent data, Leveringsoversigt, Udbakke
		"indberetter.101@demo.invalid":  {true, false, false},
		"kommuneadmin.101@demo.invalid": {true, false, true},
		"dst@demo.invalid":              {true, true, true},
		"platform@demo.invalid":         {false, false, true},
	} {
		c := b.client()
		c.login(email)
		r := c.get("/")
		for i, href := range []string{`href="/leverancer"`, `href="/levering"`, `href="/udbakke"`} {
			if contains(r.body, href) != want[i] {
				t.Errorf("%s: link %s shown %v, want %v", email, href, !want[i], want[i])
			}
		}
	}
}

// TestLeveranceDokumentStreamed: a document stored in gzip parts (00016) downloads as the
// XML it is, and with Accept-Encoding: gzip as the stored gzip stream; the CPR access record
// holds every CPR number of it, as the delivery stored them (I5).
func TestLeveranceDokumentStreamed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var doc bytes.Buffer
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<L>")
	var cprs []string
	for i := range 40000 { // some 3 MB: several parts of gzip
		cpr := fmt.Sprintf("01018%05d", i)
		cprs = append(cprs, cpr)
		fmt.Fprintf(&doc, "<R><CPR>%s</CPR><X>%x</X></R>\n", cpr, sha256.Sum256([]byte(cpr)))
	}
	doc.WriteString("</L>\n")
	sum := sha256.Sum256(doc.Bytes())
	var id int64
	b.in("101", func(ctx context.Context, tx *tenant.Tx) (err error) {
		if id, err = tx.ReserveLeveranceID(ctx); err != nil {
			return err
		}
		w := tx.NewLeveranceDocument(ctx, id)
		if _, err := w.Write(doc.Bytes()); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		_, err = tx.InsertLeverance(ctx, tenant.NewLeverance{ID: id, Periode: "2026M08", Bytes: int64(doc.Len()), CPRs: cprs,
			GzipSize: w.GzipSize(), SHA256: hex.EncodeToString(sum[:])})
		return err
	})
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	path := "/leverancer/" + strconv.FormatInt(id, 10) + "/dokument"
	if r := c.get(path).mustStatus(t, http.StatusOK); r.body != doc.String() {
		t.Errorf("document: %d bytes, want %d", len(r.body), doc.Len())
	}
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	r := c.do(req)
	if r.status != http.StatusOK || r.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip download: %d, Content-Encoding %q", r.status, r.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, doc.Bytes()) {
		t.Errorf("gzip download: %d bytes unzipped (%v), want %d", len(got), err, doc.Len())
	}
	n := 0
	for _, a := range tenanttest.CPRAccessLog(t, b.db, "101") {
		if a.Action == "download" && a.Detail == fmt.Sprintf("leverance=%d periode=2026M08", id) {
			n++
			if !slices.Equal(a.CPRs, cprs) {
				t.Errorf("CPR record of the download: %d CPR numbers, want the %d of the document", len(a.CPRs), len(cprs))
			}
		}
	}
	if n != 2 {
		t.Errorf("%d CPR records of the two downloads", n)
	}
}

// TestLeveranceDokumentOnlyForReaders: a leverance's XML document holds CPR numbers and the
// delivered sager's fields, so a kommune administrator who grants rights without holding the
// data right (T2) sees the leverance, its counts and receipt, but neither the link to the
// document nor the document (403); given laeser, they may (access.DeliveryDocument).
func TestLeveranceDokumentOnlyForReaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	leverancer, _ := b.deliveries()
	id := strconv.FormatInt(leverancer["101"], 10)
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	c.get("/leverancer").mustStatus(t, http.StatusOK).mustContain(t, "2026M09").mustNotContain(t, "Hent XML")
	c.get("/leverancer/"+id).mustStatus(t, http.StatusOK).mustContain(t, "kan hentes af kommunens indberettere og læsere").
		mustNotContain(t, "Hent XML-dokumentet")
	r := c.get("/leverancer/"+id+"/dokument").mustStatus(t, http.StatusForbidden)
	if strings.Contains(r.body, demo.NielsHansenCPR) {
		t.Error("the refusal shows the document's CPR number")
	}
	b.grantDataRight("kommuneadmin.101@demo.invalid") // ends their sessions
	c.login("kommuneadmin.101@demo.invalid")
	c.get("/leverancer").mustContain(t, "Hent XML")
	c.get("/leverancer/"+id+"/dokument").mustStatus(t, http.StatusOK).mustContain(t, demo.NielsHansenCPR)
}

// Issue 15 #4 (I9): DST sees each kommune's delivery of the current periode: Leveret,
// Forsinket when it was not delivered by the 14th at 02:00 plus the grace period, Fejlet
// with the reason of its job's last error, I kø.
func TestLeveringStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	tenanttest.FoerstePeriode(t, b.db, "2026M10")
	b.app.now = func() time.Time { return time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC) } // 2026M10 was due 14-11-2026
	for _, p := range []string{"2026M10", "2026M11"} {
		b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
			_, _, err := insertReceipt(ctx, tx, p)
			return err
		})
	}
	res, err := b.app.deps.Jobs.Insert(ctx, worker.DeliveryKommuneArgs{Kommune: "147", Periode: "2026M10"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.ToolPool().Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now(), attempt = 10,
		errors = ARRAY[jsonb_build_object('at', now(), 'attempt', 10, 'error', 'mark ydelser delivered: conflict')]
		WHERE id = $1`, res.Job.ID); err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("dst@demo.invalid")
	status := func(kommune string) string {
		t.Helper()
		row := leveringRow(t, c.get("/levering").mustStatus(t, http.StatusOK).body, kommune)
		i := strings.Index(row, `<td class="levering-status">`)
		if i < 0 {
			t.Fatalf("no status in %s's row: %s", kommune, row)
		}
		return html.UnescapeString(row[i : i+strings.Index(row[i:], "</td>")])
	}
	if s := status("101"); !contains(s, ">Leveret<") || contains(s, "kvittering-fejlet") {
		t.Errorf("101: %s, want Leveret", s)
	}
	if s := status("147"); !contains(s, `<span class="kvittering-fejlet">Fejlet</span>`) || !contains(s, "mark ydelser delivered: conflict") {
		t.Errorf("147: %s, want Fejlet with the job's last error", s)
	}
	if s := status("751"); !contains(s, `<span class="kvittering-fejlet">Forsinket</span>`) ||
		!contains(s, "2026M10 skulle være leveret 14-11-2026 02:00") {
		t.Errorf("751: %s, want Forsinket since 14-11-2026", s)
	}
	// Before the run of the 14th the current periode is not late: it waits for the run.
	b.app.now = func() time.Time { return time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC) }
	if s := status("751"); !contains(s, ">Afventer kørslen 14-11-2026<") || contains(s, "kvittering-fejlet") {
		t.Errorf("751 before the run: %s", s)
	}
	if _, err := b.app.deps.Jobs.Insert(ctx, worker.DeliveryKommuneArgs{Kommune: "751", Periode: "2026M10"}, nil); err != nil {
		t.Fatal(err)
	}
	if s := status("751"); !contains(s, ">I kø<") {
		t.Errorf("751 with its job queued: %s, want I kø", s)
	}
}
