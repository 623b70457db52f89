package metrics

import (
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"indberet/tenant"
)

// AddPool shows the connections of db's pool under name ("web", "jobs"): `serve` with its
// workers has two pools, the others one (DATABASE_POOL_MAX). A pool added twice is shown once.
func (m *Metrics) AddPool(name string, db *tenant.DB) {
	m.pools.mu.Lock()
	defer m.pools.mu.Unlock()
	if !slices.ContainsFunc(m.pools.pools, func(p namedPool) bool { return p.db == db }) {
		m.pools.pools = append(m.pools.pools, namedPool{name, db})
	}
}

type namedPool struct {
	name string
	db   *tenant.DB
}

// poolCollector reads each pool's statistics (pgxpool.Stat) at each scrape: no query.
type poolCollector struct {
	mu    sync.Mutex
	pools []namedPool
}

var (
	poolConns = prometheus.NewDesc("indberet_db_pool_connections",
		"Connections of the pool by state: acquired (in use), idle, constructing.", []string{"pool", "state"}, nil)
	poolTotal = prometheus.NewDesc("indberet_db_pool_total_connections",
		"Connections the pool has open or is opening.", []string{"pool"}, nil)
	poolMax = prometheus.NewDesc("indberet_db_pool_max_connections",
		"The most connections the pool opens (DATABASE_POOL_MAX, or its share).", []string{"pool"}, nil)
	poolWaits = prometheus.NewDesc("indberet_db_pool_empty_acquires_total",
		"Acquires that had to wait because every connection was in use.", []string{"pool"}, nil)
	poolWaitTime = prometheus.NewDesc("indberet_db_pool_empty_acquire_wait_seconds_total",
		"Time spent waiting by those acquires.", []string{"pool"}, nil)
)

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolConns, poolTotal, poolMax, poolWaits, poolWaitTime} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	pools := slices.Clone(c.pools)
	c.mu.Unlock()
	for _, p := range pools {
		s := p.db.Stat()
		ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.AcquiredConns()), p.name, "acquired")
		ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.IdleConns()), p.name, "idle")
		ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.ConstructingConns()), p.name, "constructing")
		ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.TotalConns()), p.name)
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxConns()), p.name)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()), p.name)
		ch <- prometheus.MustNewConstMetric(poolWaitTime, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds(), p.name)
	}
}
