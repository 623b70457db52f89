package app

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// Issue 14 #1: four downloads whose clients never read held every connection of the pool
// (pgx's default of 4) in their transactions, and /readyz, /login and every list of every
// kommune waited for them.

// downloadPoolMax is the pool of the slow-download test: pgx's default on 2 cores, the pool
// the issue was found with.
const downloadPoolMax = 4

// TestSlowDownloadsLeaveThePoolFree: more clients than the pool has connections download a
// large leverance document (as XML and as gzip) and a large export file and stop reading
// after the response head; meanwhile another kommune's user lists her sager, a user logs in
// and /readyz answers, each well within 2 s, and no connection of the pool is taken. Then
// the slow clients read on and each gets its whole file, byte for byte.
func TestSlowDownloadsLeaveThePoolFree(t *testing.T) {
	t.Parallel()
	b := setupOn(t, openPool(t, downloadPoolMax))
	base := b.serve()

	// A leverance of 24 MB of XML that gzip only halves (random hex), and an export of 16 MB:
	// far more than the sockets' buffers hold, so the server must wait for the readers.
	doc := []byte("<L>" + tenanttest.RandomHex(1, 24<<20) + "</L>\n")
	sum := sha256.Sum256(doc)
	file := string(doc[3 : 3+16<<20])
	var levID int64
	var eks tenant.Eksport
	b.in("101", func(ctx context.Context, tx *tenant.Tx) (err error) {
		levID, err = tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M08", CPRs: []string{"0101801234"},
			SHA256: hex.EncodeToString(sum[:])}, doc)
		if err != nil {
			return err
		}
		eks, err = tenanttest.FinishedEksport(ctx, tx, file, "0101801234")
		return err
	})

	owner := httpLogin(t, base, "indberetter.101@demo.invalid")
	other := httpLogin(t, base, "indberetter.147@demo.invalid") // another kommune's user
	levPath := "/leverancer/" + strconv.FormatInt(levID, 10) + "/dokument"
	eksPath := "/eksporter/" + strconv.FormatInt(eks.ID, 10) + "/fil"
	type download struct {
		path, want string
		gzipped    bool
	}
	downloads := []download{{levPath, string(doc), false}, {levPath, string(doc), true}, {eksPath, file, false}}
	var slow []*slowReader
	for i := range downloadPoolMax + 2 {
		d := downloads[i%len(downloads)]
		slow = append(slow, startSlowReader(t, base, d.path, cookieHeader(owner, base), d.gzipped))
	}
	for _, s := range slow {
		s.readHead(t)
	}

	within := func(what string, limit time.Duration, do func() (*http.Response, error), want int) {
		t.Helper()
		start := time.Now()
		res, err := do()
		took := time.Since(start)
		if err != nil {
			t.Errorf("%s while %d downloads wait on their clients: %v after %s", what, len(slow), err, took.Round(time.Millisecond))
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		t.Logf("%s: %d in %s", what, res.StatusCode, took.Round(time.Millisecond))
		if res.StatusCode != want || took > limit {
			t.Errorf("%s while %d downloads wait on their clients: %d in %s, want %d within %s", what, len(slow),
				res.StatusCode, took.Round(time.Millisecond), want, limit)
		}
	}
	within("GET /readyz", 2*time.Second, func() (*http.Response, error) { return other.Get(base + "/readyz") }, http.StatusOK)
	within("GET /indberetninger of 147", 2*time.Second, func() (*http.Response, error) {
		return other.Get(base + "/indberetninger")
	}, http.StatusOK)
	fresh := newHTTPClient(t)
	within("GET /login", 2*time.Second, func() (*http.Response, error) { return fresh.Get(base + "/login") }, http.StatusOK)
	within("POST /login", 2*time.Second, func() (*http.Response, error) {
		return postLogin(t, fresh, base, "laeser.147@demo.invalid")
	}, http.StatusSeeOther)
	// Nothing of the pool stays taken while the clients do not read (a batch may still be on
	// its way into the sockets' buffers: wait for the pool to be free).
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st := b.db.ToolPool().Stat()
		if st.AcquiredConns() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d of the pool's %d connections stay taken while the downloads wait on their clients",
				st.AcquiredConns(), st.MaxConns())
			break
		}
	}

	for i, s := range slow {
		d := downloads[i%len(downloads)]
		if got := s.readBody(t, d.gzipped); got != d.want {
			t.Errorf("slow download %d of %s (gzip %v): %d bytes, want the %d stored", i, d.path, d.gzipped, len(got), len(d.want))
		}
	}
}

// openPool opens a pool of at most max connections on a fresh prepared database.
func openPool(t *testing.T, max int) *tenant.DB {
	t.Helper()
	db, err := tenant.Open(context.Background(), tenanttest.OwnerURL(t), max)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// serve serves b's app on a free port of 127.0.0.1 until the test ends and returns its URL.
func (b *bundle) serve() string {
	t := b.t
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- b.app.Serve(ln) }()
	// Wait until it serves: a shutdown before fasthttp has taken the listener leaves Serve
	// accepting for ever, and the cleanup waiting for it.
	url := "http://" + ln.Addr().String()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if res, err := http.Get(url + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the app does not serve on its socket")
		}
	}
	t.Cleanup(func() {
		if err := b.app.Fiber().ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Logf("stop server: %v", err)
		}
		<-served
	})
	return url
}

// newHTTPClient is a browser over real HTTP: it keeps cookies and does not follow redirects.
func newHTTPClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// postLogin posts the login form of the client's last GET /login with email and the demo
// password.
func postLogin(t *testing.T, c *http.Client, base, email string) (*http.Response, error) {
	t.Helper()
	res, err := c.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on /login (%d)", res.StatusCode)
	}
	return c.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "email": {email}, "password": {demo.Password}})
}

// httpLogin is a client logged in as email.
func httpLogin(t *testing.T, base, email string) *http.Client {
	t.Helper()
	c := newHTTPClient(t)
	res, err := postLogin(t, c, base, email)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: %d", email, res.StatusCode)
	}
	return c
}

// cookieHeader is the Cookie header c sends to base.
func cookieHeader(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	var parts []string
	for _, ck := range c.Jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

// slowReader is a client that sends a request and then does not read (until readBody).
type slowReader struct {
	conn net.Conn
	r    *bufio.Reader
	head *http.Response
}

// startSlowReader sends GET path with cookie, on a socket whose receive buffer is as small
// as the kernel allows.
func startSlowReader(t *testing.T, base, path, cookie string, gzipped bool) *slowReader {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	req := "GET " + path + " HTTP/1.1\r\nHost: " + strings.TrimPrefix(base, "http://") + "\r\nCookie: " + cookie + "\r\n"
	if gzipped {
		req += "Accept-Encoding: gzip\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	return &slowReader{conn: conn, r: bufio.NewReaderSize(conn, 4096)}
}

// readHead reads the response's status line and header, and nothing of the body.
func (s *slowReader) readHead(t *testing.T) {
	t.Helper()
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(s.r, nil)
	switch {
	case err != nil:
		t.Errorf("slow download: no response head: %v", err)
	case res.StatusCode != http.StatusOK:
		t.Errorf("slow download: %d", res.StatusCode)
	default:
		s.head = res
	}
}

// readBody reads the rest of the response: the file, unzipped when gzipped.
func (s *slowReader) readBody(t *testing.T, gzipped bool) string {
	t.Helper()
	if s.head == nil {
		return ""
	}
	s.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var body io.Reader = s.head.Body
	if gzipped {
		if s.head.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("gzip download without Content-Encoding: gzip")
		}
		zr, err := gzip.NewReader(body)
		if err != nil {
			t.Errorf("gzip download: %v", err)
			return ""
		}
		body = zr
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, body); err != nil {
		t.Errorf("slow download: %v after %d bytes", err, buf.Len())
	}
	return buf.String()
}

// TestLeveranceDokumentDownloads: a document stored in gzip parts downloads as XML and as
// the stored gzip stream, and one stored whole (before 00016) as XML and zipped on the way,
// each of several batches; each with Content-Length where the size is known before the first
// byte (all but the whole one zipped on the way), never cached (I5, issue 14 #1).
func TestLeveranceDokumentDownloads(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := []byte("<L>" + tenanttest.RandomHex(2, 6<<20) + "</L>\n") // 6 MB, 3 MB of gzip
	whole := doc[:5<<19]                                             // 2.5 MB
	var parts, old tenant.LeveranceFil
	b.in("101", func(ctx context.Context, tx *tenant.Tx) (err error) {
		parts, old, err = tenanttest.LeverancerBothWays(ctx, tx, doc, whole)
		return err
	})
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	for _, tc := range []struct {
		name    string
		f       tenant.LeveranceFil
		want    []byte
		gzipped bool
		length  string // Content-Length; "" chunked
	}{
		{"parts as XML", parts, doc, false, strconv.Itoa(len(doc))},
		{"parts as gzip", parts, doc, true, strconv.FormatInt(parts.GzipSize, 10)},
		{"whole as XML", old, whole, false, strconv.Itoa(len(whole))},
		{"whole as gzip", old, whole, true, ""},
	} {
		req := httptest.NewRequest("GET", "/leverancer/"+strconv.FormatInt(tc.f.ID, 10)+"/dokument", nil)
		if tc.gzipped {
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		}
		r := c.do(req).mustStatus(t, http.StatusOK)
		body := []byte(r.body)
		if tc.gzipped {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		if !bytes.Equal(body, tc.want) {
			t.Errorf("%s: %d bytes, want the %d stored", tc.name, len(body), len(tc.want))
		}
		if got := r.header.Get("Content-Length"); got != tc.length {
			t.Errorf("%s: Content-Length %q, want %q", tc.name, got, tc.length)
		}
		if (r.header.Get("Content-Encoding") == "gzip") != tc.gzipped || r.header.Get("Cache-Control") != "no-store" ||
			r.header.Get("Content-Type") != "application/xml; charset=utf-8" {
			t.Errorf("%s: headers %v", tc.name, r.header)
		}
	}
}

// TestDownloadOutlastsTheWriteTimeout: the write timeout bounds how long a response may make
// no progress, not how long a download may take: a client that reads a large document
// steadily but slowly, for many times the timeout, gets all of it (a first delivery of a
// large kommune is hundreds of MB; fasthttp's WriteTimeout is one deadline for the whole
// response, so every download longer than 60 s was cut).
func TestDownloadOutlastsTheWriteTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	deps := b.app.deps
	deps.WriteTimeout = time.Second
	a, err := newApp(context.Background(), deps, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.app = a
	base := b.serve()
	doc := []byte("<L>" + tenanttest.RandomHex(3, 16<<20) + "</L>\n") // 16 MB: some 5 s at 3.2 MB/s
	sum := sha256.Sum256(doc)
	var id int64
	b.in("101", func(ctx context.Context, tx *tenant.Tx) (err error) {
		id, err = tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M08", CPRs: []string{"0101801234"},
			SHA256: hex.EncodeToString(sum[:])}, doc)
		return err
	})
	owner := httpLogin(t, base, "indberetter.101@demo.invalid")
	s := startSlowReader(t, base, "/leverancer/"+strconv.FormatInt(id, 10)+"/dokument", cookieHeader(owner, base), false)
	s.readHead(t)
	if s.head == nil {
		return
	}
	start := time.Now()
	var got bytes.Buffer
	buf := make([]byte, 64<<10)
	s.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	for {
		n, err := io.ReadFull(s.head.Body, buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(start)
	if !bytes.Equal(got.Bytes(), doc) {
		t.Errorf("a steady slow download got %d of %d bytes in %s (write timeout %s)", got.Len(), len(doc),
			took.Round(time.Millisecond), deps.WriteTimeout)
	}
	if took < 3*deps.WriteTimeout {
		t.Errorf("the download took %s, not several times the write timeout: the test shows nothing", took)
	}
}
