package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/domain"
	"indberet/views"
)

// The sag screens: *Opret* (a new sag with its first ydelse, S1–S5, S2 in one transaction),
// *Redigér* of a sag (S4) and its delete (S7).

// egneListe is where *Luk* and *Gem og stop* go: the kommune's own list (S9).
const egneListe = "/indberetninger/egne"

// errRejected rolls back a transaction whose input the rules refused; the handler then
// shows the form again with the messages (422).
var errRejected = errors.New("rejected by the rules")

func sagURL(id int64, suffix string) string { return "/sager/" + strconv.FormatInt(id, 10) + suffix }

func ydelseURL(id int64, suffix string) string {
	return "/ydelser/" + strconv.FormatInt(id, 10) + suffix
}

// target is what a sag or ydelse handler starts from: the request's context, the route's
// :id and the code lists.
type target struct {
	ctx  context.Context
	id   int64
	snap *domain.Snapshot
}

func (a *App) target(c *fiber.Ctx) (target, error) {
	id, err := idParam(c)
	if err != nil {
		return target{}, err
	}
	snap, err := a.codes(c.UserContext())
	return target{ctx: c.UserContext(), id: id, snap: snap}, err
}

// idParam is the numeric :id of the route, or a 404.
func idParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// inScope runs fn in one transaction in the user's kommune scope (T1). A store's ErrNotFound
// — also for another kommune's id — becomes a 404; other errors (errRejected,
// tenant.ErrConflict) come back as they are.
func (a *App) inScope(c *fiber.Ctx, fn func(tx *tenant.Tx) error) error {
	err := a.deps.DB.InScope(c.UserContext(), scope(c), fn)
	if errors.Is(err, tenant.ErrNotFound) {
		return fiber.ErrNotFound
	}
	return err
}

func (a *App) opretForm(snap *domain.Snapshot, kommune string) views.OpretSag {
	in := domain.YdelseInput{Betalingskommune: kommune, Bevillingsdato: domain.FormatDate(a.today())} // Varighed: the default (Y1)
	return views.OpretSag{
		Sag:      views.SagForm{Funktionsvurde: views.FunktionsvurderingOptions(), CheckURL: cprCheckURL},
		Ydelse:   a.ydelseForm(snap, in, nil, false),
		ListeURL: egneListe,
	}
}

// createSagForm is GET /sager/ny: the empty *Opret* form (K1: with a pointer to the contact
// persons form while they are missing).
func (a *App) createSagForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	snap, err := a.codes(ctx)
	if err != nil {
		return err
	}
	f := a.opretForm(snap, reqOf(c).user.Kommune)
	err = a.inScope(c, func(tx *tenant.Tx) error {
		missing, err := tx.KontaktpersonerMangler(ctx)
		f.KontaktMangler = len(missing) > 0
		f.FormWithheld = f.KontaktMangler // K1: said before anything is typed
		return err
	})
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, views.OpretSagPage(a.page(c, "Opret sag"), f))
}

// createSag is POST /sager/ny: checks the sag and its first ydelse and saves both in one
// transaction (S2), or shows the form again with every value and a message per field (422).
// *Opret* returns to an empty form for the next sag; *Gem og stop* to the list.
func (a *App) createSag(c *fiber.Ctx) error {
	ctx := c.UserContext()
	snap, err := a.codes(ctx)
	if err != nil {
		return err
	}
	kommune := reqOf(c).user.Kommune
	sin, yin := sagInput(c), ydelseInput(c)
	sag, errs := domain.ValidateSag(sin)
	y, yerrs := domain.ValidateYdelse(yin, snap, kommune, a.today())
	for k, v := range yerrs {
		errs.Add(k, v)
	}
	f := views.OpretSag{ListeURL: egneListe}
	f.Sag = views.SagForm{Values: sin, Errors: errs, Funktionsvurde: views.FunktionsvurderingOptions(), CheckURL: cprCheckURL}
	existing := func(tx *tenant.Tx) error { // S1, said whatever else is wrong
		id, err := tx.SagIDByCPR(ctx, sag.CPR)
		if err != nil {
			return err
		}
		f.Sag.ExistingSagID = id
		errs.Add(domain.FieldCPR, "Der findes allerede en sag for dette CPR-nummer i kommunen. Tilføj ydelsen til den eksisterende sag.")
		return errRejected
	}
	err = a.inScope(c, func(tx *tenant.Tx) error {
		missing, err := tx.KontaktpersonerMangler(ctx)
		if err != nil {
			return err
		}
		if len(missing) > 0 { // K1
			f.KontaktMangler = true
			return errRejected
		}
		if sag.CPR != "" && !errs.OK() {
			if err := existing(tx); !errors.Is(err, tenant.ErrNotFound) {
				return err
			}
		}
		if !errs.OK() {
			return errRejected
		}
		id, err := tx.InsertSag(ctx, sag)
		if errors.Is(err, tenant.ErrSagExists) { // S1
			return existing(tx)
		}
		if err != nil {
			return err
		}
		y.SagID = id
		_, err = tx.InsertYdelse(ctx, y)
		return err
	})
	if errors.Is(err, errRejected) {
		f.Ydelse = a.ydelseForm(snap, yin, errs, false)
		f.Summary = summary(errs)
		status := fiber.StatusUnprocessableEntity
		if f.KontaktMangler {
			status = fiber.StatusConflict
		}
		return a.render(c, status, views.OpretSagPage(a.page(c, "Opret sag"), f))
	}
	if err != nil {
		return err
	}
	done := "Sagen for CPR-nummer " + domain.FormatCPR(sag.CPR) + " er oprettet med ydelsen " + y.Indsatskode + "."
	if c.FormValue("handling") == "gem-og-stop" {
		if err := a.setFlash(c, done); err != nil {
			return err
		}
		return redirect(c, egneListe)
	}
	if err := a.putFlash(c, flash{Text: done, SagID: y.SagID}); err != nil { // with links to the sag
		return err
	}
	return redirect(c, "/sager/ny")
}

// cprCheckURL is where the CPR field of *Opret* asks, as it is typed, whether the kommune
// already has a sag for it (S1): a POST, so the CPR number stays out of URLs and logs.
const cprCheckURL = "/sager/ny/cpr"

// checkCPR is POST /sager/ny/cpr (htmx): the note under the CPR field of *Opret* that the
// kommune already has a sag for the typed CPR number, with the way to add the ydelse to it
// (S1); empty while the number is incomplete or new. It says so before any other field is
// filled in, so nobody types a whole ydelse first to learn it.
func (a *App) checkCPR(c *fiber.Ctx) error {
	var id int64
	if cpr, err := domain.ParseCPR(bodyValue(c, domain.FieldCPR)); err == nil {
		err = a.inScope(c, func(tx *tenant.Tx) error {
			id, err = tx.SagIDByCPR(c.UserContext(), cpr)
			if errors.Is(err, tenant.ErrNotFound) {
				return nil
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return a.render(c, fiber.StatusOK, views.CPRTjekIndhold(id, true))
}

// sagHeader is the sag as the forms show it above the fields.
func (a *App) sagHeader(s domain.Sag) views.SagHeader {
	h := views.SagHeader{ID: s.ID, CPR: domain.FormatCPR(s.CPR), Navn: s.Navn, ListeURL: egneListe,
		Status: domain.SagStatus([]*time.Time{s.SlutdatoMax}, a.today()).Label()}
	if s.IndberettetAt != nil {
		h.Leveret = "Indberettet " + views.DateDK(s.IndberettetAt.In(copenhagen))
	}
	return h
}

// editSagForm is GET /sager/:id/rediger: the sag's fields (not the CPR: S4) and its ydelser.
func (a *App) editSagForm(c *fiber.Ctx) error {
	return a.showSag(c, nil, nil, fiber.StatusOK)
}

// showSag renders *Redigér sag* with the stored sag, or with the typed values and their
// messages (in != nil); mine != nil (the typed values as saved) when someone else saved
// first: the form keeps the typed values, takes the saved version and compares the two.
func (a *App) showSag(c *fiber.Ctx, in *domain.SagInput, mine *domain.Sag, status int) error {
	r, err := a.target(c)
	if err != nil {
		return err
	}
	ctx, id, snap := r.ctx, r.id, r.snap
	var f views.RedigerSag
	err = a.inScope(c, func(tx *tenant.Tx) error {
		s, err := tx.ShowSag(ctx, id, "sag "+strconv.FormatInt(id, 10))
		if err != nil {
			return err
		}
		ydelser, err := tx.YdelserOfSag(ctx, id)
		if err != nil {
			return err
		}
		f = a.editSagView(c, snap, s, ydelser)
		if in != nil {
			f.Form.Values = *in
			f.Form.Values.CPR = domain.FormatCPR(s.CPR)
			_, f.Form.Errors = domain.ValidateSag(domain.SagInput{CPR: s.CPR, Navn: in.Navn, Funktionsvurdering: in.Funktionsvurdering, Bemaerkninger: in.Bemaerkninger})
			f.Summary = summary(f.Form.Errors)
			if v, err := strconv.Atoi(c.FormValue("version")); err == nil && mine == nil {
				f.Version = v
			}
		}
		if mine != nil {
			k := conflict("Sagen", s.UpdatedBy, sagShown(*mine), sagShown(s))
			f.Conflict = &k
		}
		return nil
	})
	if err != nil {
		return err
	}
	return a.render(c, status, views.RedigerSagPage(a.page(c, "Redigér sag"), f))
}

func (a *App) editSagView(c *fiber.Ctx, snap *domain.Snapshot, s domain.Sag, ydelser []domain.Ydelse) views.RedigerSag {
	today := a.today()
	f := views.RedigerSag{
		Sag: a.sagHeader(s), Version: s.Version, CanWrite: a.can(c, access.SagWrite),
		Form: views.SagForm{CPRLocked: true, Funktionsvurde: views.FunktionsvurderingOptions(),
			Values: domain.SagInput{CPR: domain.FormatCPR(s.CPR), Navn: s.Navn, Funktionsvurdering: s.Funktionsvurdering, Bemaerkninger: s.Bemaerkninger}},
	}
	delivered := 0
	for _, y := range ydelser {
		row := views.YdelseRow{ID: y.ID, Indsats: indsatsLabel(snap, y.Indsatskode), Startdato: domain.FormatDate(y.Startdato),
			Slutdato: domain.FormatOptDate(y.Slutdato), Status: domain.YdelseStatus(y.Slutdato, today).Label(), EditURL: ydelseURL(y.ID, "/rediger")}
		if y.IndberettetAt != nil {
			delivered++
			row.Leveret = views.DateDK(y.IndberettetAt.In(copenhagen))
		}
		if ok, _ := domain.CanDeleteYdelse(y.IndberettetAt != nil, y.Varighed); ok && f.CanWrite {
			row.DeleteURL = ydelseURL(y.ID, "/slet")
		}
		f.Ydelser = append(f.Ydelser, row)
	}
	if ok, instead := domain.CanDeleteSag(s.IndberettetAt != nil, delivered); ok {
		f.Delete.URL = sagURL(s.ID, "/slet")
	} else {
		f.Delete.Instead = instead
	}
	return f
}

// editSag is POST /sager/:id/rediger: saves Navn, Funktionsvurdering and Bemærkninger
// (never the CPR: S4) if nobody saved the sag since the form was opened. *Gem og næste*
// goes on to the sag's first ydelse, *Gem og stop* to the list.
func (a *App) editSag(c *fiber.Ctx) error {
	r, err := a.target(c)
	if err != nil {
		return err
	}
	ctx, id := r.ctx, r.id
	in := sagInput(c)
	version, _ := strconv.Atoi(c.FormValue("version"))
	var cpr string
	var first int64
	var sag domain.Sag
	err = a.inScope(c, func(tx *tenant.Tx) error {
		s, err := tx.LockSag(ctx, id) // the change's audit record names the sag and its CPR number
		if err != nil {
			return err
		}
		cpr = s.CPR
		var errs domain.Errors
		sag, errs = domain.ValidateSag(domain.SagInput{CPR: s.CPR, Navn: in.Navn, Funktionsvurdering: in.Funktionsvurdering, Bemaerkninger: in.Bemaerkninger})
		if !errs.OK() {
			return errRejected
		}
		sag.ID, sag.Version = id, version
		if err := tx.UpdateSag(ctx, sag); err != nil {
			return err
		}
		ydelser, err := tx.YdelserOfSag(ctx, id)
		if len(ydelser) > 0 {
			first = ydelser[0].ID
		}
		return err
	})
	switch {
	case errors.Is(err, errRejected):
		return a.showSag(c, &in, nil, fiber.StatusUnprocessableEntity)
	case errors.Is(err, tenant.ErrConflict):
		return a.showSag(c, &in, &sag, fiber.StatusConflict)
	case err != nil:
		return err
	}
	if err := a.setFlash(c, "Sagen for CPR-nummer "+domain.FormatCPR(cpr)+" er gemt."); err != nil {
		return err
	}
	if c.FormValue("handling") == "gem-og-naeste" && first != 0 { // Y7: on to the sag's ydelser
		return redirect(c, ydelseURL(first, "/rediger"))
	}
	return redirect(c, egneListe)
}

// deleteSagForm is GET /sager/:id/slet: what deleting the sag removes, or why it cannot be
// deleted and how to close it instead (S7).
func (a *App) deleteSagForm(c *fiber.Ctx) error {
	return a.deleteSagPage(c, fiber.StatusOK)
}

func (a *App) deleteSagPage(c *fiber.Ctx, status int) error {
	r, err := a.target(c)
	if err != nil {
		return err
	}
	ctx, id, snap := r.ctx, r.id, r.snap
	var f views.ConfirmDelete
	err = a.inScope(c, func(tx *tenant.Tx) error {
		s, err := tx.ShowSag(ctx, id, "slet sag "+strconv.FormatInt(id, 10))
		if err != nil {
			return err
		}
		ydelser, err := tx.YdelserOfSag(ctx, id)
		f = sagDeleteView(snap, s, ydelser)
		return err
	})
	if err != nil {
		return err
	}
	return a.render(c, status, views.ConfirmDeletePage(a.page(c, "Slet sag"), f))
}

func sagDeleteView(snap *domain.Snapshot, s domain.Sag, ydelser []domain.Ydelse) views.ConfirmDelete {
	delivered := 0
	f := views.ConfirmDelete{Heading: "Slet sag", CancelTo: sagURL(s.ID, "/rediger")}
	for _, y := range ydelser {
		if y.IndberettetAt != nil {
			delivered++
		}
		f.Items = append(f.Items, "Ydelse "+indsatsLabel(snap, y.Indsatskode)+", startdato "+domain.FormatDate(y.Startdato))
	}
	ok, instead := domain.CanDeleteSag(s.IndberettetAt != nil, delivered)
	if !ok {
		f.Instead = instead
		return f
	}
	f.Action = sagURL(s.ID, "/slet")
	f.Warning = "Sagen for CPR-nummer " + domain.FormatCPR(s.CPR) + " og alle dens " + strconv.Itoa(len(ydelser)) +
		" ydelser slettes. Det kan ikke fortrydes."
	if len(ydelser) == 1 {
		f.Warning = "Sagen for CPR-nummer " + domain.FormatCPR(s.CPR) + " og dens ene ydelse slettes. Det kan ikke fortrydes."
	}
	return f
}

// deleteSag is POST /sager/:id/slet: deletes the sag with all its ydelser if nothing of it
// has been delivered (S7), checked again under the sag's lock.
func (a *App) deleteSag(c *fiber.Ctx) error {
	r, err := a.target(c)
	if err != nil {
		return err
	}
	ctx, id := r.ctx, r.id
	var cpr string
	err = a.inScope(c, func(tx *tenant.Tx) error {
		s, err := tx.LockSag(ctx, id)
		if err != nil {
			return err
		}
		cpr = s.CPR
		ydelser, err := tx.YdelserOfSag(ctx, id)
		if err != nil {
			return err
		}
		delivered := 0
		for _, y := range ydelser {
			if y.IndberettetAt != nil {
				delivered++
			}
		}
		if ok, _ := domain.CanDeleteSag(s.IndberettetAt != nil, delivered); !ok {
			return errRejected
		}
		return tx.DeleteSag(ctx, id)
	})
	if errors.Is(err, errRejected) {
		return a.deleteSagPage(c, fiber.StatusConflict)
	}
	if err != nil {
		return err
	}
	if err := a.setFlash(c, "Sagen for CPR-nummer "+domain.FormatCPR(cpr)+" er slettet med alle dens ydelser."); err != nil {
		return err
	}
	return redirect(c, egneListe)
}
