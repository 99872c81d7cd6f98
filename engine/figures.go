package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huiqi/huiqi"

	"github.com/huiqi/huiqi/metrics"
)

// counters are the engine's running totals, read by metrics.
type counters struct {
	evaluations atomic.Uint64
	matches     atomic.Uint64

	// The clock counts walk every application (about a second for
	// 100,000), so scrapes share one computation a minute.
	mu      sync.Mutex
	clock   map[string]map[string]int
	clockAt time.Time
}

// clockFigureAge is how long the clock counts of /metrics are reused.
const clockFigureAge = time.Minute

// counted records evaluations and matches found, and returns nothing so
// that call sites stay one line.
func (e *Engine) counted(evaluations, matches int) {
	e.stats.evaluations.Add(uint64(evaluations))
	e.stats.matches.Add(uint64(matches))
}

// Figures implements metrics.Source.
func (e *Engine) Figures(ctx context.Context) (metrics.Figures, error) {
	f := metrics.Figures{Evaluations: e.stats.evaluations.Load(), Matches: e.stats.matches.Load()}
	f.IndexLag, _ = e.IndexLag()
	if last := e.Calendar.LastCovered(); !last.IsZero() {
		f.CalendarLastCovered = last.Time().Unix()
	}
	f.CalendarNextYearMissing = e.Calendar.MissingNextYear(e.Today()) != 0
	clock, err := e.clockFigures(ctx)
	if err != nil {
		return f, err
	}
	f.Clock = clock
	hooks, err := e.DB.Webhooks(ctx)
	if err != nil {
		return f, err
	}
	if len(hooks) > 0 {
		last, err := e.DB.LastNotificationID(ctx)
		if err != nil {
			return f, err
		}
		for _, w := range hooks {
			f.OutboxBacklog = max(f.OutboxBacklog, last-w.DeliveredUpto)
			f.DeadDeliveries += int64(w.Dead)
		}
	}
	return f, nil
}

// clockFigures returns overdue and at-risk applications per department,
// computed at most once every clockFigureAge.
func (e *Engine) clockFigures(ctx context.Context) (map[string]map[string]int, error) {
	e.stats.mu.Lock()
	defer e.stats.mu.Unlock()
	now := e.Now()
	if e.stats.clock != nil && now.Sub(e.stats.clockAt) < clockFigureAge {
		return e.stats.clock, nil
	}
	stats, err := e.AuditStats(System(ctx), StatsQuery{AsOf: huiqi.DateOf(now), By: "department"})
	if err != nil {
		return nil, err
	}
	clock := map[string]map[string]int{}
	for _, g := range stats.Groups {
		clock[g.Key] = map[string]int{"overdue": g.Overdue, "at_risk": g.AtRisk}
	}
	e.stats.clock, e.stats.clockAt = clock, now
	return clock, nil
}

// Ready returns nil when the engine can answer: the database answers and
// the indexes have caught up. Otherwise the error says why.
func (e *Engine) Ready(ctx context.Context) error {
	if _, err := e.DB.EnterpriseCount(ctx); err != nil {
		// The cause goes to the log: /readyz is public, and a database
		// error names files and internals.
		e.Logger.Error("readiness: database", "err", err)
		return huiqi.Errorf(huiqi.EUnavailable, "数据库不可用")
	}
	if lag, caughtUp := e.IndexLag(); !caughtUp {
		return huiqi.Errorf(huiqi.EUnavailable, "索引正在重建")
	} else if lag > 0 {
		return huiqi.Errorf(huiqi.EUnavailable, "索引落后 %d 项变更", lag)
	}
	return nil
}
