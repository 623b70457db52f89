package app

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
	"indberet/views"
	"indberet/worker"
)

// startWorkers works the jobs of b's database (the export job) until the test ends.
func (b *bundle) startWorkers() {
	b.t.Helper()
	c, err := worker.NewClient(worker.Deps{DB: b.db, Accounts: b.accounts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		worker.Options{Work: true, NoPeriodic: true, SoftStopTimeout: 5 * time.Second})
	if err != nil {
		b.t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- worker.Run(ctx, c) }()
	b.t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			b.t.Errorf("stop workers: %v", err)
		}
	})
}

// cprLog returns the CPR access records of action in kommune: user, number of CPR numbers,
// detail.
func (b *bundle) cprLog(kommune, action string) []string {
	b.t.Helper()
	var out []string
	b.in(kommune, func(ctx context.Context, tx *tenant.Tx) error {
		rows, err := tx.ToolTx().Query(ctx, `SELECT user_email || ' ' || cardinality(cprs) || ' ' || detail
			FROM cpr_access_log WHERE action = $1 ORDER BY id`, action)
		if err == nil {
			out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		return err
	})
	return out
}

var eksportLocationRE = regexp.MustCompile(`^/eksporter/([0-9]+)$`)

// E1 end to end: *Eksporter poster* on Egne IDEP orders the CPR list of the view (Kun
// sager), the page polls its progress until the job is done, the file is a CSV Danish
// Excel opens, and the download is in the CPR access log with the number of CPR numbers.
func TestEksporterPosterEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	list := c.get("/indberetninger/egne?visning=kun-sager&filter=alle").mustStatus(t, http.StatusOK)
	list.mustContain(t, "Eksporter poster", `action="/eksporter"`, `name="visning" value="kun-sager"`)

	r := c.post(views.EksporterPath, url.Values{"art": {"liste"}, "liste": {"egne"}, "visning": {"kun-sager"},
		"filter": {"alle"}, "format": {"csv"}}, true).mustStatus(t, http.StatusSeeOther)
	m := eksportLocationRE.FindStringSubmatch(r.header.Get("Location"))
	if m == nil {
		t.Fatalf("order went to %q, want the export's page", r.header.Get("Location"))
	}
	page := m[0]
	c.get(page).mustStatus(t, http.StatusOK).mustContain(t, "CPR-liste", "Egne IDEP, Kun sager, Alle sager", "I kø",
		`hx-trigger="every 1s"`, `hx-get="`+page+`"`, "<progress")
	// The order, its audit record and its job are one transaction: all three are there.
	var jobs, audits int
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT (SELECT count(*) FROM river_job WHERE kind = 'eksport' AND args->>'eksport_id' = $1),
			(SELECT count(*) FROM audit_log WHERE action = 'eksport.create' AND entity_id = $1)`, m[1]).Scan(&jobs, &audits)
	})
	if jobs != 1 || audits != 1 {
		t.Fatalf("%d jobs and %d audit records for the export, want 1 and 1", jobs, audits)
	}

	b.startWorkers()
	poll := func() response {
		req := httptest.NewRequest("GET", page, nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "eksport-status")
		return c.do(req).mustStatus(t, http.StatusOK)
	}
	var last response
	for deadline := time.Now().Add(30 * time.Second); ; {
		last = poll()
		if strings.Contains(last.body, "<html") {
			t.Fatalf("the polling answer is a whole page:\n%s", last.body)
		}
		if strings.Contains(last.body, "Eksporten er færdig") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("export not done:\n%s", last.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	last.mustContain(t, "31 rækker med 31 CPR-numre", `href="`+page+`/fil"`)
	if strings.Contains(last.body, "hx-trigger") {
		t.Error("a finished export still polls")
	}

	file := c.get(page+"/fil").mustStatus(t, http.StatusOK)
	today := time.Now().In(copenhagen).Format("2006-01-02")
	if cd := file.header.Get("Content-Disposition"); cd != `attachment; filename="indberet-101-cpr-liste-`+today+`.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if ct := file.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.HasPrefix(file.body, "\uFEFF") {
		t.Fatal("the file does not start with the byte order mark")
	}
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(file.body, "\uFEFF")))
	rd.Comma = ';'
	recs, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 32 || strings.Join(recs[0], ";") != "CPR-nummer;Navn;Antal ydelser;Status;Indberettet" {
		t.Errorf("%d records, header %q; want 31 sager and the Kun sager header", len(recs)-1, recs[0])
	}
	if log := b.cprLog("101", "download"); len(log) != 1 ||
		log[0] != "indberetter.101@demo.invalid 31 eksport="+m[1]+" art=liste format=csv antal=31" {
		t.Errorf("CPR access records of the download: %q", log)
	}
	c.get(views.EksporterPath).mustStatus(t, http.StatusOK).mustContain(t, "Eksporter", `href="`+page+`"`, "Hent")
}

// Who may fetch an export (T1–T3, issue 14 #4): a kommune's users with the export right,
// every export of their kommune; DST the exports of All (read only) of any kommune, the
// delivered data, and none of Egne IDEP, whichever kind (its page, its progress and its file
// are 404, as for an id of another kommune); another kommune's users get 404, users without
// the right 403.
func TestEksportAccess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const file = "CPR-nummer\r\n150362-1235\r\n"
	exports := map[string]int64{}
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		for _, n := range []tenant.NewEksport{
			{Art: tenant.EksportListe, Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne}},
			{Art: tenant.EksportTabel3, Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne}},
			{Art: tenant.EksportFejl, Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne}},
			{Art: tenant.EksportListe, Parametre: tenant.EksportParametre{Liste: tenant.ListeAlle}},
		} {
			n.Format, n.Parametre.Visning, n.Parametre.Filter = tenant.FormatCSV, tenant.VisningKunSager, tenant.FilterAlle
			e, err := tenanttest.FinishedEksportOf(ctx, tx, n, file, demo.NielsHansenCPR)
			if err != nil {
				return err
			}
			exports[string(n.Art)+" "+string(n.Parametre.Liste)] = e.ID
		}
		return nil
	})
	var want []string
	for _, tc := range []struct {
		email  string
		status func(name string) int
	}{
		{"indberetter.147@demo.invalid", func(string) int { return http.StatusNotFound }},
		{"laeser.101@demo.invalid", func(string) int { return http.StatusOK }},
		{"uden-ret.101@demo.invalid", func(string) int { return http.StatusForbidden }},
		{"kommuneadmin.101@demo.invalid", func(string) int { return http.StatusForbidden }},
		{"dst@demo.invalid", func(name string) int {
			if strings.HasSuffix(name, " alle") {
				return http.StatusOK
			}
			return http.StatusNotFound
		}},
	} {
		c := b.sessionClient(tc.email)
		for _, name := range slices.Sorted(maps.Keys(exports)) {
			id := exports[name]
			page := "/eksporter/" + strconv.FormatInt(id, 10)
			status := tc.status(name)
			if r := c.get(page); r.status != status {
				t.Errorf("%s GET %s (%s): %d, want %d", tc.email, page, name, r.status, status)
			}
			req := httptest.NewRequest("GET", page, nil)
			req.Header.Set("HX-Request", "true")
			req.Header.Set("HX-Target", views.EksportStatusID)
			if r := c.do(req); r.status != status {
				t.Errorf("%s GET %s (%s, progress): %d, want %d", tc.email, page, name, r.status, status)
			}
			r := c.get(page + "/fil")
			if r.status != status {
				t.Errorf("%s GET %s/fil (%s): %d, want %d", tc.email, page, name, r.status, status)
			}
			if r.status == http.StatusOK {
				if r.body != file {
					t.Errorf("%s: file %q", tc.email, r.body)
				}
				want = append(want, strings.Split(tc.email, "@")[0]+"@demo.invalid 1 eksport="+strconv.FormatInt(id, 10)+
					" art="+strings.Fields(name)[0]+" format=csv antal=1")
			}
		}
	}
	// Every download is in 101's CPR access log, DST's too; 147 learnt nothing.
	if log := b.cprLog("101", "download"); strings.Join(log, "|") != strings.Join(want, "|") {
		t.Errorf("CPR access records:\n%q\nwant\n%q", log, want)
	}
	// 147's list of exports does not show 101's; DST's shows the export of All with the
	// kommune, and none of Egne IDEP.
	if r := b.sessionClient("indberetter.147@demo.invalid").get("/eksporter"); strings.Contains(r.body, "/eksporter/") {
		t.Error("147's list of exports shows 101's exports")
	}
	r := b.sessionClient("dst@demo.invalid").get("/eksporter").mustStatus(t, http.StatusOK)
	r.mustContain(t, "/eksporter/"+strconv.FormatInt(exports["liste alle"], 10), "København (101)")
	for name, id := range exports {
		if !strings.HasSuffix(name, " alle") && strings.Contains(r.body, `"/eksporter/`+strconv.FormatInt(id, 10)+`"`) {
			t.Errorf("DST's list of exports shows 101's export of Egne IDEP (%s)", name)
		}
	}
	b.sessionClient("laeser.101@demo.invalid").get("/eksporter").mustStatus(t, http.StatusOK).
		mustContain(t, `"/eksporter/`+strconv.FormatInt(exports["fejl egne"], 10)+`"`)
	// Not an id, or none.
	c := b.sessionClient("indberetter.101@demo.invalid")
	c.get("/eksporter/abc").mustStatus(t, http.StatusNotFound)
	c.get("/eksporter/0/fil").mustStatus(t, http.StatusNotFound)
}

// Issue 14 #8: an export still marked running after its attempt's deadline has stalled (its
// worker died): its page and the list say "Gået i stå — genstartes automatisk" instead of
// "I gang", and the page keeps polling for the restart. Stalled at the job's last attempt,
// which River does not run again, it shows as failed and stops polling.
func TestEksportGaaetIStaa(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var e tenant.Eksport
	start := func(last bool) {
		b.in("101", func(ctx context.Context, tx *tenant.Tx) (err error) {
			if e.ID == 0 {
				e, err = tx.CreateEksport(ctx, tenant.NewEksport{Art: tenant.EksportListe, Format: tenant.FormatCSV,
					Parametre: tenant.EksportParametre{Liste: tenant.ListeEgne, Visning: tenant.VisningKunSager, Filter: tenant.FilterAlle}})
				if err != nil {
					return err
				}
			}
			if err := tx.StartEksport(ctx, e.ID, 31, tenant.EksportForsoeg{Frist: time.Minute, Sidste: last}); err != nil {
				return err
			}
			return tx.EksportProgress(ctx, e.ID, 10)
		})
	}
	start(false)
	page := views.EksportPath(e.ID)
	c := b.sessionClient("indberetter.101@demo.invalid")
	r := c.get(page).mustStatus(t, http.StatusOK).mustContain(t, "I gang: 10 af 31 sager gennemgået", `hx-trigger="every 1s"`)
	if contains(r.body, "Gået i stå") {
		t.Errorf("a running export within its deadline shows as stalled:\n%s", r.body)
	}
	b.app.now = func() time.Time { return time.Now().Add(61 * time.Second) } // past the attempt's deadline
	c.get(page).mustStatus(t, http.StatusOK).mustContain(t, "Gået i stå — genstartes automatisk: 10 af 31 sager gennemgået",
		"Den startes forfra automatisk", `hx-trigger="every 1s"`)
	c.get(views.EksporterPath).mustStatus(t, http.StatusOK).mustContain(t, "Gået i stå — genstartes automatisk")

	start(true)
	r = c.get(page).mustStatus(t, http.StatusOK).mustContain(t, "Eksporten mislykkedes", msgEksportGaaetIStaa)
	if contains(r.body, "hx-trigger") || contains(r.body, "genstartes automatisk") {
		t.Errorf("a stalled last attempt still polls or promises a restart:\n%s", r.body)
	}
	c.get(views.EksporterPath).mustStatus(t, http.StatusOK).mustContain(t, "Fejlet")
}

// A refused order comes back with Danish messages (422) and orders nothing; a sag of another
// kommune is 404; a file not made yet leads to the export's page; DST orders for a kommune
// it names.
func TestEksportOrderErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.sessionClient("indberetter.101@demo.invalid")
	r := c.post("/eksporter", url.Values{"art": {"liste"}, "liste": {"egne"}, "format": {"pdf"}}, true)
	r.mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, msgEksportFormat)
	r = c.post("/eksporter", url.Values{"art": {"alt"}, "liste": {"andre"}, "format": {"csv"}}, true)
	r.mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, msgEksportArt, msgEksportListe)
	var sag147 int64
	b.in("147", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT min(id) FROM sager`).Scan(&sag147)
	})
	c.post("/eksporter", url.Values{"art": {"liste"}, "liste": {"egne"}, "visning": {"ydelser-ved-sag"},
		"sag": {strconv.FormatInt(sag147, 10)}, "format": {"csv"}}, true).mustStatus(t, http.StatusNotFound)
	if n := b.count("101", `SELECT count(*) FROM eksporter`); n != 0 {
		t.Errorf("refused orders made %d exports", n)
	}
	// Queued: the file is not there yet.
	r = c.post("/eksporter", url.Values{"art": {"fejl"}, "liste": {"egne"}, "format": {"xlsx"}}, true).mustStatus(t, http.StatusSeeOther)
	loc := r.header.Get("Location")
	if r := c.get(loc + "/fil"); r.status != http.StatusSeeOther || r.header.Get("Location") != loc {
		t.Errorf("file of a queued export: %d to %q, want the export's page", r.status, r.header.Get("Location"))
	}
	c.get(loc).mustStatus(t, http.StatusOK).mustContain(t, "Fejlopgørelse", "Excel (XLSX)")

	dst := b.sessionClient("dst@demo.invalid")
	dst.post("/eksporter", url.Values{"art": {"tabel3"}, "liste": {"alle"}, "format": {"csv"}}, true).
		mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, msgEksportKommune)
	dst.post("/eksporter", url.Values{"art": {"tabel3"}, "liste": {"alle"}, "format": {"csv"}, "kommune": {"147"}}, true).
		mustStatus(t, http.StatusSeeOther)
	if n := b.count("147", `SELECT count(*) FROM eksporter WHERE bestilt_af_email = 'dst@demo.invalid' AND art = 'tabel3'`); n != 1 {
		t.Errorf("DST's order for 147: %d exports there, want 1", n)
	}
	// DST exports only what was delivered (S9, T3): not Egne IDEP, nor an undelivered sag;
	// its form offers All only.
	dst.post("/eksporter", url.Values{"art": {"liste"}, "liste": {"egne"}, "format": {"csv"}, "kommune": {"147"}}, true).
		mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, msgEksportAlle, `value="147"`)
	dst.post("/eksporter", url.Values{"art": {"liste"}, "liste": {"alle"}, "visning": {"ydelser-ved-sag"},
		"sag": {strconv.FormatInt(sag147, 10)}, "format": {"csv"}, "kommune": {"147"}}, true).mustStatus(t, http.StatusNotFound)
	if n := b.count("147", `SELECT count(*) FROM eksporter WHERE bestilt_af_email = 'dst@demo.invalid'`); n != 1 {
		t.Errorf("DST's refused orders for 147: %d exports there, want only the tabel3", n)
	}
	dst.get("/eksporter").mustStatus(t, http.StatusOK).mustContain(t, `value="alle"`).mustNotContain(t, `<option value="egne"`)
	// A kommune's user cannot order for another kommune: the field is ignored.
	c.post("/eksporter", url.Values{"art": {"liste"}, "liste": {"egne"}, "format": {"csv"}, "kommune": {"147"}}, true).
		mustStatus(t, http.StatusSeeOther)
	if n := b.count("147", `SELECT count(*) FROM eksporter WHERE bestilt_af_email = 'indberetter.101@demo.invalid'`); n != 0 {
		t.Errorf("101's user ordered %d exports in 147", n)
	}
}

// count runs a count query in kommune's scope.
func (b *bundle) count(kommune, sql string) int {
	b.t.Helper()
	var n int
	b.in(kommune, func(ctx context.Context, tx *tenant.Tx) error { return tx.ToolTx().QueryRow(ctx, sql).Scan(&n) })
	return n
}
