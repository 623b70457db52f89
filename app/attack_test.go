package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/net/html"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
	"indberet/tenant/testdb"
	"indberet/views"
)

// The attack suite (issue 14): every route of the route table, asked by every user of the
// role × route matrix (matrix_test.go), with what a hostile or careless caller sends:
//
//   - NUL and invalid UTF-8 in each field the route reads, one field at a time, the others
//     as the route's own form shows them (or valid, where that form is empty);
//   - forged page cursors;
//   - path parameters that are no ids (0, -1, an overflow, NUL, invalid UTF-8) and the ids of
//     another kommune's data (T1), or of data DST may not read (undelivered, S9/T3);
//   - a missing CSRF token, another session's token, and a token in the query string only;
//   - a 10 MB body;
//   - HEAD on every GET route, which writes no CPR access record, and every method a path
//     does not have;
//   - a CPR number in the query string of a POST that searches by one, which it never reads
//     (it would land in proxy logs and the history);
//   - a User-Agent with a NUL or bytes that are no UTF-8 (the sessions store it).
//
// Every answer must be below 500; a hostile request to a route the user may use is refused
// (4xx), never accepted; no answer shows another kommune's citizens, nor DST or the platform
// administrator a citizen that was never delivered; and afterwards every table holds what it
// held before (a refused request writes nothing, not half of something). A route of the
// route table without an entry in attackSurface fails the suite: add its hostile cases.

// surface is what a route reads from its caller beyond its path.
type surface struct {
	// form is the GET route (with the parameters of the route table) whose page shows the
	// fields the route reads, with the values to start from; self for the route's own path.
	form string
	// fields are what the route reads that the form does not show: the query of a GET, the
	// body of a POST.
	fields []string
	// valid are values that make the form valid where its page shows it empty (Opret), so a
	// hostile field is the only thing wrong with the request.
	valid func() url.Values
	// cursor: the route takes a page cursor in the field efter.
	cursor bool
	// cpr: the route searches by the CPR number of the body's field cpr (POST only).
	cpr bool
}

const self = "self"

// listFields are what the lists read besides their form (lister.go listeFrom).
var listFields = []string{"kommune", "visning", "filter", "efter"}

// attackSurface has an entry for each route of the route table.
var attackSurface = map[string]surface{
	"GET /healthz":                              {},
	"GET /readyz":                               {},
	"GET /static/*":                             {},
	"GET /login":                                {},
	"POST /login":                               {fields: []string{"email", "password"}},
	"POST /logout":                              {},
	"GET /":                                     {},
	"GET /indberetninger":                       {fields: []string{"kommune"}},
	"GET /indberetninger/:liste":                {form: self, fields: listFields, cursor: true},
	"POST /indberetninger/:liste":               {form: "/indberetninger/:liste", fields: append([]string{"cpr"}, listFields...), cursor: true, cpr: true},
	"GET /indberetninger/:liste/valgt":          {fields: append([]string{"valgt", "handling"}, listFields...)},
	"GET " + views.KontaktpersonerPath:          {},
	"POST " + views.KontaktpersonerPath:         {form: views.KontaktpersonerPath},
	"GET /sager/ny":                             {},
	"POST /sager/ny":                            {form: "/sager/ny", valid: opretForm},
	"POST /sager/ny/cpr":                        {form: "/sager/ny", valid: opretForm, cpr: true},
	"GET /sager/:id/rediger":                    {},
	"POST /sager/:id/rediger":                   {form: "/sager/:id/rediger"},
	"GET /sager/:id/slet":                       {},
	"POST /sager/:id/slet":                      {form: "/sager/:id/slet"},
	"GET /sager/:id/ydelser/ny":                 {fields: []string{"kopi"}},
	"POST /sager/:id/ydelser/ny":                {form: "/sager/:id/ydelser/ny", valid: newYdelseForm},
	"GET /ydelser/:id/rediger":                  {},
	"POST /ydelser/:id/rediger":                 {form: "/ydelser/:id/rediger"},
	"GET /ydelser/:id/slet":                     {},
	"POST /ydelser/:id/slet":                    {form: "/ydelser/:id/slet"},
	"POST /ydelsesfelter":                       {form: "/sager/ny", fields: []string{"indsats_laast"}, valid: opretForm},
	"GET " + views.BrugerePath:                  {},
	"GET " + views.NyBrugerPath:                 {},
	"POST " + views.NyBrugerPath:                {form: views.NyBrugerPath},
	"GET /brugere/:id":                          {},
	"POST /brugere/:id":                         {form: "/brugere/:id"},
	"GET " + views.KoderPath:                    {},
	"GET /koder/:kodeliste":                     {},
	"GET /koder/:kodeliste/ny":                  {},
	"POST /koder/:kodeliste/ny":                 {form: "/koder/:kodeliste/ny"},
	"GET /koder/:kodeliste/:kode":               {},
	"POST /koder/:kodeliste/:kode":              {form: "/koder/:kodeliste/:kode"},
	"GET /koder/:kodeliste/:kode/slet":          {},
	"POST /koder/:kodeliste/:kode/slet":         {form: "/koder/:kodeliste/:kode/slet"},
	"GET " + views.KommunerPath:                 {},
	"GET /kommuner/:kommunekode":                {},
	"POST /kommuner/:kommunekode/aktiver":       {},
	"GET /kommuner/:kommunekode/deaktiver":      {},
	"POST /kommuner/:kommunekode/deaktiver":     {form: "/kommuner/:kommunekode/deaktiver"},
	"GET /kommuner/:kommunekode/administrator":  {},
	"POST /kommuner/:kommunekode/administrator": {form: "/kommuner/:kommunekode/administrator"},
	"GET " + views.AlleBrugerePath:              {fields: []string{"kommune"}},
	"POST " + views.AlleBrugerePath:             {fields: []string{"kommune", "bruger"}},
	"GET " + views.KontoPath:                    {},
	"POST " + views.KontoPath:                   {form: views.KontoPath},
	"POST " + views.KontoSessionerPath:          {},
	"GET " + views.LeverancerPath:               {fields: []string{"kommune", "efter"}, cursor: true},
	"GET /leverancer/:id":                       {},
	"GET /leverancer/:id/dokument":              {},
	"GET " + views.LeveringPath:                 {},
	"POST " + views.LeveringPath:                {form: views.LeveringPath},
	"POST " + views.GenleverPath:                {form: views.LeveringPath},
	"GET " + views.UdbakkePath:                  {fields: []string{"kommune", "efter"}, cursor: true},
	"GET /udbakke/:id":                          {},
	"GET /udbakke/:id/html":                     {},
	"POST /udbakke/:id/send-igen":               {}, // reads no field; the matrix's receipt is sent, so it is refused (422)
	"GET " + views.DriftPath:                    {},
	"GET " + views.AuditLogPath:                 {form: self, cursor: true},
	"POST " + views.AuditLogPath:                {form: views.AuditLogPath, cursor: true, cpr: true},
	"GET " + views.CPRAccessPath:                {form: self, cursor: true},
	"POST " + views.CPRAccessPath:               {form: views.CPRAccessPath, cursor: true, cpr: true},
	"GET /sager/:id":                            {fields: []string{"kommune"}},
	"GET " + views.EksporterPath:                {},
	"POST " + views.EksporterPath:               {form: views.EksporterPath},
	"GET /eksporter/:id":                        {},
	"GET /eksporter/:id/fil":                    {},
	// River UI's own API (jobs.go): its requests are JSON, checked by origin, not by our token.
	"GET " + jobsRoute:    {},
	"POST " + jobsRoute:   {},
	"PUT " + jobsRoute:    {},
	"PATCH " + jobsRoute:  {},
	"DELETE " + jobsRoute: {},
}

// newYdelseForm is a valid *Tilføj ydelse* form (Opret's ydelse part).
func newYdelseForm() url.Values {
	f := opretForm()
	for _, k := range []string{"cpr", "navn", "funktionsvurdering", "bemaerkninger"} {
		f.Del(k)
	}
	return f
}

// hostileTexts go in each field, one at a time: a NUL (PostgreSQL refuses it in text) and
// bytes that are no UTF-8.
var hostileTexts = []string{"a\x00b", "\xff\xfe\xc3("}

// forgedCursors go in the cursor of the paged routes: junk, and log cursors as the server
// writes them with a time no record has (outOfRangeLogCursors).
var forgedCursors = append([]string{"-9223372036854775808", "9223372036854775807", "-1", "abc", "MTIzNDU2Nzg5MA",
	"0:0:0", strings.Repeat("A", 2000)}, outOfRangeLogCursors...)

// junkParams are values of a path parameter that name nothing.
var junkParams = map[string][]string{
	":id":          {"0", "-1", "99999999999999999999", "1x", "%00", "%FF%FE"},
	":liste":       {"x", "egne%00"},
	":kodeliste":   {"x", "%FF"},
	":kode":        {"%00", "..%2F..", "9.9.9.9"},
	":kommunekode": {"%00", "abc", "999"},
	"/static/*":    {"..%2F..%2Fgo.mod", "app.css%00", "%FF"},
}

// citizen is a sag the suite puts in a kommune, and the texts that show it.
type citizen struct {
	kommune, navn, cpr string
	delivered          bool
	markers            []string
}

var (
	hemmelig = citizen{kommune: "101", navn: "Hemmelig Hansen", cpr: "1105721234", // never delivered
		markers: []string{"Hemmelig Hansen", "1105721234", "110572-1234"}}
	fremmed = citizen{kommune: "147", navn: "Fremmed Frederiksen", cpr: "1206834321", // never delivered
		markers: []string{"Fremmed Frederiksen", "1206834321", "120683-4321"}}
	// The form's hint shows Niels Hansen's CPR number as the manual's example (150362-1235).
	niels = citizen{kommune: "101", navn: "Niels Hansen", cpr: "1503621235", delivered: true,
		markers: []string{"Niels Hansen", "1503621235"}}
)

// kommuneIDs are the ids of a kommune's data that the routes with an :id name.
type kommuneIDs struct {
	sag, ydelse, bruger, leverance, mail, eksport int64
}

func (k kommuneIDs) of(parent string) int64 {
	return map[string]int64{"sager": k.sag, "ydelser": k.ydelse, "brugere": k.bruger, "leverancer": k.leverance,
		"udbakke": k.mail, "eksporter": k.eksport}[parent]
}

// attackFixture is the matrix's fixture plus a citizen never delivered in 101 and in 147,
// and 147's data of every kind.
type attackFixture struct {
	matrix   matrixFixture
	own      map[string]kommuneIDs // by kommune: the data its users work on (its undelivered citizen)
	readAll  kommuneIDs            // what DST and the platform administrator name: 101's delivered data
	hidden   kommuneIDs            // 101's data DST may not read (the undelivered sag, the Egne IDEP export)
	citizens []citizen
	server   string        // the app on a socket of 127.0.0.1 (bigBody)
	sent     *atomic.Int64 // requests sent
}

func (b *bundle) newAttackFixture() attackFixture {
	b.t.Helper()
	f := attackFixture{matrix: b.newMatrixFixture(), own: map[string]kommuneIDs{}, citizens: []citizen{hemmelig, fremmed, niels}}
	m := f.matrix
	f.readAll = kommuneIDs(m)
	for _, c := range []citizen{hemmelig, fremmed} {
		var ids kommuneIDs
		b.in(c.kommune, func(ctx context.Context, tx *tenant.Tx) (err error) {
			if ids.sag, err = tx.InsertSag(ctx, domain.Sag{CPR: c.cpr, Navn: c.navn, Bemaerkninger: "Hemmeligt for andre"}); err != nil {
				return err
			}
			y := createYdelse(c.kommune)
			y.SagID = ids.sag
			if ids.ydelse, err = tx.InsertYdelse(ctx, y); err != nil {
				return err
			}
			if c.kommune == "101" {
				ids.leverance, ids.mail, ids.eksport = m.leverance, m.mail, m.eksport
				return nil
			}
			if ids.leverance, ids.mail, err = insertReceiptOf(ctx, tx, "2026M09", c.cpr); err != nil {
				return err
			}
			e, err := tenanttest.FinishedEksport(ctx, tx, "CPR-nummer\r\n"+c.cpr+"\r\n", c.cpr)
			ids.eksport = e.ID
			return err
		})
		ids.bruger = m.bruger
		if c.kommune != "101" {
			ids.bruger = b.userID("laeser." + c.kommune + "@demo.invalid")
		}
		f.own[c.kommune] = ids
	}
	f.hidden = kommuneIDs{sag: f.own["101"].sag, ydelse: f.own["101"].ydelse, eksport: m.eksport}
	f.server = b.serve()
	f.sent = new(atomic.Int64)
	return f
}

// createYdelse is the ydelse of opretForm as the store takes it.
func createYdelse(kommune string) domain.Ydelse {
	return domain.Ydelse{Indsatskode: "1.3", Startdato: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Betalingskommune: kommune,
		Maalgrupper: []domain.Maalgruppe{{Scheme: "old_2013", Code: "1.1.4", Primaer: true}}}
}

// ids is the data a user's requests name: their kommune's, or for users of every kommune the
// delivered data DST reads.
func (f attackFixture) ids(u matrixUser) kommuneIDs {
	if ids, ok := f.own[u.kommune]; ok {
		return ids
	}
	return f.readAll
}

// foreign is the data a user must not reach: another kommune's (T1), or for users of every
// kommune what was never delivered (S9, T3); ok is false for a parent the user may read in
// every kommune (DST's leverancer and e-mails).
func (f attackFixture) foreign(u matrixUser, parent string) (int64, bool) {
	switch u.kommune {
	case "101":
		return f.own["147"].of(parent), true
	case "147":
		return f.own["101"].of(parent), true
	}
	id := f.hidden.of(parent)
	return id, id != 0
}

// mayNotSee are the citizens whose texts no answer to u may hold.
func (f attackFixture) mayNotSee(u matrixUser) []citizen {
	var out []citizen
	for _, c := range f.citizens {
		switch {
		case u.kommune == c.kommune && access.HasDataRight(u.roles):
		case u.kommune == "" && u.email != "" && c.delivered && !slices.Contains(u.roles, access.Platformadmin):
		default:
			out = append(out, c)
		}
	}
	return out
}

// fill puts ids and the matrix's values in route's parameters; parent and index tell where
// the :id is (the segment before it names the kind of data).
func (f attackFixture) fill(t *testing.T, route string, ids kommuneIDs) string {
	path, _ := f.matrix.path(t, route)
	segs := strings.Split(route, "/")
	out := strings.Split(path, "/")
	for i, s := range segs {
		if s == ":id" && i > 0 && ids.of(segs[i-1]) != 0 {
			out[i] = strconv.FormatInt(ids.of(segs[i-1]), 10)
		}
	}
	return strings.Join(out, "/")
}

// servedRoutes is every route Fiber serves, each from the route table; it fails the test for
// a served route not in the table, or an entry of the table not served.
func (b *bundle) servedRoutes(t *testing.T) []Route {
	t.Helper()
	table := map[string]Route{}
	for _, rt := range b.app.Routes() {
		table[rt.Method+" "+rt.Path] = rt
	}
	var routes []Route
	for _, r := range b.app.Fiber().GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" {
			continue
		}
		rt, ok := table[r.Method+" "+r.Path]
		if !ok {
			t.Fatalf("%s %s is served but not in the route table", r.Method, r.Path)
		}
		routes = append(routes, rt)
		delete(table, r.Method+" "+r.Path)
	}
	for k := range table {
		t.Errorf("route table entry %s is not served", k)
	}
	return routes
}

func TestAttackSuite(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.newAttackFixture()
	routes := b.servedRoutes(t)
	var missing []string
	served := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		served[key] = true
		if _, ok := attackSurface[key]; !ok {
			missing = append(missing, key)
		}
	}
	for key := range attackSurface {
		if !served[key] {
			t.Errorf("attackSurface has %s, which the app does not serve", key)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Fatalf("routes without hostile cases: add them to attackSurface (attack_test.go): %s", strings.Join(missing, ", "))
	}

	before := b.tableSnapshot()
	t.Run("users", func(t *testing.T) {
		for _, u := range matrixUsers {
			t.Run(u.name, func(t *testing.T) {
				t.Parallel()
				a := &attacker{t: t, b: b, f: f, u: u}
				for _, rt := range routes {
					a.route(rt)
				}
				a.wrongMethods(routes)
				a.hostileLogin()
			})
		}
	})
	after := b.tableSnapshot()
	t.Logf("%d hostile requests", f.sent.Load())
	for table, sum := range before {
		if after[table] != sum {
			t.Errorf("table %s changed under the attack: a refused request wrote to it (%s → %s)", table, sum, after[table])
		}
	}
	for table := range after {
		if _, ok := before[table]; !ok {
			t.Errorf("table %s appeared under the attack", table)
		}
	}
}

// attacker sends one user's hostile requests.
type attacker struct {
	t *testing.T
	b *bundle
	f attackFixture
	u matrixUser
	c *client // the user's session; renewed for routes that end it
	// db reads the CPR access log as the cluster's superuser (cprRecords); opened when first
	// needed.
	db *pgx.Conn
}

// session is the client of a request to rt: a new session for the routes that end sessions.
func (a *attacker) session(rt Route) *client {
	if a.c == nil || rt.Access == LoggedIn || rt.Path == views.KontoSessionerPath {
		a.c = a.newSession()
	}
	return a.c
}

// newSession is a new session of the user whose failed requests fail the user's test.
func (a *attacker) newSession() *client {
	c := a.b.sessionClient(a.u.email)
	c.t = a.t
	return c
}

// csrfMode is how a request carries the CSRF token.
type csrfMode int

const (
	csrfBody    csrfMode = iota // the session's token in the form body (as the app's forms send it)
	csrfNone                    // no token
	csrfForeign                 // another session's token
	csrfQuery                   // the session's token in the query string only
)

// send makes one request of the user: method on path with vals (the query of a GET or HEAD,
// else the form body), the CSRF token as mode says.
func (a *attacker) send(c *client, method, path string, vals url.Values, mode csrfMode) response {
	a.t.Helper()
	vals = cloneValues(vals)
	token := c.csrf
	if mode == csrfForeign {
		token = a.newSession().csrf
	}
	query := url.Values{}
	if mode == csrfQuery {
		query.Set(views.CSRFFieldName, token)
	}
	var body string
	switch method {
	case "GET", "HEAD":
		for k, v := range vals {
			query[k] = v
		}
	default:
		if mode == csrfBody || mode == csrfForeign {
			vals.Set(views.CSRFFieldName, token)
		}
		body = vals.Encode()
	}
	target := path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Origin", "http://example.com") // as browsers send with a POST (jobs.go checks it)
	return c.do(req)
}

// check holds every answer to the suite's rules: no server error, none of the citizens the
// user may not see.
func (a *attacker) check(r response, what string) {
	a.t.Helper()
	a.f.sent.Add(1)
	if r.status >= 500 {
		a.t.Errorf("%s: %d, a server error", what, r.status)
	}
	body := html.UnescapeString(r.body)
	for _, c := range a.f.mayNotSee(a.u) {
		for _, m := range c.markers {
			if strings.Contains(body, m) {
				a.t.Errorf("%s: %d shows %q of kommune %s's citizen %s", what, r.status, m, c.kommune, c.navn)
			}
		}
	}
	if negativeCount.MatchString(body) {
		a.t.Errorf("%s: %d shows a count that is no count: %q", what, r.status, negativeCount.FindString(body))
	}
}

// negativeCount is a list's "Viser a–b af n" of a forged cursor.
var negativeCount = regexp.MustCompile(`Viser -[0-9.]+|Viser [0-9.]+–-`)

// refused checks that a hostile request was turned away: 4xx, or the login page for a
// visitor who is not logged in.
func (a *attacker) refused(r response, what string) {
	a.t.Helper()
	toLogin := toLoginPage(r)
	if (r.status < 400 || r.status >= 500) && !(toLogin && a.u.email == "") {
		a.t.Errorf("%s: %d (to %q), want it refused (4xx)", what, r.status, r.header.Get("Location"))
	}
}

// route sends rt every hostile request of the suite.
func (a *attacker) route(rt Route) {
	t := a.t
	t.Helper()
	sf := attackSurface[rt.Method+" "+rt.Path]
	ids := a.f.ids(a.u)
	path := a.f.fill(t, rt.Path, ids)
	c := a.session(rt)
	jobs := rt.Path == jobsRoute
	base := a.fields(c, rt, sf, ids)
	what := func(s string) string { return a.u.name + ": " + rt.Method + " " + path + " " + s }

	// One hostile text at a time in each field the route reads; all at once for a user the
	// route turns away before it reads any.
	if !jobs && !a.u.allowed(t, rt) {
		for _, v := range hostileTexts {
			vals := cloneValues(base)
			for k := range vals {
				vals.Set(k, v)
			}
			r := a.send(a.session(rt), rt.Method, path, vals, csrfBody)
			a.check(r, what(fmt.Sprintf("every field %q", v)))
			a.refused(r, what(fmt.Sprintf("every field %q", v)))
		}
	}
	if !jobs && a.u.allowed(t, rt) {
		for _, name := range sortedKeys(base) {
			for _, v := range hostileTexts {
				vals := cloneValues(base)
				vals.Set(name, v)
				r := a.send(a.session(rt), rt.Method, path, vals, csrfBody)
				a.check(r, what(fmt.Sprintf("%s=%q", name, v)))
				a.refused(r, what(fmt.Sprintf("%s=%q", name, v)))
			}
		}
	}
	// Forged cursors.
	if sf.cursor {
		for _, v := range forgedCursors {
			vals := cloneValues(base)
			vals.Set("efter", v)
			a.check(a.send(a.session(rt), rt.Method, path, vals, csrfBody), what("efter="+v))
		}
	}
	// Path parameters that name nothing, and ids of data the user may not reach.
	a.params(rt, base)
	// CSRF: missing, another session's, in the query string.
	if rt.Method != "GET" && !jobs {
		for _, m := range []csrfMode{csrfNone, csrfForeign, csrfQuery} {
			r := a.send(a.session(rt), rt.Method, path, base, m)
			w := what(fmt.Sprintf("csrf mode %d", m))
			a.check(r, w)
			if r.status != http.StatusForbidden {
				t.Errorf("%s: %d, want 403 for a request without the session's token in body or header", w, r.status)
			}
		}
	}
	if jobs && rt.Method != "GET" && a.u.allowed(t, rt) {
		req := httptest.NewRequest(rt.Method, path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://evil.example")
		r := a.session(rt).do(req)
		a.check(r, what("from another site"))
		if r.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403 for a request from another site", what("from another site"), r.status)
		}
	}
	// A body of 10 MB, over a socket (Fiber's Test gives no answer to it).
	if rt.Method != "GET" && (a.u.allowed(t, rt) || a.u.email == "") {
		a.bigBody(a.session(rt), rt.Method, path)
	}
	// HEAD answers as GET, without a body, and shows no CPR number: it writes no CPR access
	// record (nor any other: the tables' check after the suite).
	if rt.Method == "GET" && !jobs {
		get := a.send(a.session(rt), "GET", path, nil, csrfBody)
		before := a.cprRecords("")
		head := a.send(a.session(rt), "HEAD", path, nil, csrfBody)
		a.check(get, what("GET"))
		a.check(head, what("HEAD"))
		if head.status != get.status || head.body != "" {
			t.Errorf("%s: HEAD %d with %d bytes, GET %d: want HEAD as GET without a body", what(""), head.status,
				len(head.body), get.status)
		}
		if n := a.cprRecords(""); n != before {
			t.Errorf("%s: HEAD wrote %d CPR access records, want none", what(""), n-before)
		}
	}
	// A CPR number in the URL of a POST that searches: never read, only the body's is.
	if sf.cpr {
		before := a.cprRecords("search")
		r := a.send(a.session(rt), rt.Method, path+"?cpr="+niels.cpr, base, csrfBody)
		w := what("?cpr=" + niels.cpr)
		a.check(r, w)
		if n := a.cprRecords("search"); n != before || strings.Contains(r.body, `value="`+niels.cpr+`"`) {
			t.Errorf("%s: %d searched by the CPR number of the URL (%d search records)", w, r.status, n-before)
		}
	}
	// A User-Agent with a NUL or bytes that are no UTF-8: a GET as any other, anything else
	// refused as without it (here for the missing CSRF token), never a 500.
	if !jobs {
		for _, v := range hostileTexts {
			hc := *a.session(rt)
			hc.header = http.Header{"User-Agent": {v}}
			mode := csrfBody
			if rt.Method != "GET" {
				mode = csrfNone
			}
			a.check(a.send(&hc, rt.Method, path, base, mode), what(fmt.Sprintf("User-Agent %q", v)))
		}
	}
}

// hostileLogin opens the login page in a new session, which stores its User-Agent, and logs
// in with a wrong password, each with a User-Agent with a NUL or bytes that are no UTF-8.
// (A login that works is left out: it writes the user's last login.)
func (a *attacker) hostileLogin() {
	for _, v := range hostileTexts {
		c := a.b.client()
		c.t = a.t
		c.header = http.Header{"User-Agent": {v}}
		w := fmt.Sprintf("%s: login with User-Agent %q", a.u.name, v)
		r := c.get("/login")
		a.check(r, w)
		if r.status != http.StatusOK {
			a.t.Errorf("%s: GET /login %d, want 200", w, r.status)
		}
		a.check(c.post("/login", url.Values{"email": {orValue(a.u.email, "ingen@demo.invalid")}, "password": {"forkert"}}, true), w)
	}
}

// cprRecords is the number of the user's CPR access records of action ("" for any).
func (a *attacker) cprRecords(action string) int {
	a.t.Helper()
	ctx := context.Background()
	if a.db == nil {
		var database string
		a.b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
			return tx.ToolTx().QueryRow(ctx, `SELECT current_database()`).Scan(&database)
		})
		conn, err := pgx.Connect(ctx, testdb.Cluster(a.t).SuperuserURL(database))
		if err != nil {
			a.t.Fatal(err)
		}
		a.db = conn
		a.t.Cleanup(func() { conn.Close(context.Background()) })
	}
	var n int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM cpr_access_log WHERE user_email = $1 AND ($2 = '' OR action = $2)`,
		a.u.email, action).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// bigBody announces a form of 10 MB to path on the app's socket and sends none of it: the
// app must answer 413 from the headers alone, without waiting for (or reading) the body.
func (a *attacker) bigBody(c *client, method, path string) {
	a.t.Helper()
	w := a.u.name + ": " + method + " " + path + " with a body of 10 MB"
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(a.f.server, "http://"), 5*time.Second)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	var cookies []string
	for k, v := range c.cookies {
		cookies = append(cookies, k+"="+v)
	}
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\nCookie: %s\r\nX-Csrf-Token: %s\r\n\r\n", method, path, 10<<20, strings.Join(cookies, "; "), c.csrf)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		a.t.Errorf("%s: no answer before the body: %v", w, err)
		return
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a.check(response{status: res.StatusCode, header: res.Header, body: string(b)}, w)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		a.t.Errorf("%s: %d, want 413", w, res.StatusCode)
	}
}

// params sends rt with each of its path parameters replaced by values that name nothing, and
// an :id by the id of data the user may not reach (404, T1, S9).
func (a *attacker) params(rt Route, base url.Values) {
	t := a.t
	segs := strings.Split(rt.Path, "/")
	ids := a.f.ids(a.u)
	for i, s := range segs {
		junk := junkParams[s]
		if rt.Path == "/static/*" && s == "*" {
			junk = junkParams["/static/*"]
		}
		for _, v := range junk {
			route := slices.Clone(segs)
			route[i] = "JUNK"
			path := strings.Replace(a.f.fill(t, strings.Join(route, "/"), ids), "JUNK", v, 1)
			r := a.send(a.session(rt), rt.Method, path, base, csrfBody)
			w := a.u.name + ": " + rt.Method + " " + path
			a.check(r, w)
			a.refused(r, w)
		}
		if s != ":id" || i == 0 {
			continue
		}
		id, ok := a.f.foreign(a.u, segs[i-1])
		if !ok {
			continue
		}
		route := slices.Clone(segs)
		route[i] = strconv.FormatInt(id, 10)
		path := a.f.fill(t, strings.Join(route, "/"), ids)
		r := a.send(a.session(rt), rt.Method, path, base, csrfBody)
		w := a.u.name + ": " + rt.Method + " " + path + " (data the user may not reach)"
		a.check(r, w)
		if a.u.allowed(t, rt) && r.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", w, r.status)
		}
		a.refused(r, w)
	}
}

// wrongMethods asks every path with each method it does not have: 405 with the methods it
// has in Allow (for a visitor without a session the CSRF check may answer 403 first).
func (a *attacker) wrongMethods(routes []Route) {
	t := a.t
	methods := map[string][]string{}
	for _, rt := range routes {
		methods[rt.Path] = append(methods[rt.Path], rt.Method)
	}
	for _, route := range sortedKeys(methods) {
		has := methods[route]
		path := a.f.fill(t, route, a.f.ids(a.u))
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if slices.Contains(has, m) {
				continue
			}
			c := a.newSession()
			req := httptest.NewRequest(m, path, strings.NewReader(url.Values{views.CSRFFieldName: {c.csrf}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(views.CSRFHeaderName, c.csrf)
			r := c.do(req)
			w := a.u.name + ": " + m + " " + path
			a.check(r, w)
			if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") == "" {
				t.Errorf("%s: %d (Allow %q), want 405 with Allow", w, r.status, r.header.Get("Allow"))
			}
		}
	}
}

// fields are the fields rt reads with the values to start from: its form's as the page shows
// them to the user (the page of sf.form, when the user may open it), then sf.valid, then
// sf.fields (empty where neither gives a value).
func (a *attacker) fields(c *client, rt Route, sf surface, ids kommuneIDs) url.Values {
	vals := url.Values{}
	if sf.form != "" {
		form := sf.form
		if form == self {
			form = rt.Path
		}
		r := a.send(c, "GET", a.f.fill(a.t, form, ids), nil, csrfBody)
		if r.status == http.StatusOK {
			vals = pageFields(r.body)
		}
	}
	if sf.valid != nil {
		for k, v := range sf.valid() {
			vals[k] = v
		}
	}
	for _, k := range sf.fields {
		if _, ok := vals[k]; !ok {
			vals.Set(k, "")
		}
	}
	vals.Del(views.CSRFFieldName)
	return vals
}

// pageFields is every named field of the forms of page with the value it would send: an
// input's value (a checkbox or radio only when checked), a select's chosen option (or its
// first), a textarea's text, the first named button's value.
func pageFields(page string) url.Values {
	vals := url.Values{}
	z := html.NewTokenizer(strings.NewReader(page))
	var sel, area string // the select or textarea being read
	selChosen := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return vals
		case html.TextToken:
			if area != "" {
				vals.Set(area, vals.Get(area)+string(z.Text()))
			}
		case html.EndTagToken:
			switch name, _ := z.TagName(); string(name) {
			case "select":
				sel = ""
			case "textarea":
				area = ""
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			attrs := map[string]string{}
			for {
				k, v, more := z.TagAttr()
				attrs[string(k)] = string(v)
				if !more {
					break
				}
			}
			_, checked := attrs["checked"]
			_, selected := attrs["selected"]
			n := attrs["name"]
			switch string(name) {
			case "input":
				switch attrs["type"] {
				case "checkbox", "radio":
					if checked && n != "" {
						vals.Add(n, orValue(attrs["value"], "on"))
					}
				default:
					if n != "" {
						vals.Set(n, attrs["value"])
					}
				}
			case "button":
				if n != "" && !vals.Has(n) {
					vals.Set(n, attrs["value"])
				}
			case "textarea":
				if n != "" {
					area = n
					vals.Set(n, "")
				}
			case "select":
				if n != "" {
					sel, selChosen = n, false
					vals.Set(n, "")
				}
			case "option":
				if sel != "" && (selected || !selChosen && vals.Get(sel) == "") {
					vals.Set(sel, attrs["value"])
					selChosen = selChosen || selected
				}
			}
		}
	}
}

func orValue(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// tableSnapshot is a checksum of every table's rows, read as the cluster's superuser (whom
// row-level security does not bind), but for the tables a refused request may write by design: the sessions, the
// login throttle, the CPR access log (reading a list is logged) and River's own
// bookkeeping (River's jobs are in it).
func (b *bundle) tableSnapshot() map[string]string {
	b.t.Helper()
	ctx := context.Background()
	var database string
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT current_database()`).Scan(&database)
	})
	conn, err := pgx.Connect(ctx, testdb.Cluster(b.t).SuperuserURL(database))
	if err != nil {
		b.t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`)
	if err != nil {
		b.t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.t.Fatal(err)
	}
	skip := regexp.MustCompile(`^(sessions?|login_.*|cpr_access_.*|river_(leader|queue|client.*|migration))$`)
	out := map[string]string{}
	for _, tbl := range tables {
		if skip.MatchString(tbl) {
			continue
		}
		var sum string
		if err := conn.QueryRow(ctx, `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')
			FROM `+pgx.Identifier{tbl}.Sanitize()+` t`).Scan(&sum); err != nil {
			b.t.Fatalf("%s: %v", tbl, err)
		}
		out[tbl] = sum
	}
	return out
}
