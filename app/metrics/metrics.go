// Package metrics is a process's /metrics in the Prometheus text format (issue 15, the run's
// health), served on an address of its own (METRICS_ADDR, server.go), never on the app's
// public port. `indberet serve` and `indberet worker` each serve their own.
//
// What it shows, and nothing else: counts, states and durations. No label ever holds a CPR
// number, a name, an e-mail address or an id, and every label has a bounded set of values:
// a request's route is the pattern of the route table (/sager/:id), never its path; a job's
// kind and state are River's, a receipt's state and a kommune's delivery state a handful of
// words, a pool's name the process's one or two.
//
//   - indberet_http_requests_total{method,route,status} and
//     indberet_http_request_duration_seconds{method,route}: each request, counted and timed
//     by the app's outermost middleware (app/metrics.go; ObserveRequest)
//   - indberet_db_pool_*{pool}: the process's connection pools (pool.go)
//   - indberet_river_jobs{kind,state}, indberet_receipts{status},
//     indberet_kommuner_delivery{state}, indberet_metrics_db_up: read from the database at
//     each scrape (database.go)
//   - go_* and process_*: the Go runtime and the process (memory, CPU, open files)
//
// The database's metrics are the same in every process (they count the whole system): sum
// the per-process ones (requests, pools) over processes, take max() of the others.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the registry of one process.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	pools    *poolCollector
}

// requestBuckets are the request durations' histogram buckets in seconds: from the list
// pages' milliseconds (make bench: p50 about 6 ms) to the request's time limit (30 s).
var requestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// New makes the registry with the HTTP metrics, the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "indberet_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern (not the path) and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "indberet_http_request_duration_seconds",
			Help:    "Time from a request's arrival to its handler's end, by method and route pattern (a download's streaming after it not included).",
			Buckets: requestBuckets,
		}, []string{"method", "route"}),
		pools: &poolCollector{},
	}
	m.reg.MustRegister(m.requests, m.duration, m.pools,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest counts and times one request. method and route must come from a bounded
// set (the route table's patterns and methods, app/metrics.go): each pair is a series kept
// for the process's life.
func (m *Metrics) ObserveRequest(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, statusLabel(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// statusLabels are the HTTP statuses' labels, written once: a request allocates none.
var statusLabels = func() (l [600]string) {
	for i := 100; i < len(l); i++ {
		l[i] = strconv.Itoa(i)
	}
	return l
}()

// statusLabel is status as a label.
func statusLabel(status int) string {
	if status >= 100 && status < len(statusLabels) {
		return statusLabels[status]
	}
	return "other"
}

// Handler serves the registry in the Prometheus text format. A collector that fails leaves
// its metrics out (and says so in indberet_metrics_db_up); the others are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 2,
		Timeout:             scrapeTimeout,
	})
}

// scrapeTimeout is how long a scrape may take before it is answered 503: the database's
// queries have half of it (dbTimeout).
const scrapeTimeout = 10 * time.Second
