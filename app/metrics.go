package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// unmatchedRoute is the route label of a request no route of the table answered: a 404, a
// 405, or a method Fiber does not know.
const unmatchedRoute = "unmatched"

// markRoute is the first handler of each route of the table: it notes the route's pattern
// for the request metrics (observe).
func markRoute(pattern string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		reqOf(c).route = pattern
		return c.Next()
	}
}

// observe is the outermost middleware when the process serves /metrics (Deps.Metrics,
// METRICS_ADDR): it counts and times each request by method, route pattern and status
// (issue 15, the run's health). Outermost, so the duration is the whole request's and the
// status the one sent, also when requestLog turned an error into a page. The route is the
// table's pattern as registered (/sager/:id, never /sager/17 nor a CPR number in a path;
// markRoute) or unmatchedRoute, and the method one of Fiber's few: the labels stay a fixed,
// small set whatever paths clients send. (Not Fiber's c.Route(): a request no route answers
// has the middleware's route then, whose path is "/".)
func (a *App) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	route := reqOf(c).route
	if route == "" {
		route = unmatchedRoute
	}
	a.deps.Metrics.ObserveRequest(knownMethod(c.Method()), route, c.Response().StatusCode(), time.Since(start))
	return err
}

// knownMethod is m as one of Fiber's methods' constants, or "other": c.Method() points into
// the request's buffer, which the next request overwrites, and a label is kept.
func knownMethod(m string) string {
	for _, k := range []string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodConnect, fiber.MethodOptions, fiber.MethodTrace} {
		if m == k {
			return k
		}
	}
	return "other"
}
