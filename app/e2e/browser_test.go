package e2e

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"indberet/app"
	"indberet/app/config"
	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// Environment variables the browser tests read.
const (
	// envSkip=1 skips the browser tests (for machines without Chromium).
	envSkip = "INDBERET_SKIP_BROWSER"
	// envChromium is the path of the browser; without it, "chromium" on PATH.
	envChromium = "CHROMIUM"
	// envScreenshots is a directory: screenshot steps write <dir>/<name>.png into it.
	envScreenshots = "INDBERET_SCREENSHOTS"
)

// Time limits: startTimeout for Chromium to start, stepTimeout for one browser step (so a
// wrong selector fails the test in seconds instead of hanging until go test's own timeout),
// axeTimeout for one axe run.
const (
	startTimeout = 60 * time.Second
	stepTimeout  = 15 * time.Second
	axeTimeout   = 60 * time.Second
)

// browser is one headless Chromium with one tab, driven by one test. Every helper fails the
// test (t.Fatal) when its step fails or times out, naming the step and the page it was on.
type browser struct {
	t       testing.TB
	ctx     context.Context // the tab; the browser lives as long as it
	baseURL string          // http://127.0.0.1:port, no trailing slash

	// db is the app's database (with the demo data) when the browser was made by setup;
	// nil for a browser on a fixture server.
	db *tenant.DB

	// status is the HTTP status of the document of the last navigation made by visit or
	// follow (after redirects), 0 before the first.
	status int

	mu       sync.Mutex
	problems []string // uncaught exceptions, console errors and CSP violations of the page
}

// setup starts everything one browser test needs: a fresh database with the demo data, the
// real app (app.Wire + app.New) served on a free port of 127.0.0.1, and a headless Chromium
// pointed at it. The test's cleanup stops the browser, then the server, then the database.
func setup(t *testing.T) *browser {
	t.Helper()
	chromium := chromiumPath(t) // first: skip or fail before the database is made
	baseURL, db := serveApp(t)
	b := startBrowser(t, chromium, baseURL)
	b.db = db
	return b
}

// serveApp serves the real app on a fresh database with the demo data and returns its base
// URL. The server's log is printed when the test fails.
func serveApp(t *testing.T) (string, *tenant.DB) {
	t.Helper()
	ctx := context.Background()
	db, _ := tenanttest.DB(t)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	baseURL := "http://" + ln.Addr().String()
	env := map[string]string{"PORT": strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), "BASE_URL": baseURL}
	cfg, err := config.Parse(func(k string) string { return env[k] })
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	deps, err := app.Wire(ctx, cfg, db, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, db, deps.Accounts); err != nil {
		ln.Close()
		t.Fatalf("demo: %v", err)
	}
	a, err := app.New(ctx, deps)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- a.Serve(ln) }()
	t.Cleanup(func() {
		if err := a.Fiber().ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Errorf("stop server: %v", err)
		}
		if err := <-served; err != nil {
			t.Logf("server: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	return baseURL, db
}

// chromiumPath finds the browser: $CHROMIUM, else chromium on PATH. Without one the test
// fails with the install hint; INDBERET_SKIP_BROWSER=1 skips it instead.
func chromiumPath(t testing.TB) string {
	t.Helper()
	if os.Getenv(envSkip) == "1" {
		t.Skip(envSkip + "=1: browser test skipped")
	}
	name := os.Getenv(envChromium)
	if name == "" {
		name = "chromium"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("browser tests need Chromium: %v.\nInstall it with `apt-get install -y chromium` "+
			"(Debian/Ubuntu), or set %s to the browser's path; set %s=1 to skip these tests.", err, envChromium, envSkip)
	}
	return p
}

// startBrowser starts a headless Chromium (its own fresh profile, a 1280×900 window) for a
// site at baseURL. The test's cleanup stops it.
func startBrowser(t testing.TB, execPath, baseURL string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// This machine's network is closed: no background connections, no updates, no QUIC.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to end
	})

	// The first Do starts the browser and binds its life to ctx, so it gets no deadline of
	// its own; a watchdog bounds it instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start Chromium (%s): %v", execPath, err)
		}
	case <-time.After(startTimeout):
		t.Fatalf("start Chromium (%s): no answer in %s", execPath, startTimeout)
	}

	b := &browser{t: t, ctx: ctx, baseURL: strings.TrimRight(baseURL, "/")}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.note(m)
		}
	}()
	t.Cleanup(b.reportProblems) // runs before the browser stops
	return b
}

// note records a console message that means a broken page: an uncaught exception, a
// console.error call of a script, or a security message of the browser (a CSP violation:
// inline script or style, eval). Network errors (a 404 the test asked for) are not.
func (b *browser) note(m chromedp.ConsoleMessage) {
	bad := m.IsException() || m.Source == "security" || (m.Source == "" && m.Type == chromedp.ConsoleError)
	if !bad {
		return
	}
	where := m.URL
	if where != "" {
		where = fmt.Sprintf(" (%s:%d)", where, m.Line+1)
	}
	b.mu.Lock()
	b.problems = append(b.problems, m.String()+where)
	b.mu.Unlock()
}

// reportProblems fails the test for every exception, console error or CSP violation the
// pages reported.
func (b *browser) reportProblems() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("browser console: %s", p)
	}
	b.problems = nil
}

// do runs steps with the step timeout and fails the test if one fails.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v (on %s)", what, err, b.location())
	}
}

// get runs one action that returns a value, with the given timeout, and fails the test if it
// fails.
func get[T any](b *browser, what string, timeout time.Duration, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v (on %s)", what, err, b.location())
	}
	return v
}

// evaluate runs a JavaScript expression in the page (through DevTools, so the page's CSP
// does not apply to it) and decodes its value into T.
func evaluate[T any](b *browser, js string) T {
	b.t.Helper()
	return get(b, "evaluate "+js, stepTimeout, chromedp.Evaluate[T](js))
}

// location is the page's URL, or "?" when the browser does not answer.
func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

// path is the path of the page's URL ("/login").
func (b *browser) path() string {
	b.t.Helper()
	u, err := url.Parse(b.location())
	if err != nil {
		b.t.Fatalf("page URL: %v", err)
	}
	return u.Path
}

// visit opens path (like "/login") on the app, waits for the page to load and records the
// HTTP status in b.status.
func (b *browser) visit(path string) {
	b.t.Helper()
	res := get(b, "visit "+path, stepTimeout, chromedp.NavigateResponse(b.baseURL+path))
	b.status = int(res.Status)
}

// follow clicks the element sel (a link or a submit button, CSS selector) and waits for the
// page it leads to to load; b.status is that page's HTTP status (after redirects). For a
// click that does not load a new page (htmx), use click.
func (b *browser) follow(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("follow %s: %v (on %s)", sel, err, b.location())
	}
	b.status = int(res.Status)
}

// click clicks the first visible element matching the CSS selector sel (waiting for it).
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// fill empties the input or textarea sel and types value into it, key by key (so input and
// keydown handlers run as for a user).
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	s := chromedp.CSS(sel)
	// Emptying is done by hand: chromedp's SetJavascriptAttribute with "" sets "undefined".
	clear := fmt.Sprintf(`(el => { el.focus(); el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})); })(document.querySelector(%s))`, jsString(sel))
	b.do("fill "+sel,
		chromedp.WaitVisible(s),
		chromedp.Evaluate[chromedp.Void](clear),
		chromedp.SendKeys(s, value),
	)
}

// press sends keys to the focused element: text, or keys of package
// github.com/chromedp/chromedp/kb such as kb.ArrowDown, kb.Enter, kb.Escape, kb.Tab.
//
// Each key goes as a real keyboard sends it: rawKeyDown, char (for a key with text), keyUp.
// (chromedp's KeyEvent sends keyDown instead of rawKeyDown, and then Chromium delivers the
// char even when the page cancelled the keydown: Enter in a picker would submit the form.)
func (b *browser) press(keys string) {
	b.t.Helper()
	b.do(fmt.Sprintf("press %q", keys), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range keys {
			for _, k := range kb.Encode(r) {
				if k.Type == input.DispatchKeyEventTypeKeyDown {
					k.Type = input.DispatchKeyEventTypeRawKeyDown
				}
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, *k); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// text is the visible text of the first element matching sel (waiting for it).
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(get(b, "text of "+sel, stepTimeout, chromedp.Text(chromedp.CSS(sel))))
}

// value is the current value of the form field sel.
func (b *browser) value(sel string) string {
	b.t.Helper()
	return get(b, "value of "+sel, stepTimeout, chromedp.Value(chromedp.CSS(sel)))
}

// waitVisible waits until an element matching sel is in the page and visible.
func (b *browser) waitVisible(sel string) {
	b.t.Helper()
	b.do("wait for "+sel+" to be visible", chromedp.WaitVisible(chromedp.CSS(sel)))
}

// waitGone waits until no element matching sel is visible (none in the page, or all hidden).
func (b *browser) waitGone(sel string) {
	b.t.Helper()
	b.waitFor(sel+" gone", fmt.Sprintf(`Array.from(document.querySelectorAll(%s)).every(el => !el.getClientRects().length || getComputedStyle(el).visibility === "hidden")`, jsString(sel)))
}

// waitFor waits until the JavaScript expression js is true in the page (polled every 50 ms,
// up to the step timeout), for what the steps cannot wait for by selector (a text that an
// htmx swap brings, a count). what names the wait in the failure.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for !evaluate[bool](b, "!!("+js+")") {
		if time.Now().After(deadline) {
			b.t.Fatalf("wait for %s: not so after %s (on %s)", what, stepTimeout, b.location())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// login logs in on /login with email and password and fails the test unless it leaves the
// login page (to the front page, or the T2 message for a user without the right).
func (b *browser) login(email, password string) {
	b.t.Helper()
	b.visit("/login")
	b.fill("#login-email", email)
	b.fill("#login-password", password)
	b.follow(`form[action="/login"] button[type="submit"]`)
	if b.path() == "/login" {
		msg := evaluate[string](b, `(document.querySelector(".alert-error") || {}).innerText || ""`)
		b.t.Fatalf("login as %s failed (status %d): %s", email, b.status, strings.TrimSpace(msg))
	}
}

// logout clicks "Log ud" in the header and expects the login page.
func (b *browser) logout() {
	b.t.Helper()
	b.follow(`.portal-user .logout-form button[type="submit"]`)
	if p := b.path(); p != "/login" {
		b.t.Fatalf("after logout: on %s, want /login", p)
	}
}

//go:embed testdata/axe/axe.min.js
var axeSource string

// axeViolation is the part of an axe-core violation the report shows.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []string `json:"target"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// axeRun runs axe on the whole document and keeps what the report needs (a target in a
// shadow DOM or frame is a list of selectors; it is joined with " >>> ").
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({
		target: [].concat(n.target).map(x => Array.isArray(x) ? x.join(" >>> ") : String(x)),
		summary: n.failureSummary || ""
	}))
})))`

// axe checks the current page with axe-core and fails the test (without stopping it) listing
// every violation of impact "serious" or "critical": rule id, help text and the selectors of
// the elements. Minor and moderate ones are only logged. screen names the page in the report.
//
// axe is injected with Runtime.evaluate, which the page's CSP (script-src 'self') does not
// govern, so the app needs no exception for it.
func (b *browser) axe(screen string) {
	b.t.Helper()
	if !evaluate[bool](b, `typeof window.axe === "object" && typeof window.axe.run === "function"`) {
		get(b, "inject axe-core", stepTimeout, chromedp.Evaluate[chromedp.Void](axeSource))
	}
	vs := get(b, "axe on "+screen, axeTimeout, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	var bad []string
	for _, v := range vs {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, strings.Join(n.Target, ", "))
		}
		line := fmt.Sprintf("%s [%s] %s (%s)\n      %s", v.ID, v.Impact, v.Help, v.HelpURL, strings.Join(targets, "\n      "))
		switch v.Impact {
		case "serious", "critical":
			bad = append(bad, line)
		default:
			b.t.Logf("axe on %s (not failing): %s", screen, line)
		}
	}
	if len(bad) > 0 {
		b.t.Errorf("axe: %d serious or critical violation(s) on %s (%s):\n  %s",
			len(bad), screen, b.location(), strings.Join(bad, "\n  "))
	}
}

// screenshot writes a full-page PNG <dir>/<name>.png when INDBERET_SCREENSHOTS names a
// directory; otherwise it does nothing.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv(envScreenshots)
	if dir == "" {
		return
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		b.t.Logf("%s=%q is not a directory: no screenshot %q", envScreenshots, dir, name)
		return
	}
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		b.t.Fatalf("screenshot name %q: want a plain file name without extension", name)
	}
	png := get(b, "screenshot "+name, stepTimeout, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// syncBuffer is a bytes.Buffer safe for the server's log writes and the test's read.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
