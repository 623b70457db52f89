package app

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"indberet/app/config"
	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// bundle is one test's app on its own database with the demo data loaded.
type bundle struct {
	t        *testing.T
	app      *App
	db       *tenant.DB
	accounts *accounts.Store
	sleeps   *[]time.Duration
}

func setup(t *testing.T, extra ...Route) *bundle {
	t.Helper()
	db, _ := tenanttest.DB(t)
	return setupWith(t, db, nil, extra...)
}

// setupOn is setup on db (a test that sizes the pool itself opens it).
func setupOn(t *testing.T, db *tenant.DB, extra ...Route) *bundle {
	t.Helper()
	return setupWith(t, db, nil, extra...)
}

// setupEnv is setup with the configuration of the environment env.
func setupEnv(t *testing.T, env map[string]string, extra ...Route) *bundle {
	t.Helper()
	db, _ := tenanttest.DB(t)
	return setupWith(t, db, env, extra...)
}

// setupWith is setup on db with the configuration of the environment env.
func setupWith(t *testing.T, db *tenant.DB, env map[string]string, extra ...Route) *bundle {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Parse(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	deps, err := Wire(ctx, cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	acc := deps.Accounts
	if _, err := demo.Load(ctx, db, acc); err != nil {
		t.Fatalf("demo: %v", err)
	}
	var mu sync.Mutex
	sleeps := &[]time.Duration{}
	acc.Sleep = func(_ context.Context, d time.Duration) { mu.Lock(); *sleeps = append(*sleeps, d); mu.Unlock() }
	a, err := newApp(ctx, deps, extra)
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{t: t, app: a, db: db, accounts: acc, sleeps: sleeps}
}

// client is a browser: it keeps cookies and the last CSRF token it saw, and sends header
// with every request (a proxy's, for instance).
type client struct {
	b       *bundle
	t       *testing.T // the test whose failure a failed request is; nil: the bundle's
	cookies map[string]string
	csrf    string
	header  http.Header
}

func (b *bundle) client() *client { return &client{b: b, cookies: map[string]string{}} }

// response is a finished request.
type response struct {
	status int
	header http.Header
	body   string
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) response {
	t := c.b.t
	if c.t != nil {
		t = c.t
	}
	t.Helper()
	var parts []string
	for k, v := range c.cookies {
		parts = append(parts, k+"="+v)
	}
	if len(parts) > 0 {
		req.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	res, err := c.b.app.Fiber().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || (!ck.Expires.IsZero() && ck.Expires.Before(time.Now())) {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	if m := csrfRE.FindStringSubmatch(string(body)); m != nil {
		c.csrf = m[1]
	}
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (c *client) get(path string) response {
	return c.do(httptest.NewRequest("GET", path, nil))
}

// post sends a form; the CSRF token is added unless form already has _csrf or noCSRF.
func (c *client) post(path string, form url.Values, withCSRF bool) response {
	if form == nil {
		form = url.Values{}
	}
	if withCSRF && form.Get("_csrf") == "" {
		form.Set("_csrf", c.csrf)
	}
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login logs in with the demo password and fails the test unless it works.
func (c *client) login(email string) {
	c.b.t.Helper()
	c.get("/login")
	r := c.post("/login", url.Values{"email": {email}, "password": {demo.Password}}, true)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		c.b.t.Fatalf("login %s: status %d, location %q: %s", email, r.status, r.header.Get("Location"), r.body)
	}
	c.get("/") // picks up the new CSRF token
}

func (r response) mustStatus(t *testing.T, want int) response {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body:\n%s", r.status, want, r.body)
	}
	return r
}

func (r response) mustContain(t *testing.T, texts ...string) response {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(html.UnescapeString(r.body), s) {
			t.Errorf("response lacks %q; body:\n%s", s, r.body)
		}
	}
	return r
}

func newFormRequest(path string, form url.Values) *http.Request {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
