package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/accounts"
	"indberet/tenant/domain"
	"indberet/views"
)

// The kommune administrator's screens (T2: the kommune's own administrator grants the right
// *Ret til at administrere data for handicappede*): *Brugere og rettigheder* lists the
// kommune's users, *Opret bruger* creates one with an initial password shown once, and a
// user's page changes their rights and deactivates or reactivates them. Only the
// administrator's own kommune (T1): another kommune's user id is a 404. A change takes effect
// at the user's next request: every Enforcer reloads when authz_version moves, and
// deactivating ends the user's sessions.

const brugereTitle = "Brugere og rettigheder"

// Messages of the user screens.
const (
	msgEmailTaken     = "Der findes allerede en bruger med denne e-mailadresse."
	msgLastAdminRoles = "Kommunen skal have mindst én aktiv kommuneadministrator. Giv en anden bruger rettigheden Kommuneadministrator, før du fjerner den fra denne bruger."
	msgLastAdminAktiv = "Kommunen skal have mindst én aktiv kommuneadministrator. Giv en anden bruger rettigheden Kommuneadministrator, før du deaktiverer denne bruger."
)

// adminKommune is the kommune whose users the request manages: the user's own. A user of no
// kommune (the platform administrator, T3) manages kommuner elsewhere: 404 here.
func adminKommune(c *fiber.Ctx) (string, error) {
	k := reqOf(c).user.Kommune
	if k == "" {
		return "", fiber.ErrNotFound
	}
	return k, nil
}

// brugere is GET /brugere: the kommune's users with their rights, status and last login.
func (a *App) brugere(c *fiber.Ctx) error {
	kommune, err := adminKommune(c)
	if err != nil {
		return err
	}
	users, err := a.deps.Accounts.InKommune(c.UserContext(), kommune)
	if err != nil {
		return err
	}
	me := reqOf(c).user.ID
	b := views.Brugere{Kommune: a.kommuneLabel(kommune)}
	for _, u := range users {
		b.Rows = append(b.Rows, views.BrugerRow{URL: views.BrugerPath(u.ID), Navn: u.Name, Email: u.Email,
			Roller: roleLabels(a.deps.Enforcer.Roles(u.ID, kommune)), Aktiv: u.Active,
			SenesteLogin: dateTime(u.LastLoginAt), Selv: u.ID == me})
	}
	return a.render(c, fiber.StatusOK, views.BrugerePage(a.page(c, brugereTitle), b))
}

// newUserForm is GET /brugere/ny: the empty *Opret bruger* form.
func (a *App) newUserForm(c *fiber.Ctx) error {
	if _, err := adminKommune(c); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, views.NyBrugerPage(a.page(c, "Opret bruger"), views.NyBruger{Roller: rolleValg()}))
}

// createUser is POST /brugere/ny: creates the user in the administrator's kommune with the
// chosen rights and a random initial password, shown on the page this answers with (never
// stored in clear, never logged, not cached). A wrong field, or an e-mail in use, brings
// the form back with the typed values and a message (422).
func (a *App) createUser(c *fiber.Ctx) error {
	kommune, err := adminKommune(c)
	if err != nil {
		return err
	}
	f := views.NyBruger{Navn: c.FormValue("navn"), Email: c.FormValue("email"), Roller: rolleValg(), Valgte: formValues(c, "roller")}
	errs := accounts.CheckNewUser(f.Navn, f.Email, f.Valgte)
	if errs == nil {
		n := accounts.NewUser{Email: f.Email, Name: f.Navn, Kommune: kommune, Roles: f.Valgte}
		errs, err = a.createWithPassword(c, n, a.deps.Accounts.Create, func(u accounts.User) []views.HomeLink {
			return []views.HomeLink{{Href: views.BrugerPath(u.ID), Label: "Gå til brugeren"},
				{Href: views.NyBrugerPath, Label: "Opret endnu en bruger"}, {Href: views.BrugerePath, Label: "Tilbage til brugerne"}}
		})
		if errs == nil {
			return err
		}
	}
	f.NavnFejl, f.EmailFejl, f.RolleFejl = errs[accounts.FieldName], errs[accounts.FieldEmail], errs[accounts.FieldRoles]
	return a.render(c, fiber.StatusUnprocessableEntity, views.NyBrugerPage(a.page(c, "Opret bruger"), f))
}

// createWithPassword creates the user n with create and a random initial password, and
// answers with the page that shows the password this once (201, never cached, never stored
// in clear, never logged) and the links next. An e-mail in use comes back as the field
// error for the form to show again (and a nil error); any other error of create is returned.
func (a *App) createWithPassword(c *fiber.Ctx, n accounts.NewUser,
	create func(context.Context, tenant.Actor, accounts.NewUser) (accounts.User, error),
	next func(accounts.User) []views.HomeLink) (domain.Errors, error) {
	n.Password = accounts.RandomPassword()
	u, err := create(c.UserContext(), actor(c), n)
	switch {
	case errors.Is(err, accounts.ErrEmailTaken):
		return domain.Errors{accounts.FieldEmail: msgEmailTaken}, nil
	case err != nil:
		return nil, err
	}
	return nil, a.render(c, fiber.StatusCreated, views.BrugerOprettetPage(a.page(c, "Brugeren er oprettet"),
		views.BrugerOprettet{Navn: u.Name, Email: u.Email, Roller: roleLabels(append([]string{n.Role}, n.Roles...)),
			Adgangskode: n.Password, Links: next(u)}))
}

// brugerForm is GET /brugere/:id: the user's rights and status.
func (a *App) brugerForm(c *fiber.Ctx) error {
	return a.showBruger(c, fiber.StatusOK, nil, "", "")
}

// showBruger renders a user's page with the stored rights, or with the chosen ones (valgte
// != nil) and a message.
func (a *App) showBruger(c *fiber.Ctx, status int, valgte []string, rolleFejl, aktivFejl string) error {
	kommune, u, err := a.brugerTarget(c)
	if err != nil {
		return err
	}
	if valgte == nil {
		valgte = a.deps.Enforcer.Roles(u.ID, kommune)
	}
	throttle, err := a.deps.Accounts.ThrottleOf(c.UserContext(), u.Email)
	if err != nil {
		return err
	}
	f := views.RedigerBruger{URL: views.BrugerPath(u.ID), Navn: u.Name, Email: u.Email, Aktiv: u.Active,
		SenesteLogin: dateTime(u.LastLoginAt), Selv: u.ID == reqOf(c).user.ID, Roller: rolleValg(), Valgte: valgte,
		RolleFejl: rolleFejl, AktivFejl: aktivFejl, Login: loginforsoeg(throttle)}
	return a.render(c, status, views.BrugerPage(a.page(c, u.Name), f))
}

// brugerTarget is the user of the route's :id in the administrator's kommune, or a 404.
func (a *App) brugerTarget(c *fiber.Ctx) (string, accounts.User, error) {
	kommune, err := adminKommune(c)
	if err != nil {
		return "", accounts.User{}, err
	}
	id, err := idParam(c)
	if err != nil {
		return "", accounts.User{}, err
	}
	u, err := a.deps.Accounts.ByIDInKommune(c.UserContext(), kommune, id)
	if errors.Is(err, tenant.ErrNotFound) {
		return "", u, fiber.ErrNotFound
	}
	return kommune, u, err
}

// saveUser is POST /brugere/:id: saves the user's rights (handling=roller, granted and
// revoked in one transaction), deactivates or reactivates them, or lifts the locks of their
// failed logins (handling=ophaev-spaerring, issue 14 #5). Taking the last active
// administrator's role is refused with 422 and the chosen rights kept, deactivating them
// with 409.
func (a *App) saveUser(c *fiber.Ctx) error {
	kommune, u, err := a.brugerTarget(c)
	if err != nil {
		return err
	}
	ctx, who := c.UserContext(), actor(c)
	var changed bool
	var flash string
	switch c.FormValue("handling", views.HandlingRoller) {
	case views.HandlingRoller:
		valgte := formValues(c, "roller")
		if errs := accounts.CheckRoles(valgte); errs != nil {
			return a.showBruger(c, fiber.StatusUnprocessableEntity, nonNil(valgte), errs[accounts.FieldRoles], "")
		}
		changed, err = a.deps.Accounts.SetRoles(ctx, who, kommune, u.ID, valgte)
		if errors.Is(err, accounts.ErrLastAdmin) {
			return a.showBruger(c, fiber.StatusUnprocessableEntity, nonNil(valgte), msgLastAdminRoles, "")
		}
		flash = "Rettighederne for " + u.Name + " er gemt."
	case views.HandlingDeaktiver:
		changed, err = a.deps.Accounts.SetActiveInKommune(ctx, who, kommune, u.ID, false)
		if errors.Is(err, accounts.ErrLastAdmin) {
			return a.showBruger(c, fiber.StatusConflict, nil, "", msgLastAdminAktiv)
		}
		flash = u.Name + " er deaktiveret og logget ud."
	case views.HandlingGenaktiver:
		changed, err = a.deps.Accounts.SetActiveInKommune(ctx, who, kommune, u.ID, true)
		flash = u.Name + " er genaktiveret."
	case views.HandlingOphaevSpaerring:
		changed, err = a.deps.Accounts.Unlock(ctx, who, kommune, u.ID)
		if err != nil {
			return err
		}
		return a.saved(c, changed, unlockedFlash(u), views.BrugerPath(u.ID))
	default:
		return fiber.ErrBadRequest
	}
	if err != nil {
		return err
	}
	set := a.setFlash
	if !changed {
		flash, set = msgIngenAendringer, a.setNote
	}
	if err := set(c, flash); err != nil {
		return err
	}
	if u.ID == reqOf(c).user.ID && changed {
		return redirect(c, "/") // the administrator changed their own rights: start over from them
	}
	return redirect(c, views.BrugerPath(u.ID))
}

// loginforsoeg is a user's failed logins as the administrators' screens show them.
func loginforsoeg(t accounts.Throttle) views.Loginforsoeg {
	return views.Loginforsoeg{Mislykkede: t.Failures, Senest: dateTime(&t.LastFailure), Spaerret: t.Locked,
		SpaerretTil: dateTime(&t.LockedUntil)}
}

// unlockedFlash is the message after *Ophæv spærring*.
func unlockedFlash(u accounts.User) string {
	return "De mislykkede login for " + u.Name + " er glemt, og brugeren er ikke længere spærret fra nogen adresse."
}

// rolleValg are the rights a kommune administrator grants, as the forms offer them.
func rolleValg() []views.Option {
	var out []views.Option
	for _, r := range accounts.KommuneRoles {
		out = append(out, views.RolleValg(r))
	}
	return out
}

// roleLabels are the Danish labels of roles, comma separated.
func roleLabels(roles []string) string {
	var labels []string
	for _, name := range roles {
		if r, ok := access.RoleByName(name); ok {
			labels = append(labels, r.Label)
		}
	}
	return strings.Join(labels, ", ")
}

// formValues are every value of a form field sent several times (checkboxes).
func formValues(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// dateTime is a moment as the screens show it, DD-MM-YYYY HH:MM in Copenhagen; "" for nil.
func dateTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return views.DateTimeDK(t.In(copenhagen))
}

// kommuneLabel is "København (101)".
func (a *App) kommuneLabel(kode string) string {
	if navn := a.kommuner[kode]; navn != "" {
		return navn + " (" + kode + ")"
	}
	return kode
}
