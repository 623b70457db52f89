package app

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"indberet/tenant"
	"indberet/tenant/access"
	"indberet/tenant/domain"
	"indberet/views"
	"indberet/worker"
)

// The *Driftsstatus* (issue 15, the run's health; I9, I10): GET /drift shows DST and the
// platform administrators (access.DriftRead) River's leader, when each periodic job last ran,
// every active kommune's delivery of the current periode (worker.DeliveryStates, as on
// /levering), the failed jobs and the receipts not sent, each with what mends it: Start
// levering of the kommune's next periode (DST, a form to POST /levering), River UI's page of
// the job (/jobs/jobs/:id), the receipt's page with *Send igen* (/udbakke/:id). It only
// reads, in DST's read-all scope; it shows no CPR number and no citizen's name, only
// kommuner, jobs, states, times and errors.

const driftTitle = "Driftsstatus"

// How many failed jobs and unsent receipts the page lists (the newest); the rest are in
// River UI and the udbakke.
const (
	driftFejledeJob = 50
	driftUsendte    = 50
)

// periodicJobNames are the periodic jobs (worker.PeriodicKinds) in Danish: what each does
// and when it runs (worker/client.go's periodicJobs).
var periodicJobNames = map[string][2]string{
	worker.DeliveryRunArgs{}.Kind():    {"Månedlig levering til Danmarks Statistik", "den 14. kl. 02:00"},
	worker.CatchUpArgs{}.Kind():        {"Indhentning af forsinkede leveringer", "hvert 15. minut og ved start"},
	worker.CleanupArgs{}.Kind():        {"Oprydning (sessioner, spærringer)", "hver time og ved start"},
	worker.LogRetentionArgs{}.Kind():   {"Sletning af gamle logmåneder", "hver nat kl. 03:30 og ved start"},
	worker.EksportCleanupArgs{}.Kind(): {"Sletning af gamle eksportfiler", "hver time og ved start"},
	worker.ListCountsArgs{}.Kind():     {"Sammenlægning af listetællinger", "hvert 5. minut"},
	worker.CPRIndexArgs{}.Kind():       {"CPR-adgangslogens indeks", "hvert minut"},
}

// jobStateNames are River's job states in Danish.
var jobStateNames = map[string]string{
	"available": "I kø", "pending": "Venter", "scheduled": "Planlagt", "running": "Kører", "completed": "Færdig",
	"retryable": "Prøves igen", "discarded": "Opgivet", "cancelled": "Annulleret",
}

// jobURL is River UI's page of job id.
func jobURL(id int64) string { return jobsPrefix + "/jobs/" + strconv.FormatInt(id, 10) }

// drift is GET /drift.
func (a *App) drift(c *fiber.Ctx) error {
	s := scope(c)
	if !s.AllKommuner {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	now := a.clock()
	d := views.Drift{Periode: domain.PeriodeBefore(now), KanStarte: a.can(c, access.DeliveryRun)}

	leader, err := a.deps.DB.RiverLeader(ctx)
	if err != nil {
		return err
	}
	// River's leader's term is of the real clock, not the app's (a test's) clock.
	if leader != nil && leader.ExpiresAt.After(time.Now()) {
		d.Leder, d.LederValgt, d.LederUdloeb = leader.ID, dateTime(&leader.ElectedAt), dateTime(&leader.ExpiresAt)
	}
	runs, err := a.deps.DB.RiverLastRuns(ctx, worker.PeriodicKinds)
	if err != nil {
		return err
	}
	for _, kind := range worker.PeriodicKinds {
		names := periodicJobNames[kind]
		r := views.DriftJobRun{Navn: names[0], Hvornaar: names[1], Status: "Ingen kørsel kendt"}
		if i := slices.IndexFunc(runs, func(j tenant.RiverJobRun) bool { return j.Kind == kind }); i >= 0 {
			j := runs[i]
			r.Status, r.Advarsel = jobStateNames[j.State], j.State == "discarded" || j.State == "retryable" || j.State == "cancelled"
			r.Oprettet, r.Afsluttet, r.JobURL = dateTime(&j.CreatedAt), dateTime(j.FinalizedAt), jobURL(j.ID)
		}
		d.Periodiske = append(d.Periodiske, r)
	}

	states, err := worker.DeliveryStates(ctx, a.deps.Jobs, a.deps.DB, now)
	if err != nil {
		return err
	}
	for _, st := range states {
		k := views.DriftKommune{Kommune: a.kommuneLabel(st.Kommune), Kode: st.Kommune, Naeste: st.Naeste}
		k.Status, k.Forklaring, k.Advarsel = leveringStatus(st)
		if st.Forsinket && st.State != worker.StateLate && st.State != worker.StateDelivered {
			k.Status += " og forsinket"
		}
		// A failed job is mended by a new start (the next run tries it again, I9), a late
		// kommune with no job at it too; a queued one only needs time.
		k.Startbar = st.State == worker.StateFailed || st.State == worker.StateLate
		if st.JobID != 0 {
			k.JobURL = jobURL(st.JobID)
		}
		d.Kommuner = append(d.Kommuner, k)
	}

	jobs, more, err := a.deps.DB.RiverFailedJobs(ctx, driftFejledeJob)
	if err != nil {
		return err
	}
	d.FlereFejl = more
	for _, j := range jobs {
		r := views.DriftJob{ID: strconv.FormatInt(j.ID, 10), Type: j.Kind, Status: jobStateNames[j.State],
			Forsoeg: fmt.Sprintf("%d af %d", j.Attempt, j.MaxAttempts), Fejl: j.Error, Tid: dateTime(j.At), JobURL: jobURL(j.ID)}
		if j.Kommune != "" {
			r.Kommune = a.kommuneLabel(j.Kommune)
		}
		d.Fejlede = append(d.Fejlede, r)
	}

	var counts map[string]map[tenant.MailStatus]int
	var mails []tenant.Mail
	err = a.deps.DB.InScope(ctx, s, func(tx *tenant.Tx) (err error) {
		counts, mails, err = tx.UnsentReceipts(ctx, driftUsendte)
		return err
	})
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		d.Kvitteringer = append(d.Kvitteringer, views.DriftKvitteringer{Kommune: a.kommuneLabel(k),
			Fejlet: counts[k][tenant.MailFejlet], GemtLokalt: counts[k][tenant.MailGemtLokalt]})
	}
	for _, m := range mails {
		created := m.CreatedAt
		d.Usendte = append(d.Usendte, views.DriftKvittering{Kommune: a.kommuneLabel(m.Kommune), Status: m.Status.Label(),
			Oprettet: dateTime(&created), Fejl: m.LastError, URL: views.UdbakkePath + "/" + strconv.FormatInt(m.ID, 10)})
	}
	return a.render(c, fiber.StatusOK, views.DriftPage(a.page(c, driftTitle), d))
}
