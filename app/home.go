package app

import (
	"github.com/gofiber/fiber/v2"

	"indberet/tenant/access"
	"indberet/views"
)

// home is the start page. A user without the right of T2 sees only its message.
func (a *App) home(c *fiber.Ctx) error {
	r := reqOf(c)
	if !access.HasDataRight(r.roles) {
		return a.render(c, fiber.StatusForbidden, views.NoRightPage(a.page(c, "Manglende rettighed")))
	}
	// The screens of the later issues add their links here.
	var h views.Home
	if r.user.Kommune != "" && a.can(c, access.SagRead) {
		h.Links = append(h.Links, views.HomeLink{Href: "/indberetninger", Label: "Se listen over alle indberetninger",
			Description: "Egne IDEP og All (read only): sager og ydelser, søgning på CPR-nummer."})
	}
	return a.render(c, fiber.StatusOK, views.HomePage(a.page(c, "Forside"), h))
}
