package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/sessions"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
	"indberet/tenant/websession"
)

// The role × route matrix: every route the running app serves, asked by every kind of user,
// must give the answer wantMatrix writes down for it (T1–T3). The table is written out by
// hand, not computed from access.Policies or the route table's Access, so that a change of a
// policy, of a route's permission or of a role fails here until the table is changed too.

// matrixUser is one column of the matrix: a demo user (none: not logged in) and the roles
// the demo data gives them, checked against the grants before the expectations use them.
type matrixUser struct {
	name, email, kommune string
	roles                []string
}

var matrixUsers = []matrixUser{
	{"ikke logget ind", "", "", nil},
	{"uden ret 101", "uden-ret.101@demo.invalid", "101", nil},
	{"laeser 101", "laeser.101@demo.invalid", "101", []string{access.Laeser}},
	{"indberetter 101", "indberetter.101@demo.invalid", "101", []string{access.Indberetter}},
	{"kommuneadmin 101", "kommuneadmin.101@demo.invalid", "101", []string{access.Kommuneadmin}},
	{"kommuneadmin 147", "kommuneadmin.147@demo.invalid", "147", []string{access.Kommuneadmin}},
	{"indberetter 147", "indberetter.147@demo.invalid", "147", []string{access.Indberetter}},
	{"dst", "dst@demo.invalid", "", []string{access.DST}},
	{"platformadmin", "platform@demo.invalid", "", []string{access.Platformadmin}},
}

// The answers of the matrix:
//
//	ok     allowed: anything but a server error, a 403 or the redirect to /login (the
//	       redirect is the answer of POST /logout, and so allowed there)
//	404    allowed, but 404 and nothing changes: the :id names kommune 101's data and the
//	       user is of another kommune (T1); DST names no kommune (?kommune=, T3: DST picks
//	       one) or asks for a list other than All (S9); the platform administrator, of no
//	       kommune, asks for a kommune administrator's screen (brugere.go's adminKommune);
//	       POST /alle-brugere names no user
//	login  denied to a visitor who is not logged in: the redirect to /login
//	T2     denied to a user without the right of T2: 403 with the T2 message
//	403    denied to a user with the right: 403 with "Ingen adgang"
const (
	ansOK, ansNotFound, ansLogin, ansT2, ansForbidden = "ok", "404", "login", "T2", "403"
)

// wantMatrix is the expected answer of each route ("METHOD path" as in the route table) to
// each user of matrixUsers, in its order:
//
//	anonymous, uden ret 101, laeser 101, indberetter 101, kommuneadmin 101, kommuneadmin 147,
//	indberetter 147, dst, platformadmin
//
// The kommune administrators hold no right of T2 (so T2, not 403, where a route needs a data
// permission); uden ret 101 holds no role at all. The rows are in the route table's order.
var wantMatrix = map[string]string{
	//                                            anon  uden  laes  indb  adm   adm   indb  dst   platform
	//                                                  101   101   101   101   147   147
	"GET /healthz":                              "ok    ok    ok    ok    ok    ok    ok    ok    ok",
	"GET /readyz":                               "ok    ok    ok    ok    ok    ok    ok    ok    ok",
	"GET /static/*":                             "ok    ok    ok    ok    ok    ok    ok    ok    ok",
	"GET /login":                                "ok    ok    ok    ok    ok    ok    ok    ok    ok",
	"POST /login":                               "ok    ok    ok    ok    ok    ok    ok    ok    ok",
	"POST /logout":                              "ok    ok    ok    ok    ok    ok    ok    ok    ok",
	"GET /":                                     "login T2    ok    ok    ok    ok    ok    ok    ok",
	"GET /indberetninger":                       "login T2    ok    ok    T2    T2    ok    ok    403",
	"GET /indberetninger/:liste":                "login T2    ok    ok    T2    T2    ok    404   403",
	"POST /indberetninger/:liste":               "login T2    ok    ok    T2    T2    ok    404   403",
	"GET /indberetninger/:liste/valgt":          "login T2    ok    ok    T2    T2    ok    404   403",
	"GET /kontaktoplysninger":                   "login T2    ok    ok    ok    ok    ok    ok    403",
	"POST /kontaktoplysninger":                  "login T2    403   ok    ok    ok    ok    403   403",
	"GET /sager/ny":                             "login T2    403   ok    T2    T2    ok    403   403",
	"POST /sager/ny":                            "login T2    403   ok    T2    T2    ok    403   403",
	"POST /sager/ny/cpr":                        "login T2    403   ok    T2    T2    ok    403   403",
	"GET /sager/:id/rediger":                    "login T2    ok    ok    T2    T2    404   404   403",
	"POST /sager/:id/rediger":                   "login T2    403   ok    T2    T2    404   403   403",
	"GET /sager/:id/slet":                       "login T2    403   ok    T2    T2    404   403   403",
	"POST /sager/:id/slet":                      "login T2    403   ok    T2    T2    404   403   403",
	"GET /sager/:id/ydelser/ny":                 "login T2    403   ok    T2    T2    404   403   403",
	"POST /sager/:id/ydelser/ny":                "login T2    403   ok    T2    T2    404   403   403",
	"GET /ydelser/:id/rediger":                  "login T2    403   ok    T2    T2    404   403   403",
	"POST /ydelser/:id/rediger":                 "login T2    403   ok    T2    T2    404   403   403",
	"GET /ydelser/:id/slet":                     "login T2    403   ok    T2    T2    404   403   403",
	"POST /ydelser/:id/slet":                    "login T2    403   ok    T2    T2    404   403   403",
	"POST /ydelsesfelter":                       "login T2    403   ok    T2    T2    ok    403   403",
	"GET /brugere":                              "login T2    403   403   ok    ok    403   403   404",
	"GET /brugere/ny":                           "login T2    403   403   ok    ok    403   403   404",
	"POST /brugere/ny":                          "login T2    403   403   ok    ok    403   403   404",
	"GET /brugere/:id":                          "login T2    403   403   ok    404   403   403   404",
	"POST /brugere/:id":                         "login T2    403   403   ok    404   403   403   404",
	"GET /koder":                                "login T2    403   403   T2    T2    403   ok    403",
	"GET /koder/:kodeliste":                     "login T2    403   403   T2    T2    403   ok    403",
	"GET /koder/:kodeliste/ny":                  "login T2    403   403   T2    T2    403   ok    403",
	"POST /koder/:kodeliste/ny":                 "login T2    403   403   T2    T2    403   ok    403",
	"GET /koder/:kodeliste/:kode":               "login T2    403   403   T2    T2    403   ok    403",
	"POST /koder/:kodeliste/:kode":              "login T2    403   403   T2    T2    403   ok    403",
	"GET /koder/:kodeliste/:kode/slet":          "login T2    403   403   T2    T2    403   ok    403",
	"POST /koder/:kodeliste/:kode/slet":         "login T2    403   403   T2    T2    403   ok    403",
	"GET /kommuner":                             "login T2    403   403   T2    T2    403   403   ok",
	"GET /kommuner/:kommunekode":                "login T2    403   403   T2    T2    403   403   ok",
	"POST /kommuner/:kommunekode/aktiver":       "login T2    403   403   T2    T2    403   403   ok",
	"GET /kommuner/:kommunekode/deaktiver":      "login T2    403   403   T2    T2    403   403   ok",
	"POST /kommuner/:kommunekode/deaktiver":     "login T2    403   403   T2    T2    403   403   ok",
	"GET /kommuner/:kommunekode/administrator":  "login T2    403   403   T2    T2    403   403   ok",
	"POST /kommuner/:kommunekode/administrator": "login T2    403   403   T2    T2    403   403   ok",
	"GET /alle-brugere":                         "login T2    403   403   T2    T2    403   403   ok",
	"POST /alle-brugere":                        "login T2    403   403   T2    T2    403   403   404",
	"GET /konto":                                "login T2    ok    ok    ok    ok    ok    ok    ok",
	"POST /konto":                               "login T2    ok    ok    ok    ok    ok    ok    ok",
	"POST /konto/sessioner":                     "login T2    ok    ok    ok    ok    ok    ok    ok",
	"GET /leverancer":                           "login T2    ok    ok    ok    ok    ok    ok    403",
	"GET /leverancer/:id":                       "login T2    ok    ok    ok    404   404   ok    403",
	"GET /leverancer/:id/dokument":              "login T2    ok    ok    T2    T2    404   ok    403",
	"GET /levering":                             "login T2    ok    ok    ok    ok    ok    ok    403",
	"POST /levering":                            "login T2    403   403   T2    T2    403   ok    403",
	"POST /levering/genlever":                   "login T2    403   403   T2    T2    403   ok    403",
	"GET /udbakke":                              "login T2    403   403   ok    ok    403   ok    ok",
	"GET /udbakke/:id":                          "login T2    403   403   ok    404   403   ok    ok",
	"GET /udbakke/:id/html":                     "login T2    403   403   ok    404   403   ok    ok",
	"POST /udbakke/:id/send-igen":               "login T2    403   403   ok    404   403   ok    403",
	"GET /drift":                                "login T2    403   403   T2    T2    403   ok    ok",
	"GET /revision":                             "login T2    403   403   ok    ok    403   ok    ok",
	"POST /revision":                            "login T2    403   403   ok    ok    403   ok    ok",
	"GET /cpr-adgang":                           "login T2    403   403   ok    ok    403   ok    ok",
	"POST /cpr-adgang":                          "login T2    403   403   ok    ok    403   ok    ok",
	"GET /sager/:id":                            "login T2    ok    ok    T2    T2    404   404   403",
	"GET /eksporter":                            "login T2    ok    ok    T2    T2    ok    ok    403",
	"POST /eksporter":                           "login T2    ok    ok    T2    T2    ok    ok    403",
	"GET /eksporter/:id":                        "login T2    ok    ok    T2    T2    404   404   403",
	"GET /eksporter/:id/fil":                    "login T2    ok    ok    T2    T2    404   404   403",
	"GET /jobs/*":                               "login T2    403   403   T2    T2    403   ok    ok",
	"POST /jobs/*":                              "login T2    403   403   T2    T2    403   ok    ok",
	"PUT /jobs/*":                               "login T2    403   403   T2    T2    403   ok    ok",
	"PATCH /jobs/*":                             "login T2    403   403   T2    T2    403   ok    ok",
	"DELETE /jobs/*":                            "login T2    403   403   T2    T2    403   ok    ok",
}

// want returns u's expected answer to rt; a route without a row fails the test.
func (u matrixUser) want(t *testing.T, rt Route) string {
	t.Helper()
	row, ok := wantMatrix[rt.Method+" "+rt.Path]
	if !ok {
		t.Fatalf("route %s %s has no row in wantMatrix (matrix_test.go): write down who may use it", rt.Method, rt.Path)
	}
	cells := strings.Fields(row)
	i := slices.IndexFunc(matrixUsers, func(m matrixUser) bool { return m.name == u.name })
	if len(cells) != len(matrixUsers) || i < 0 {
		t.Fatalf("wantMatrix[%q] has %d answers for %d users, or %q is not a user of the matrix", rt.Method+" "+rt.Path,
			len(cells), len(matrixUsers), u.name)
	}
	return cells[i]
}

// allowed tells whether wantMatrix lets u use rt.
func (u matrixUser) allowed(t *testing.T, rt Route) bool {
	t.Helper()
	w := u.want(t, rt)
	return w == ansOK || w == ansNotFound
}

// answer classifies r as one of the matrix's answers; anything else is a server error or an
// unexpected 403, described by its status.
func answer(path string, r response) string {
	switch {
	case toLoginPage(r):
		if path == "/logout" {
			return ansOK
		}
		return ansLogin
	case r.status == http.StatusForbidden && strings.Contains(r.body, strings.ReplaceAll(t2Message, "'", "&#39;")):
		return ansT2
	case r.status == http.StatusForbidden && strings.Contains(r.body, "Ingen adgang"):
		return ansForbidden
	case r.status == http.StatusNotFound:
		return ansNotFound
	case r.status >= 500 || r.status == http.StatusForbidden:
		return strconv.Itoa(r.status)
	}
	return ansOK
}

// matrixFixture holds the real values the matrix puts in for route parameters: kommune 101's
// data, all delivered (I2) so that no request of the matrix can delete or change it.
type matrixFixture struct {
	sag, ydelse, bruger, leverance, mail, eksport int64
}

// kommuneDataParents are the route segments before an :id of a kommune's data (T1).
var kommuneDataParents = map[string]bool{"sager": true, "ydelser": true, "brugere": true, "leverancer": true, "udbakke": true,
	"eksporter": true}

// path fills in the route's parameters, and tells whether it names kommune 101's data by id.
// A route with a parameter the fixture does not know fails the test: add it here.
func (f matrixFixture) path(t *testing.T, route string) (string, bool) {
	segs := strings.Split(route, "/")
	data := false
	for i, s := range segs {
		switch {
		case s == "*" && strings.HasPrefix(route, "/static/"):
			segs[i] = "app.css"
		case s == ":liste":
			segs[i] = "egne"
		case s == ":kodeliste": // DST's code lists: a code the demo data uses, so nothing deletes it
			segs[i] = "indsatskoder"
		case s == ":kode":
			segs[i] = "1.3"
		case s == ":kommunekode": // the platform administrator's kommuner: one without demo users
			segs[i] = "151"
		case s == ":id" && i > 0 && kommuneDataParents[segs[i-1]]:
			data = true
			segs[i] = strconv.FormatInt(map[string]int64{"sager": f.sag, "ydelser": f.ydelse, "brugere": f.bruger,
				"leverancer": f.leverance, "udbakke": f.mail, "eksporter": f.eksport}[segs[i-1]], 10)
		case s == "*" && route == jobsRoute:
			segs[i] = "api/jobs/retry" // River UI's API; the matrix's form body is no job list, so nothing is retried
		case strings.HasPrefix(s, ":") || strings.Contains(s, "*"):
			t.Fatalf("route %s: the matrix has no value for %s; add one to matrixFixture.path", route, s)
		}
	}
	return strings.Join(segs, "/"), data
}

// newMatrixFixture puts the fixture's data in kommune 101 (Niels Hansen's sag and ydelser
// delivered, a leverance with its receipt, sent, and a finished export) and checks that the
// demo users have the kommune and roles matrixUsers says.
func (b *bundle) newMatrixFixture() matrixFixture {
	b.t.Helper()
	t := b.t
	ctx := context.Background()
	var f matrixFixture
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		id, err := tx.SagIDByCPR(ctx, demo.NielsHansenCPR)
		if err != nil {
			return err
		}
		ys, err := tx.YdelserOfSag(ctx, id)
		if err != nil {
			return err
		}
		f.sag, f.ydelse = id, ys[0].ID
		if _, err := tx.ToolTx().Exec(ctx, `UPDATE sager SET indberettet_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		if _, err = tx.ToolTx().Exec(ctx, `UPDATE ydelser SET indberettet_at = now() WHERE sag_id = $1`, id); err != nil {
			return err
		}
		f.leverance, f.mail, err = insertReceipt(ctx, tx, "2026M09")
		if err != nil {
			return err
		}
		// Sent, so that no request of the matrix or the attack suite sends it again (I10).
		if err := tx.SetMailStatus(ctx, f.mail, tenant.MailAttempt{Status: tenant.MailSendt, Attempted: true}); err != nil {
			return err
		}
		e, err := tenanttest.FinishedEksport(ctx, tx, "CPR-nummer\r\n150362-1235\r\n", demo.NielsHansenCPR)
		f.eksport = e.ID
		return err
	})
	udenRet, err := b.accounts.ByEmail(ctx, "uden-ret.101@demo.invalid")
	if err != nil {
		t.Fatal(err)
	}
	f.bruger = udenRet.ID
	if err := b.app.deps.Enforcer.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for _, u := range matrixUsers {
		if u.email == "" {
			continue
		}
		acc, err := b.accounts.ByEmail(ctx, u.email)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.app.deps.Enforcer.Roles(acc.ID, acc.Kommune); !slices.Equal(got, u.roles) || acc.Kommune != u.kommune {
			t.Fatalf("%s: kommune %q, roles %v; the matrix assumes %q, %v", u.email, acc.Kommune, got, u.kommune, u.roles)
		}
	}
	return f
}

func TestRoleRouteMatrix(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.newMatrixFixture()
	routes := b.servedRoutes(t)

	served := map[string]bool{}
	for _, rt := range routes {
		served[rt.Method+" "+rt.Path] = true
	}
	for key := range wantMatrix {
		if !served[key] {
			t.Errorf("wantMatrix has %s, which the app does not serve", key)
		}
	}
	before := b.matrixSnapshot(f)
	t.Run("matrix", func(t *testing.T) {
		for _, u := range matrixUsers {
			t.Run(u.name, func(t *testing.T) {
				t.Parallel()
				for _, rt := range routes {
					path, data := f.path(t, rt.Path)
					c := b.sessionClient(u.email) // a session of its own: logout and ending sessions touch no other
					var r response
					if rt.Method == "GET" {
						r = c.get(path)
					} else {
						req := httptest.NewRequest(rt.Method, path, strings.NewReader(url.Values{"_csrf": {c.csrf}}.Encode()))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
						req.Header.Set("Origin", "http://example.com") // as browsers send with a POST (jobs.go checks it)
						r = c.do(req)
					}
					what := rt.Method + " " + path + " (" + rt.Access.String() + ")"
					// Issue 14 #7: no page, part or file with a CPR number is stored; every
					// page of the app's own (not River UI's) is marked so.
					html := strings.HasPrefix(r.header.Get("Content-Type"), "text/html") && !isJobsPath(path)
					if html || strings.Contains(r.body, "150362-1235") || strings.Contains(r.body, demo.NielsHansenCPR) {
						checkNoStore(t, what, r)
					}
					got, want := answer(rt.Path, r), u.want(t, rt)
					if got != want {
						t.Errorf("%s: %s (status %d, to %q), want %s", what, got, r.status, r.header.Get("Location"), want)
					}
					// Whatever the table says, kommune 101's data is no other kommune's (T1).
					if data && u.kommune != "" && u.kommune != "101" && got == ansOK {
						t.Errorf("%s: a user of kommune %s reached kommune 101's data (T1)", what, u.kommune)
					}
				}
			})
		}
	})
	if after := b.matrixSnapshot(f); after != before {
		t.Errorf("the matrix changed kommune 101's data:\nbefore %s\nafter  %s", before, after)
	}
}

// sessionClient is a client with a fresh session of its own, made directly in the session
// store (no password check, so the matrix stays fast): logged in as email, or not logged in
// for "", with a CSRF token.
func (b *bundle) sessionClient(email string) *client {
	b.t.Helper()
	store := b.app.deps.Sessions
	s := sessions.NewSession(store, SessionCookie)
	opts := store.Options
	s.Options, s.IsNew = &opts, true
	if email != "" {
		u, err := b.accounts.ByEmail(context.Background(), email)
		if err != nil {
			b.t.Fatal(err)
		}
		s.Values[websession.UserIDKey] = strconv.FormatInt(u.ID, 10)
	}
	c := b.client()
	c.csrf = newToken()
	s.Values[csrfKey] = c.csrf
	w := httptest.NewRecorder()
	if err := store.Save(httptest.NewRequest("GET", "/", nil), w, s); err != nil {
		b.t.Fatal(err)
	}
	for _, ck := range w.Result().Cookies() {
		c.cookies[ck.Name] = ck.Value
	}
	return c
}

// matrixSnapshot is the rows the matrix names by id: the sag with its ydelser and målgrupper,
// the user with their grants, the number of sager, ydelser and leverancer in 101, its
// e-mails, and the number of jobs in River's queue (a delivery run).
func (b *bundle) matrixSnapshot(f matrixFixture) string {
	b.t.Helper()
	var snap string
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		return tx.ToolTx().QueryRow(ctx, `SELECT concat_ws(' | ',
			(SELECT row_to_json(s)::text FROM sager s WHERE id = $1),
			(SELECT json_agg(y ORDER BY y.id)::text FROM ydelser y WHERE sag_id = $1),
			(SELECT json_agg(m ORDER BY m::text)::text FROM ydelse_maalgrupper m),
			(SELECT count(*) FROM sager), (SELECT count(*) FROM ydelser),
			(SELECT count(*) FROM leverancer), (SELECT json_agg(o ORDER BY o.id)::text FROM outbox o),
			(SELECT count(*) FROM river_job),
			(SELECT row_to_json(u)::text FROM users u WHERE id = $2),
			(SELECT json_agg(r ORDER BY r.id)::text FROM casbin_rule r WHERE p_type = 'g' AND v0 = 'u:' || $2::text))`,
			f.sag, f.bruger).Scan(&snap)
	})
	return snap
}
