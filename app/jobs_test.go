package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"indberet/worker"
)

// jobsRequest is a request to River UI's JSON API, from a page of origin ("" for none).
func jobsRequest(method, path, body, origin string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return req
}

// River UI under /jobs/: DST and platform administrators only; its pages get the looser CSP
// they need (inline styles) and the rest of the app keeps its own; a change of a job
// (cancel) works from the site's own pages and is refused from anywhere else.
func TestJobsUI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	// Not for a kommune's users, not even their administrator; not without login.
	for _, email := range []string{"indberetter.101@demo.invalid", "kommuneadmin.101@demo.invalid"} {
		b.sessionClient(email).get("/jobs/").mustStatus(t, http.StatusForbidden)
	}
	if r := b.client().get("/jobs/"); !toLoginPage(r) {
		t.Errorf("/jobs/ without login: %d to %q, want the login", r.status, r.header.Get("Location"))
	}

	dst := b.sessionClient("dst@demo.invalid")
	page := dst.get("/jobs/").mustStatus(t, http.StatusOK).mustContain(t, "<title>River</title>", `"/jobs/api"`)
	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "style-src 'self' 'unsafe-inline'") || !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("CSP under /jobs/: %q, want inline styles and scripts from 'self' only", csp)
	}
	if csp := dst.get("/eksporter").header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP outside /jobs/: %q", csp)
	}
	b.sessionClient("platform@demo.invalid").get("/jobs/").mustStatus(t, http.StatusOK)

	// A job waiting for tomorrow, listed by the API.
	job, err := b.app.deps.Jobs.Insert(ctx, worker.EksportCleanupArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(job.Job.ID, 10)
	list := dst.do(jobsRequest("GET", "/jobs/api/jobs?state=scheduled", "", "")).mustStatus(t, http.StatusOK)
	if !strings.Contains(list.body, `"kind":"eksport_cleanup"`) {
		t.Errorf("the API's scheduled jobs lack the job: %s", list.body)
	}

	cancel := `{"ids":["` + id + `"]}`
	for _, tc := range []struct {
		name    string
		req     *http.Request
		allowed bool
	}{
		{"another site's page", jobsRequest("POST", "/jobs/api/jobs/cancel", cancel, "https://angriber.example"), false},
		{"no origin at all", jobsRequest("POST", "/jobs/api/jobs/cancel", cancel, ""), false},
		{"cross-site fetch", func() *http.Request {
			r := jobsRequest("POST", "/jobs/api/jobs/cancel", cancel, "http://example.com")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			return r
		}(), false},
		{"a referer of another site", func() *http.Request {
			r := jobsRequest("POST", "/jobs/api/jobs/cancel", cancel, "")
			r.Header.Set("Referer", "https://angriber.example/jobs/")
			return r
		}(), false},
		{"River UI's own page", func() *http.Request {
			r := jobsRequest("POST", "/jobs/api/jobs/cancel", cancel, "http://example.com")
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			return r
		}(), true},
	} {
		before := jobState(t, b, job.Job.ID)
		r := dst.do(tc.req)
		switch {
		case !tc.allowed && (r.status != http.StatusForbidden || jobState(t, b, job.Job.ID) != before):
			t.Errorf("%s: %d, job %s; want 403 and the job unchanged", tc.name, r.status, jobState(t, b, job.Job.ID))
		case tc.allowed && (r.status != http.StatusOK || jobState(t, b, job.Job.ID) != rivertype.JobStateCancelled):
			t.Errorf("%s: %d %s, job %s; want it cancelled", tc.name, r.status, r.body, jobState(t, b, job.Job.ID))
		}
	}
	// An indberetter is refused before River UI sees the request, wherever it comes from.
	r := b.sessionClient("indberetter.101@demo.invalid").do(jobsRequest("POST", "/jobs/api/jobs/retry", cancel, "http://example.com"))
	if r.status != http.StatusForbidden || jobState(t, b, job.Job.ID) != rivertype.JobStateCancelled {
		t.Errorf("indberetter's retry: %d, job %s; want 403, still cancelled", r.status, jobState(t, b, job.Job.ID))
	}
}

func jobState(t *testing.T, b *bundle, id int64) rivertype.JobState {
	t.Helper()
	j, err := b.app.deps.Jobs.JobGet(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j.State
}
