package app

import (
	"errors"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/domain"
	"indberet/views"
)

// The ydelse screens: *Tilføj ydelse* (with the copy of an FFB ydelse for its next
// Ydelses-UUID, Y4), *Redigér* with *Gem og næste* (Y7) and delete (Y8).

// checkYdelse applies the rules of Y1–Y6 to the typed values for a ydelse of the sag whose
// other ydelser are others, returning the ydelse to save and the messages: a new ydelse
// (stored nil) or a change of the stored one, which keeps its codes though DST retired them
// since (domain.ValidateYdelseChange).
func (a *App) checkYdelse(snap *domain.Snapshot, in domain.YdelseInput, kommune string, stored *domain.Ydelse, others []domain.Ydelse) (domain.Ydelse, domain.Errors) {
	y, errs := a.validateYdelse(snap, in, kommune, stored)
	if errs.OK() {
		domain.CheckInSag(y, stored, others, snap, errs)
	}
	return y, errs
}

// validateYdelse checks the typed values alone (Y1–Y5, Y8's Varighed): a new ydelse (stored
// nil) or a change of the stored one, with the stored one's ID.
func (a *App) validateYdelse(snap *domain.Snapshot, in domain.YdelseInput, kommune string, stored *domain.Ydelse) (domain.Ydelse, domain.Errors) {
	if stored == nil {
		return domain.ValidateYdelse(in, snap, kommune, a.today())
	}
	y, errs := domain.ValidateYdelseChange(in, *stored, snap, kommune, a.today())
	y.ID = stored.ID
	return y, errs
}

// addYdelseForm is GET /sager/:id/ydelser/ny, empty or (?kopi=<ydelse id>) a copy of one
// of the sag's ydelser without its Ydelses-UUID (Y4).
func (a *App) addYdelseForm(c *fiber.Ctx) error {
	return a.showTilfoejYdelse(c, nil, nil, fiber.StatusOK)
}

// showTilfoejYdelse renders *Tilføj ydelse* for the sag, as addYdelseForm describes it, or
// with the typed values and their messages (in != nil).
func (a *App) showTilfoejYdelse(c *fiber.Ctx, in *domain.YdelseInput, errs domain.Errors, status int) error {
	r, err := a.target(c)
	if err != nil {
		return err
	}
	ctx, id, snap := r.ctx, r.id, r.snap
	kopi, _ := strconv.ParseInt(c.Query("kopi"), 10, 64)
	var f views.TilfoejYdelse
	err = a.inScope(c, func(tx *tenant.Tx) error {
		s, err := tx.ShowSag(ctx, id, "tilføj ydelse, sag "+strconv.FormatInt(id, 10))
		if err != nil {
			return err
		}
		f.Sag = a.sagHeader(s)
		if in != nil {
			f.Overfoert = c.FormValue("handling") == views.OverfoerYdelse
			f.Ydelse = a.ydelseForm(snap, *in, errs, false)
			f.Summary = summary(errs)
			return nil
		}
		// Varighed empty: the indsatskode's default, until the user chooses (Y1).
		values := domain.YdelseInput{Betalingskommune: reqOf(c).user.Kommune, Bevillingsdato: domain.FormatDate(a.today())}
		if kopi != 0 {
			src, err := tx.Ydelse(ctx, kopi)
			if err != nil || src.SagID != id {
				return tenant.ErrNotFound
			}
			values = domain.YdelseInputOf(src)
			values.YdelsesUUID = ""
			f.Kopi = true
		}
		f.Ydelse = a.ydelseForm(snap, values, nil, false)
		return nil
	})
	if err != nil {
		return err
	}
	return a.render(c, status, views.TilfoejYdelsePage(a.page(c, "Tilføj ydelse"), f))
}

// addYdelse is POST /sager/:id/ydelser/ny: checks the ydelse against Y1–Y6 with the
// sag locked and saves it, or shows the form again (422). *Opret* returns to an empty form
// for the sag's next ydelse; *Gem og stop* to the list. From *Opret* of a CPR number that
// has this sag (S1), the ydelse typed there only fills the form (handling overfoer).
func (a *App) addYdelse(c *fiber.Ctx) error {
	in := ydelseInput(c)
	if c.FormValue("handling") == views.OverfoerYdelse {
		return a.showTilfoejYdelse(c, &in, nil, fiber.StatusOK)
	}
	r, err := a.target(c)
	if err != nil {
		return err
	}
	ctx, id, snap := r.ctx, r.id, r.snap
	var cpr string
	var errs domain.Errors
	var y domain.Ydelse
	err = a.inScope(c, func(tx *tenant.Tx) error {
		s, err := tx.LockSag(ctx, id) // the new ydelse's audit record names the sag
		if err != nil {
			return err
		}
		cpr = s.CPR
		others, err := tx.YdelserOfSag(ctx, id)
		if err != nil {
			return err
		}
		if y, errs = a.checkYdelse(snap, in, reqOf(c).user.Kommune, nil, others); !errs.OK() {
			return errRejected
		}
		y.SagID = id
		y.ID, err = tx.InsertYdelse(ctx, y)
		return err
	})
	if errors.Is(err, errRejected) {
		// Shown again from a read of its own, which records the CPR number shown: the
		// refused change was rolled back, and with it anything it recorded.
		return a.showTilfoejYdelse(c, &in, errs, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	msg := "Ydelsen " + y.Indsatskode + " er tilføjet sagen for CPR-nummer " + domain.FormatCPR(cpr) + "."
	if err := a.setFlash(c, msg); err != nil {
		return err
	}
	if c.FormValue("handling") == "gem-og-stop" {
		return redirect(c, egneListe)
	}
	return redirect(c, sagURL(id, "/ydelser/ny"))
}

// ydelseView loads what *Redigér ydelse* shows besides the fields: the sag, the position of
// the ydelse among the sag's ydelser, the copy link (Y4) and the delete option (Y8).
func (a *App) ydelseView(c *fiber.Ctx, snap *domain.Snapshot, s domain.Sag, y domain.Ydelse, all []domain.Ydelse) views.RedigerYdelse {
	f := views.RedigerYdelse{Sag: a.sagHeader(s), YdelseID: y.ID, Version: y.Version, UpdatedBy: y.UpdatedBy}
	if i := slices.IndexFunc(all, func(o domain.Ydelse) bool { return o.ID == y.ID }); i >= 0 && len(all) > 1 {
		f.Position = "Ydelse " + strconv.Itoa(i+1) + " af " + strconv.Itoa(len(all))
	}
	if ind, ok := snap.Indsats(y.Indsatskode); ok && ind.FFB {
		f.KopiURL = sagURL(s.ID, "/ydelser/ny?kopi="+strconv.FormatInt(y.ID, 10))
	}
	if y.IndberettetAt != nil {
		f.Leveret = views.DateDK(y.IndberettetAt.In(copenhagen))
	}
	if rows := domain.StayRows(y, all); len(rows) > 0 { // Y4, Y6: end or move the stay at once
		f.Stay = views.StayChoice{Rows: len(rows) + 1, All: true}
	}
	if ok, instead := domain.CanDeleteYdelse(y.IndberettetAt != nil, y.Varighed); ok {
		f.Delete.URL = ydelseURL(y.ID, "/slet")
	} else {
		f.Delete.Instead = instead
	}
	return f
}

// editYdelseForm is GET /ydelser/:id/rediger.
func (a *App) editYdelseForm(c *fiber.Ctx) error {
	return a.showYdelse(c, nil, nil, nil, fiber.StatusOK)
}

// showYdelse renders *Redigér ydelse* with the stored values, or with the typed values and
// their messages (in != nil); mine != nil (the typed values as saved) when someone else
// saved first: the form keeps the typed values, takes the saved version and compares the two.
func (a *App) showYdelse(c *fiber.Ctx, in *domain.YdelseInput, errs domain.Errors, mine *domain.Ydelse, status int) error {
	r, err := a.target(c)
	if err != nil {
		return err
	}
	ctx, id, snap := r.ctx, r.id, r.snap
	var f views.RedigerYdelse
	err = a.inScope(c, func(tx *tenant.Tx) error {
		y, err := tx.Ydelse(ctx, id)
		if err != nil {
			return err
		}
		s, err := tx.ShowSag(ctx, y.SagID, "ydelse "+strconv.FormatInt(id, 10))
		if err != nil {
			return err
		}
		all, err := tx.YdelserOfSag(ctx, y.SagID)
		if err != nil {
			return err
		}
		f = a.ydelseView(c, snap, s, y, all)
		values := domain.YdelseInputOf(y)
		if in != nil {
			values = *in
			values.Indsatskode = y.Indsatskode // Y7
			if y.IndberettetAt != nil {
				values.Varighed = y.Varighed // Y8
			}
			if v, err := strconv.Atoi(c.FormValue("version")); err == nil && mine == nil {
				f.Version = v
			}
			f.Stay.All = wholeStay(c)
		}
		f.Ydelse = a.ydelseForm(snap, values, errs, true)
		f.Ydelse.VarighedLocked = y.IndberettetAt != nil // Y8
		f.Summary = summary(errs)
		if mine != nil {
			k := conflict("Ydelsen", y.UpdatedBy, ydelseShown(snap, *mine), ydelseShown(snap, y))
			f.Conflict = &k
		}
		return nil
	})
	if err != nil {
		return err
	}
	return a.render(c, status, views.RedigerYdelsePage(a.page(c, "Redigér ydelse"), f))
}

// editYdelse is POST /ydelser/:id/rediger: saves everything but the indsatskode (Y7)
// after the checks of Y1–Y6, with the sag locked, if nobody saved the ydelse since the form
// was opened. *Gem og næste* goes on to the sag's next ydelse, *Gem og stop* to the list.
func (a *App) editYdelse(c *fiber.Ctx) error {
	r, err := a.target(c)
	if err != nil {
		return err
	}
	ctx, id, snap := r.ctx, r.id, r.snap
	in := ydelseInput(c)
	version, _ := strconv.Atoi(c.FormValue("version"))
	var errs domain.Errors
	var next int64
	var cpr string
	var moved []domain.Ydelse
	var y domain.Ydelse
	err = a.inScope(c, func(tx *tenant.Tx) error {
		old, err := tx.Ydelse(ctx, id)
		if err != nil {
			return err
		}
		s, err := tx.LockSag(ctx, old.SagID)
		if err != nil {
			return err
		}
		cpr = s.CPR
		all, err := tx.YdelserOfSag(ctx, old.SagID)
		if err != nil {
			return err
		}
		if in.Indsatskode == "" {
			in.Indsatskode = old.Indsatskode
		}
		if msg, ok := domain.CheckIndsatskodeUnchanged(old.Indsatskode, in.Indsatskode); !ok { // Y7
			errs = domain.Errors{}
			errs.Add(domain.FieldIndsatskode, msg)
			return errRejected
		}
		kommune := reqOf(c).user.Kommune
		if y, errs = a.validateYdelse(snap, in, kommune, &old); !errs.OK() {
			return errRejected
		}
		// Y4, Y6: the other rows of the stay change with it (one transaction, an audit
		// entry each), unless the user unticked *Gælder alle rækker af opholdet*.
		after := all
		if rows := domain.StayRows(old, all); len(rows) > 0 && wholeStay(c) {
			moved, after = domain.MoveStay(y, rows, all, snap, kommune, a.today(), errs)
		}
		if domain.CheckInSag(y, &old, after, snap, errs); !errs.OK() {
			return errRejected
		}
		y.SagID, y.Version = old.SagID, version
		if i := slices.IndexFunc(all, func(o domain.Ydelse) bool { return o.ID == id }); i >= 0 && i+1 < len(all) {
			next = all[i+1].ID
		}
		if err := tx.UpdateYdelse(ctx, y); err != nil {
			return err
		}
		for _, m := range moved {
			if err := tx.UpdateYdelse(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errRejected):
		return a.showYdelse(c, &in, errs, nil, fiber.StatusUnprocessableEntity)
	case errors.Is(err, tenant.ErrConflict):
		return a.showYdelse(c, &in, nil, &y, fiber.StatusConflict)
	case err != nil:
		return err
	}
	msg := "Ydelsen " + in.Indsatskode + " for CPR-nummer " + domain.FormatCPR(cpr) + " er gemt."
	switch len(moved) {
	case 0:
	case 1:
		msg += " Opholdets anden række er ændret med."
	default:
		msg += " Opholdets " + strconv.Itoa(len(moved)) + " andre rækker er ændret med."
	}
	if c.FormValue("handling") == "gem-og-naeste" {
		if next != 0 {
			if err := a.setFlash(c, msg+" Her er sagens næste ydelse."); err != nil {
				return err
			}
			return redirect(c, ydelseURL(next, "/rediger"))
		}
		msg += " Det var sagens sidste ydelse."
	}
	if err := a.setFlash(c, msg); err != nil {
		return err
	}
	return redirect(c, egneListe)
}

// wholeStay tells whether the posted form applies the change to every row of the stay
// (*Gælder alle rækker af opholdet*, Y6).
func wholeStay(c *fiber.Ctx) bool { return c.FormValue("hele_opholdet") == "1" }

// deleteYdelseForm is GET /ydelser/:id/slet: exactly what will be deleted (Y8: with the sag,
// when it is its only ydelse), or why it cannot be and what to do instead.
func (a *App) deleteYdelseForm(c *fiber.Ctx) error {
	return a.deleteYdelsePage(c, fiber.StatusOK)
}

func (a *App) deleteYdelsePage(c *fiber.Ctx, status int) error {
	r, err := a.target(c)
	if err != nil {
		return err
	}
	ctx, id, snap := r.ctx, r.id, r.snap
	f := views.ConfirmDelete{Heading: "Slet ydelse", CancelTo: ydelseURL(id, "/rediger")}
	err = a.inScope(c, func(tx *tenant.Tx) error {
		y, err := tx.Ydelse(ctx, id)
		if err != nil {
			return err
		}
		s, err := tx.ShowSag(ctx, y.SagID, "slet ydelse "+strconv.FormatInt(id, 10))
		if err != nil {
			return err
		}
		ok, instead := domain.CanDeleteYdelse(y.IndberettetAt != nil, y.Varighed)
		if ok {
			f.Action = ydelseURL(id, "/slet")
			f.Warning = domain.DeleteYdelseWarning(y.Indsatskode, s.AntalYdelser == 1, s.CPR)
			f.Items = []string{"Ydelse " + indsatsLabel(snap, y.Indsatskode) + ", startdato " + domain.FormatDate(y.Startdato)}
			if s.AntalYdelser == 1 {
				f.Items = append(f.Items, "Sagen for CPR-nummer "+domain.FormatCPR(s.CPR))
			}
		} else {
			f.Instead = instead
		}
		return nil
	})
	if err != nil {
		return err
	}
	return a.render(c, status, views.ConfirmDeletePage(a.page(c, "Slet ydelse"), f))
}

// deleteYdelse is POST /ydelser/:id/slet: deletes the ydelse if it has not been delivered
// (Y8), checked again under the sag's lock; the sag goes too when it was its only ydelse.
func (a *App) deleteYdelse(c *fiber.Ctx) error {
	r, err := a.target(c)
	if err != nil {
		return err
	}
	ctx, id := r.ctx, r.id
	var sagDeleted bool
	var y domain.Ydelse
	var cpr string
	err = a.inScope(c, func(tx *tenant.Tx) error {
		if y, err = tx.Ydelse(ctx, id); err != nil {
			return err
		}
		s, err := tx.LockSag(ctx, y.SagID)
		if err != nil {
			return err
		}
		cpr = s.CPR
		if ok, _ := domain.CanDeleteYdelse(y.IndberettetAt != nil, y.Varighed); !ok {
			return errRejected
		}
		sagDeleted, err = tx.DeleteYdelse(ctx, id)
		return err
	})
	if errors.Is(err, errRejected) {
		return a.deleteYdelsePage(c, fiber.StatusConflict)
	}
	if err != nil {
		return err
	}
	msg := "Ydelsen " + y.Indsatskode + " er slettet."
	if sagDeleted {
		msg = "Ydelsen " + y.Indsatskode + " og sagen for CPR-nummer " + domain.FormatCPR(cpr) + " er slettet."
	}
	if err := a.setFlash(c, msg); err != nil {
		return err
	}
	if sagDeleted {
		return redirect(c, egneListe)
	}
	return redirect(c, sagURL(y.SagID, "/rediger"))
}
