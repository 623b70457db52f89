package app

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/views"
)

// *Hent data fra Danmarks Statistik* (I5): GET /leverancer lists the leverancer the user may
// read, newest first (a kommune's users their own, DST every kommune's with a kommune
// filter); GET /leverancer/:id is one leverance with its counts and receipt (the receipt
// e-mail links to it); GET /leverancer/:id/dokument downloads its XML document, which holds
// CPR numbers and is written to the CPR access log under the leverance's kommune. Another
// kommune's id is a 404 (T1).

const leverancerTitle = "Hent data fra Danmarks Statistik"

// leverancerPerSide is the page size of the lists of leverancer and e-mails.
const leverancerPerSide = 50

// leverancer is GET /leverancer.
func (a *App) leverancer(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := scope(c)
	q := tenant.LeveranceQuery{Kommune: a.kommuneFilter(c, s), Before: efterParam(c), Limit: leverancerPerSide}
	var rows []tenant.LeveranceMedKvittering
	var more bool
	err := a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) (err error) {
		rows, more, err = tx.LeveranceListe(ctx, q)
		return err
	})
	if err != nil {
		return err
	}
	v := views.Leverancer{AlleKommuner: s.AllKommuner, Kommune: q.Kommune}
	if s.AllKommuner {
		v.KommuneValg = a.kommuneOptions(views.Option{Value: "", Label: "Alle kommuner"})
	}
	canMail := a.can(c, access.MailRead)
	v.Hent = a.can(c, access.DeliveryDocument)
	for _, l := range rows {
		v.Rows = append(v.Rows, a.leveranceRow(l, canMail, v.Hent))
	}
	if more {
		v.NextURL = views.PageURL(views.LeverancerPath, q.Kommune, rows[len(rows)-1].ID)
	}
	return a.render(c, fiber.StatusOK, views.LeverancerPage(a.page(c, leverancerTitle), v))
}

// leverance is GET /leverancer/:id.
func (a *App) leverance(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var l tenant.LeveranceMedKvittering
	err = a.inScope(c, func(tx *tenant.Tx) (err error) {
		l, err = tx.LeveranceByID(ctx, id)
		return err
	})
	if err != nil {
		return err
	}
	v := views.LeveranceSide{LeveranceRow: a.leveranceRow(l, a.can(c, access.MailRead), a.can(c, access.DeliveryDocument)),
		Bytes: stoerrelse(l.Bytes)}
	return a.render(c, fiber.StatusOK, views.LeverancePage(a.page(c, "Levering "+v.VersionTekst()), v))
}

// leveranceDocument is GET /leverancer/:id/dokument: the document as delivered, as an
// attachment named by kommune and periode, with a CPR access record of every CPR number in
// it, committed before the first byte.
func (a *App) leveranceDocument(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	// First the CPR access record, with the CPR numbers the delivery stored beside the
	// document (under the leverance's kommune, also when DST downloads); then the document
	// streams to the client, gzip-compressed as stored when the browser takes it (I5: a
	// first delivery of a large kommune is some hundred MB of XML): tenant.DB.DownloadLeverance.
	gzipped := strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip")
	f, doc, size, err := a.deps.DB.DownloadLeverance(c.UserContext(), scope(c), id, gzipped)
	if errors.Is(err, tenant.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Vary(fiber.HeaderAcceptEncoding)
	if gzipped {
		c.Set(fiber.HeaderContentEncoding, "gzip")
	}
	name := fmt.Sprintf("leverance-%s-%s.xml", f.Kommune, f.Periode)
	if f.Version > 1 { // I8: each version its own file
		name = fmt.Sprintf("leverance-%s-%s-v%d.xml", f.Kommune, f.Periode, f.Version)
	}
	return a.streamAttachment(c, "application/xml; charset=utf-8", name, doc, size)
}

// streamAttachment sends r, a file of size bytes (-1: unknown, chunked), as an attachment.
// fasthttp reads r after the handler has returned, as fast as the client takes the response;
// the tenant's download readers (DB.LeveranceDownload, DB.EksportDownload) read their file a
// batch at a time in short transactions that end before the batch is sent, so a client that
// reads slowly or never holds no database connection, and memory holds a batch, never the
// file (issue 14 #1). An error after the first byte can only cut the response short (the
// client sees it against Content-Length or the missing last chunk); it is logged.
func (a *App) streamAttachment(c *fiber.Ctx, contentType, filename string, r io.Reader, size int64) error {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	body := &loggedReader{r: r, log: func(err error) {
		a.deps.Logger.Error("download cut short", "file", filename, "err", err)
	}}
	c.Response().SetBodyStream(&progressDeadline{r: body, conn: c.Context().Conn(), timeout: a.writeTimeout()}, int(size))
	return nil
}

// progressDeadline moves the connection's write deadline on by timeout each time the
// response's writer reads the next piece of a download: fasthttp sets one deadline for the
// whole response (WriteTimeout), which cut every download that took longer, however steadily
// the client read. Now a download ends when the client takes too little for timeout: the
// kernel wakes a blocked write only when a third or so of the socket's send buffer (up to
// some MB) is free again, so a client must take about that much per timeout.
type progressDeadline struct {
	r       io.Reader
	conn    net.Conn
	timeout time.Duration
}

func (p *progressDeadline) Read(b []byte) (int, error) {
	if err := p.conn.SetWriteDeadline(time.Now().Add(p.timeout)); err != nil {
		return 0, err
	}
	return p.r.Read(b)
}

// loggedReader reads r and logs the first error that is not the end.
type loggedReader struct {
	r   io.Reader
	log func(error)
	err bool
}

func (l *loggedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF && !l.err {
		l.err = true
		l.log(err)
	}
	return n, err
}

// leveranceRow is a leverance as the screens show it; the receipt links to the Udbakke when
// the user may read it, and the document is offered when they may download it (it holds CPR
// numbers: access.DeliveryDocument).
func (a *App) leveranceRow(l tenant.LeveranceMedKvittering, canMail, canHent bool) views.LeveranceRow {
	r := views.LeveranceRow{URL: views.LeverancePath(l.ID), Version: l.Version, Aarsag: l.Aarsag,
		Kommune: a.kommuneLabel(l.Kommune), Periode: l.Periode, Leveret: dateTime(&l.CreatedAt), SHA256: l.SHA256,
		Tal: views.Tal{Sager: l.Tal.Sager, Ydelser: l.Tal.Ydelser, Nye: l.Tal.Nye, Aendrede: l.Tal.Aendrede,
			Afsluttede: l.Tal.Afsluttede, Neutraliserede: l.Tal.Neutraliserede}}
	if canHent {
		r.DocumentURL = views.LeveranceDocumentPath(l.ID)
	}
	if l.Kvittering != "" {
		r.Kvittering = views.Kvittering{Status: l.Kvittering.Label(), Fejlet: l.Kvittering == tenant.MailFejlet,
			Fejl: l.KvitteringFejl}
		if canMail {
			r.Kvittering.URL = views.UdbakkeMailPath(l.KvitteringID)
		}
	}
	return r
}

// kommuneFilter is the kommune the ?kommune= of a list narrows it to: only for users who read
// every kommune, and only a known kommune; "" for none.
func (a *App) kommuneFilter(c *fiber.Ctx, s tenant.Scope) string {
	k := c.Query("kommune")
	if !s.AllKommuner || a.kommuner[k] == "" {
		return ""
	}
	return k
}

// efterParam is the cursor of a page (?efter=, the id the page before ended with); 0 for the
// first page.
func efterParam(c *fiber.Ctx) int64 {
	id, err := strconv.ParseInt(c.Query("efter"), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}
