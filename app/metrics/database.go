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
// (I9): "delivered", "afventer" (not yet due), "forsinket" (due and not delivered), "failed"
// (the run failed for it). Each kommune is counted once. The keys are the states' names, a
// few fixed words.
type DeliveryStates func(ctx context.Context) (map[string]int, error)

// The delivery states the metric always shows, 0 when no kommune is in it, so that a
// dashboard or an alert on one of them finds it before the first kommune does.
var deliveryStateNames = []string{"delivered", "afventer", "forsinket", "failed"}

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
		"Active kommuner by delivery state of the current periode (the month before this one): delivered, afventer, forsinket, failed.",
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
	if jobs, err := worker.JobCounts(ctx, c.db); err != nil {
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

// TodaysDeliveryStates is the DeliveryStates of today's data, until the delivery-state
// function of issue 15 (I9: Forsinket, the failed runs) replaces it in main.go, a one-line
// change: of the active kommuner, those with a leverance for the previous month's periode
// (worker.PeriodeBefore) are delivered; the others are afventer until the run's time (the
// 14th at 02:00, worker.DeliverySchedule) and forsinket after it, with no grace period.
// It knows no failed run: "failed" stays 0.
func TodaysDeliveryStates(db *tenant.DB, now func() time.Time) DeliveryStates {
	return func(ctx context.Context) (map[string]int, error) {
		t := now()
		periode := worker.PeriodeBefore(t)
		var aktive, delivered []string
		err := db.InScope(ctx, tenant.Scope{AllKommuner: true, Actor: tenant.Actor{Email: metricsActor}}, func(tx *tenant.Tx) (err error) {
			if aktive, err = tx.AktiveKommuner(ctx); err != nil {
				return err
			}
			delivered, err = tx.DeliveredKommuner(ctx, periode)
			return err
		})
		if err != nil {
			return nil, err
		}
		done := map[string]bool{}
		for _, k := range delivered {
			done[k] = true
		}
		s := worker.DeliverySchedule
		lt := t.In(s.Location)
		notDelivered := "afventer"
		if !lt.Before(time.Date(lt.Year(), lt.Month(), s.Day, s.Hour, s.Minute, 0, 0, s.Location)) {
			notDelivered = "forsinket"
		}
		states := map[string]int{}
		for _, k := range aktive {
			if done[k] {
				states["delivered"]++
			} else {
				states[notDelivered]++
			}
		}
		return states, nil
	}
}
