package app

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	_ "time/tzdata" // the Danish date does not depend on the host's time zone files

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/domain"
	"indberet/views"
)

// The list screens (S8, S9): GET /indberetninger, the two lists with their counts; GET
// /indberetninger/:liste, a list in a view and filter at a page (real, bookmarkable URLs: the
// page is a cursor of ids, never a CPR number, so Back and reload show it, issue 17); POST
// /indberetninger/:liste, the CPR search and its pages, POSTed so that neither a CPR number
// nor a prefix of one ever appears in a URL, the request log or the browser history; GET
// /indberetninger/:liste/valgt, the toolbar acting on the row with a hak (ids only).
//
// DST (a read-all scope, T3) picks a kommune on GET /indberetninger and reads its All (read
// only) list, the only list it has (S9): the kommune is the parameter kommune of each of these
// URLs and forms; the CPR numbers it is shown are logged under that kommune, where the
// kommune's administrators see them (tenant.ShowList). Egne IDEP does not exist for DST.

// Messages of the list screens.
const (
	msgCPRPrefix = "Skriv kun cifre (CPR-nummer eller begyndelsen af det)."
	msgSaetHak   = "Sæt hak ud for en sag eller ydelse først."
	// msgVaelgKommune: DST opened All (read only) without one of the 98 kommuner.
	msgVaelgKommune = "Vælg en af de 98 kommuner på listen."
	// msgSideUgyldig: a page cursor the server did not write (issue 14 #6); the list and the
	// logs show their first page instead.
	msgSideUgyldig = "Siden kunne ikke vises, fordi henvisningen til den ikke er gyldig. Her er den første side."
)

// indberetninger is *Se listen over alle indberetninger*: Egne IDEP and All (read only) with
// their numbers of sager (S9); for DST the choice of the kommune whose All to read.
func (a *App) indberetninger(c *fiber.Ctx) error {
	s := scope(c)
	if s.Kommune == "" {
		return a.vaelgKommune(c, fiber.StatusOK, "", "")
	}
	ctx := c.UserContext()
	var n tenant.ListCounts
	err := a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) (err error) {
		n, err = tx.ListCounts(ctx)
		return err
	})
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, views.IndberetningerPage(a.page(c, "Alle indberetninger"),
		views.Indberetninger{Egne: n.Egne, Alle: n.Alle}))
}

// listeState is what a list shows: from the URL (GET) or the form (POST).
type listeState struct {
	kommune string // the kommune DST reads; "" for a kommune's own users
	liste   tenant.Liste
	visning tenant.Visning
	filter  tenant.Filter
	sagID   int64
	cpr     string // the search field as typed (POST only)
	prefix  string // its digits
	after   string // the page's cursor (efter)
}

// listeFrom reads the list from the path and kommune, view, filter and sag from get (the
// query or the form); unknown values fall back to the defaults. An unknown list is 404, and
// so is for DST a kommune that is not one of the 98 or a list other than All (S9, T3); a
// kommune user naming another kommune gets 404 from the store (T1).
func (a *App) listeFrom(c *fiber.Ctx, get func(string) string) (listeState, error) {
	st := listeState{liste: tenant.Liste(c.Params("liste")), kommune: get("kommune")}
	if !st.liste.Valid() {
		return st, fiber.ErrNotFound
	}
	if scope(c).Kommune == "" {
		if _, ok := a.kommuner[st.kommune]; !ok || st.liste != tenant.ListeAlle {
			return st, fiber.ErrNotFound
		}
	}
	st.visning = tenant.Visning(get("visning"))
	if !st.visning.Valid() {
		st.visning = tenant.VisningSagerOgYdelser
	}
	st.filter = tenant.Filter(get("filter"))
	if !st.filter.Valid() {
		st.filter = tenant.FilterAlle
	}
	if st.visning == tenant.VisningYdelserVedSag {
		st.sagID, _ = strconv.ParseInt(get("sag"), 10, 64)
	}
	return st, nil
}

// vaelgKommune is DST's choice of kommune, with value chosen and a message (422) when the
// choice was not one of the 98.
func (a *App) vaelgKommune(c *fiber.Ctx, status int, value, fejl string) error {
	return a.render(c, status, views.VaelgKommunePage(a.page(c, "Vælg kommune"), a.kommuneOptions(), value, fejl))
}

// liste shows a list in the view and filter of the URL (GET).
func (a *App) liste(c *fiber.Ctx) error {
	if k := c.Query("kommune"); scope(c).Kommune == "" && c.Params("liste") == string(tenant.ListeAlle) && a.kommuner[k] == "" {
		return a.vaelgKommune(c, fiber.StatusUnprocessableEntity, k, msgVaelgKommune)
	}
	st, err := a.listeFrom(c, func(k string) string { return c.Query(k) })
	if err != nil {
		return err
	}
	st.after = c.Query("efter")
	return a.showListe(c, st, fiber.StatusOK, "", "")
}

// listeSearch is the CPR search and the page buttons (POST): htmx gets the part it targets,
// a browser without JavaScript the whole page. Everything is read from the body only
// (bodyValue): a CPR number or cursor in the POST's URL, where proxy logs and the history
// keep it, is never used.
func (a *App) listeSearch(c *fiber.Ctx) error {
	st, err := a.listeFrom(c, func(k string) string { return bodyValue(c, k) })
	if err != nil {
		return err
	}
	st.cpr = bodyValue(c, "cpr")
	st.after = bodyValue(c, "efter")
	prefix, ok := domain.CPRPrefix(st.cpr)
	if !ok {
		if hx := hxRequest(c); hx.Enabled && hx.Target == views.ListeResultaterID {
			// Only the field's message changes; the results stay.
			c.Set("HX-Reswap", "none")
			return a.render(c, fiber.StatusUnprocessableEntity, views.ListeCPRFejl(msgCPRPrefix))
		}
		st.after = ""
		return a.showListe(c, st, fiber.StatusUnprocessableEntity, msgCPRPrefix, "")
	}
	st.prefix = prefix
	return a.showListe(c, st, fiber.StatusOK, "", "")
}

// showListe reads one page of the list in one scoped transaction, which records the CPR
// numbers it shows, and renders the page or the part htmx asked for. cprError is the search
// field's message (the search is then left out), message one above the table.
func (a *App) showListe(c *fiber.Ctx, st listeState, status int, cprError, message string) error {
	s := scope(c)
	ctx := c.UserContext()
	today := a.today()
	v := views.Liste{
		Kommune: st.kommune, KommuneNavn: a.kommuner[st.kommune],
		Liste: string(st.liste), Visning: string(st.visning), Filter: string(st.filter), SagID: st.sagID,
		CPR: st.cpr, Prefix: st.prefix, CPRError: cprError, Message: message,
		CanWrite:  st.liste == tenant.ListeEgne && a.can(c, access.SagWrite),
		CSRFToken: csrfToken(reqOf(c).session),
	}
	snap, err := a.codes(ctx) // names the rows' indsatskoder and betalingskommuner
	if err != nil {
		return err
	}
	err = a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) error {
		// The page, and the CPR access record of the CPR numbers it shows (tenant.ShowList).
		page, sag, err := tx.ShowList(ctx, tenant.ListQuery{Kommune: st.kommune, Liste: st.liste, Visning: st.visning,
			Filter: st.filter, CPRPrefix: st.prefix, SagID: st.sagID, After: st.after, Today: today})
		switch {
		case errors.Is(err, tenant.ErrNotFound):
			return fiber.ErrNotFound // T1: another kommune's list or sag
		case err != nil:
			return err
		}
		if sag != nil {
			v.SagCPR, v.SagNavn = sag.CPR, sag.Navn
		}
		v.Total, v.Offset, v.Next, v.Prev = page.Total, page.Offset, page.Next, page.Prev
		if v.CanWrite { // K1: Opret only once the contact persons exist
			missing, err := tx.KontaktpersonerMangler(ctx)
			if err != nil {
				return err
			}
			v.KontaktMangler = len(missing) > 0
		}
		for _, r := range page.Rows {
			v.Rows = append(v.Rows, listeRow(r, snap, v.CanWrite, st.kommune))
		}
		return nil
	})
	if errors.Is(err, tenant.ErrBadCursor) && st.after != "" {
		st.after = ""
		return a.showListe(c, st, fiber.StatusUnprocessableEntity, cprError, msgSideUgyldig)
	}
	if err != nil {
		return err
	}
	switch hx := hxRequest(c); {
	case hx.Enabled && hx.Target == views.ListeResultaterID:
		return a.render(c, status, views.ListeSoegning(v))
	case hx.Enabled && hx.Target == views.ListeIndholdID:
		return a.render(c, status, views.ListeIndhold(v))
	}
	return a.render(c, status, views.ListePage(a.page(c, views.ListeNavn(string(st.liste))), v))
}

// kommuneOptions are the 98 kommuner for a searchable select, by code with their names.
func (a *App) kommuneOptions(first ...views.Option) []views.Option {
	return a.kommuneOptionsOf(slices.Sorted(maps.Keys(a.kommuner)), first...)
}

// kommuneOptionsOf are the kommuner koder, in their order, for a searchable select.
func (a *App) kommuneOptionsOf(koder []string, first ...views.Option) []views.Option {
	opts := slices.Clip(first)
	for _, kode := range koder {
		opts = append(opts, views.Option{Value: kode, Label: a.kommuneLabel(kode), Search: kode})
	}
	return opts
}

// listeRow is a row as the table shows it. Edit and delete links are there only for a user
// who may write in Egne IDEP, and delete only while nothing of the row is delivered (S7, Y8);
// anyone else gets a link to the read-only view of the sag (of DST's kommune).
func listeRow(r tenant.ListRow, snap *domain.Snapshot, canWrite bool, kommune string) views.ListeRow {
	row := views.ListeRow{CPR: r.CPR, Navn: r.Navn, AntalYdelser: r.AntalYdelser, Afsluttet: r.Afsluttet}
	if r.IndberettetAt != nil {
		row.Indberettet = views.DateDK(r.IndberettetAt.In(copenhagen))
	}
	kind, id := "sag", r.SagID
	if r.YdelseID != 0 {
		kind, id = "ydelse", r.YdelseID
		row.Indsats = strings.TrimSpace(r.Indsatskode + " " + snap.IndsatsNavn(r.Indsatskode))
		row.Startdato = views.DateDK(r.Startdato)
		if r.Slutdato != nil {
			row.Slutdato = views.DateDK(*r.Slutdato)
		}
		row.Betalingskommune = strings.TrimSpace(r.Betalingskommune + " " + snap.KommuneNavn(r.Betalingskommune))
	}
	row.Valgt = kind + ":" + strconv.FormatInt(id, 10)
	if !canWrite {
		row.ViewURL = views.SagVisningURL(r.SagID, kommune)
	}
	if canWrite {
		base := "/sager/"
		if kind == "ydelse" {
			base = "/ydelser/"
		}
		row.EditURL = base + strconv.FormatInt(id, 10) + "/rediger"
		if r.Deletable {
			row.DeleteURL = base + strconv.FormatInt(id, 10) + "/slet"
		}
	}
	return row
}

// listeSelected is the toolbar of a list acting on the row with a hak (valgt = sag:<id> or
// ydelse:<id>): *Tilføj ydelse* and *Redigér* (writing, Egne IDEP only) and *Ydelser ved
// sag*. Nothing selected is answered with the list again and a message (422).
func (a *App) listeSelected(c *fiber.Ctx) error {
	st, err := a.listeFrom(c, func(k string) string { return c.Query(k) })
	if err != nil {
		return err
	}
	handling := c.Query("handling")
	switch handling {
	case "tilfoej-ydelse", "rediger":
		// S9: All is read only; writing needs the permission too.
		if st.liste != tenant.ListeEgne || !a.can(c, access.SagWrite) {
			return a.forbidden(c)
		}
	case "ydelser-ved-sag":
	default:
		return fiber.ErrBadRequest
	}
	kind, idText, _ := strings.Cut(c.Query("valgt"), ":")
	id, _ := strconv.ParseInt(idText, 10, 64)
	if (kind != "sag" && kind != "ydelse") || id <= 0 {
		if st.visning == tenant.VisningYdelserVedSag && st.sagID == 0 {
			st.visning = tenant.VisningSagerOgYdelser
		}
		return a.showListe(c, st, fiber.StatusUnprocessableEntity, "", msgSaetHak)
	}
	ctx := c.UserContext()
	var sagID int64
	err = a.deps.DB.InScope(ctx, scope(c), func(tx *tenant.Tx) error {
		sagOf := id
		if kind == "ydelse" {
			y, err := tx.YdelseIn(ctx, st.kommune, id)
			if err != nil {
				return err
			}
			sagOf = y.SagID
		}
		sagID = sagOf
		return tx.SagExistsIn(ctx, st.kommune, sagOf) // the id only: nothing of the sag is shown
	})
	if errors.Is(err, tenant.ErrNotFound) {
		return fiber.ErrNotFound // T1: an id of another kommune is not found
	}
	if err != nil {
		return err
	}
	sag := strconv.FormatInt(sagID, 10)
	switch handling {
	case "tilfoej-ydelse":
		return c.Redirect("/sager/"+sag+"/ydelser/ny", fiber.StatusSeeOther)
	case "rediger":
		return c.Redirect("/"+map[string]string{"sag": "sager", "ydelse": "ydelser"}[kind]+"/"+
			strconv.FormatInt(id, 10)+"/rediger", fiber.StatusSeeOther)
	}
	return c.Redirect(views.ListeURL(st.kommune, string(st.liste), string(tenant.VisningYdelserVedSag), string(st.filter), sagID),
		fiber.StatusSeeOther)
}

// forbidden is the 403 page of a user whose role does not allow the action.
func (a *App) forbidden(c *fiber.Ctx) error {
	heading := "Ingen adgang"
	return a.render(c, fiber.StatusForbidden, views.ErrorPage(a.page(c, heading), fiber.StatusForbidden, heading,
		"Din rolle giver ikke adgang til denne handling."))
}
