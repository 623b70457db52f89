package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"indberet/tenant"
	"indberet/worker"
)

// DeliveryStates counts the active kommuner per delivery state of the current periode
// (I9): "delivered", "forsinket" (late), "failed" (the job of its next periode failed),
// "queued" (a job is at it), "afventer" (not yet due). Each kommune is counted once. The
// keys are the states' names, a few fixed words (KommuneStates).
type DeliveryStates func(ctx context.Context) (map[string]int, error)

// The delivery states the metric always shows, 0 when no kommune is in it, so that a
// dashboard or an alert on one of them finds it before the first kommune does.
var deliveryStateNames = []string{"delivered", "forsinket", "failed", "queued", "afventer"}

// dbTimeout is how long one scrape's queries may take together, the wait for a connection
// included.
const dbTimeout = 5 * time.Second

// metricsActor is who the scrape's read-all transactions are (nothing is written).
const metricsActor = "system:metrics"

// AddDatabase adds the metrics read from the database at each scrape: River's jobs by kind
// and state, the receipts by state, the kommuner per delivery state (states). The queries
// run one after another on db's pool, one scrape at a time, within dbTimeout: a scrape holds
// at most one of the pool's connections, for milliseconds. A query that fails leaves its
// metric out, sets indberet_metrics_db_up to 0 and is logged.
func (m *Metrics) AddDatabase(db *tenant.DB, states DeliveryStates, logger *slog.Logger) {
	m.reg.MustRegister(&dbCollector{db: db, states: states, logger: logger})
}

var (
	riverJobs = prometheus.NewDesc("indberet_river_jobs",
		"River's jobs by kind and state (finished ones are kept 24 hours, discarded 7 days).", []string{"kind", "state"}, nil)
	receipts = prometheus.NewDesc("indberet_receipts",
		"Receipts (I3) of every kommune by state: afventer, sendt, fejlet, gemt_lokalt.", []string{"status"}, nil)
	kommuneStates = prometheus.NewDesc("indberet_kommuner_delivery",
		"Active kommuner by delivery state of the current periode (the month before this one): delivered, forsinket, failed, queued, afventer.",
		[]string{"state"}, nil)
	dbUp = prometheus.NewDesc("indberet_metrics_db_up",
		"1 when the last scrape read every database metric, 0 when a query failed (see the log).", nil, nil)
)

// dbCollector reads the database's metrics at each scrape.
type dbCollector struct {
	db     *tenant.DB
	states DeliveryStates
	logger *slog.Logger
	mu     sync.Mutex // one scrape's queries at a time
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{riverJobs, receipts, kommuneStates, dbUp} {
		ch <- d
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	up := 1.0
	failed := func(what string, err error) {
		up = 0
		if c.logger != nil {
			c.logger.WarnContext(ctx, "metrics: database query failed", "metric", what, "err", err)
		}
	}
	if jobs, err := c.db.RiverJobCounts(ctx); err != nil {
		failed("indberet_river_jobs", err)
	} else {
		for _, j := range jobs {
			ch <- prometheus.MustNewConstMetric(riverJobs, prometheus.GaugeValue, float64(j.Count), j.Kind, j.State)
		}
	}
	var mails map[tenant.MailStatus]int
	err := c.db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: metricsActor}}, func(tx *tenant.Tx) (err error) {
		mails, err = tx.MailCounts(ctx, tenant.MailKvittering)
		return err
	})
	if err != nil {
		failed("indberet_receipts", err)
	} else {
		for s, n := range mails {
			ch <- prometheus.MustNewConstMetric(receipts, prometheus.GaugeValue, float64(n), string(s))
		}
	}
	if c.states != nil { // nil: AddDatabase without the kommuner's delivery states
		if states, err := c.states(ctx); err != nil {
			failed("indberet_kommuner_delivery", err)
		} else {
			shown := map[string]int{}
			for _, s := range deliveryStateNames {
				shown[s] = 0
			}
			for s, n := range states {
				shown[s] = n
			}
			for s, n := range shown {
				ch <- prometheus.MustNewConstMetric(kommuneStates, prometheus.GaugeValue, float64(n), s)
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(dbUp, prometheus.GaugeValue, up)
}

// KommuneStates is the DeliveryStates of worker.DeliveryStates at now() (I9), the same
// states DST's Leveringsoversigt and Driftsstatus show, each active kommune counted once
// under one label (stateLabel). c may be an insert-only client: it only lists jobs.
func KommuneStates(c *worker.Client, db *tenant.DB, now func() time.Time) DeliveryStates {
	return func(ctx context.Context) (map[string]int, error) {
		ks, err := worker.DeliveryStates(ctx, c, db, now())
		if err != nil {
			return nil, err
		}
		states := map[string]int{}
		for _, k := range ks {
			states[stateLabel(k)]++
		}
		return states, nil
	}
}

// stateLabel is k's value of the label state (deliveryStateNames): delivered; forsinket when
// its next periode is late (domain.Forsinket), whether a job is at it (failed, queued) or not
// (worker.StateLate), so that an alert on forsinket sees every late kommune; else failed,
// queued, or afventer (worker.StateWaiting: the run of the 14th has not come).
func stateLabel(k worker.KommuneDeliveryState) string {
	switch {
	case k.State == worker.StateDelivered:
		return "delivered"
	case k.Forsinket || k.State == worker.StateLate:
		return "forsinket"
	case k.State == worker.StateFailed:
		return "failed"
	case k.State == worker.StateQueued:
		return "queued"
	}
	return "afventer"
}
