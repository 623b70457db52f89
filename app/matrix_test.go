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
// must answer as the route's Access and access.Policies say (T1–T3). Denied is the redirect
// to /login for a visitor who is not logged in, and 403 for a user who is: the T2 message
// for a user without the right of T2, "Ingen adgang" for others. An allowed request is
// anything else that is not a server error; for routes with the :id of a kommune's data it
// is a 404 for a user of another kommune, and nothing changes.

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

// allowed is the expectation: what the route's Access and access.Policies let u do.
func (u matrixUser) allowed(x Access) bool {
	switch {
	case x.IsPublic():
		return true
	case u.email == "":
		return false
	case x == LoggedIn:
		return true
	}
	for _, r := range u.roles {
		if slices.Contains(access.Policies[r], x.Permission()) {
			return true
		}
	}
	return false
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
		if _, err := tx.PgxTx().Exec(ctx, `UPDATE sager SET indberettet_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		if _, err = tx.PgxTx().Exec(ctx, `UPDATE ydelser SET indberettet_at = now() WHERE sag_id = $1`, id); err != nil {
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
					toLogin := r.status == http.StatusSeeOther && r.header.Get("Location") == "/login"
					what := rt.Method + " " + path + " (" + rt.Access.String() + ")"
					// Issue 14 #7: no page, part or file with a CPR number is stored; every
					// page of the app's own (not River UI's) is marked so.
					html := strings.HasPrefix(r.header.Get("Content-Type"), "text/html") && !isJobsPath(path)
					if html || strings.Contains(r.body, "150362-1235") || strings.Contains(r.body, demo.NielsHansenCPR) {
						checkNoStore(t, what, r)
					}
					switch {
					case !u.allowed(rt.Access) && u.email == "":
						if !toLogin {
							t.Errorf("%s: %d, want the redirect to /login", what, r.status)
						}
					case !u.allowed(rt.Access):
						want := "Ingen adgang"
						if !access.HasDataRight(u.roles) {
							want = t2Message
						}
						if r.status != http.StatusForbidden || !strings.Contains(r.body, strings.ReplaceAll(want, "'", "&#39;")) {
							t.Errorf("%s: %d, want 403 with %q", what, r.status, want)
						}
					case r.status >= 500 || r.status == http.StatusForbidden || toLogin && rt.Access != LoggedIn && u.email != "":
						t.Errorf("%s: %d (to %q), want it allowed", what, r.status, r.header.Get("Location"))
					case data && u.kommune != "" && u.kommune != "101" && r.status != http.StatusNotFound:
						t.Errorf("%s: %d, want 404 for an id of another kommune (T1)", what, r.status)
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
		return tx.PgxTx().QueryRow(ctx, `SELECT concat_ws(' | ',
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
