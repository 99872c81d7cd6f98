// Package metrics exposes huiqi's figures in the Prometheus text format; it
// is the only importer of the Prometheus client.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Figures are the gauges and counters read from the engine at scrape time,
// so that the engine needs no metrics code.
type Figures struct {
	Evaluations    uint64 // policy × profile evaluations
	Matches        uint64 // eligible verdicts found
	OutboxBacklog  int64  // notifications not yet delivered to every webhook
	DeadDeliveries int64
	IndexLag       int64 // changes SQLite has that the indexes do not
	// Clock counts applications per department and clock status
	// (overdue, at_risk).
	Clock map[string]map[string]int
	// CalendarLastCovered is the last day the statutory calendar covers,
	// as the Unix time of its start in Asia/Shanghai; 0 for none.
	CalendarLastCovered int64
	// CalendarNextYearMissing is set from 1 October while next year's
	// holiday notice is missing.
	CalendarNextYearMissing bool
}

// Source yields the figures.
type Source interface {
	Figures(ctx context.Context) (Figures, error)
}

// Metrics holds the collectors of one server.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.HistogramVec
}

// New returns the metrics of a server whose engine figures come from src.
func New(src Source) *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "huiqi_http_request_duration_seconds",
		Help:    "HTTP request latency by route and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "status"})
	m.registry.MustRegister(m.requests, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&figureCollector{src: src})
	return m
}

// ObserveRequest records one request.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

var (
	descEvaluations = prometheus.NewDesc("huiqi_evaluations_total", "Policy × profile evaluations.", nil, nil)
	descMatches     = prometheus.NewDesc("huiqi_matches_total", "Eligible verdicts found.", nil, nil)
	descBacklog     = prometheus.NewDesc("huiqi_outbox_backlog", "Notifications not yet delivered to every webhook subscriber.", nil, nil)
	descDead        = prometheus.NewDesc("huiqi_webhook_dead_deliveries", "Webhook deliveries given up on.", nil, nil)
	descIndexLag    = prometheus.NewDesc("huiqi_index_lag", "Changes committed to SQLite that the indexes have not applied.", nil, nil)
	descCalendar    = prometheus.NewDesc("huiqi_calendar_last_covered_date_seconds", "Start of the last day the statutory calendar covers (Unix time).", nil, nil)
	descCalMissing  = prometheus.NewDesc("huiqi_calendar_next_year_missing", "1 from 1 October while next year's holiday notice is not in the calendar.", nil, nil)
	descClock       = prometheus.NewDesc("huiqi_applications_by_clock_status", "Open applications by department and redemption clock status.", []string{"department", "status"}, nil)
)

// figureCollector reads the engine's figures at scrape time.
type figureCollector struct {
	src Source
}

func (c *figureCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descEvaluations, descMatches, descBacklog, descDead, descIndexLag, descClock, descCalendar, descCalMissing} {
		ch <- d
	}
}

func (c *figureCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f, err := c.src.Figures(ctx)
	if err != nil {
		slog.Error("metrics figures", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descEvaluations, prometheus.CounterValue, float64(f.Evaluations))
	ch <- prometheus.MustNewConstMetric(descMatches, prometheus.CounterValue, float64(f.Matches))
	ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(f.OutboxBacklog))
	ch <- prometheus.MustNewConstMetric(descDead, prometheus.GaugeValue, float64(f.DeadDeliveries))
	ch <- prometheus.MustNewConstMetric(descIndexLag, prometheus.GaugeValue, float64(f.IndexLag))
	ch <- prometheus.MustNewConstMetric(descCalendar, prometheus.GaugeValue, float64(f.CalendarLastCovered))
	missing := 0.0
	if f.CalendarNextYearMissing {
		missing = 1
	}
	ch <- prometheus.MustNewConstMetric(descCalMissing, prometheus.GaugeValue, missing)
	for dept, byStatus := range f.Clock {
		for status, n := range byStatus {
			ch <- prometheus.MustNewConstMetric(descClock, prometheus.GaugeValue, float64(n), dept, status)
		}
	}
}
