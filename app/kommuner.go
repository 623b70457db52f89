package app

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/accounts"
	"indberet/tenant/domain"
	"indberet/views"
)

// The platform administrator's screens (T3): *Kommuner* lists the 98 kommuner with their
// status, users and contact persons; a kommune's page activates it, or deactivates it after a
// confirmation (its users' sessions end at once and they cannot log in until it is active
// again), and creates its first kommuneadministrator with an initial password shown once
// (the same createWithPassword as /brugere/ny); *Alle brugere* lists every user of every
// kommune, read only, filtered by kommune. Every change is audited (tenant and accounts).

// kommuneTarget is the route's :kommunekode, or a 404.
func (a *App) kommuneTarget(c *fiber.Ctx) (tenant.Kommune, error) {
	k, err := a.deps.DB.Kommune(c.UserContext(), c.Params("kommunekode"))
	if errors.Is(err, tenant.ErrNotFound) {
		return k, fiber.ErrNotFound
	}
	return k, err
}

// kontaktLabel says whether the contact persons of K1 are registered, and which miss.
func kontaktLabel(missing []domain.Kontaktrolle) string {
	if len(missing) == 0 {
		return "Angivet"
	}
	return "Mangler: " + strings.Join(kontaktLegends(missing), ", ")
}

// kontaktLegends are the Danish names of the roles of K1.
func kontaktLegends(roller []domain.Kontaktrolle) []string {
	out := make([]string, len(roller))
	for i, r := range roller {
		out[i] = views.KontaktLegend(string(r))
	}
	return out
}

// kontaktMangler returns which roles of K1 each kommune misses (tenant.KontaktpersonerManglerAlle).
func (a *App) kontaktMangler(c *fiber.Ctx) (m map[string][]domain.Kontaktrolle, err error) {
	err = a.inScope(c, func(tx *tenant.Tx) error {
		m, err = tx.KontaktpersonerManglerAlle(c.UserContext())
		return err
	})
	return m, err
}

// kommunerPage is GET /kommuner.
func (a *App) kommunerPage(c *fiber.Ctx) error {
	ks, err := a.deps.DB.Kommuner(c.UserContext())
	if err != nil {
		return err
	}
	mangler, err := a.kontaktMangler(c)
	if err != nil {
		return err
	}
	counts, err := a.deps.Accounts.CountByKommune(c.UserContext())
	if err != nil {
		return err
	}
	var v views.Kommuner
	for _, k := range ks {
		v.Rows = append(v.Rows, views.KommuneRow{URL: views.KommunePath(k.Kode), Kode: k.Kode, Navn: k.Navn, Aktiv: k.Aktiv,
			Demo: k.Demo, Brugere: views.TalDK(counts[k.Kode]), Kontakt: kontaktLabel(mangler[k.Kode])})
	}
	return a.render(c, fiber.StatusOK, views.KommunerPage(a.page(c, "Kommuner"), v))
}

// kommunePage is GET /kommuner/:kommunekode.
func (a *App) kommunePage(c *fiber.Ctx) error {
	k, err := a.kommuneTarget(c)
	if err != nil {
		return err
	}
	return a.showKommune(c, fiber.StatusOK, k, views.AktiverKommune{})
}

// kommunePeriode returns kommune's periodes (I7).
func (a *App) kommunePeriode(c *fiber.Ctx, kode string) (tenant.KommunePeriode, error) {
	var ks []tenant.KommunePeriode
	err := a.inScope(c, func(tx *tenant.Tx) (err error) {
		ks, err = tx.KommunePerioder(c.UserContext())
		return err
	})
	for _, k := range ks {
		if k.Kode == kode {
			return k, err
		}
	}
	if err == nil {
		err = fiber.ErrNotFound
	}
	return tenant.KommunePeriode{}, err
}

// showKommune renders kommune k's page with the activation's field f.
func (a *App) showKommune(c *fiber.Ctx, status int, k tenant.Kommune, f views.AktiverKommune) error {
	ctx := c.UserContext()
	kp, err := a.kommunePeriode(c, k.Kode)
	if err != nil {
		return err
	}
	mangler, err := a.kontaktMangler(c)
	if err != nil {
		return err
	}
	users, err := a.deps.Accounts.All(ctx, k.Kode)
	if err != nil {
		return err
	}
	admins, err := a.deps.Accounts.ActiveAdministrators(ctx, actor(c), k.Kode)
	if err != nil {
		return err
	}
	v := views.KommuneSide{URL: views.KommunePath(k.Kode), Kode: k.Kode, Navn: k.Navn, Aktiv: k.Aktiv, Demo: k.Demo,
		Brugere: views.TalDK(len(users)), BrugereURL: views.AlleBrugerePath + "?kommune=" + k.Kode,
		Kontakt: kontaktLabel(mangler[k.Kode]), Administratorer: views.TalDK(len(admins)),
		FoerstePeriode: kp.FoerstePeriode, SenestLeveret: kp.SenestLeveret,
		NaestePeriode: domain.NaestePeriode(kp.SenestLeveret, kp.FoerstePeriode), Aktivering: f}
	v.Aktivering.Standard = domain.PeriodeBefore(a.clock())
	if len(admins) == 0 {
		v.AdminURL = v.URL + "/administrator"
	}
	return a.render(c, status, views.KommunePage(a.page(c, k.Navn), v))
}

// activateKommune is POST /kommuner/:kommunekode/aktiver: its users can log in from now on.
// Its first periode (I7) is the one given (foerste_periode) or the month before today; a
// wrong one, or one for a kommune that has delivered, brings the page back with the value
// and a Danish message (422).
func (a *App) activateKommune(c *fiber.Ctx) error {
	k, err := a.kommuneTarget(c)
	if err != nil {
		return err
	}
	f := views.AktiverKommune{FoerstePeriode: strings.TrimSpace(c.FormValue("foerste_periode"))}
	if f.FoerstePeriode != "" {
		if f.Fejl = domain.CheckFoerstePeriode(f.FoerstePeriode, a.clock()); f.Fejl != "" {
			return a.showKommune(c, fiber.StatusUnprocessableEntity, k, f)
		}
	}
	var changed bool
	err = a.inScope(c, func(tx *tenant.Tx) (err error) {
		changed, err = tx.AktiverKommune(c.UserContext(), k.Kode, f.FoerstePeriode)
		return err
	})
	if errors.Is(err, tenant.ErrKommuneHarLeveret) {
		f.Fejl = k.Navn + " har allerede leveret, så dens første periode kan ikke ændres: perioderne leveres i rækkefølge."
		return a.showKommune(c, fiber.StatusUnprocessableEntity, k, f)
	}
	if err != nil {
		return err
	}
	return a.saved(c, changed, k.Navn+" er aktiveret. Kommunens brugere kan nu logge ind.", views.KommunePath(k.Kode))
}

// deactivateKommuneForm is GET /kommuner/:kommunekode/deaktiver: the confirmation.
func (a *App) deactivateKommuneForm(c *fiber.Ctx) error {
	k, err := a.kommuneTarget(c)
	if err != nil {
		return err
	}
	users, err := a.deps.Accounts.All(c.UserContext(), k.Kode)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, views.DeaktiverKommunePage(a.page(c, "Deaktivér "+k.Navn), views.DeaktiverKommune{
		Action: views.KommunePath(k.Kode) + "/deaktiver", Tilbage: views.KommunePath(k.Kode), Navn: k.Navn,
		Brugere: len(users)}))
}

// deactivateKommune is POST /kommuner/:kommunekode/deaktiver: the kommune's users are logged
// out at their next request and cannot log in until it is activated again.
func (a *App) deactivateKommune(c *fiber.Ctx) error {
	return a.setKommuneAktiv(c, false, " er deaktiveret, og kommunens brugere er logget ud.")
}

func (a *App) setKommuneAktiv(c *fiber.Ctx, aktiv bool, done string) error {
	k, err := a.kommuneTarget(c)
	if err != nil {
		return err
	}
	changed, err := a.deps.Accounts.SetKommuneAktiv(c.UserContext(), actor(c), k.Kode, aktiv)
	if err != nil {
		return err
	}
	return a.saved(c, changed, k.Navn+done, views.KommunePath(k.Kode))
}

// msgIngenAendringer is the note of a save that found nothing to change.
const msgIngenAendringer = "Der var ingen ændringer at gemme."

// saved ends a POST that changed something (or found nothing to change): the flash message
// for the next page, and the redirect to it.
func (a *App) saved(c *fiber.Ctx, changed bool, flash, to string) error {
	set := a.setFlash
	if !changed {
		flash, set = msgIngenAendringer, a.setNote
	}
	if err := set(c, flash); err != nil {
		return err
	}
	return redirect(c, to)
}

// newKommuneadminView is the form for the kommune's first administrator.
func newKommuneadminView(k tenant.Kommune) views.NyKommuneadmin {
	return views.NyKommuneadmin{Action: views.KommunePath(k.Kode) + "/administrator", Tilbage: views.KommunePath(k.Kode),
		Kommune: k.Navn}
}

// newKommuneadminForm is GET /kommuner/:kommunekode/administrator.
func (a *App) newKommuneadminForm(c *fiber.Ctx) error {
	k, err := a.kommuneTarget(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, views.NyKommuneadminPage(a.page(c, "Opret kommuneadministrator"), newKommuneadminView(k)))
}

// createKommuneadmin is POST /kommuner/:kommunekode/administrator: creates the kommune's
// first administrator with an initial password shown once, like /brugere/ny. A wrong field
// or an e-mail in use brings the form back with the typed values (422); a kommune that has an
// active administrator already is refused with 409 (it creates its own users, T1).
func (a *App) createKommuneadmin(c *fiber.Ctx) error {
	k, err := a.kommuneTarget(c)
	if err != nil {
		return err
	}
	f := newKommuneadminView(k)
	f.Navn, f.Email = c.FormValue("navn"), c.FormValue("email")
	errs := accounts.CheckNewUser(f.Navn, f.Email, []string{access.Kommuneadmin})
	if errs == nil {
		n := accounts.NewUser{Email: f.Email, Name: f.Navn, Role: access.Kommuneadmin}
		create := func(ctx context.Context, who tenant.Actor, n accounts.NewUser) (accounts.User, error) {
			return a.deps.Accounts.CreateFirstAdmin(ctx, who, k.Kode, n)
		}
		errs, err = a.createWithPassword(c, n, create, func(accounts.User) []views.HomeLink {
			return []views.HomeLink{{Href: views.KommunePath(k.Kode), Label: "Tilbage til " + k.Navn},
				{Href: views.KommunerPath, Label: "Tilbage til kommunerne"}}
		})
		if errors.Is(err, accounts.ErrHasAdministrator) {
			f.Fejl = k.Navn + " har allerede en aktiv kommuneadministrator, som opretter kommunens brugere."
			return a.render(c, fiber.StatusConflict, views.NyKommuneadminPage(a.page(c, "Opret kommuneadministrator"), f))
		}
		if errs == nil {
			return err
		}
	}
	f.NavnFejl, f.EmailFejl = errs[accounts.FieldName], errs[accounts.FieldEmail]
	return a.render(c, fiber.StatusUnprocessableEntity, views.NyKommuneadminPage(a.page(c, "Opret kommuneadministrator"), f))
}

// alleBrugere is GET /alle-brugere[?kommune=K]: every user, or those of kommune K ("-": of
// no kommune), with kommune, rights, status, last login and failed logins (with *Ophæv
// spærring* for the users of no kommune). An unknown kommune is a 404.
func (a *App) alleBrugere(c *fiber.Ctx) error {
	filter, err := a.brugerFilter(c.Query("kommune"))
	if err != nil {
		return err
	}
	users, err := a.deps.Accounts.All(c.UserContext(), filter)
	if err != nil {
		return err
	}
	throttles, err := a.deps.Accounts.Throttles(c.UserContext())
	if err != nil {
		return err
	}
	v := views.AlleBrugere{Kommune: filter, Kommuner: a.kommuneOptions(views.Option{Value: "", Label: "Alle kommuner"},
		views.Option{Value: accounts.NoKommune, Label: "Ingen kommune (Danmarks Statistik og platform)"})}
	for _, u := range users {
		kommune := "Ingen"
		if u.Kommune != "" {
			kommune = a.kommuneLabel(u.Kommune)
		}
		row := views.AlleBrugereRow{Navn: u.Name, Email: u.Email, Kommune: kommune,
			Roller: roleLabels(a.deps.Enforcer.Roles(u.ID, u.Kommune)), Aktiv: u.Active, SenesteLogin: dateTime(u.LastLoginAt),
			Login: loginforsoeg(throttles[u.Email])}
		if u.Kommune == "" && row.Login.Aktiv() {
			row.Ophaev = []views.HiddenField{{Name: "bruger", Value: strconv.FormatInt(u.ID, 10)}, {Name: "kommune", Value: filter}}
		}
		v.Rows = append(v.Rows, row)
	}
	return a.render(c, fiber.StatusOK, views.AlleBrugerePage(a.page(c, "Alle brugere"), v))
}

// brugerFilter is the kommune filter of *Alle brugere*: "", NoKommune or a kommune; any
// other is a 404.
func (a *App) brugerFilter(filter string) (string, error) {
	if _, ok := a.kommuner[filter]; filter != "" && filter != accounts.NoKommune && !ok {
		return "", fiber.ErrNotFound
	}
	return filter, nil
}

// unlockUser is POST /alle-brugere (bruger=ID, kommune=the list's filter): the platform
// administrator lifts the locks of the failed logins of a user of no kommune, a DST or
// platform user (issue 14 #5), with the audit record; a kommune's users are its
// administrator's (T1), so one of them, like an unknown id, is a 404. Back to the list.
func (a *App) unlockUser(c *fiber.Ctx) error {
	filter, err := a.brugerFilter(c.FormValue("kommune"))
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.FormValue("bruger"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	u, err := a.deps.Accounts.ByID(c.UserContext(), id)
	if errors.Is(err, tenant.ErrNotFound) || (err == nil && u.Kommune != "") {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	changed, err := a.deps.Accounts.Unlock(c.UserContext(), actor(c), "", u.ID)
	if err != nil {
		return err
	}
	to := views.AlleBrugerePath
	if filter != "" {
		to += "?kommune=" + url.QueryEscape(filter)
	}
	return a.saved(c, changed, unlockedFlash(u), to)
}
