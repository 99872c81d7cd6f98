package web

import (
	"strconv"

	"github.com/huiqi/huiqi/clock"
)

// chart is an SVG histogram of the elapsed days of the running clocks,
// stacked by clock status, with the 40-day target and the 45-day limit as
// vertical lines. It is drawn on the server so that the dashboard needs no
// script and prints as it shows.
type chart struct {
	Width, Height int
	Bars          []chartBar
	Lines         []chartLine
	XTicks        []chartTick
	YTicks        []chartTick
	Axis          chartLine // the x axis
	Count         int       // running clocks drawn
	Left, Bottom  int
}

type chartBar struct {
	X, Y, W, H int
	Class      string // bar-on_track, bar-at_risk, bar-overdue
	Title      string
}

type chartLine struct {
	X1, Y1, X2, Y2 int
	Label          string
	LabelX, LabelY int
	Anchor         string
	Class          string
}

type chartTick struct {
	X, Y  int
	Label string
}

// Chart geometry, in SVG user units; the SVG scales to the screen's width.
const (
	chartWidth  = 720
	chartHeight = 260
	chartLeft   = 44
	chartRight  = 12
	chartTop    = 30
	chartBottom = 34
	// chartMinDays and chartMaxDays bound the days axis: it always shows
	// the limit with room to spare, and longer clocks share the last bar.
	chartMinDays = 60
	chartMaxDays = 120
	// The reference lines: the statutory limit of 45 days and the target of 40.
	limitDays  = 45
	targetDays = 40
)

// stackOrder draws the healthy part of each bar at the bottom.
var stackOrder = []string{clock.StatusOnTrack, clock.StatusAtRisk, clock.StatusOverdue}

// newChart draws the running clocks: each day of elapsed time is one bar,
// stacked by status.
func newChart(clocks []clock.Clock) chart {
	days := chartMinDays
	counts := map[int]map[string]int{}
	n := 0
	for _, c := range clocks {
		if c.AcceptedOn.IsZero() || !c.StoppedOn.IsZero() {
			continue // only running clocks have days still adding up
		}
		d := min(max(c.ElapsedDays, 0), chartMaxDays)
		days = max(days, d+1)
		if counts[d] == nil {
			counts[d] = map[string]int{}
		}
		counts[d][c.Status]++
		n++
	}
	ch := chart{Width: chartWidth, Height: chartHeight, Count: n, Left: chartLeft, Bottom: chartHeight - chartBottom}
	plotW := chartWidth - chartLeft - chartRight
	plotH := chartHeight - chartTop - chartBottom
	bins := days + 1 // day 0 to days
	x := func(day int) int { return chartLeft + day*plotW/bins }
	peak := 0
	for _, m := range counts {
		total := 0
		for _, k := range m {
			total += k
		}
		peak = max(peak, total)
	}
	top := niceCeil(max(peak, 1))
	y := func(count int) int { return count * plotH / top }
	base := chartHeight - chartBottom
	for d := 0; d <= days; d++ {
		m := counts[d]
		if m == nil {
			continue
		}
		stacked := 0
		for _, status := range stackOrder {
			k := m[status]
			if k == 0 {
				continue
			}
			h := max(y(stacked+k)-y(stacked), 1)
			label := strconv.Itoa(d)
			if d == chartMaxDays {
				label += "天及以上"
			} else {
				label += "天"
			}
			ch.Bars = append(ch.Bars, chartBar{
				X: x(d) + 1, Y: base - y(stacked) - h, W: max(x(d+1)-x(d)-2, 1), H: h,
				Class: "bar-" + status, Title: "已用" + label + "：" + clockStatusLabels[status] + " " + strconv.Itoa(k) + " 件",
			})
			stacked += k
		}
	}
	// The lines sit after the last day that still meets them: 40 days used
	// is on target, 41 is not.
	ch.Lines = []chartLine{
		{X1: x(targetDays + 1), Y1: chartTop - 6, X2: x(targetDays + 1), Y2: base, Label: "40天目标", LabelX: x(targetDays+1) - 4, LabelY: chartTop - 10, Anchor: "end", Class: "line-target"},
		{X1: x(limitDays + 1), Y1: chartTop - 6, X2: x(limitDays + 1), Y2: base, Label: "45天时限", LabelX: x(limitDays+1) + 4, LabelY: chartTop - 10, Anchor: "start", Class: "line-limit"},
	}
	ch.Axis = chartLine{X1: chartLeft, Y1: base, X2: chartWidth - chartRight, Y2: base}
	for d := 0; d <= days; d += 10 {
		ch.XTicks = append(ch.XTicks, chartTick{X: x(d) + (x(d+1)-x(d))/2, Y: base + 16, Label: strconv.Itoa(d)})
	}
	for _, k := range []int{0, top / 2, top} {
		ch.YTicks = append(ch.YTicks, chartTick{X: chartLeft - 6, Y: base - y(k) + 4, Label: strconv.Itoa(k)})
	}
	return ch
}

// niceCeil rounds a count up to 2, 4 or 10 times a power of ten, so that
// the axis reads in round numbers and its midpoint is whole.
func niceCeil(n int) int {
	p := 1
	for {
		for _, m := range []int{2, 4, 10} {
			if n <= m*p {
				return m * p
			}
		}
		p *= 10
	}
}
