package app

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// Issue 14's review: the hostile requests the first hardening let through.

// TestPostReadsOnlyItsBody: the list search and the log viewers read what a POST sends (the
// CPR number, the cursor, the filters) only from its body. A CPR number in the URL of the
// POST, where proxy logs and the browser history keep it, filters nothing.
func TestPostReadsOnlyItsBody(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.listeFixture()
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	body := url.Values{"visning": {"kun-sager"}, "filter": {"alle"}}
	c.post("/indberetninger/egne?cpr=050281", body, true).mustStatus(t, http.StatusOK).
		mustContain(t, "Anna Åben", "Bo Lukket").mustNotContain(t, `value="050281"`)
	c.post("/indberetninger/egne?efter=bm90LWEtY3Vyc29y", body, true).mustStatus(t, http.StatusOK).
		mustNotContain(t, msgSideUgyldig)
	c.post("/indberetninger/egne?visning=ydelser-ved-sag&filter=afsluttede", body, true).mustStatus(t, http.StatusOK).
		mustContain(t, "Anna Åben", "Bo Lukket")

	b.logTestChange(1)
	b.grantDataRight("kommuneadmin.101@demo.invalid")
	a := b.client()
	a.login("kommuneadmin.101@demo.invalid")
	for _, path := range []string{"/revision", "/cpr-adgang"} {
		r := a.post(path+"?cpr="+demo.NielsHansenCPR+"&bruger=x%40y.invalid&efter=bm90LWEtY3Vyc29y", url.Values{}, true).
			mustStatus(t, http.StatusOK).mustNotContain(t, demo.NielsHansenCPR, "x@y.invalid", msgSideUgyldig)
		log := tenanttest.CPRAccessLog(t, b.db, "101")
		if n := len(log); n > 0 && log[n-1].Action == "search" {
			t.Errorf("POST %s with the CPR number in the URL searched by it: %+v", path, log[n-1])
		}
		_ = r
	}
}

// TestHeadWritesNoLog: HEAD answers as GET without the body, so it shows no CPR number: it
// writes nothing to the CPR access log nor to the audit log. The same GET does write its
// CPR access record.
func TestHeadWritesNoLog(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.listeFixture()
	b.grantDataRight("kommuneadmin.751@demo.invalid")
	c := b.client()
	c.login("indberetter.751@demo.invalid")
	a := b.client()
	a.login("kommuneadmin.751@demo.invalid")
	audit := func() int { return b.count("751", `SELECT count(*) FROM audit_log`) }
	for _, tc := range []struct {
		c    *client
		path string
	}{
		{c, "/indberetninger/egne?visning=kun-sager"},
		{c, "/indberetninger/egne?visning=ydelser-ved-sag&sag=" + strconv.FormatInt(f.sagA, 10)},
		{c, "/sager/" + strconv.FormatInt(f.sagA, 10) + "/rediger"},
		{c, "/sager/" + strconv.FormatInt(f.sagA, 10) + "/slet"},
		{a, "/sager/" + strconv.FormatInt(f.sagA, 10)},
		{a, "/revision"},
	} {
		before, auditBefore := len(tenanttest.CPRAccessLog(t, b.db, "751")), audit()
		head := tc.c.do(httptest.NewRequest("HEAD", tc.path, nil))
		if head.status != http.StatusOK || head.body != "" {
			t.Errorf("HEAD %s: %d with %d bytes, want 200 without a body", tc.path, head.status, len(head.body))
		}
		if n := len(tenanttest.CPRAccessLog(t, b.db, "751")); n != before {
			t.Errorf("HEAD %s wrote %d CPR access records, want none", tc.path, n-before)
		}
		if n := audit(); n != auditBefore {
			t.Errorf("HEAD %s wrote %d audit records, want none", tc.path, n-auditBefore)
		}
		tc.c.get(tc.path).mustStatus(t, http.StatusOK)
		if n := len(tenanttest.CPRAccessLog(t, b.db, "751")); n != before+1 {
			t.Errorf("GET %s wrote %d CPR access records, want 1", tc.path, n-before)
		}
	}
}

// TestHostileUserAgent: a User-Agent with a NUL, other control characters, bytes that are no
// UTF-8 or a length without end is stored cleaned and capped (the sessions keep it), so a
// login and a change work instead of failing on PostgreSQL's refusal of the text (500).
func TestHostileUserAgent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct{ sent, stored string }{
		{"Mozilla/5.0\x00 (X11)\xff\xfe Test\x01\x7f", "Mozilla/5.0 (X11) Test"},
		{"Tab\there", "Tab here"},
		{"Ø" + strings.Repeat("x", 298) + "æøå", "Ø" + strings.Repeat("x", 298)},
	} {
		c := b.client()
		c.header = http.Header{"User-Agent": {tc.sent}}
		c.get("/login").mustStatus(t, http.StatusOK)
		r := c.post("/login", url.Values{"email": {"indberetter.101@demo.invalid"}, "password": {demo.Password}}, true)
		if r.status != http.StatusSeeOther {
			t.Fatalf("login with User-Agent %q: %d\n%s", tc.sent, r.status, r.body)
		}
		c.get("/sager/ny").mustStatus(t, http.StatusOK)
		c.post("/sager/ny", opretForm(), true).mustStatus(t, http.StatusSeeOther)
		b.in("101", func(ctx context.Context, tx *tenant.Tx) error {
			_, err := tx.ToolTx().Exec(ctx, `DELETE FROM ydelser WHERE sag_id IN (SELECT id FROM sager WHERE cpr = '2807914563');
				DELETE FROM sager WHERE cpr = '2807914563'`)
			return err
		})
		var got []string
		rows, err := b.db.ToolPool().Query(context.Background(), `SELECT DISTINCT user_agent FROM sessions WHERE user_agent LIKE $1`,
			tc.stored[:3]+"%")
		if err == nil {
			got, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil || !slices.Equal(got, []string{tc.stored}) {
			t.Errorf("User-Agent %q stored as %q (%v), want %q", tc.sent, got, err, tc.stored)
		}
	}
}

// logCursorAt is a log cursor as the server writes them (tenant's encodeLogCursor) with a
// time of micros microseconds since 1970, which no record of the logs can have.
func logCursorAt(micros int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("50|" + strconv.FormatInt(micros, 10) + "|1"))
}

// outOfRangeLogCursors are log cursors whose time is outside what PostgreSQL or a record
// can hold: before 4713 BC (PostgreSQL refuses it: a 500), the int64 ends (the encoding's
// wrap-around gave a page of nonsense), and years no clock writes.
var outOfRangeLogCursors = []string{
	logCursorAt(math.MinInt64), logCursorAt(math.MaxInt64), logCursorAt(-210866803200000001),
	logCursorAt(-300000000000000000), logCursorAt(-62135596800000001), logCursorAt(253402300800000000),
}

// TestLogCursorOutOfRange: a log cursor with a time out of range is refused as any forged
// cursor: the first page with the Danish message (422).
func TestLogCursorOutOfRange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.logTestChange(1)
	b.grantDataRight("kommuneadmin.101@demo.invalid")
	a := b.client()
	a.login("kommuneadmin.101@demo.invalid")
	d := b.client()
	d.login("dst@demo.invalid")
	for _, cur := range outOfRangeLogCursors {
		for _, c := range []*client{a, d} {
			for _, path := range []string{"/revision", "/cpr-adgang"} {
				for _, r := range []response{c.get(path + "?efter=" + cur), c.post(path, url.Values{"efter": {cur}}, true),
					c.post(path, url.Values{"efter": {cur}, "cpr": {demo.NielsHansenCPR}}, true)} {
					if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, msgSideUgyldig) {
						t.Errorf("%s with the cursor %q: %d, want 422 with %q", path, cur, r.status, msgSideUgyldig)
					}
				}
			}
		}
	}
}

// rawRequest sends request as it is on a socket of the app at server and returns the answer.
func rawRequest(t *testing.T, server, request string) response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(server, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Errorf("no answer to %q: %v", request[:min(len(request), 60)], err)
		return response{}
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

// TestErrorsAreDanish: every error the app or Fiber under it answers is a Danish page: a
// request Fiber cannot read (400), a multipart body that is not one (400), a body or headers
// too large (413, 431), and an error a handler returns (400). Fiber's English text,
// which for a 400 was the parser's own error message, is never shown.
func TestErrorsAreDanish(t *testing.T) {
	t.Parallel()
	// A route answering any status as a fiber.Error with an English message, as Fiber's own.
	fejl := Route{Method: fiber.MethodGet, Path: "/test-fejl/:kode", Access: Public, Handler: func(c *fiber.Ctx) error {
		code, _ := strconv.Atoi(c.Params("kode"))
		return fiber.NewError(code, "English text of the error")
	}}
	b := setup(t, fejl)
	server := b.serve()
	english := []string{"English text", "Bad Request", "Forbidden", "Request Entity Too Large", "Request Header Fields Too Large",
		"error when", "multipart", "cannot", "boundary", "too large"}
	check := func(what string, r response, status int, texts ...string) {
		t.Helper()
		if r.status != status {
			t.Errorf("%s: %d, want %d:\n%s", what, r.status, status, r.body)
			return
		}
		r.mustContain(t, append([]string{`<html lang="da"`}, texts...)...)
		for _, e := range english {
			if strings.Contains(r.body, e) {
				t.Errorf("%s: the page has Fiber's English %q:\n%s", what, e, r.body)
			}
		}
	}
	const host = "Host: localhost\r\n"
	check("a Content-Length that is no number", rawRequest(t, server, "POST /login HTTP/1.1\r\n"+host+"Content-Length: abc\r\n\r\n"),
		http.StatusBadRequest, msgFejl400)
	check("a broken multipart body", rawRequest(t, server, "POST /login HTTP/1.1\r\n"+host+
		"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 20\r\n\r\n--abc\r\nikke multipart"),
		http.StatusBadRequest, msgFejl400)
	check("a body of 10 MB", rawRequest(t, server, "POST /login HTTP/1.1\r\n"+host+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10485760\r\n\r\n"),
		http.StatusRequestEntityTooLarge, msgFejl413)
	check("headers of 64 kB", rawRequest(t, server, "GET /login HTTP/1.1\r\n"+host+"Cookie: a="+strings.Repeat("x", 64<<10)+"\r\n\r\n"),
		http.StatusRequestHeaderFieldsTooLarge, msgFejl431)

	for code, msg := range map[int]string{400: msgFejl400, 403: msgFejl403, 408: msgFejl408, 413: msgFejl413, 431: msgFejl431,
		418: msgFejlAnden, 429: msgFejlAnden, 502: msgFejlAnden} {
		check(fmt.Sprint("a fiber.Error ", code), b.client().get(fmt.Sprint("/test-fejl/", code)), code, msg)
	}
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	check("the list's toolbar without an action", c.get("/indberetninger/egne/valgt?handling=x"), http.StatusBadRequest, msgFejl400)
}

// TestFormsReadOnlyTheirBody: *Opret* and the login read their fields only from the POST's
// body. A CPR number or a password in the URL of the POST, where proxy logs and the browser
// history keep it, counts as missing: the form comes back with its message (422).
func TestFormsReadOnlyTheirBody(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	c.post("/sager/ny?cpr=280791-4563", with(opretForm(), "cpr", ""), true).
		mustStatus(t, http.StatusUnprocessableEntity).mustNotContain(t, "280791-4563")
	if _, _, ok := b.sagByCPR("101", newCPR); ok {
		t.Error("Opret saved the CPR number of the URL")
	}
	l := b.client()
	l.get("/login").mustStatus(t, http.StatusOK)
	l.post("/login?password="+url.QueryEscape(demo.Password), url.Values{"email": {"indberetter.101@demo.invalid"}}, true).
		mustStatus(t, http.StatusUnprocessableEntity)
}
