package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"indberet/static"
)

// healthz tells that the process serves (liveness).
func (a *App) healthz(c *fiber.Ctx) error {
	return c.SendString("ok")
}

// readyz tells that the database answers (readiness).
func (a *App) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := a.deps.DB.Ping(ctx); err != nil {
		a.deps.Logger.WarnContext(c.UserContext(), "readyz: database unreachable", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unreachable")
	}
	return c.SendString("ok")
}

var staticFS = http.FS(static.FS)

// static serves the embedded front-end assets.
func (a *App) static(c *fiber.Ctx) error {
	p := c.Params("*")
	if p == "" || strings.Contains(p, "..") {
		return fiber.ErrNotFound
	}
	c.Set("Cache-Control", "public, max-age=3600")
	return filesystem.SendFile(c, staticFS, "/"+p)
}
