package app

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant/accounts"
	"indberet/tenant/domain"
	"indberet/views"
)

// *Min konto*, the user's own account (access.AccountSelf): change the password (the current
// one and the new one twice) and see the sessions, with *Log ud af alle andre sessioner*.

const kontoTitle = "Min konto"

// konto is GET /konto.
func (a *App) konto(c *fiber.Ctx) error {
	return a.showKonto(c, fiber.StatusOK, nil)
}

// showKonto renders *Min konto* with the messages of the password form (never its values).
func (a *App) showKonto(c *fiber.Ctx, status int, errs domain.Errors) error {
	r := reqOf(c)
	u := r.user
	kommune := "Alle kommuner"
	if u.Kommune != "" {
		kommune = a.kommuneLabel(u.Kommune)
	}
	k := views.Konto{Navn: u.Name, Email: u.Email, Kommune: kommune, Roller: roleLabels(r.roles),
		AdgangskodeFejl: errs[accounts.FieldCurrentPassword], NyFejl: errs[accounts.FieldNewPassword],
		GentagFejl: errs[accounts.FieldRepeatPassword]}
	sessions, err := a.deps.Sessions.UserSessions(c.UserContext(), u.ID, r.session.ID)
	if err != nil {
		return err
	}
	for _, s := range sessions {
		k.Sessioner = append(k.Sessioner, views.Session{Startet: dateTime(&s.CreatedAt), SenestAktiv: dateTime(&s.LastSeenAt),
			IP: s.IP, Browser: views.BrowserLabel(s.UserAgent), Denne: s.Current})
	}
	return a.render(c, status, views.KontoPage(a.page(c, kontoTitle), k))
}

// changePassword is POST /konto: checks the current password and the new one typed twice
// (at least 12 characters), saves its argon2id hash and ends the user's other sessions. A
// wrong current password is 422 (and counts as a failed login: 429 while locked).
func (a *App) changePassword(c *fiber.Ctx) error {
	current, next := bodyValue(c, "adgangskode"), bodyValue(c, "ny")
	if errs := accounts.CheckNewPassword(current, next, c.FormValue("gentag")); errs != nil {
		return a.showKonto(c, fiber.StatusUnprocessableEntity, errs)
	}
	r := reqOf(c)
	err := a.deps.Accounts.ChangePassword(c.UserContext(), actor(c), r.user.ID, current, next, r.session.ID)
	var throttled *accounts.ThrottledError
	switch {
	case errors.As(err, &throttled):
		return a.showKonto(c, fiber.StatusTooManyRequests,
			domain.Errors{accounts.FieldCurrentPassword: "For mange forkerte adgangskoder. " + retryAfter(c, throttled)})
	case errors.Is(err, accounts.ErrInvalidCredentials):
		return a.showKonto(c, fiber.StatusUnprocessableEntity,
			domain.Errors{accounts.FieldCurrentPassword: "Den nuværende adgangskode er forkert."})
	case err != nil:
		return err
	}
	if err := a.setFlash(c, "Din adgangskode er skiftet. Du er logget ud alle andre steder."); err != nil {
		return err
	}
	return redirect(c, views.KontoPath)
}

// endOtherSessions is POST /konto/sessioner: *Log ud af alle andre sessioner*.
func (a *App) endOtherSessions(c *fiber.Ctx) error {
	r := reqOf(c)
	n, err := a.deps.Accounts.EndOtherSessions(c.UserContext(), actor(c), r.user.ID, r.session.ID)
	if err != nil {
		return err
	}
	msg := "Du var ikke logget ind andre steder."
	switch {
	case n == 1:
		msg = "Du er logget ud af 1 anden session."
	case n > 1:
		msg = fmt.Sprintf("Du er logget ud af %d andre sessioner.", n)
	}
	if err := a.setFlash(c, msg); err != nil {
		return err
	}
	return redirect(c, views.KontoPath)
}
