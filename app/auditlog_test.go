package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
	"indberet/views"
)

// The log viewers (auditlog.go): /revision and /cpr-adgang for kommune administrators (their
// kommune, T1), DST and platform administrators (every kommune, T3); each filter, the pages,
// each refused filter (422 with the values kept), and the CPR number only ever in POST bodies.

// logTestChange renames Niels Hansen n times as indberetter.101 from 192.0.2.7, and writes a
// record in 147 by a user whose name must never show in 101.
func (b *bundle) logTestChange(n int) int64 {
	b.t.Helper()
	ctx := context.Background()
	niels := sagIDByCPR(b.t, b, "101", demo.NielsHansenCPR)
	as := tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "indberetter.101@demo.invalid", IP: "192.0.2.7"}}
	err := b.db.InScope(ctx, as, func(tx *tenant.Tx) error {
		for i := range n {
			s, err := tx.Sag(ctx, niels)
			if err != nil {
				return err
			}
			s.Navn = fmt.Sprintf("Niels P. Hansen %d", i+1)
			if err := tx.UpdateSag(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.t.Fatal(err)
	}
	err = b.db.InScope(ctx, tenant.Scope{Kommune: "147", Actor: tenant.Actor{Email: "hemmelig@147.invalid"}}, func(tx *tenant.Tx) error {
		return tx.Audit(ctx, tenant.AuditEntry{Action: "kontaktperson.save", Entity: "kontaktperson", EntityID: "x"})
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return niels
}

// grantDataRight gives the kommune administrator email the role laeser too: the data right
// of T2, with which a kommune's administrator sees its sager in the logs (issue 14 #3).
func (b *bundle) grantDataRight(email string) {
	b.t.Helper()
	ctx := context.Background()
	u, err := b.accounts.ByEmail(ctx, email)
	if err != nil {
		b.t.Fatal(err)
	}
	roles := []string{access.Laeser, access.Kommuneadmin}
	if _, err := b.accounts.SetRoles(ctx, tenant.Actor{Email: "test"}, u.Kommune, u.ID, roles); err != nil {
		b.t.Fatal(err)
	}
}

// logTo makes the app's request log write to a buffer, to check what a log line holds.
func (b *bundle) logTo() *bytes.Buffer {
	var buf bytes.Buffer
	b.app.deps.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
	return &buf
}

var tidRE = regexp.MustCompile(`<td class="liste-nowrap">\d{2}-\d{2}-\d{4} \d{2}:\d{2}</td>`)

func TestRevisionKommuneadmin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	niels := b.logTestChange(1)
	b.grantDataRight("kommuneadmin.101@demo.invalid") // the content of the records (TestRevisionIndsigt)
	b.grantDataRight("kommuneadmin.147@demo.invalid")
	requestLog := b.logTo()
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	c.get("/").mustContain(t, `href="/revision"`, `href="/cpr-adgang"`, "Revisionslog", "CPR-adgangslog")

	r := c.get("/revision").mustStatus(t, http.StatusOK)
	r.mustContain(t, "<h1>Revisionslog</h1>", "Sag ændret (sag.update)", "indberetter.101@demo.invalid", "192.0.2.7",
		fmt.Sprintf("Sag %d", niels), "<del>Niels Hansen</del>", `<mark><span class="sr-only">Ændret til: </span>Niels P. Hansen 1</mark>`,
		"1 felt ændret", "Næste side", "Viser 1–50", `<option value="sag.update">Sag ændret (sag.update)</option>`)
	r.mustNotContain(t, "hemmelig@147.invalid", "<th scope=\"col\">Kommune</th>")
	if !tidRE.MatchString(r.body) {
		t.Error("no time DD-MM-YYYY HH:MM")
	}
	checkNoCPRInURLs(t, "/revision", r.body)

	// Each filter, in the URL.
	today := time.Now().In(copenhagen).Format("02-01-2006")
	tomorrow := time.Now().In(copenhagen).AddDate(0, 0, 1).Format("02-01-2006")
	for _, tc := range []struct {
		query     string
		want, not []string
	}{
		{"bruger=indberetter.101%40demo.invalid", []string{"Sag ændret (sag.update)"}, []string{"system:demo"}},
		{"bruger=INDBERETTER.101%40demo.invalid", []string{"Sag ændret (sag.update)"}, []string{"system:demo"}},
		{"handling=sag.update", []string{"Niels P. Hansen 1"}, []string{"Ydelse oprettet (ydelse.create)</td>"}},
		{fmt.Sprintf("sag=%d", niels), []string{"Sag ændret (sag.update)</td>", "Ydelse oprettet (ydelse.create)</td>", "Sag oprettet (sag.create)</td>"},
			[]string{"Kontaktperson gemt (kontaktperson.save)</td>", "Næste side"}},
		{"fra=" + today + "&til=" + today, []string{"Sag ændret (sag.update)"}, nil},
		{"fra=" + tomorrow, []string{"Ingen poster"}, []string{"Sag ændret (sag.update)</td>"}},
		// A kommune administrator reads only the kommune's log: the parameter is ignored (T1).
		{"kommune=147", []string{"Sag ændret (sag.update)"}, []string{"hemmelig@147.invalid"}},
	} {
		r := c.get("/revision?"+tc.query).mustStatus(t, http.StatusOK).mustContain(t, tc.want...)
		r.mustNotContain(t, tc.not...)
	}

	// The next page is a link with the filter and the cursor.
	next := regexp.MustCompile(`href="(/revision\?efter=[^"]+)"[^>]*>Næste side`).FindStringSubmatch(r.body)
	if next == nil {
		t.Fatalf("no link to the next page")
	}
	c.get(strings.ReplaceAll(next[1], "&amp;", "&")).mustStatus(t, http.StatusOK).mustContain(t, "Viser 51–", "Første side")
	c.get("/revision?efter=bad").mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, msgSideUgyldig, "Viser 1–50")

	// The CPR filter: POSTed; the records shown and the look-up are CPR accesses of 101.
	before := len(tenanttest.CPRAccessLog(t, b.db, "101"))
	r = c.post("/revision", url.Values{"cpr": {"150362-1235"}}, true).mustStatus(t, http.StatusOK)
	r.mustContain(t, "Sag ændret (sag.update)", "Sag oprettet (sag.create)", `value="150362-1235"`, "<td>150362-1235</td>")
	r.mustNotContain(t, "Kontaktperson gemt (kontaktperson.save)</td>")
	checkNoCPRInURLs(t, "POST /revision", r.body)
	log := tenanttest.CPRAccessLog(t, b.db, "101")
	if len(log) != before+1 {
		t.Fatalf("%d CPR access records after the search, want %d", len(log), before+1)
	}
	if last := log[len(log)-1]; last.UserEmail != "kommuneadmin.101@demo.invalid" || last.Action != "search" ||
		last.Detail != "revisionslog" || !slices.Equal(last.CPRs, []string{demo.NielsHansenCPR}) {
		t.Errorf("the search's CPR access record: %+v", last)
	}
	// Showing records with CPR numbers, unfiltered, is a CPR access too.
	c.get("/revision?handling=sag.update")
	if log := tenanttest.CPRAccessLog(t, b.db, "101"); log[len(log)-1].Action != "view" || log[len(log)-1].Detail != "revisionslog" {
		t.Errorf("viewing the records: %+v", log[len(log)-1])
	}
	// Another kommune's administrator finds nothing of 101's by the CPR number (T1).
	o := b.client()
	o.login("kommuneadmin.147@demo.invalid")
	o.post("/revision", url.Values{"cpr": {"1503621235"}}, true).mustStatus(t, http.StatusOK).mustContain(t, "Ingen poster").
		mustNotContain(t, "Niels")
	o.get(fmt.Sprintf("/revision?sag=%d", niels)).mustStatus(t, http.StatusOK).mustContain(t, "Ingen poster")

	// htmx gets the part it swaps.
	req := newFormRequest("/revision", url.Values{"_csrf": {c.csrf}, "handling": {"sag.update"}})
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "log-indhold")
	if r := c.do(req).mustStatus(t, http.StatusOK); strings.Contains(r.body, "<html") || !strings.Contains(r.body, `id="log-indhold"`) {
		t.Errorf("htmx answer is not the part: %.200s", r.body)
	}
	// Without the CSRF token, refused.
	c.post("/revision", url.Values{"cpr": {"1503621235"}}, false).mustStatus(t, http.StatusForbidden)

	if strings.Contains(requestLog.String(), "150362") || !strings.Contains(requestLog.String(), `"path":"/revision"`) {
		t.Errorf("the request log holds a CPR number, or no requests:\n%s", requestLog)
	}
}

// TestRevisionPagesWithCPR: with a CPR number in the filter the pages are POST forms that
// carry it, never links.
func TestRevisionPagesWithCPR(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.logTestChange(55)
	b.grantDataRight("kommuneadmin.101@demo.invalid")
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	r := c.post("/revision", url.Values{"cpr": {"1503621235"}, "handling": {"sag.update"}}, true).mustStatus(t, http.StatusOK)
	r.mustContain(t, "Viser 1–50", `<input type="hidden" name="cpr" value="1503621235">`, `<input type="hidden" name="handling" value="sag.update">`)
	checkNoCPRInURLs(t, "POST /revision", r.body)
	efter := regexp.MustCompile(`name="efter" value="([^"]+)"`).FindStringSubmatch(r.body)
	if efter == nil || strings.Contains(r.body, "efter=") {
		t.Fatalf("the next page is not a POST form")
	}
	c.post("/revision", url.Values{"cpr": {"1503621235"}, "handling": {"sag.update"}, "efter": {efter[1]}}, true).
		mustStatus(t, http.StatusOK).mustContain(t, "Viser 51–55", "Niels P. Hansen 1<", "Første side").mustNotContain(t, "Næste side")
}

// TestLogFiltersRefused: each refused filter is 422 with a Danish message next to the field
// and every typed value kept.
func TestLogFiltersRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.grantDataRight("kommuneadmin.101@demo.invalid") // the CPR filter (TestRevisionIndsigt)
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	d := b.client()
	d.login("dst@demo.invalid")
	for _, tc := range []struct {
		c        *client
		path     string
		form     url.Values
		msg      string
		keptFrom string
	}{
		{c, "/revision", url.Values{"cpr": {"12345"}, "bruger": {"a@b.invalid"}}, "CPR-nummeret skal have 10 cifre (DDMMÅÅ-LLLL).", `value="a@b.invalid"`},
		{c, "/revision", url.Values{"cpr": {"3213621235"}}, "CPR-nummerets første seks cifre er ikke en gyldig dato.", `value="3213621235"`},
		{c, "/revision", url.Values{"sag": {"abc"}}, msgLogSag, `value="abc"`},
		{c, "/revision", url.Values{"fra": {"1.2"}}, "Skriv datoen som DD-MM-ÅÅÅÅ.", `value="1.2"`},
		{c, "/revision", url.Values{"til": {"31-02-2026"}}, "Datoen findes ikke.", `value="31-02-2026"`},
		{c, "/revision", url.Values{"fra": {"02-01-2026"}, "til": {"01-01-2026"}}, msgLogDatoer, `value="02-01-2026"`},
		{c, "/revision", url.Values{"bruger": {"a b"}}, msgLogBruger, `value="a b"`},
		{c, "/cpr-adgang", url.Values{"cpr": {"150362-123"}, "til": {"01-01-2026"}}, "CPR-nummeret skal have 10 cifre (DDMMÅÅ-LLLL).", `value="01-01-2026"`},
		{c, "/cpr-adgang", url.Values{"fra": {"x"}}, "Skriv datoen som DD-MM-ÅÅÅÅ.", `value="x"`},
		{d, "/revision", url.Values{"kommune": {"999"}}, msgLogKommune, "Formularen er ikke gemt"},
		{d, "/cpr-adgang", url.Values{"kommune": {"abc"}, "bruger": {"x@y.invalid"}}, msgLogKommune, `value="x@y.invalid"`},
	} {
		r := tc.c.post(tc.path, tc.form, true)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s %v: %d, want 422", tc.path, tc.form, r.status)
			continue
		}
		r.mustContain(t, tc.msg, tc.keptFrom, `aria-invalid="true"`).mustNotContain(t, "Ingen poster")
		checkNoCPRInURLs(t, tc.path, r.body)
	}
	// The same in the URL (GET), but a CPR number there is never read.
	c.get("/revision?fra=x").mustStatus(t, http.StatusUnprocessableEntity).mustContain(t, "Skriv datoen som DD-MM-ÅÅÅÅ.")
	c.get("/cpr-adgang?cpr=12").mustStatus(t, http.StatusOK)
}

func TestRevisionDST(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.logTestChange(1)
	s, ys, _ := b.sagByCPR("101", demo.NielsHansenCPR) // delivered: DST sees it (TestRevisionIndsigt)
	tenanttest.MarkDelivered(t, b.db, "101", time.Now(), []int64{s.ID}, []int64{ys[0].ID, ys[1].ID})
	c := b.client()
	c.login("dst@demo.invalid")
	r := c.get("/revision").mustStatus(t, http.StatusOK)
	r.mustContain(t, `<th scope="col">Kommune</th>`, "København (101)", "Frederiksberg (147)", "hemmelig@147.invalid",
		`<option value="147" data-search="147">Frederiksberg (147)</option>`, `<option value="000">Platformen (000)</option>`)
	r = c.get("/revision?kommune=147").mustStatus(t, http.StatusOK).mustContain(t, "hemmelig@147.invalid")
	r.mustNotContain(t, "indberetter.101@demo.invalid", `<th scope="col">Kommune</th>`)

	// A CPR number across every kommune: the look-up is the platform's CPR access, what it
	// shows of 101 is 101's.
	c.post("/revision", url.Values{"cpr": {"1503621235"}}, true).mustStatus(t, http.StatusOK).mustContain(t, "Niels P. Hansen 1")
	if log := tenanttest.CPRAccessLog(t, b.db, tenant.PlatformKommune); len(log) != 1 || log[0].Action != "search" ||
		!slices.Equal(log[0].CPRs, []string{demo.NielsHansenCPR}) {
		t.Errorf("the platform's CPR access records: %+v", log)
	}
	if log := tenanttest.CPRAccessLog(t, b.db, "101"); log[len(log)-1].UserEmail != "dst@demo.invalid" ||
		!slices.Equal(log[len(log)-1].CPRs, []string{demo.NielsHansenCPR}) {
		t.Errorf("101's last CPR access record: %+v", log[len(log)-1])
	}
	// Platform administrators read it too.
	p := b.client()
	p.login("platform@demo.invalid")
	p.get("/revision").mustStatus(t, http.StatusOK).mustContain(t, "Frederiksberg (147)", "København (101)")
	p.get("/cpr-adgang").mustStatus(t, http.StatusOK)
	// Users without AuditRead do not.
	i := b.client()
	i.login("indberetter.101@demo.invalid")
	i.get("/revision").mustStatus(t, http.StatusForbidden)
	i.post("/cpr-adgang", url.Values{"cpr": {"1503621235"}}, true).mustStatus(t, http.StatusForbidden)
}

// TestCPRAdgang: who saw a CPR number and when; the look-up is logged; a kommune
// administrator sees what DST saw of the kommune (T3) and nothing of another kommune (T1).
func TestCPRAdgang(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.listeFixture() // 751: D delivered
	l := b.client()
	l.login("laeser.101@demo.invalid")
	l.get("/indberetninger/egne?visning=kun-sager")
	d := b.client()
	d.login("dst@demo.invalid")
	d.get(fmt.Sprintf("/sager/%d?kommune=751", f.sagD)).mustStatus(t, http.StatusOK)

	b.grantDataRight("kommuneadmin.101@demo.invalid") // the CPR filter (TestRevisionIndsigt)
	b.grantDataRight("kommuneadmin.751@demo.invalid")
	requestLog := b.logTo()
	c := b.client()
	c.login("kommuneadmin.101@demo.invalid")
	r := c.get("/cpr-adgang").mustStatus(t, http.StatusOK)
	r.mustContain(t, "<h1>CPR-adgangslog</h1>", "laeser.101@demo.invalid", "Liste vist", "liste=egne visning=kun-sager filter=alle")
	r.mustNotContain(t, "dst@demo.invalid")
	if !tidRE.MatchString(r.body) {
		t.Error("no time DD-MM-YYYY HH:MM")
	}
	before := len(tenanttest.CPRAccessLog(t, b.db, "101"))
	r = c.post("/cpr-adgang", url.Values{"cpr": {"150362 1235"}, "bruger": {"laeser.101@demo.invalid"}}, true).mustStatus(t, http.StatusOK)
	r.mustContain(t, "laeser.101@demo.invalid", "Liste vist", `value="150362 1235"`)
	checkNoCPRInURLs(t, "POST /cpr-adgang", r.body)
	log := tenanttest.CPRAccessLog(t, b.db, "101")
	if len(log) != before+1 || log[len(log)-1].Action != "search" || log[len(log)-1].Detail != "cpr-adgangslog" ||
		log[len(log)-1].UserEmail != "kommuneadmin.101@demo.invalid" || !slices.Equal(log[len(log)-1].CPRs, []string{demo.NielsHansenCPR}) {
		t.Errorf("the look-up's CPR access record: %+v", log[before:])
	}
	// The look-up shows next time.
	c.post("/cpr-adgang", url.Values{"cpr": {"1503621235"}, "bruger": {"kommuneadmin.101@demo.invalid"}}, true).
		mustContain(t, "Søgning", "cpr-adgangslog")
	c.post("/cpr-adgang", url.Values{"cpr": {"1503621235"}, "fra": {time.Now().In(copenhagen).AddDate(0, 0, 1).Format("02-01-2006")}}, true).
		mustStatus(t, http.StatusOK).mustContain(t, "Ingen poster")

	// 751's administrator sees what DST saw of 751; 147's sees nothing of 101's.
	a := b.client()
	a.login("kommuneadmin.751@demo.invalid")
	a.post("/cpr-adgang", url.Values{"cpr": {"311285-1234"}}, true).mustStatus(t, http.StatusOK).
		mustContain(t, "dst@demo.invalid", "Visning", fmt.Sprintf("sag %d", f.sagD))
	o := b.client()
	o.login("kommuneadmin.147@demo.invalid")
	o.post("/cpr-adgang", url.Values{"bruger": {"laeser.101@demo.invalid"}}, true).mustStatus(t, http.StatusOK).
		mustContain(t, "Ingen poster")
	o.get("/cpr-adgang?kommune=101").mustStatus(t, http.StatusOK).mustNotContain(t, "laeser.101@demo.invalid")

	if strings.Contains(requestLog.String(), "150362") || strings.Contains(requestLog.String(), "311285") {
		t.Errorf("the request log holds a CPR number:\n%s", requestLog)
	}
}

// TestAuditDiff: the fields of a change, before and after, with Danish labels and dates, the
// changed ones marked, nested values flattened. (The CPR numbers shown are recorded by the
// read of the page: tenant's TestAuditRecordCPRs.)
func TestAuditDiff(t *testing.T) {
	before := []byte(`{"ID": 7, "CPR": "1503621235", "Navn": "A", "Startdato": "2024-03-01T00:00:00Z", "Ukendt": true}`)
	after := []byte(`{"ID": 7, "CPR": "1503621235", "Navn": "B", "Startdato": "2024-04-01T00:00:00Z", "Ukendt": true,
		"Maalgrupper": [{"Scheme": "ffb", "Code": "1.2", "Primaer": true}, {"Scheme": "ffb", "Code": "3.4", "Primaer": false}]}`)
	got := auditDiff(before, after)
	var rows []string
	for _, f := range got {
		rows = append(rows, fmt.Sprintf("%s|%s|%s|%v", f.Felt, f.Foer, f.Efter, f.Aendret))
	}
	want := []string{"Id|7|7|false", "CPR-nummer|150362-1235|150362-1235|false", "Navn|A|B|true",
		"Startdato|01-03-2024|01-04-2024|true", "Ukendt|Ja|Ja|false", "Målgrupper||ffb:1.2 (primær), ffb:3.4|true"}
	if !slices.Equal(rows, want) {
		t.Errorf("diff:\n%q\nwant\n%q", rows, want)
	}
	// A deleted sag: its fields and its ydelser's, numbered.
	got = auditDiff([]byte(`{"Sag": {"CPR": "0101801234"}, "Ydelser": [{"Indsatskode": "1.3"}, {"Indsatskode": "1.4"}]}`), nil)
	rows = nil
	for _, f := range got {
		rows = append(rows, f.Felt+"|"+f.Foer+"|"+f.Efter)
	}
	want = []string{"Sag › CPR-nummer|010180-1234|", "Ydelse 1 › Indsatskode|1.3|", "Ydelse 2 › Indsatskode|1.4|"}
	if !slices.Equal(rows, want) {
		t.Errorf("deleted sag:\n%q\nwant\n%q", rows, want)
	}
	if got := auditDiff(nil, []byte("not json")); len(got) != 0 {
		t.Errorf("invalid JSON: %v", got)
	}
}

// TestEveryAuditActionHasALabel: every action the code writes to the audit log
// (`Action: "x.y"`, the code lists' audit(ctx, tx, "x.y", …), the generator's
// writeAudit/writeMarker(…, "x.y.z", …)) has its Danish label in the Revisionslog, so none
// shows raw.
func TestEveryAuditActionHasALabel(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`(?:Action: *|audit\(ctx, tx, |writeMarker\(ctx, tx, |writeAudit\([a-z.]+, [a-z.]+, [a-z.]+, )"([a-z_]+(?:\.[a-z_]+)+)"`)
	found := 0
	for _, dir := range []string{"../tenant", "../tenant/codes", "../tenant/accounts", "../tenant/access", "../tenant/schema",
		"../tenant/generate", "../worker", "."} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllSubmatch(src, -1) {
				found++
				if _, ok := auditActionLabels[string(m[1])]; !ok {
					t.Errorf("%s writes the audit action %q, which auditActionLabels does not name", f, m[1])
				}
			}
		}
	}
	if found < 20 {
		t.Errorf("found %d audit actions in the source; the pattern no longer matches how they are written", found)
	}
}

// skjultTekst is what the Revisionslog shows instead of the fields of a change the reader may
// not see (views.SkjultTekst, written out: the test checks the words).
const skjultTekst = "Skjult: du har ikke adgang til indholdet"

// TestRevisionIndsigt (issue 14 #3): the logs show every reader who did what to which sag or
// ydelse, and when; the fields before and after (CPR-nummer, Navn, Bemærkninger …) only of
// what the reader may open on the screens. A kommune's administrator without the data right
// (T2) and platform administrators see none; DST sees a delivered sag and its delivered
// ydelser and nothing else; with the data right the administrator sees the kommune's. A
// search by CPR number finds no more: refused (422) for those who see no sag, and for DST
// nothing of an undelivered sag, in either log.
func TestRevisionIndsigt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	niels := b.logTestChange(1)
	sag := strconv.FormatInt(niels, 10)
	content := []string{"Niels Hansen", "Niels P. Hansen 1", "150362-1235"}
	// Someone of 101 saw Niels Hansen's sag: a record of his CPR number in the CPR access log.
	b.sessionClient("laeser.101@demo.invalid").get("/sager/"+sag).mustStatus(t, http.StatusOK)

	hidden := func(c *client, q url.Values) {
		t.Helper()
		for _, path := range []string{"/revision?" + q.Encode(), "POST"} {
			var r response
			if path == "POST" {
				r = c.post("/revision", q, true)
			} else {
				r = c.get(path)
			}
			r.mustStatus(t, http.StatusOK).mustContain(t, "Sag ændret (sag.update)", "Sag oprettet (sag.create)",
				"indberetter.101@demo.invalid", "Sag "+sag, skjultTekst).mustNotContain(t, content...)
		}
	}
	searchRefused := func(who string, c *client, path string) {
		t.Helper()
		r := c.post(path, url.Values{"cpr": {"150362-1235"}}, true).mustStatus(t, http.StatusUnprocessableEntity)
		r.mustContain(t, msgLogCPRIngenAdgang, `value="150362-1235"`).mustNotContain(t, "Ingen poster", "laeser.101@demo.invalid")
		if !strings.Contains(c.get(path).body, `name="bruger"`) || strings.Contains(c.get(path).body, `name="cpr"`) {
			t.Errorf("%s: %s offers the CPR filter", who, path)
		}
	}

	// 101's administrator without the data right: who did what, not the content.
	admin := b.sessionClient("kommuneadmin.101@demo.invalid")
	hidden(admin, url.Values{"sag": {sag}})
	searchRefused("kommuneadmin", admin, "/revision")
	searchRefused("kommuneadmin", admin, "/cpr-adgang")
	admin.get("/cpr-adgang").mustStatus(t, http.StatusOK).mustContain(t, "laeser.101@demo.invalid")
	for _, a := range tenanttest.CPRAccessLog(t, b.db, "101") {
		if a.UserEmail == "kommuneadmin.101@demo.invalid" && len(a.CPRs) > 0 {
			t.Errorf("the administrator was shown CPR numbers: %+v", a)
		}
	}

	// A platform administrator: the same, in every kommune.
	p := b.sessionClient("platform@demo.invalid")
	hidden(p, url.Values{"kommune": {"101"}, "sag": {sag}})
	searchRefused("platformadmin", p, "/revision")
	searchRefused("platformadmin", p, "/cpr-adgang")

	// DST, the sag not delivered: the POST /revision kommune=101&sag=…; by CPR
	// number nothing of 101's, in either log, across every kommune or in 101 (DST's own
	// look-ups, under the platform, it does see).
	d := b.sessionClient("dst@demo.invalid")
	hidden(d, url.Values{"kommune": {"101"}, "sag": {sag}})
	for _, q := range []url.Values{{"cpr": {"1503621235"}}, {"cpr": {"1503621235"}, "kommune": {"101"}}} {
		d.post("/revision", q, true).mustStatus(t, http.StatusOK).mustContain(t, "Ingen poster").mustNotContain(t, content...)
		d.post("/cpr-adgang", q, true).mustStatus(t, http.StatusOK).mustNotContain(t, "laeser.101@demo.invalid", "<td>København (101)</td>")
	}

	// Delivered, the sag and its first ydelse: DST sees those, and finds them by CPR number;
	// the other ydelse's records stay without content.
	s, ys, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	tenanttest.MarkDelivered(t, b.db, "101", time.Now(), []int64{s.ID}, []int64{ys[0].ID})
	r := d.post("/revision", url.Values{"cpr": {"1503621235"}, "handling": {"sag.update"}}, true).mustStatus(t, http.StatusOK)
	r.mustContain(t, "<del>Niels Hansen</del>", "Niels P. Hansen 1").mustNotContain(t, skjultTekst)
	r = d.post("/revision", url.Values{"cpr": {"1503621235"}, "handling": {"ydelse.create"}}, true).mustStatus(t, http.StatusOK)
	r.mustContain(t, fmt.Sprintf("Ydelse %d (sag %s)", ys[0].ID, sag), fmt.Sprintf("Ydelse %d (sag %s)", ys[1].ID, sag), skjultTekst)
	if n := strings.Count(r.body, skjultTekst); n != 1 {
		t.Errorf("DST: %d ydelser hidden, want 1 (the undelivered)", n)
	}
	d.post("/cpr-adgang", url.Values{"cpr": {"1503621235"}}, true).mustStatus(t, http.StatusOK).mustContain(t, "laeser.101@demo.invalid")

	// 101's administrator given the data right (laeser): the kommune's content, and the search.
	b.grantDataRight("kommuneadmin.101@demo.invalid")
	admin = b.sessionClient("kommuneadmin.101@demo.invalid")
	admin.get("/revision?sag="+sag).mustStatus(t, http.StatusOK).mustContain(t, "Niels P. Hansen 1").mustNotContain(t, skjultTekst)
	admin.post("/revision", url.Values{"cpr": {"1503621235"}}, true).mustStatus(t, http.StatusOK).mustContain(t, "Niels P. Hansen 1")
	admin.post("/cpr-adgang", url.Values{"cpr": {"1503621235"}}, true).mustStatus(t, http.StatusOK).mustContain(t, "laeser.101@demo.invalid")
}

// TestRevisionKontaktpersoner: the Revisionslog shows a change of the contact persons (their
// names, phones and e-mails) to those who may read them on the screens (access.KontaktRead:
// the kommune's users, DST), and to a platform administrator only who changed them and when.
func TestRevisionKontaktpersoner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	form := withVersions(t, c.get(views.KontaktpersonerPath).body, kontaktValues())
	c.post(views.KontaktpersonerPath, form, true).mustStatus(t, http.StatusSeeOther)
	names := []string{"Anne Faglig", "89 40 20 00", "carl@aarhus.dk"}
	q := url.Values{"kommune": {"101"}, "bruger": {"indberetter.101@demo.invalid"}}.Encode()
	for _, who := range []string{"kommuneadmin.101@demo.invalid", "dst@demo.invalid"} {
		b.sessionClient(who).get("/revision?"+q).mustStatus(t, http.StatusOK).mustContain(t, names...).
			mustNotContain(t, skjultTekst)
	}
	b.sessionClient("platform@demo.invalid").get("/revision?"+q).mustStatus(t, http.StatusOK).
		mustContain(t, "indberetter.101@demo.invalid", skjultTekst).mustNotContain(t, names...)
}
