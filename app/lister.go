package app

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	_ "time/tzdata" // the Danish date does not depend on the host's time zone files

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/views"
)

// The list screens (S8, S9): GET /indberetninger, the two lists with their counts; GET
// /indberetninger/:liste, a list in a view and filter (real, bookmarkable URLs); POST
// /indberetninger/:liste, the CPR search and the pages, POSTed so that neither a CPR number
// nor a prefix of one nor the cursor (which holds one) ever appears in a URL, the request log
// or the browser history; GET /indberetninger/:liste/valgt, the toolbar acting on the row
// with a hak (ids only).

// Messages of the list screens.
const (
	msgCPRPrefix = "Skriv kun cifre (CPR-nummer eller begyndelsen af det)."
	msgSaetHak   = "Sæt hak ud for en sag eller ydelse først."
)

// indberetninger is *Se listen over alle indberetninger*: Egne IDEP and All (read only) with
// their numbers of sager (S9).
func (a *App) indberetninger(c *fiber.Ctx) error {
	s := scope(c)
	if s.Kommune == "" {
		return fiber.ErrNotFound // the lists are a kommune's; DST has no kommune chooser yet
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
	liste   tenant.Liste
	visning tenant.Visning
	filter  tenant.Filter
	sagID   int64
	cpr     string // the search field as typed (POST only)
	prefix  string // its digits
	after   string // the cursor (POST only)
}

// listeFrom reads the list from the path and view, filter and sag from get (the query or the
// form); unknown values fall back to the defaults, an unknown list is 404.
func listeFrom(c *fiber.Ctx, get func(string) string) (listeState, error) {
	st := listeState{liste: tenant.Liste(c.Params("liste"))}
	if !st.liste.Valid() {
		return st, fiber.ErrNotFound
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

// cprPrefix reads the search field (S8): a CPR number or its beginning, with or without the
// dash and spaces ("150362-12"). ok is false for anything else.
func cprPrefix(typed string) (prefix string, ok bool) {
	p := strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(typed)
	if len(p) > 10 || strings.Trim(p, "0123456789") != "" {
		return "", false
	}
	return p, true
}

// liste shows a list in the view and filter of the URL (GET).
func (a *App) liste(c *fiber.Ctx) error {
	st, err := listeFrom(c, func(k string) string { return c.Query(k) })
	if err != nil {
		return err
	}
	return a.showListe(c, st, fiber.StatusOK, "", "")
}

// listeSoeg is the CPR search and the page buttons (POST): htmx gets the part it targets,
// a browser without JavaScript the whole page.
func (a *App) listeSoeg(c *fiber.Ctx) error {
	st, err := listeFrom(c, func(k string) string { return c.FormValue(k) })
	if err != nil {
		return err
	}
	st.cpr = c.FormValue("cpr")
	st.after = c.FormValue("efter")
	prefix, ok := cprPrefix(st.cpr)
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

// showListe reads one page of the list in one scoped transaction, records the CPR numbers it
// shows, and renders the page or the part htmx asked for. cprError is the search field's
// message (the search is then left out), message one above the table.
func (a *App) showListe(c *fiber.Ctx, st listeState, status int, cprError, message string) error {
	s := scope(c)
	if s.Kommune == "" {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	today := a.today()
	v := views.Liste{
		Liste: string(st.liste), Visning: string(st.visning), Filter: string(st.filter), SagID: st.sagID,
		CPR: st.cpr, Prefix: st.prefix, CPRError: cprError, Message: message,
		CanWrite:  st.liste == tenant.ListeEgne && a.can(c, access.SagWrite),
		CSRFToken: csrfToken(reqOf(c).session),
	}
	err := a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) error {
		var shown []string
		if st.visning == tenant.VisningYdelserVedSag && st.sagID != 0 {
			sag, err := tx.Sag(ctx, st.sagID)
			if errors.Is(err, tenant.ErrNotFound) {
				return fiber.ErrNotFound // T1: another kommune's sag does not exist here
			}
			if err != nil {
				return err
			}
			v.SagCPR, v.SagNavn = sag.CPR, sag.Navn
			shown = append(shown, sag.CPR)
		}
		page, err := tx.List(ctx, tenant.ListQuery{Liste: st.liste, Visning: st.visning, Filter: st.filter,
			CPRPrefix: st.prefix, SagID: st.sagID, After: st.after, Today: today})
		if errors.Is(err, tenant.ErrBadCursor) {
			return fiber.ErrBadRequest
		}
		if err != nil {
			return err
		}
		v.Total, v.Offset, v.Next = page.Total, page.Offset, page.Next
		for _, r := range page.Rows {
			v.Rows = append(v.Rows, listeRow(r, v.CanWrite))
			if len(shown) == 0 || shown[len(shown)-1] != r.CPR { // rows come by CPR, or of one sag
				shown = append(shown, r.CPR)
			}
		}
		if len(shown) == 0 {
			return nil
		}
		action := "list"
		if st.prefix != "" {
			action = "search"
		}
		// The detail says what was looked at, never what was searched for.
		detail := fmt.Sprintf("liste=%s visning=%s filter=%s", st.liste, st.visning, st.filter)
		if st.sagID != 0 {
			detail += fmt.Sprintf(" sag=%d", st.sagID)
		}
		if page.Offset > 0 {
			detail += fmt.Sprintf(" fra=%d", page.Offset+1)
		}
		return tx.LogCPRAccess(ctx, action, shown, detail)
	})
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

// listeRow is a row as the table shows it. Edit and delete links are there only for a user
// who may write in Egne IDEP, and delete only while nothing of the row is delivered (S7, Y8).
func listeRow(r tenant.ListRow, canWrite bool) views.ListeRow {
	row := views.ListeRow{CPR: r.CPR, Navn: r.Navn, AntalYdelser: r.AntalYdelser, Afsluttet: r.Afsluttet}
	if r.IndberettetAt != nil {
		row.Indberettet = views.DateDK(r.IndberettetAt.In(copenhagen))
	}
	kind, id := "sag", r.SagID
	if r.YdelseID != 0 {
		kind, id = "ydelse", r.YdelseID
		row.Indsats = strings.TrimSpace(r.Indsatskode + " " + r.IndsatsNavn)
		row.Startdato = views.DateDK(r.Startdato)
		if r.Slutdato != nil {
			row.Slutdato = views.DateDK(*r.Slutdato)
		}
		row.Betalingskommune = strings.TrimSpace(r.Betalingskommune + " " + r.BetalingskommuneNavn)
	}
	row.Valgt = kind + ":" + strconv.FormatInt(id, 10)
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

// listeValgt is the toolbar of a list acting on the row with a hak (valgt = sag:<id> or
// ydelse:<id>): *Tilføj ydelse* and *Redigér* (writing, Egne IDEP only) and *Ydelser ved
// sag*. Nothing selected is answered with the list again and a message (422).
func (a *App) listeValgt(c *fiber.Ctx) error {
	st, err := listeFrom(c, func(k string) string { return c.Query(k) })
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
	s := scope(c)
	if s.Kommune == "" {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	var sagID int64
	err = a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) error {
		if kind == "sag" {
			sag, err := tx.Sag(ctx, id)
			sagID = sag.ID
			return err
		}
		y, err := tx.Ydelse(ctx, id)
		sagID = y.SagID
		return err
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
	q := url.Values{"visning": {string(tenant.VisningYdelserVedSag)}, "sag": {sag}, "filter": {string(st.filter)}}
	return c.Redirect("/indberetninger/"+string(st.liste)+"?"+q.Encode(), fiber.StatusSeeOther)
}

// forbidden is the 403 page of a user whose role does not allow the action.
func (a *App) forbidden(c *fiber.Ctx) error {
	heading := "Ingen adgang"
	return a.render(c, fiber.StatusForbidden, views.ErrorPage(a.page(c, heading), fiber.StatusForbidden, heading,
		"Din rolle giver ikke adgang til denne handling."))
}
