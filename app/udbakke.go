package app

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/views"
	"indberet/worker"
)

// The *Udbakke* (I3, K3): every e-mail the system sent or recorded, for the kommune's
// administrator (their kommune's) and DST and platform administrators (every kommune's).
// GET /udbakke lists them newest first a page at a time with their state (a failed receipt
// shows its error); GET /udbakke/:id shows one as sent, with every order to send it
// (*Afsendelser*: who, when, to whom, with which link, the result); GET /udbakke/:id/html its
// HTML body on its own, under a Content-Security-Policy that lets it do nothing but show
// itself. Without SMTP_URL this is where the e-mails are (*gemt lokalt*). POST
// /udbakke/:id/send-igen is *Send igen* (I10, worker.ResendReceiptTx) of a receipt that is
// fejlet or gemt lokalt, for the kommune's administrator and DST (access.MailResend): the
// receipt is rendered again to the current Kvitteringsmodtager with this process's BASE_URL
// and sent by a job enqueued with the order's audit record; a sent receipt, one already
// waiting, or a kommune without a Kvitteringsmodtager is refused on the e-mail's page with a
// Danish message (422). Another kommune's id is a 404 (T1).

// mailCSP is the policy of an e-mail's HTML body: no script, no requests, no forms, its own
// inline styles only (e-mail HTML carries them).
const mailCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"

// udbakke is GET /udbakke.
func (a *App) udbakke(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := scope(c)
	q := tenant.MailQuery{Kommune: a.kommuneFilter(c, s), Before: efterParam(c), Limit: leverancerPerSide}
	var ms []tenant.Mail
	var more bool
	err := a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) (err error) {
		ms, more, err = tx.Mails(ctx, q)
		return err
	})
	if err != nil {
		return err
	}
	v := views.Udbakke{AlleKommuner: s.AllKommuner, Lokalt: a.deps.Config.SMTPURL == ""}
	canResend := a.can(c, access.MailResend)
	for _, m := range ms {
		r := a.udbakkeRow(m)
		if canResend && worker.CheckResend(m) == nil {
			r.SendIgen = views.UdbakkeMailPath(m.ID) + "#send-igen"
		}
		v.Rows = append(v.Rows, r)
	}
	if more {
		v.NextURL = views.PageURL(views.UdbakkePath, q.Kommune, ms[len(ms)-1].ID)
	}
	return a.render(c, fiber.StatusOK, views.UdbakkePage(a.page(c, "Udbakke"), v))
}

// udbakkeMail is GET /udbakke/:id.
func (a *App) udbakkeMail(c *fiber.Ctx) error {
	m, err := a.mail(c)
	if err != nil {
		return err
	}
	return a.showMail(c, fiber.StatusOK, m, "")
}

// showMail renders e-mail m's page with its orders to send, and the refusal of a Send igen
// (fejl, with status 422).
func (a *App) showMail(c *fiber.Ctx, status int, m tenant.Mail, fejl string) error {
	ctx := c.UserContext()
	var sends []tenant.MailSend
	err := a.inScope(c, func(tx *tenant.Tx) (err error) {
		sends, err = tx.MailSends(ctx, m.ID)
		return err
	})
	if err != nil {
		return err
	}
	v := views.UdbakkeMail{UdbakkeRow: a.udbakkeRow(m), Fra: m.From, MessageID: "<" + m.MessageID + ">", Tekst: m.Text,
		HTMLURL: views.UdbakkeHTMLPath(m.ID), SendIgenFejl: fejl, SendIgenLink: a.deps.Config.BaseURL}
	if m.LeveranceID != 0 && a.can(c, access.DeliveryRead) {
		v.LeveranceURL = views.LeverancePath(m.LeveranceID)
	}
	if worker.CheckResend(m) == nil && a.can(c, access.MailResend) {
		v.SendIgenURL = views.SendIgenPath(m.ID)
	}
	for _, s := range sends {
		af := s.RequestedByEmail
		if s.RequestedBy == 0 && af == worker.ReceiptActor {
			af = "Automatisk efter leveringen"
		}
		v.Afsendelser = append(v.Afsendelser, views.UdbakkeAfsendelse{Bestilt: dateTime(&s.RequestedAt), Af: af,
			Til: modtager(s.ToName, s.ToAddress), Link: s.Link, Status: s.Status.Label(), Fejlet: s.Status == tenant.MailFejlet,
			Forsoeg: s.Attempts, Fejl: s.LastError, Afsluttet: dateTime(s.FinishedAt)})
	}
	return a.render(c, status, views.UdbakkeMailPage(a.page(c, m.Subject), v))
}

// resendKvittering is POST /udbakke/:id/send-igen (I10).
func (a *App) resendKvittering(c *fiber.Ctx) error {
	m, err := a.mail(c) // T1: another kommune's is a 404
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	k, err := a.deps.DB.Kommune(ctx, m.Kommune)
	if err != nil {
		return err
	}
	// DST orders in the kommune's scope: the e-mail and its orders are the kommune's, and so
	// is the audit record.
	s := scope(c)
	s.Kommune = m.Kommune
	cfg := worker.MailConfig{SMTPURL: a.deps.Config.SMTPURL, From: a.deps.Config.MailFrom, BaseURL: a.deps.Config.BaseURL}
	var send tenant.MailSend
	err = a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) (err error) {
		send, err = worker.ResendReceiptTx(ctx, a.deps.Jobs, tx, cfg, k, m.ID)
		return err
	})
	var refused *worker.ResendError
	switch {
	case errors.As(err, &refused):
		if m, err = a.mail(c); err != nil { // as it is now
			return err
		}
		return a.showMail(c, fiber.StatusUnprocessableEntity, m, refused.Msg)
	case errors.Is(err, tenant.ErrNotFound):
		return fiber.ErrNotFound
	case err != nil:
		return err
	}
	if err := a.setFlash(c, "Kvitteringen er sat i kø til afsendelse til "+modtager(send.ToName, send.ToAddress)+
		". Resultatet ses under Afsendelser."); err != nil {
		return err
	}
	return redirect(c, views.UdbakkeMailPath(m.ID))
}

// udbakkeHTML is GET /udbakke/:id/html: the e-mail's own HTML, not kept by the browser as
// no page is (render, issue 14 #7).
func (a *App) udbakkeHTML(c *fiber.Ctx) error {
	m, err := a.mail(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentSecurityPolicy, mailCSP)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.SendString(m.HTML)
}

// mail is the e-mail of the route's :id, or a 404.
func (a *App) mail(c *fiber.Ctx) (tenant.Mail, error) {
	id, err := idParam(c)
	if err != nil {
		return tenant.Mail{}, err
	}
	ctx := c.UserContext()
	var m tenant.Mail
	err = a.inScope(c, func(tx *tenant.Tx) (err error) {
		m, err = tx.Mail(ctx, id)
		return err
	})
	return m, err
}

// udbakkeRow is an e-mail as the Udbakke lists it.
func (a *App) udbakkeRow(m tenant.Mail) views.UdbakkeRow {
	r := views.UdbakkeRow{URL: views.UdbakkeMailPath(m.ID), Kommune: a.kommuneLabel(m.Kommune), Emne: m.Subject,
		Status: m.Status.Label(), Fejlet: m.Status == tenant.MailFejlet, Fejl: m.LastError, Forsoeg: m.Attempts,
		Oprettet: dateTime(&m.CreatedAt), Sendt: dateTime(m.SentAt), Til: modtager(m.ToName, m.ToAddress)}
	return r
}

// modtager is an e-mail's recipient as the screens write it: "Navn <adresse>", or "Ingen
// modtager".
func modtager(name, address string) string {
	switch {
	case address == "":
		return "Ingen modtager"
	case name == "":
		return address
	}
	return name + " <" + address + ">"
}
