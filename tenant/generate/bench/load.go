package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// client is one logged-in browser: its session cookie and CSRF token. A client does one
// request at a time; the load is several clients at once.
type client struct {
	base   string
	http   *http.Client
	cookie string
	csrf   string
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// newTransport is the HTTP transport all clients share: keep-alive connections over
// loopback, as many idle ones as there are clients.
func newTransport(clients int) *http.Transport {
	return &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, DisableCompression: true,
		IdleConnTimeout: time.Minute}
}

// login logs in as email with password, as a browser does: the login form for the CSRF
// token, the POST, then the start page for the new token.
func login(base string, tr *http.Transport, email, password string) (*client, error) {
	c := &client{base: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if _, err := c.do("GET", "/login", nil, false, http.StatusOK); err != nil {
		return nil, err
	}
	if _, err := c.do("POST", "/login", url.Values{"email": {email}, "password": {password}}, false,
		http.StatusSeeOther); err != nil {
		return nil, fmt.Errorf("login %s: %w", email, err)
	}
	if _, err := c.do("GET", "/", nil, false, http.StatusOK); err != nil {
		return nil, err
	}
	return c, nil
}

// do sends a request (a form when form is not nil, with the CSRF token; as htmx does when
// htmx is true) and checks the status. It keeps the session cookie and the CSRF token the
// response carries, and returns the body.
func (c *client) do(method, path string, form url.Values, htmx bool, want int) (string, error) {
	var body io.Reader
	if form != nil {
		form.Set("_csrf", c.csrf)
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "liste-resultater")
		req.Header.Set("X-Csrf-Token", c.csrf)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "indberet_session" && ck.MaxAge >= 0 {
			c.cookie = ck.Name + "=" + ck.Value
		}
	}
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	if res.StatusCode != want {
		return string(b), fmt.Errorf("%s %s: status %d, want %d", method, path, res.StatusCode, want)
	}
	return string(b), nil
}

// stats are the latencies of one measurement.
type stats struct {
	N        int
	Errors   int
	FirstErr error
	Elapsed  time.Duration
	P50      time.Duration
	P95      time.Duration
	P99      time.Duration
	// CPU time over the window per completed request: this process (server and clients)
	// and PostgreSQL.
	AppCPU, PgCPU time.Duration
}

// RPS is the completed requests per second.
func (s stats) RPS() float64 { return float64(s.N) / s.Elapsed.Seconds() }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (s stats) String() string {
	return fmt.Sprintf("p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, %.0f req/s (%d requests, %d errors); CPU per request: app %.2f ms, PostgreSQL %.2f ms",
		ms(s.P50), ms(s.P95), ms(s.P99), s.RPS(), s.N, s.Errors, ms(s.AppCPU), ms(s.PgCPU))
}

// measure runs do on workers goroutines at once, each again and again: for warmup without
// recording, then for dur recording the latency of every call that starts in the window.
// do gets the worker number and a sequence number unique over all workers. cpu (optional)
// reads the CPU times of this process and of PostgreSQL, at the window's start and end.
func measure(ctx context.Context, workers int, warmup, dur time.Duration, cpu func() (self, pg time.Duration),
	do func(w int, seq int64) error) stats {
	var (
		mu    sync.Mutex
		all   []time.Duration
		st    stats
		seq   atomic.Int64
		wg    sync.WaitGroup
		start = time.Now()
	)
	from, until := start.Add(warmup), start.Add(warmup+dur)
	var self0, pg0 time.Duration
	cpuStart := make(chan struct{})
	if cpu != nil {
		time.AfterFunc(warmup, func() { self0, pg0 = cpu(); close(cpuStart) })
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			errs := 0
			var firstErr error
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(until) {
					break
				}
				err := do(w, seq.Add(1))
				d := time.Since(t0)
				if t0.Before(from) {
					continue
				}
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				mine = append(mine, d)
			}
			mu.Lock()
			all = append(all, mine...)
			st.Errors += errs
			if st.FirstErr == nil {
				st.FirstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	st.Elapsed = time.Since(from) // the window and the calls that started in it
	slices.Sort(all)
	st.N = len(all)
	if cpu != nil && st.N > 0 {
		<-cpuStart
		self1, pg1 := cpu()
		st.AppCPU, st.PgCPU = (self1-self0)/time.Duration(st.N), (pg1-pg0)/time.Duration(st.N)
	}
	if st.N > 0 {
		pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
		st.P50, st.P95, st.P99 = pct(0.50), pct(0.95), pct(0.99)
	}
	return st
}
