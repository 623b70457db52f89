package app

import (
	"context"
	"net/url"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"riverqueue.com/riverui"

	"indberet/views"
)

// River UI (riverqueue.com/riverui) under /jobs/: the job queue for DST and platform
// administrators (access.JobsManage), to see, retry and cancel jobs (deliveries, receipts,
// exports). It is River's own single-page app and JSON API, an http.Handler mounted through
// Fiber's adaptor. It has no authentication of its own and its API changes jobs, so:
//
//   - every request under the prefix passes the route table's permission check first (the
//     routes of jobsRoute in routes.go, one per method);
//   - the app's CSRF token check does not apply (the SPA cannot send our token: checkCSRF
//     leaves the prefix to this file); instead a state-changing request (POST, PUT, PATCH,
//     DELETE) must come from a page of this site, as Sec-Fetch-Site, Origin or Referer say,
//     or it is refused (403);
//   - its pages need inline styles (a toast library and the theme switch inject <style>
//     elements), so the Content-Security-Policy under the prefix allows them
//     (jobsContentSecurityPolicy); scripts stay 'self' only.

// jobsPrefix is where River UI is mounted.
const jobsPrefix = "/jobs"

// jobsRoute is the route of River UI in the route table.
const jobsRoute = jobsPrefix + "/*"

// jobsContentSecurityPolicy is the app's policy with inline styles allowed, for River UI only.
const jobsContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// isJobsPath tells whether path is River UI's.
func isJobsPath(path string) bool {
	return path == jobsPrefix || strings.HasPrefix(path, jobsPrefix+"/")
}

// jobsUI is River UI's handler, built on first use and started with the app's context (its
// background services end with it).
type jobsUI struct {
	ctx     context.Context
	once    sync.Once
	handler fiber.Handler
	err     error
}

// newJobsUI prepares River UI for an app living as long as ctx.
func newJobsUI(ctx context.Context) *jobsUI { return &jobsUI{ctx: ctx} }

// jobs serves River UI to a user the route table let through.
func (a *App) jobs(c *fiber.Ctx) error {
	if a.deps.Jobs == nil {
		return fiber.ErrNotFound
	}
	// River UI needs inline styles; this response's policy allows them, no other does.
	c.Set(fiber.HeaderContentSecurityPolicy, jobsContentSecurityPolicy)
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
	default:
		if !a.sameOrigin(c) {
			heading := "Ingen adgang"
			return a.render(c, fiber.StatusForbidden, views.ErrorPage(a.page(c, heading), fiber.StatusForbidden, heading,
				"Ændringer i jobkøen kan kun laves fra jobkøens egne sider."))
		}
	}
	u := a.jobsUI
	u.once.Do(func() {
		var h *riverui.Handler
		h, u.err = riverui.NewHandler(&riverui.HandlerOpts{
			Endpoints: riverui.NewEndpoints(a.deps.Jobs, nil),
			Logger:    a.deps.Logger,
			Prefix:    jobsPrefix,
		})
		if u.err == nil {
			u.err = h.Start(u.ctx)
		}
		if u.err == nil {
			u.handler = adaptor.HTTPHandler(h)
		}
	})
	if u.err != nil {
		return u.err
	}
	return u.handler(c)
}

// sameOrigin tells whether a request comes from a page of this site: the browser's
// Sec-Fetch-Site when it sends one, else the Origin, else the Referer, naming this host (or
// BASE_URL's). A request with none of them is refused: every browser that runs River UI
// sends at least Origin with a POST.
func (a *App) sameOrigin(c *fiber.Ctx) bool {
	if site := c.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	from := c.Get(fiber.HeaderOrigin)
	if from == "" || from == "null" {
		from = c.Get(fiber.HeaderReferer)
	}
	u, err := url.Parse(from)
	if from == "" || err != nil || u.Host == "" {
		return false
	}
	if base, err := url.Parse(a.deps.Config.BaseURL); err == nil && u.Scheme == base.Scheme && u.Host == base.Host {
		return true
	}
	return u.Host == string(c.Request().Host()) && u.Scheme == c.Protocol()
}
