package app

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/views"
	"indberet/worker"
)

// The exports (E1, E2): POST /eksporter orders one (*Eksporter poster* on a list, or the
// order form) and enqueues its job in the same transaction; GET /eksporter lists the
// exports the user may see, newest first; GET /eksporter/:id shows one with its progress
// (the htmx part polls every second) and, when done, the link to GET /eksporter/:id/fil,
// which streams the file and records the download in the CPR access log. A kommune's users
// see their kommune's exports only (another kommune's id is 404: T1); DST sees and orders
// every kommune's (T3).

// Messages of the order form.
const (
	msgEksportArt     = "Vælg, hvad der skal eksporteres."
	msgEksportFormat  = "Vælg CSV eller Excel (XLSX)."
	msgEksportListe   = "Vælg Egne IDEP eller All (read only)."
	msgEksportKommune = "Vælg kommunen, der skal eksporteres."
	msgEksportAlle    = "Danmarks Statistik eksporterer fra All (read only): det, kommunen har indberettet."
	// issue 14 #8: a stalled export at its last attempt, which River does not run again.
	msgEksportGaaetIStaa = "Eksporten gik i stå og blev ikke startet igen. Der er ikke hentet nogen fil."
)

// eksportOrder is an order as the form sends it, checked.
type eksportOrder struct {
	kommune string // the kommune whose data it exports
	n       tenant.NewEksport
	form    views.EksportBestilling
}

// readEksportOrder reads and checks the order form. A kommune's user orders for their own
// kommune whatever the form says; DST names one (T3).
func (a *App) readEksportOrder(c *fiber.Ctx) eksportOrder {
	o := eksportOrder{form: views.EksportBestilling{Art: c.FormValue("art"), Liste: c.FormValue("liste"),
		Visning: c.FormValue("visning"), Filter: c.FormValue("filter"), Format: c.FormValue("format"),
		Kommune: c.FormValue("kommune")}}
	f := &o.form
	p := tenant.EksportParametre{Liste: tenant.Liste(f.Liste), Visning: tenant.Visning(f.Visning), Filter: tenant.Filter(f.Filter)}
	if !p.Visning.Valid() {
		p.Visning = tenant.VisningSagerOgYdelser
	}
	if p.Visning == tenant.VisningYdelserVedSag {
		p.SagID, _ = strconv.ParseInt(c.FormValue("sag"), 10, 64)
		if p.SagID <= 0 {
			p.Visning, p.SagID = tenant.VisningSagerOgYdelser, 0 // no sag chosen: the whole list
		}
	}
	if !p.Filter.Valid() {
		p.Filter = tenant.FilterAlle
	}
	o.n = tenant.NewEksport{Art: tenant.EksportArt(f.Art), Format: tenant.EksportFormat(f.Format), Parametre: p}
	if o.kommune = scope(c).Kommune; o.kommune == "" {
		if _, ok := a.kommuner[f.Kommune]; ok {
			o.kommune = f.Kommune
		} else {
			f.Fejl = append(f.Fejl, views.FieldError{FieldID: "eksport-kommune", Message: msgEksportKommune})
		}
	}
	if !o.n.Art.Valid() {
		f.Fejl = append(f.Fejl, views.FieldError{FieldID: "eksport-art", Message: msgEksportArt})
	}
	switch {
	case !p.Liste.Valid():
		f.Fejl = append(f.Fejl, views.FieldError{FieldID: "eksport-liste", Message: msgEksportListe})
	case scope(c).AllKommuner && p.Liste != tenant.ListeAlle:
		f.Fejl = append(f.Fejl, views.FieldError{FieldID: "eksport-liste", Message: msgEksportAlle})
	}
	if !o.n.Format.Valid() {
		f.Fejl = append(f.Fejl, views.FieldError{FieldID: "eksport-format", Message: msgEksportFormat})
	}
	return o
}

// orderEksport orders an export: the row, its audit record and its job in one transaction
// (E1, E2), then the export's page. A refused order shows the order form again (422).
func (a *App) orderEksport(c *fiber.Ctx) error {
	o := a.readEksportOrder(c)
	if len(o.form.Fejl) > 0 {
		return a.showEksporter(c, fiber.StatusUnprocessableEntity, o.form)
	}
	ctx := c.UserContext()
	s := scope(c)
	// DST writes the export in the kommune's scope: the row is the kommune's (and so is the
	// audit record), and the kommune's users see it too.
	s.Kommune = o.kommune
	var e tenant.Eksport
	err := a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) error {
		var err error
		if e, err = tx.CreateEksport(ctx, o.n); err != nil { // checks the sag and DST's list
			return err
		}
		_, err = a.deps.Jobs.InsertTx(ctx, tx.RiverTx(), worker.EksportArgs{Kommune: e.Kommune, EksportID: e.ID}, nil)
		if err != nil {
			return fmt.Errorf("enqueue export: %w", err)
		}
		return nil
	})
	if errors.Is(err, tenant.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	return redirect(c, views.EksportPath(e.ID))
}

// eksporter is the page of the exports with the order form.
func (a *App) eksporter(c *fiber.Ctx) error {
	return a.showEksporter(c, fiber.StatusOK, views.EksportBestilling{Art: "liste", Liste: "alle",
		Visning: string(tenant.VisningSagerOgYdelser), Filter: string(tenant.FilterAlle), Format: "csv"})
}

func (a *App) showEksporter(c *fiber.Ctx, status int, form views.EksportBestilling) error {
	ctx := c.UserContext()
	s := scope(c)
	var es []tenant.Eksport
	err := a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) (err error) {
		es, err = tx.Eksporter(ctx)
		return err
	})
	if err != nil {
		return err
	}
	v := views.Eksporter{Bestilling: form, VisKommune: s.Kommune == "", CSRFToken: csrfToken(reqOf(c).session)}
	for _, e := range es {
		v.Rows = append(v.Rows, a.eksportView(e))
	}
	if s.Kommune == "" {
		v.KommuneValg = a.kommuneOptions(views.Option{Value: "", Label: "Vælg kommune"})
	}
	return a.render(c, status, views.EksporterPage(a.page(c, "Eksporter"), v))
}

// eksport is the page of one export, or (htmx polling) its progress part.
func (a *App) eksport(c *fiber.Ctx) error {
	e, err := a.findEksport(c)
	if err != nil {
		return err
	}
	v := a.eksportView(e)
	if hx := hxRequest(c); hx.Enabled && hx.Target == views.EksportStatusID {
		return a.render(c, fiber.StatusOK, views.EksportStatus(v))
	}
	return a.render(c, fiber.StatusOK, views.EksportPage(a.page(c, v.Art), v))
}

// downloadEksport streams the export's file as an attachment, after recording in the CPR access
// log who got which CPR numbers (a committed record before the first byte). The file is
// read a batch of parts at a time, each in a short transaction that ends before the batch
// is sent (streamAttachment).
func (a *App) downloadEksport(c *fiber.Ctx) error {
	e, err := a.findEksport(c)
	if err != nil {
		return err
	}
	if e.Status != tenant.EksportFaerdig {
		return c.Redirect(views.EksportPath(e.ID), fiber.StatusSeeOther)
	}
	// The CPR access record (DST's in the log of the kommune whose citizens they are),
	// committed, then the file (tenant.DB.DownloadEksport).
	fil, size, err := a.deps.DB.DownloadEksport(c.UserContext(), scope(c), e)
	if err != nil {
		return err
	}
	contentType := "text/csv; charset=utf-8"
	if e.Format == tenant.FormatXLSX {
		contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return a.streamAttachment(c, contentType, eksportFilnavn(e), fil, size)
}

// eksportFilnavn is the file's name: kommune, kind and the day it was made, e.g.
// indberet-101-cpr-liste-2026-03-05.csv.
func eksportFilnavn(e tenant.Eksport) string {
	art := map[tenant.EksportArt]string{tenant.EksportListe: "cpr-liste", tenant.EksportTabel3: "cpr-liste-tabel3",
		tenant.EksportFejl: "fejlopgoerelse"}[e.Art]
	day := e.BestiltAt
	if e.FaerdigAt != nil {
		day = *e.FaerdigAt
	}
	return "indberet-" + e.Kommune + "-" + art + "-" + day.In(copenhagen).Format("2006-01-02") + "." + string(e.Format)
}

// findEksport reads the export of the route's :id as the user's scope sees it: 404 for an id
// of another kommune (T1) or none.
func (a *App) findEksport(c *fiber.Ctx) (tenant.Eksport, error) {
	var e tenant.Eksport
	id, err := idParam(c)
	if err != nil {
		return e, err
	}
	err = a.inScope(c, func(tx *tenant.Tx) (err error) {
		e, err = tx.Eksport(c.UserContext(), id)
		return err
	})
	return e, err
}

// eksportView is an export as the screens show it.
func (a *App) eksportView(e tenant.Eksport) views.Eksport {
	p := e.Parametre
	indhold := []string{views.ListeNavn(string(p.Liste))}
	if e.Art == tenant.EksportListe {
		indhold = append(indhold, views.VisningTekst(string(p.Visning)))
	}
	indhold = append(indhold, views.FilterTekst(string(p.Filter)))
	v := views.Eksport{
		ID: e.ID, Kommune: a.kommuneLabel(e.Kommune), Art: views.EksportArtTekst(string(e.Art)),
		Indhold: strings.Join(indhold, ", "), Format: views.EksportFormatTekst(string(e.Format)),
		BestiltAf: e.BestiltAfEmail, BestiltAt: views.DateTimeDK(e.BestiltAt.In(copenhagen)),
		UdloeberAt: views.DateDK(e.UdloeberAt.In(copenhagen)), Status: eksportStatus(e, a.clock()), Fejl: e.Fejl,
		Gennemgaaet: e.SagerGennemgaaet, IAlt: e.SagerIAlt, Raekker: e.AntalRaekker, AntalCPR: e.AntalCPR,
		Stoerrelse: stoerrelse(e.Bytes),
	}
	if v.Status == string(tenant.EksportFejlet) && e.Status != tenant.EksportFejlet {
		v.Fejl = msgEksportGaaetIStaa
	}
	return v
}

// eksportStatus is the status the screens show: a stalled export (issue 14 #8) is
// views.EksportGaaetIStaa while River will run it again, and failed after its last attempt.
func eksportStatus(e tenant.Eksport, now time.Time) string {
	switch {
	case !e.GaaetIStaa(now):
		return string(e.Status)
	case e.SidsteForsoeg:
		return string(tenant.EksportFejlet)
	}
	return views.EksportGaaetIStaa
}

// stoerrelse is a file size in Danish: "820 kB", "1,2 MB".
func stoerrelse(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " byte"
	case n < 1000*1000:
		return strconv.FormatInt((n+500)/1000, 10) + " kB"
	}
	return strings.Replace(strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64), ".", ",", 1) + " MB"
}
