package app

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/domain"
	"indberet/views"
)

const kontaktTitle = "Kontaktoplysninger"

// kontaktpersonerForm shows the kommune's contact persons (K1): the form for users who may change
// them, the values for those who may only read (laeser), and every kommune's for users of no
// kommune (DST, T3).
func (a *App) kontaktpersonerForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if reqOf(c).user.Kommune == "" {
		var all []tenant.KommuneKontaktperson
		err := a.deps.DB.InScope(ctx, scope(c), func(tx *tenant.Tx) (err error) {
			all, err = tx.AlleKontaktpersoner(ctx)
			return err
		})
		if err != nil {
			return err
		}
		return a.render(c, fiber.StatusOK, views.KontaktOversigtPage(a.page(c, kontaktTitle), a.kontaktOversigt(all)))
	}
	stored, err := a.kontaktpersoner(c)
	if err != nil {
		return err
	}
	f := views.KontaktpersonerForm{Personer: kontaktViews(stored), ReadOnly: !a.can(c, access.KontaktWrite)}
	return a.render(c, fiber.StatusOK, views.KontaktpersonerPage(a.page(c, kontaktTitle), f))
}

// saveKontaktpersoner saves the three contact persons of the form in one transaction (K1, K2). A
// wrong field brings the form back with 422, every typed value and a message per field, and
// nothing saved; a form opened before someone else saved comes back with 409 and the stored
// values. Only changed rows are written (the store skips the rest).
func (a *App) saveKontaktpersoner(c *fiber.Ctx) error {
	if reqOf(c).user.Kommune == "" {
		return fiber.ErrForbidden // contact persons belong to a kommune (T1)
	}
	typed := make([]views.Kontaktperson, len(domain.Kontaktroller))
	valid := make([]domain.Kontaktperson, len(domain.Kontaktroller))
	invalid := false
	for i, rolle := range domain.Kontaktroller {
		r := string(rolle)
		v := views.Kontaktperson{Rolle: r, Navn: c.FormValue(r + "-navn"), Telefon: c.FormValue(r + "-telefon"),
			Email: c.FormValue(r + "-email"), Version: c.FormValue(r + "-version")}
		version, err := strconv.Atoi(v.Version)
		if err != nil {
			version = -1 // no such version: the store answers ErrConflict
		}
		k, errs := domain.ValidateKontaktperson(domain.Kontaktperson{Rolle: rolle, Navn: v.Navn,
			Telefon: v.Telefon, Email: v.Email, Version: version})
		v.NavnFejl, v.TelefonFejl, v.EmailFejl = errs[domain.KontaktNavn], errs[domain.KontaktTelefon], errs[domain.KontaktEmail]
		invalid = invalid || len(errs) > 0
		typed[i], valid[i] = v, k
	}
	if invalid {
		return a.render(c, fiber.StatusUnprocessableEntity,
			views.KontaktpersonerPage(a.page(c, kontaktTitle), views.KontaktpersonerForm{Personer: typed}))
	}
	ctx := c.UserContext()
	err := a.deps.DB.InScope(ctx, scope(c), func(tx *tenant.Tx) error {
		for _, k := range valid {
			if err := tx.SaveKontaktperson(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, tenant.ErrConflict) {
		stored, err := a.kontaktpersoner(c)
		if err != nil {
			return err
		}
		return a.render(c, fiber.StatusConflict, views.KontaktpersonerPage(a.page(c, kontaktTitle),
			views.KontaktpersonerForm{Personer: kontaktViews(stored), Conflict: true}))
	}
	if err != nil {
		return err
	}
	if err := a.setFlash(c, "Kontaktoplysningerne er gemt."); err != nil {
		return err
	}
	return redirect(c, "/")
}

// kontaktpersoner reads the contact persons of the user's kommune.
func (a *App) kontaktpersoner(c *fiber.Ctx) (ks []domain.Kontaktperson, err error) {
	ctx := c.UserContext()
	err = a.deps.DB.InScope(ctx, scope(c), func(tx *tenant.Tx) error {
		ks, err = tx.Kontaktpersoner(ctx)
		return err
	})
	return ks, err
}

// kontaktViews puts stored contact persons in the order of K1, with an empty one (version
// 0) for each role not registered yet.
func kontaktViews(stored []domain.Kontaktperson) []views.Kontaktperson {
	out := make([]views.Kontaktperson, 0, len(domain.Kontaktroller))
	for _, rolle := range domain.Kontaktroller {
		v := views.Kontaktperson{Rolle: string(rolle), Version: "0"}
		for _, k := range stored {
			if k.Rolle == rolle {
				v.Navn, v.Telefon, v.Email, v.Version = k.Navn, k.Telefon, k.Email, strconv.Itoa(k.Version)
			}
		}
		out = append(out, v)
	}
	return out
}

// kontaktOversigt groups every kommune's contact persons for DST's overview.
func (a *App) kontaktOversigt(all []tenant.KommuneKontaktperson) []views.KommuneKontaktpersoner {
	var out []views.KommuneKontaktpersoner
	for i := 0; i < len(all); {
		kode := all[i].Kommune
		var ks []domain.Kontaktperson
		for ; i < len(all) && all[i].Kommune == kode; i++ {
			ks = append(ks, all[i].Kontaktperson)
		}
		label := kode
		if navn := a.kommuner[kode]; navn != "" {
			label = navn + " (" + kode + ")"
		}
		out = append(out, views.KommuneKontaktpersoner{Label: label, Personer: kontaktViews(ks)})
	}
	return out
}
