package app

import "github.com/gofiber/fiber/v2"

// htmxRequest is what htmx tells about a request (pagoda's typed helper).
type htmxRequest struct {
	Enabled bool   // HX-Request: the request comes from htmx
	Boosted bool   // HX-Boosted
	Target  string // HX-Target: the id of the element to be swapped
}

func hxRequest(c *fiber.Ctx) htmxRequest {
	return htmxRequest{
		Enabled: c.Get("HX-Request") == "true",
		Boosted: c.Get("HX-Boosted") == "true",
		Target:  c.Get("HX-Target"),
	}
}

// redirect sends the browser to url: with HX-Redirect for htmx requests (a full page load),
// otherwise with 303 See Other.
func redirect(c *fiber.Ctx, url string) error {
	if hxRequest(c).Enabled {
		c.Set("HX-Redirect", url)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}
