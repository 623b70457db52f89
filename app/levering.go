package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/riverqueue/river/rivertype"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/domain"
	"indberet/views"
	"indberet/worker"
)

// DST's *Leveringsoversigt* (T3, I1, I7): GET /levering shows every active kommune's
// leverance of its latest periode, its counts and receipt, its next periode, and which
// contact persons it misses (K1); POST /levering is *Start levering*: a periode (the
// previous month by default) and all active kommuner or one, enqueued per kommune whose next
// periode it is in the transaction that writes its audit record (worker.StartDeliveryTx). A
// second start of the periode delivers the kommuner that have not delivered it and names
// those that have or are queued; a bad periode or kommune, or a periode that is no kommune's
// next, comes back with a Danish message that says which periode is next (422). Kommune users hold DeliveryRead for their
// own deliveries and are sent to those.

const leveringTitle = "Leveringsoversigt"

// Messages of the delivery overview.
const msgAngivPeriode = "Angiv en periode, fx %s."

// levering is GET /levering.
func (a *App) levering(c *fiber.Ctx) error {
	if !scope(c).AllKommuner {
		return c.Redirect(views.LeverancerPath, fiber.StatusSeeOther)
	}
	f := views.StartLevering{Periode: domain.PeriodeBefore(a.clock())}
	return a.showLevering(c, fiber.StatusOK, f, views.Genlever{})
}

// startLevering is POST /levering.
func (a *App) startLevering(c *fiber.Ctx) error {
	s := scope(c)
	if !s.AllKommuner {
		return fiber.ErrNotFound
	}
	f := views.StartLevering{Periode: strings.TrimSpace(c.FormValue("periode")), Kommune: c.FormValue("kommune")}
	if f.Periode == "" {
		f.PeriodeFejl = fmt.Sprintf(msgAngivPeriode, domain.PeriodeBefore(a.clock()))
		return a.showLevering(c, fiber.StatusUnprocessableEntity, f, views.Genlever{})
	}
	var kommuner []string
	if f.Kommune != "" {
		kommuner = []string{f.Kommune}
	}
	ctx := c.UserContext()
	var d worker.StartedDelivery
	err := a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) (err error) {
		d, err = worker.StartDeliveryTx(ctx, a.deps.Jobs, tx, f.Periode, kommuner, a.clock())
		return err
	})
	var bad *worker.DeliveryInputError
	if errors.As(err, &bad) {
		if bad.Field == "kommune" {
			f.KommuneFejl = bad.Msg
		} else {
			f.PeriodeFejl = bad.Msg
		}
		return a.showLevering(c, fiber.StatusUnprocessableEntity, f, views.Genlever{})
	}
	if err != nil {
		return err
	}
	if err := a.setFlash(c, d.Tekst()); err != nil {
		return err
	}
	return redirect(c, views.LeveringPath)
}

// startGenlevering is POST /levering/genlever: *Genlever* (I8), a kommune's latest periode again
// with a reason, enqueued with its audit record (worker.StartGenleveringTx); refused input
// comes back with the Danish message and the values (422).
func (a *App) startGenlevering(c *fiber.Ctx) error {
	s := scope(c)
	if !s.AllKommuner {
		return fiber.ErrNotFound
	}
	g := views.Genlever{Kommune: c.FormValue("kommune"), Periode: strings.TrimSpace(c.FormValue("periode")), Aarsag: c.FormValue("aarsag")}
	start := views.StartLevering{Periode: domain.PeriodeBefore(a.clock())}
	if g.Kommune == "" {
		g.KommuneFejl = msgVaelgGenleverKommune
		return a.showLevering(c, fiber.StatusUnprocessableEntity, start, g)
	}
	ctx := c.UserContext()
	var started worker.StartedGenlevering
	err := a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) (err error) {
		started, err = worker.StartGenleveringTx(ctx, a.deps.Jobs, tx, g.Kommune, g.Periode, g.Aarsag)
		return err
	})
	var bad *worker.DeliveryInputError
	if errors.As(err, &bad) {
		switch bad.Field {
		case "kommune":
			g.KommuneFejl = bad.Msg
		case "aarsag":
			g.AarsagFejl = bad.Msg
		default:
			g.PeriodeFejl = bad.Msg
		}
		return a.showLevering(c, fiber.StatusUnprocessableEntity, start, g)
	}
	if err != nil {
		return err
	}
	if err := a.setFlash(c, started.Tekst()); err != nil {
		return err
	}
	return redirect(c, views.LeveringPath)
}

// msgVaelgGenleverKommune asks for the kommune of a genlevering.
const msgVaelgGenleverKommune = "Vælg kommunen, der skal genleveres."

// showLevering renders the overview with the forms f (*Start levering*) and g (*Genlever*).
func (a *App) showLevering(c *fiber.Ctx, status int, f views.StartLevering, g views.Genlever) error {
	ctx := c.UserContext()
	ks, err := a.deps.DB.Kommuner(ctx)
	if err != nil {
		return err
	}
	var seneste []tenant.LeveranceMedKvittering
	var mangler map[string][]domain.Kontaktrolle
	err = a.deps.DB.InScope(ctx, scope(c), func(tx *tenant.Tx) (err error) {
		if seneste, err = tx.SenesteLeverancer(ctx); err != nil {
			return err
		}
		mangler, err = tx.KontaktpersonerManglerAlle(ctx)
		return err
	})
	if err != nil {
		return err
	}
	var aktive []string
	for _, k := range ks {
		if k.Aktiv {
			aktive = append(aktive, k.Kode)
		}
	}
	f.KommuneValg = a.kommuneOptionsOf(aktive, views.Option{Value: "", Label: "Alle aktive kommuner"})
	v := views.Levering{KanStarte: a.can(c, access.DeliveryRun), Form: f, Genlever: g}
	v.Genlever.KommuneValg = []views.Option{{Value: "", Label: "Vælg kommune"}}
	if v.IGang, err = a.leveringerIGang(ctx); err != nil {
		return err
	}
	states, err := worker.DeliveryStates(ctx, a.deps.Jobs, a.deps.DB, a.clock())
	if err != nil {
		return err
	}
	state := map[string]worker.KommuneDeliveryState{}
	for _, s := range states {
		state[s.Kommune] = s
	}
	byKommune := map[string]tenant.LeveranceMedKvittering{}
	for _, l := range seneste {
		byKommune[l.Kommune] = l
	}
	canMail, canHent := a.can(c, access.MailRead), a.can(c, access.DeliveryDocument)
	for _, k := range ks {
		if !k.Aktiv {
			continue
		}
		row := views.LeveringRow{Kommune: a.kommuneLabel(k.Kode)}
		if s, ok := state[k.Kode]; ok {
			row.Naeste = s.Naeste
			row.Status, row.Forklaring, row.Advarsel = leveringStatus(s)
		}
		if l, ok := byKommune[k.Kode]; ok {
			r := a.leveranceRow(l, canMail, canHent)
			row.Seneste = &r
			v.Genlever.KommuneValg = append(v.Genlever.KommuneValg,
				views.Option{Value: k.Kode, Label: row.Kommune + ": " + r.VersionTekst()})
		}
		row.Mangler = kontaktLegends(mangler[k.Kode])
		if len(row.Mangler) > 0 {
			v.Mangler++
		}
		v.Rows = append(v.Rows, row)
	}
	return a.render(c, status, views.LeveringPage(a.page(c, leveringTitle), v))
}

// leveringStatus is a kommune's delivery state in Danish (I9), the reason or date that
// explains it, and whether it needs attention.
func leveringStatus(s worker.KommuneDeliveryState) (status, forklaring string, advarsel bool) {
	switch s.State {
	case worker.StateDelivered:
		return "Leveret", "", false
	case worker.StateQueued:
		return "I kø", "", false
	case worker.StateFailed:
		return "Fejlet", s.Fejl, true
	case worker.StateLate:
		frist := domain.Frist(s.Naeste)
		return "Forsinket", fmt.Sprintf("%s skulle være leveret %s. Den leveres, så snart løsningen kan.", s.Naeste, dateTime(&frist)), true
	}
	return "Afventer kørslen " + domain.Frist(s.Periode).In(domain.Copenhagen).Format("02-01-2006"), "", false
}

// leveringerIGang are the deliveries River has not finished, with their state in Danish; a
// delivery whose worker died shows as stalled (issue 14 #8).
func (a *App) leveringerIGang(ctx context.Context) ([]views.LeveringIGang, error) {
	now := a.clock()
	jobs, err := worker.DeliveriesInProgress(ctx, a.deps.Jobs, now)
	if err != nil {
		return nil, err
	}
	out := make([]views.LeveringIGang, 0, len(jobs))
	for _, j := range jobs {
		r := views.LeveringIGang{Kommune: a.kommuneLabel(j.Kommune), Periode: j.Periode, GaaetIStaa: j.Stalled}
		switch {
		case j.Stalled && j.Attempt >= j.MaxAttempts:
			r.Status = "Gået i stå i sidste forsøg — start leveringen igen"
		case j.Stalled:
			r.Status = "Gået i stå — genstartes automatisk"
		case j.State == rivertype.JobStateRunning:
			r.Status = fmt.Sprintf("I gang siden %s (forsøg %d af %d)", dateTime(j.AttemptedAt), j.Attempt, j.MaxAttempts)
		case j.Attempt > 0:
			r.Status = fmt.Sprintf("Forsøg %d af %d mislykkedes; prøves igen %s", j.Attempt, j.MaxAttempts, dateTime(&j.ScheduledAt))
		default:
			r.Status = "I kø"
		}
		out = append(out, r)
	}
	return out, nil
}

// leveringLinks are the start page's cards of the delivery screens the user may use.
func (a *App) leveringLinks(c *fiber.Ctx) []views.HomeLink {
	var out []views.HomeLink
	if a.can(c, access.DeliveryRead) {
		out = append(out, views.HomeLink{Href: views.LeverancerPath, Label: leverancerTitle,
			Description: "Se og hent de data, der er indberettet til Danmarks Statistik"})
		if scope(c).AllKommuner {
			out = append(out, views.HomeLink{Href: views.LeveringPath, Label: leveringTitle,
				Description: "Kommunernes seneste levering og kvittering, og start en levering"})
		}
	}
	if a.can(c, access.MailRead) {
		out = append(out, views.HomeLink{Href: views.UdbakkePath, Label: "Udbakke",
			Description: "Kvitteringer og andre e-mails, løsningen har sendt"})
	}
	return out
}
