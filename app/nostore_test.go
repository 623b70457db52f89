package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// Cache-Control: no-store on every page and partial that shows a CPR number (issue 14 #7), so
// that no browser or proxy keeps one on disk: render sets it on every HTML response, and the
// downloads set it themselves. The role × route matrix checks every route for every kind of
// user (TestRoleRouteMatrix); this test walks the screens that show CPR numbers with data in
// them, full pages, htmx parts and refused forms (422) alike, and checks that each really
// shows one.

// cprInBodyRE finds a CPR number as the screens and files show it, with or without its dash.
var cprInBodyRE = regexp.MustCompile(`\b[0-3]\d[01]\d\d\d-?\d{4}\b`)

// checkNoStore fails the test unless r is stored nowhere.
func checkNoStore(t *testing.T, what string, r response) {
	t.Helper()
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: %d with Cache-Control %q, want no-store", what, r.status, cc)
	}
}

func TestCPRScreensNotStored(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s, ys, _ := b.sagByCPR("101", demo.NielsHansenCPR)
	tenanttest.MarkDelivered(t, b.db, "101", time.Now(), []int64{s.ID}, []int64{ys[0].ID, ys[1].ID}) // DST's view too
	b.grantDataRight("kommuneadmin.101@demo.invalid")
	sag, ydelse := strconv.FormatInt(s.ID, 10), strconv.FormatInt(ys[0].ID, 10)
	var eksport, andenSag, andenYdelse string // another sag of one ydelse, not delivered, to delete
	b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
		e, err := tenanttest.FinishedEksport(ctx, tx, "CPR-nummer\r\n150362-1235\r\n", demo.NielsHansenCPR)
		eksport = strconv.FormatInt(e.ID, 10)
		if err != nil {
			return err
		}
		return tx.ToolTx().QueryRow(ctx, `SELECT y.sag_id::text, y.id::text FROM ydelser y JOIN sager s ON s.id = y.sag_id
			WHERE s.id <> $1 AND s.antal_ydelser = 1 ORDER BY y.id LIMIT 1`,
			s.ID).Scan(&andenSag, &andenYdelse)
	})
	for _, tc := range []struct {
		email, method, path string
		form                url.Values // POST
		target              string     // htmx: the element it swaps
		status              int
	}{
		{"laeser.101@demo.invalid", "GET", "/indberetninger/egne?visning=kun-sager", nil, "", http.StatusOK},
		{"laeser.101@demo.invalid", "GET", "/indberetninger/egne?visning=kun-sager", nil, "liste-indhold", http.StatusOK},
		{"laeser.101@demo.invalid", "POST", "/indberetninger/egne", url.Values{"cpr": {"150362"}, "visning": {"kun-sager"}}, "liste-resultater", http.StatusOK},
		{"laeser.101@demo.invalid", "POST", "/indberetninger/egne", url.Values{"cpr": {"150362"}, "visning": {"kun-sager"}}, "", http.StatusOK},
		{"laeser.101@demo.invalid", "GET", "/sager/" + sag, nil, "", http.StatusOK},
		{"laeser.101@demo.invalid", "GET", "/sager/" + sag + "/rediger", nil, "", http.StatusOK},
		{"laeser.101@demo.invalid", "GET", "/eksporter/" + eksport + "/fil", nil, "", http.StatusOK},
		{"indberetter.101@demo.invalid", "GET", "/sager/" + sag + "/rediger", nil, "", http.StatusOK},
		{"indberetter.101@demo.invalid", "POST", "/sager/" + sag + "/rediger", url.Values{"funktionsvurdering": {"F"}}, "", http.StatusUnprocessableEntity},
		{"indberetter.101@demo.invalid", "GET", "/sager/" + andenSag + "/slet", nil, "", http.StatusOK},
		{"indberetter.101@demo.invalid", "GET", "/sager/" + sag + "/ydelser/ny", nil, "", http.StatusOK},
		{"indberetter.101@demo.invalid", "POST", "/sager/" + sag + "/ydelser/ny", url.Values{"indsatskode": {"9.9"}}, "", http.StatusUnprocessableEntity},
		{"indberetter.101@demo.invalid", "GET", "/ydelser/" + ydelse + "/rediger", nil, "", http.StatusOK},
		{"indberetter.101@demo.invalid", "POST", "/ydelser/" + ydelse + "/rediger", url.Values{"startdato": {"x"}}, "", http.StatusUnprocessableEntity},
		{"indberetter.101@demo.invalid", "GET", "/ydelser/" + andenYdelse + "/slet", nil, "", http.StatusOK},
		{"indberetter.101@demo.invalid", "POST", "/sager/ny", with(opretForm(), "startdato", "x"), "", http.StatusUnprocessableEntity},
		{"dst@demo.invalid", "GET", "/indberetninger/alle?kommune=101&visning=kun-sager", nil, "", http.StatusOK},
		{"dst@demo.invalid", "GET", "/sager/" + sag + "?kommune=101", nil, "", http.StatusOK},
		{"kommuneadmin.101@demo.invalid", "GET", "/revision?sag=" + sag, nil, "", http.StatusOK},
		{"kommuneadmin.101@demo.invalid", "POST", "/revision", url.Values{"cpr": {"150362-1235"}}, "log-indhold", http.StatusOK},
		{"kommuneadmin.101@demo.invalid", "POST", "/revision", url.Values{"cpr": {"150362-1235"}, "fra": {"x"}}, "", http.StatusUnprocessableEntity},
		{"kommuneadmin.101@demo.invalid", "POST", "/cpr-adgang", url.Values{"cpr": {"150362-1235"}}, "", http.StatusOK},
	} {
		c := b.sessionClient(tc.email)
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.method == "POST" {
			form := with(tc.form)
			form.Set("_csrf", c.csrf)
			req = newFormRequest(tc.path, form)
		}
		if tc.target != "" {
			req.Header.Set("HX-Request", "true")
			req.Header.Set("HX-Target", tc.target)
		}
		r := c.do(req)
		what := tc.email + " " + tc.method + " " + tc.path + " " + tc.target
		if r.status != tc.status || !cprInBodyRE.MatchString(r.body) {
			t.Errorf("%s: %d, want %d with a CPR number; body:\n%.300s", what, r.status, tc.status, r.body)
		}
		checkNoStore(t, what, r)
	}
}
