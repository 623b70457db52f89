package app

import (
	"context"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/views"
)

// t2Message is the message of rule T2, verbatim from the 2013 manual.
const t2Message = "For at benytte systemet skal du have tildelt rettigheden 'Ret til at administrere data for handicappede' af din virk administrator."

func TestUserWithoutRightSeesOnlyT2Message(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("uden-ret.101@demo.invalid")
	// Issue 17 #9: the header says the user holds no role, not a bare "· København (101)".
	r := c.get("/").mustStatus(t, http.StatusForbidden).mustContain(t, t2Message, "Log ud",
		`<span class="user-context">Ingen rettigheder · København (101)</span>`)
	for _, notThere := range []string{"Velkommen", "Se listen", "Min konto", `<span class="user-context"> · `, `<span class="user-context"></span>`} {
		if contains(r.body, notThere) {
			t.Errorf("T2 page shows %q", notThere)
		}
	}
}

// TestAdministratorWithoutRightSeesUsersCard: a kommune administrator without the right of
// T2 gets the start page with the T2 message and a card to Brugere og rettigheder, and the T2
// message on the data screens.
func TestAdministratorWithoutRightSeesUsersCard(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("kommuneadmin.147@demo.invalid")
	r := c.get("/").mustStatus(t, http.StatusOK).mustContain(t, "Velkommen", t2Message,
		`href="/brugere"`, "Brugere og rettigheder", `href="/kontaktoplysninger"`, `href="/konto"`)
	if contains(r.body, "Se listen") {
		t.Error("start page offers the data screens")
	}
	for _, path := range []string{"/indberetninger", "/sager/ny"} {
		c.get(path).mustStatus(t, http.StatusForbidden).mustContain(t, t2Message)
	}
	// Users with the right and without UsersManage get no such card or message.
	d := b.client()
	d.login("indberetter.101@demo.invalid")
	r = d.get("/").mustStatus(t, http.StatusOK).mustContain(t, `href="/konto"`)
	if contains(r.body, `href="/brugere"`) || contains(r.body, t2Message) {
		t.Error("indberetter's start page has the users card or the T2 message")
	}
}

func TestEveryRoleSeesTheStartPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct{ email, header string }{
		{"indberetter.101@demo.invalid", "København (101)"},
		{"laeser.147@demo.invalid", "Frederiksberg (147)"},
		{"dst@demo.invalid", "Alle kommuner"},
		{"platform@demo.invalid", "Alle kommuner"},
	} {
		c := b.client()
		c.login(tc.email)
		c.get("/").mustStatus(t, http.StatusOK).mustContain(t, tc.header, "Velkommen")
	}
}

func TestRevokingRightTakesEffectAtNextRequest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	c.get("/").mustStatus(t, http.StatusOK)
	u, err := b.accounts.ByEmail(context.Background(), "indberetter.101@demo.invalid")
	if err != nil {
		t.Fatal(err)
	}
	err = b.db.InScope(context.Background(), tenant.Scope{Kommune: "101"}, func(tx *tenant.Tx) error {
		_, err := access.Revoke(context.Background(), tx, u.ID, access.Indberetter, "101")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c.get("/").mustStatus(t, http.StatusForbidden).mustContain(t, t2Message)
}

func TestUnknownRouteIs404(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.client().get("/findes-ikke").mustStatus(t, http.StatusNotFound).mustContain(t, "Siden findes ikke")
	c := b.client()
	c.login("indberetter.101@demo.invalid")
	c.get("/findes-ikke").mustStatus(t, http.StatusNotFound).mustContain(t, "Siden findes ikke", "København (101)")
	c.get("/static/findes-ikke.css").mustStatus(t, http.StatusNotFound)
}

func TestRouteWithoutPolicyIsDenied(t *testing.T) {
	t.Parallel()
	unmapped := Route{"GET", "/ingen-politik", Need(access.Permission{Obj: "ingen", Act: "politik"}),
		func(c *fiber.Ctx) error { return c.SendString("hemmeligt") }}
	b := setup(t, unmapped)
	if r := b.client().get("/ingen-politik"); r.status != http.StatusSeeOther {
		t.Errorf("anonymous: %d, want redirect to login", r.status)
	}
	for _, email := range []string{"indberetter.101@demo.invalid", "kommuneadmin.101@demo.invalid", "dst@demo.invalid", "platform@demo.invalid"} {
		c := b.client()
		c.login(email)
		r := c.get("/ingen-politik")
		if r.status != http.StatusForbidden || contains(r.body, "hemmeligt") {
			t.Errorf("%s: status %d, want 403", email, r.status)
		}
	}
}

// TestRouteTableIsComplete checks that every route Fiber serves comes from the route table
// and that every entry says who may use it.
func TestRouteTableIsComplete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inTable := map[string]bool{}
	for _, r := range b.app.Routes() {
		if r.Handler == nil || r.Access.String() == ":" {
			t.Errorf("route %s %s has no handler or no access rule", r.Method, r.Path)
		}
		inTable[r.Method+" "+r.Path] = true
	}
	for _, r := range b.app.Fiber().GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" {
			continue // the HEAD of each GET route (newApp) and the middleware chain
		}
		if !inTable[r.Method+" "+r.Path] {
			t.Errorf("route %s %s is served but not in the route table", r.Method, r.Path)
		}
	}
}

func TestHealthAndStatic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	c.get("/healthz").mustStatus(t, http.StatusOK)
	c.get("/readyz").mustStatus(t, http.StatusOK)
	r := c.get("/static/app.css").mustStatus(t, http.StatusOK)
	if ct := r.header.Get("Content-Type"); !contains(ct, "text/css") {
		t.Errorf("app.css served as %q", ct)
	}
	c.get("/static/vendor/htmx/htmx.min.js").mustStatus(t, http.StatusOK)
	// The icon every page links (no request for a missing /favicon.ico).
	if r := c.get(views.FaviconPath).mustStatus(t, http.StatusOK); !contains(r.header.Get("Content-Type"), "image/svg+xml") {
		t.Errorf("favicon served as %q", r.header.Get("Content-Type"))
	}
	if r := c.get("/login"); !contains(r.body, `rel="icon"`) {
		t.Error("the login page links no icon")
	}
	b.db.Close()
	c.get("/readyz").mustStatus(t, http.StatusServiceUnavailable)
}
