package app

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"indberet/views"
)

// render writes a templ component as the response with the given status. Every page and
// htmx part is marked Cache-Control: no-store (issue 14 #7): they are made for one user at
// one moment (their session's CSRF token, their kommune's data), and those that show CPR
// numbers – the lists, the sager and ydelser and their forms, also refused with the typed
// values (422), the logs – must not be kept by a browser or a proxy. Setting it here, for
// every HTML response, means no new screen that shows a CPR number can forget it; the
// downloads set it themselves (streamAttachment), static files keep theirs.
func (a *App) render(c *fiber.Ctx, status int, comp templ.Component) error {
	c.Status(status)
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return comp.Render(views.WithStatus(c.UserContext(), status), c.Response().BodyWriter())
}
