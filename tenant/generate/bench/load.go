package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// client is one logged-in browser: its session cookie and CSRF token. A client does one
// request at a time; the load is several clients at once. It speaks HTTP with fasthttp's
// client (the library Fiber serves with), whose CPU cost per request is a fraction of
// net/http's: the load generator shares the 2 cores with the server and PostgreSQL, and
// its cost is not the server's.
type client struct {
	http   *fasthttp.HostClient
	cookie string
	csrf   string
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// newHostClient is the HTTP client all clients share: keep-alive connections over loopback
// to the server at base, as many as there are clients.
func newHostClient(base string, clients int) *fasthttp.HostClient {
	return &fasthttp.HostClient{Addr: strings.TrimPrefix(base, "http://"), MaxConns: clients * 2,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxIdleConnDuration: time.Minute}
}

// login logs in as email with password, as a browser does: the login form for the CSRF
// token, the POST, then the start page for the new token.
func login(hc *fasthttp.HostClient, email, password string) (*client, error) {
	c := &client{http: hc}
	if err := c.do("GET", "/login", nil, false, http.StatusOK); err != nil {
		return nil, err
	}
	if err := c.do("POST", "/login", url.Values{"email": {email}, "password": {password}}, false,
		http.StatusSeeOther); err != nil {
		return nil, fmt.Errorf("login %s: %w", email, err)
	}
	if err := c.do("GET", "/", nil, false, http.StatusOK); err != nil {
		return nil, err
	}
	return c, nil
}

// do sends a request (a form when form is not nil, with the CSRF token; as htmx does when
// htmx is true) and checks the status. It keeps the session cookie and the CSRF token the
// response carries. Redirects are not followed.
func (c *client) do(method, path string, form url.Values, htmx bool, want int) error {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	req.Header.SetMethod(method)
	req.SetRequestURI("http://" + c.http.Addr + path)
	if form != nil {
		form.Set("_csrf", c.csrf)
		req.Header.SetContentType("application/x-www-form-urlencoded")
		req.SetBodyString(form.Encode())
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "liste-resultater")
		req.Header.Set("X-Csrf-Token", c.csrf)
	}
	if err := c.http.Do(req, res); err != nil {
		return err
	}
	var ck fasthttp.Cookie
	ck.SetKey("indberet_session")
	// A deleted session's cookie (gorilla's MaxAge < 0) comes with an Expires in the past.
	if res.Header.Cookie(&ck) && (ck.Expire().Equal(fasthttp.CookieExpireUnlimited) || ck.Expire().After(time.Now())) {
		c.cookie = "indberet_session=" + string(ck.Value())
	}
	b := res.Body()
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	if res.StatusCode() != want {
		return fmt.Errorf("%s %s: status %d, want %d: %.200s", method, path, res.StatusCode(), want, b)
	}
	return nil
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
