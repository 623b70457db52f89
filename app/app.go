// Package app is the web application: Fiber, one route table (routes.go) in which every
// route names the permission it needs, the middleware every request passes (middleware.go:
// security headers, request log, session, CSRF, authorization; input.go: the check of the
// text every request brings), and one file per screen (login.go, home.go, health.go …).
// Handlers parse input, call tenant stores and rules, and render views; they run no SQL and
// hold no rules.
package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"

	"indberet/app/config"
	"indberet/app/metrics"
	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/accounts"
	"indberet/tenant/websession"
	"indberet/views"
	"indberet/worker"
)

// Deps is what the app needs, built by main.
type Deps struct {
	Config   config.Config
	DB       *tenant.DB
	Accounts *accounts.Store
	Enforcer *access.Enforcer
	Sessions *websession.Store
	Logger   *slog.Logger
	// Jobs enqueues background jobs (exports, delivery runs) in the handler's transaction
	// (InsertTx). Wire makes an insert-only client; `indberet serve` passes its working one.
	Jobs *worker.Client
	// WriteTimeout is how long writing a response may make no progress (0: writeTimeout). A
	// download's deadline moves on with each part it writes (streamAttachment).
	WriteTimeout time.Duration
	// RequestTimeout is how long a request may take before its work is cancelled (0:
	// requestTimeout).
	RequestTimeout time.Duration
	// Metrics counts and times the requests (metrics.go) when the process serves /metrics
	// (METRICS_ADDR); nil: nothing is measured.
	Metrics *metrics.Metrics
}

// writeTimeout is how long writing a response may make no progress, unless Deps says.
const writeTimeout = 60 * time.Second

// requestTimeout is how long a request may take, waiting for a connection of the pool
// included, unless Deps says: a request that would wait longer (a full pool, a database that
// does not answer) ends with 503 and "prøv igen om lidt" instead of holding its client and
// its goroutine (issue 14 #9). Downloads stream after the request, on contexts of their own.
const requestTimeout = 30 * time.Second

// App is the web application.
type App struct {
	deps      Deps
	fiber     *fiber.App
	routes    []Route
	kommuner  map[string]string // kommunekode → name, for the header
	codeCache codeCache         // the code lists (codes.go)
	now       func() time.Time  // the clock; nil: time.Now (tests fix it)
	jobsUI    *jobsUI           // River UI under /jobs/ (jobs.go)
}

// New builds the app and registers every route of the route table.
func New(ctx context.Context, d Deps) (*App, error) { return newApp(ctx, d, nil) }

// newApp builds the app with extra routes after the route table (tests use it to add a
// route whose permission no role holds).
func newApp(ctx context.Context, d Deps, extra []Route) (*App, error) {
	ks, err := d.DB.Kommuner(ctx)
	if err != nil {
		return nil, err
	}
	a := &App{deps: d, kommuner: map[string]string{}, jobsUI: newJobsUI(ctx)}
	for _, k := range ks {
		a.kommuner[k.Kode] = k.Navn
	}
	a.fiber = fiber.New(fiber.Config{
		AppName:               "indberet",
		DisableStartupMessage: true,
		ErrorHandler:          a.handleError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          a.writeTimeout(),
		IdleTimeout:           120 * time.Second,
		BodyLimit:             4 << 20,
		// X-Forwarded-Proto and -Host (c.Protocol, c.Hostname) only from TRUSTED_PROXIES; the
		// client's address is clientIP's (not Fiber's ProxyHeader, which takes the leftmost
		// X-Forwarded-For entry: the one a client writes).
		EnableTrustedProxyCheck: true,
		TrustedProxies:          d.Config.Proxies.Strings(),
	})
	if d.Metrics != nil {
		a.fiber.Use(a.observe)
	}
	a.fiber.Use(a.findClient, a.securityHeaders, a.requestLog, a.withDeadline, a.loadSession)
	a.routes = append(a.routeTable(), extra...)
	for _, r := range a.routes {
		handlers := []fiber.Handler{markRoute(r.Path), a.checkCSRF, a.authorize(r), a.checkInput, r.Handler}
		a.fiber.Add(r.Method, r.Path, handlers...)
		if r.Method == fiber.MethodGet {
			// HEAD answers like GET without the body (health checks, link checkers); Fiber's
			// Add, unlike its Get, does not register it (issue 14 #9).
			a.fiber.Add(fiber.MethodHead, r.Path, handlers...)
		}
	}
	// No catch-all: a path no route has is Fiber's 404, and a path routes have only for other
	// methods its 405 with the Allow header naming them; handleError renders both in Danish.
	// The CSRF check is per route, so neither answers 403 first.
	return a, nil
}

// withDeadline gives the request's work its deadline (requestTimeout).
func (a *App) withDeadline(c *fiber.Ctx) error {
	d := requestTimeout
	if a.deps.RequestTimeout > 0 {
		d = a.deps.RequestTimeout
	}
	parent := c.UserContext()
	ctx, cancel := context.WithTimeout(parent, d)
	defer func() {
		cancel()
		// The error page, rendered after (requestLog), may save the session: it has the
		// request's context again, and so has the session's request.
		c.SetUserContext(parent)
		if r := reqOf(c); r.httpReq != nil {
			r.httpReq = r.httpReq.WithContext(parent)
		}
	}()
	c.SetUserContext(ctx)
	return c.Next()
}

// writeTimeout is Deps.WriteTimeout, or writeTimeout.
func (a *App) writeTimeout() time.Duration {
	if a.deps.WriteTimeout > 0 {
		return a.deps.WriteTimeout
	}
	return writeTimeout
}

// Fiber returns the Fiber app (for Listen and for tests' app.Test).
func (a *App) Fiber() *fiber.App { return a.fiber }

// Routes returns the route table.
func (a *App) Routes() []Route { return a.routes }

// Listen serves on addr until ctx ends, then shuts down gracefully.
func (a *App) Listen(ctx context.Context, addr string) error {
	errc := make(chan error, 1)
	go func() { errc <- a.fiber.Listen(addr) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return a.fiber.ShutdownWithTimeout(30 * time.Second)
	}
}

// Serve serves on ln until ln fails or the app is shut down (Fiber().Shutdown). The browser
// tests serve this way on a free port of 127.0.0.1.
func (a *App) Serve(ln net.Listener) error { return a.fiber.Listener(ln) }

// The messages of the errors Fiber names (fiber.Error) and the handlers return.
const (
	msgFejl400   = "Forespørgslen kunne ikke læses. Gå tilbage, og prøv igen."
	msgFejl403   = "Du har ikke adgang til denne side."
	msgFejl408   = "Forespørgslen tog for lang tid at modtage. Prøv igen."
	msgFejl413   = "Det indsendte er for stort."
	msgFejl431   = "Forespørgslens hoved (headers og cookies) er for stort. Slet cookies for siden, og prøv igen."
	msgFejlAnden = "Forespørgslen kunne ikke gennemføres. Prøv igen. Fortsætter fejlen, så kontakt Danmarks Statistik."
)

// handleError renders every error as a Danish page (or partial): 404 and 405 as they are,
// a database out of reach as 503 with Retry-After (issue 14 #9), anything unexpected as 500
// with the details only in the log. A fiber.Error's own message is never shown: Fiber's is
// English, and for a request it could not read (400) it is the parser's error (issue 14
// review #5), which may quote the request: it is not logged either (the request log has the
// status); every status gets a Danish text.
func (a *App) handleError(c *fiber.Ctx, err error) error {
	if tenant.Unavailable(err) {
		return a.unavailable(c, err)
	}
	code := fiber.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
	}
	heading, msg := "Der skete en fejl", "Noget gik galt hos os. Prøv igen om lidt. Fortsætter fejlen, så kontakt Danmarks Statistik."
	switch code {
	case fiber.StatusNotFound:
		heading, msg = "Siden findes ikke", "Siden findes ikke, eller du har ikke adgang til den."
	case fiber.StatusMethodNotAllowed:
		heading, msg = "Ikke tilladt", "Siden kan ikke bruges på denne måde."
	case fiber.StatusBadRequest:
		heading, msg = "Forkert forespørgsel", msgFejl400
	case fiber.StatusForbidden:
		heading, msg = "Ingen adgang", msgFejl403
	case fiber.StatusRequestTimeout:
		heading, msg = "Tiden løb ud", msgFejl408
	case fiber.StatusRequestEntityTooLarge:
		heading, msg = "For store data", msgFejl413
	case fiber.StatusRequestHeaderFieldsTooLarge:
		heading, msg = "For store data", msgFejl431
	case fiber.StatusInternalServerError:
		a.deps.Logger.ErrorContext(c.UserContext(), "request failed", "method", c.Method(), "path", c.Path(), "err", err)
	default:
		msg = msgFejlAnden
	}
	return a.render(c, code, views.ErrorPage(a.page(c, heading), code, heading, msg))
}

// unavailableRetryAfter is the Retry-After of a 503: when to try again, in seconds.
const unavailableRetryAfter = "30"

// unavailable answers a request that failed because the database is out of reach: 503 with
// Retry-After and a Danish page (or, for htmx, the message in the page's message region). The
// page frame is built without the session, which lives in the database too.
func (a *App) unavailable(c *fiber.Ctx, err error) error {
	a.deps.Logger.WarnContext(c.UserContext(), "database unavailable", "method", c.Method(), "path", c.Path(), "err", err)
	c.Set(fiber.HeaderRetryAfter, unavailableRetryAfter)
	heading := "Prøv igen om lidt"
	msg := "Indberet kan ikke nå sin database lige nu. Prøv igen om lidt."
	if hxRequest(c).Enabled {
		return a.renderBesked(c, fiber.StatusServiceUnavailable, views.Besked{Heading: heading, Lines: []string{msg}})
	}
	return a.render(c, fiber.StatusServiceUnavailable, views.ErrorPage(views.Page{Title: heading}, fiber.StatusServiceUnavailable, heading, msg))
}

// Wire builds the app's Deps on db: the accounts store, the role enforcer (policies loaded)
// and the session store, as configured by cfg.
func Wire(ctx context.Context, cfg config.Config, db *tenant.DB, logger *slog.Logger) (Deps, error) {
	enforcer, err := access.NewEnforcer(ctx, db)
	if err != nil {
		return Deps{}, err
	}
	acc := accounts.NewStore(db)
	jobs, err := worker.NewClient(worker.Deps{DB: db, Accounts: acc, Logger: logger}, worker.Options{})
	if err != nil {
		return Deps{}, err
	}
	return Deps{
		Config: cfg, DB: db, Accounts: acc, Enforcer: enforcer, Logger: logger,
		Sessions: websession.New(db, cfg.SessionKeys, cfg.Secure()), Jobs: jobs,
	}, nil
}
