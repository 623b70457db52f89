package app

import (
	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/views"
)

// The *Udbakke* (I3, K3): every e-mail the system sent or recorded, read only, for the
// kommune's administrator (their kommune's) and DST and platform administrators (every
// kommune's). GET /udbakke lists them newest first a page at a time with their state (a
// failed receipt shows its error); GET /udbakke/:id shows one as sent; GET /udbakke/:id/html
// its HTML body on its own, under a Content-Security-Policy that lets it do nothing but show
// itself. Without SMTP_URL this is where the e-mails are (*gemt lokalt*). Another kommune's
// id is a 404 (T1).

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
	for _, m := range ms {
		v.Rows = append(v.Rows, a.udbakkeRow(m))
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
	v := views.UdbakkeMail{UdbakkeRow: a.udbakkeRow(m), Fra: m.From, MessageID: "<" + m.MessageID + ">", Tekst: m.Text,
		HTMLURL: views.UdbakkeHTMLPath(m.ID)}
	if m.LeveranceID != 0 && a.can(c, access.DeliveryRead) {
		v.LeveranceURL = views.LeverancePath(m.LeveranceID)
	}
	return a.render(c, fiber.StatusOK, views.UdbakkeMailPage(a.page(c, m.Subject), v))
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
		Oprettet: dateTime(&m.CreatedAt), Sendt: dateTime(m.SentAt), Til: "Ingen modtager"}
	if m.ToAddress != "" {
		r.Til = m.ToAddress
		if m.ToName != "" {
			r.Til = m.ToName + " <" + m.ToAddress + ">"
		}
	}
	return r
}
