package metrics

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"indberet/tenant"
	"indberet/tenant/accounts"
	"indberet/tenant/demo"
	"indberet/tenant/domain"
	"indberet/tenant/tenanttest"
	"indberet/worker"
)

// scrape gets url's /metrics and parses it with the Prometheus text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %d %s\n%s", url, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

// value is the value of fams' metric name with exactly the labels (name, value pairs), and
// whether it is there.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if len(m.GetLabel())*2 != len(labels) {
			continue
		}
		match := true
		for i, l := range m.GetLabel() {
			if l.GetName() != labels[2*i] || l.GetValue() != labels[2*i+1] {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// TestDatabaseMetrics (issue 15, the run's health): a scrape shows River's jobs by kind and
// state, every kommune's receipts by state (read-all), the active kommuner per delivery
// state of the current periode (I9), the pool, and the requests; with the database out of
// reach it still answers, without the database's metrics and with indberet_metrics_db_up 0.
func TestDatabaseMetrics(t *testing.T) {
	ctx := context.Background()
	db, ownerURL := tenanttest.DB(t)
	if _, err := demo.Load(ctx, db, accounts.NewStore(db)); err != nil {
		t.Fatal(err)
	}
	// 147 delivered 2026M11; 101 has a receipt that failed, 751 one stored locally.
	err := db.InScope(ctx, tenant.Scope{Kommune: "147", Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
		_, err := tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M11", SHA256: strings.Repeat("0", 64)}, []byte("<a/>"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, s := range map[string]tenant.MailStatus{"101": tenant.MailFejlet, "751": tenant.MailGemtLokalt} {
		err := db.InScope(ctx, tenant.Scope{Kommune: k, Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
			_, err := tx.InsertMail(ctx, tenant.NewMail{Kind: tenant.MailKvittering, ToAddress: "k@example.invalid",
				From: "indberet@example.invalid", Subject: "Kvittering", Text: "x", HTML: "x", MessageID: "<" + k + "@x>", Status: s})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	owner := tenanttest.Owner(t, ownerURL)
	if _, err := owner.Exec(ctx, `INSERT INTO river_job (args, kind, max_attempts, priority, queue, state, finalized_at)
		VALUES ('{}', 'metrics_test', 1, 1, 'metrics_test', 'available', NULL),
		       ('{}', 'metrics_test', 1, 1, 'metrics_test', 'discarded', now()),
		       ('{}', 'metrics_test', 1, 1, 'metrics_test', 'discarded', now())`); err != nil {
		t.Fatal(err)
	}

	// The kommuner's delivery states (worker.DeliveryStates): 147 delivered, 101's job of
	// 2026M11 gave up, 751's is queued; before the run of the 14th none is late.
	tenanttest.FoerstePeriode(t, db, "2026M11")
	jobs := insertOnly(t, db)
	deliveryJob(t, db, jobs, "101", "2026M11", "discarded")
	deliveryJob(t, db, jobs, "751", "2026M11", "available")
	now := time.Date(2026, 12, 10, 12, 0, 0, 0, domain.Copenhagen)
	m := New()
	m.AddPool("web", db)
	m.AddPool("web", db) // once only
	m.AddDatabase(db, KommuneStates(jobs, db, func() time.Time { return now }), slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.ObserveRequest("GET", "/sager/:id", 200, 3*time.Millisecond)
	m.ObserveRequest("GET", "/sager/:id", 200, 30*time.Millisecond)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	fams := scrape(t, srv.URL)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"indberet_metrics_db_up", nil, 1},
		{"indberet_river_jobs", []string{"kind", "metrics_test", "state", "available"}, 1},
		{"indberet_river_jobs", []string{"kind", "metrics_test", "state", "discarded"}, 2},
		{"indberet_receipts", []string{"status", "fejlet"}, 1},
		{"indberet_receipts", []string{"status", "gemt_lokalt"}, 1},
		{"indberet_receipts", []string{"status", "sendt"}, 0},
		{"indberet_receipts", []string{"status", "afventer"}, 0},
		{"indberet_kommuner_delivery", []string{"state", "delivered"}, 1},
		{"indberet_kommuner_delivery", []string{"state", "failed"}, 1},
		{"indberet_kommuner_delivery", []string{"state", "queued"}, 1},
		{"indberet_kommuner_delivery", []string{"state", "forsinket"}, 0},
		{"indberet_kommuner_delivery", []string{"state", "afventer"}, 0},
		{"indberet_db_pool_max_connections", []string{"pool", "web"}, float64(db.ToolPool().Config().MaxConns)},
		{"indberet_http_requests_total", []string{"method", "GET", "route", "/sager/:id", "status", "200"}, 2},
		{"indberet_http_request_duration_seconds", []string{"method", "GET", "route", "/sager/:id"}, 2},
	} {
		if got, ok := value(fams, c.name, c.labels...); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if n := len(fams["indberet_db_pool_max_connections"].GetMetric()); n != 1 {
		t.Errorf("the pool added twice is shown %d times", n)
	}
	if total, ok := value(fams, "indberet_db_pool_total_connections", "pool", "web"); !ok || total < 1 {
		t.Errorf("pool total %v (%v), want at least the scrape's connection", total, ok)
	}
	if fams["go_goroutines"] == nil || fams["process_resident_memory_bytes"] == nil {
		t.Error("no Go runtime or process metrics")
	}

	// The database out of reach: the scrape answers, with what it has.
	tenanttest.ShutOut(t, db)
	fams = scrape(t, srv.URL)
	if up, ok := value(fams, "indberet_metrics_db_up"); !ok || up != 0 {
		t.Errorf("indberet_metrics_db_up = %v (%v) with the database out of reach, want 0", up, ok)
	}
	for _, name := range []string{"indberet_river_jobs", "indberet_receipts", "indberet_kommuner_delivery"} {
		if fams[name] != nil {
			t.Errorf("%s shown with the database out of reach: %v", name, fams[name])
		}
	}
	if _, ok := value(fams, "indberet_http_requests_total", "method", "GET", "route", "/sager/:id", "status", "200"); !ok {
		t.Error("the request metrics are gone with the database")
	}
	if _, ok := value(fams, "indberet_db_pool_max_connections", "pool", "web"); !ok {
		t.Error("the pool metrics are gone with the database")
	}
}

// insertOnly is a River client that only inserts and lists jobs, as the web's.
func insertOnly(t *testing.T, db *tenant.DB) *worker.Client {
	t.Helper()
	c, err := worker.NewClient(worker.Deps{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, worker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// deliveryJob puts a delivery_kommune job of kommune and periode in state: available, or
// discarded with a last error.
func deliveryJob(t *testing.T, db *tenant.DB, c *worker.Client, kommune, periode, state string) {
	t.Helper()
	ctx := context.Background()
	res, err := c.Insert(ctx, worker.DeliveryKommuneArgs{Kommune: kommune, Periode: periode}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if state == "discarded" {
		if _, err := db.ToolPool().Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now(), attempt = 10,
			errors = ARRAY[jsonb_build_object('at', now(), 'attempt', 10, 'error', 'boom')] WHERE id = $1`, res.Job.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKommuneStates (I9): the metric's label of each kommune follows worker.DeliveryStates:
// afventer until the run of the 14th at 02:00 plus domain.Indhentningsfrist, forsinket from
// then, also while its job is failed or queued; delivered once its leverance of the
// periode is there, and a leverance of another periode does not count.
func TestKommuneStates(t *testing.T) {
	ctx := context.Background()
	db, _ := tenanttest.DB(t)
	if _, err := demo.Load(ctx, db, accounts.NewStore(db)); err != nil {
		t.Fatal(err)
	}
	tenanttest.FoerstePeriode(t, db, "2026M10")
	for _, p := range []string{"2026M10", "2026M11"} {
		err := db.InScope(ctx, tenant.Scope{Kommune: "751", Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
			_, err := tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: p, SHA256: strings.Repeat("0", 64)}, []byte("<a/>"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	jobs := insertOnly(t, db)
	deliveryJob(t, db, jobs, "147", "2026M10", "discarded")
	at := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, domain.Copenhagen)
	}
	for _, c := range []struct {
		now  time.Time
		want map[string]int
	}{
		// 2026M10 was due 14-11-2026 02:00 + 2 h: 101 and 147 (failed) are late ever since.
		{at(12, 1, 0, 0), map[string]int{"delivered": 1, "forsinket": 2}},
		// Before 2026M10 was due: 147 failed, 101 waits.
		{at(11, 14, 3, 59), map[string]int{"delivered": 1, "failed": 1, "afventer": 1}},
		{at(11, 14, 4, 0), map[string]int{"delivered": 1, "forsinket": 2}},
		// 2026M12: 751 too has not delivered it, and it is not yet due.
		{at(1, 10, 12, 0).AddDate(1, 0, 0), map[string]int{"forsinket": 2, "afventer": 1}},
	} {
		got, err := KommuneStates(jobs, db, func() time.Time { return c.now })(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.now, got, c.want)
			continue
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s: %v, want %v", c.now, got, c.want)
			}
		}
	}
}

// BenchmarkObserveRequest is what the request middleware adds to a request (app/metrics.go):
// a counter and a histogram of an existing series.
func BenchmarkObserveRequest(b *testing.B) {
	m := New()
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("POST", "/indberetninger/:liste", 200, 5*time.Millisecond)
	}
}
