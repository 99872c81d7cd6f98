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
	src       Source
	registry  *prometheus.Registry // everything but the engine's figures
	requests  *prometheus.HistogramVec
	throttled *prometheus.CounterVec
	limits    *prometheus.GaugeVec
}

// New returns the metrics of a server whose engine figures come from src.
func New(src Source) *Metrics {
	m := &Metrics{src: src, registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "huiqi_http_request_duration_seconds",
		Help:    "HTTP request latency by route and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "status"})
	m.throttled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "huiqi_throttled_total",
		Help: "Requests answered 429 by throttle (auth_failures, anonymous, bulk).",
	}, []string{"limit"})
	m.limits = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "huiqi_rate_limit_per_second",
		Help: "Configured throttle rates in events per second (0: off); bursts are a period's worth.",
	}, []string{"limit"})
	m.registry.MustRegister(m.requests, m.throttled, m.limits,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest records one request.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// Throttled counts one request refused by the named throttle.
func (m *Metrics) Throttled(limit string) { m.throttled.WithLabelValues(limit).Inc() }

// SetLimit publishes a throttle's configured rate.
func (m *Metrics) SetLimit(limit string, perSecond float64) {
	m.limits.WithLabelValues(limit).Set(perSecond)
	m.throttled.WithLabelValues(limit).Add(0) // shown at 0 before the first refusal
}

// Scope is what a scrape may see of the per-department figures.
type Scope struct {
	// All shows every department's figures.
	All bool
	// Department, when All is false, shows that department's figures.
	Department string
}

// Handler serves the metrics as scope allows. The per-department clock
// counts (overdue, at risk) are the departments' own business: a scrape
// sees those of its scope, and every scrape sees their totals.
func (m *Metrics) Handler(scope Scope) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		figures := prometheus.NewRegistry()
		figures.MustRegister(&figureCollector{src: m.src, scope: scope})
		promhttp.HandlerFor(prometheus.Gatherers{m.registry, figures}, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	})
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
	descClockTotal  = prometheus.NewDesc("huiqi_applications_by_clock_status_total", "Open applications of all departments by redemption clock status.", []string{"status"}, nil)
)

// figureCollector reads the engine's figures at scrape time.
type figureCollector struct {
	src   Source
	scope Scope
}

func (c *figureCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descEvaluations, descMatches, descBacklog, descDead, descIndexLag, descClock, descClockTotal, descCalendar, descCalMissing} {
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
	total := map[string]int{"overdue": 0, "at_risk": 0}
	for dept, byStatus := range f.Clock {
		for status, n := range byStatus {
			total[status] += n
			if c.scope.All || (c.scope.Department != "" && c.scope.Department == dept) {
				ch <- prometheus.MustNewConstMetric(descClock, prometheus.GaugeValue, float64(n), dept, status)
			}
		}
	}
	for status, n := range total {
		ch <- prometheus.MustNewConstMetric(descClockTotal, prometheus.GaugeValue, float64(n), status)
	}
}
