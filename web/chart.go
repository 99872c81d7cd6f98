package web

import (
	"strconv"

	"github.com/huiqi/huiqi/clock"
)

// chart is an SVG histogram of the running clocks, each case measured
// against its own limit: the share of its deadline used so far, in 5%
// bins, stacked by status. Policies have limits of their own, some in
// working days, so a common axis of days would put an overdue 20-day case
// left of a 45-day line. It is drawn on the server so that the dashboard
// needs no script and prints as it shows; each bar links to the list of
// its status.
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
	Class      string // bar-on_track, bar-at_risk, bar-overdue, bar-paused
	Title      string
	Href       string
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
	// A bin is 5% of a deadline; the axis runs to at least 150% and at
	// most 200%, where longer clocks share the last bin.
	binPct     = 5
	chartMinPc = 150
	chartMaxPc = 200
)

// stackOrder draws the healthy part of each bar at the bottom.
var stackOrder = []string{statusPaused, clock.StatusOnTrack, clock.StatusAtRisk, clock.StatusOverdue}

// chartStatusLabels name the stacked statuses in bar titles.
var chartStatusLabels = map[string]string{
	statusPaused: "中止计时", clock.StatusOnTrack: "正常计时", clock.StatusAtRisk: "超出提速目标", clock.StatusOverdue: "已超期",
}

// usedBin is the bin of a clock: (0,5%] is bin 0, (95%,100%] bin 19, so
// that the limit line between bins 19 and 20 parts the cases on time from
// the overdue ones.
func usedBin(elapsed, deadline int) int {
	if elapsed <= 0 || deadline <= 0 {
		return 0
	}
	pct := (elapsed*100 + deadline - 1) / deadline // rounded up
	return min((pct+binPct-1)/binPct-1, chartMaxPc/binPct)
}

// newChart draws the running clocks of rows; href gives the list a bar
// links to, by status.
func newChart(rows []clockRow, href func(status, department, policy string) string) chart {
	bins := chartMinPc / binPct
	counts := map[int]map[string]int{}
	n := 0
	targetPct, sameTarget := -1.0, true
	for _, r := range rows {
		c := r.Clock
		if c.AcceptedOn.IsZero() || !c.StoppedOn.IsZero() {
			continue // only running clocks have days still adding up
		}
		b := usedBin(c.ElapsedDays, c.DeadlineDays)
		bins = max(bins, b+1)
		if counts[b] == nil {
			counts[b] = map[string]int{}
		}
		counts[b][r.StatusClass]++
		n++
		t := float64(c.TargetDays) * 100 / float64(max(c.DeadlineDays, 1))
		if targetPct >= 0 && t != targetPct {
			sameTarget = false
		}
		targetPct = t
	}
	bins = min(bins+1, chartMaxPc/binPct+1)
	ch := chart{Width: chartWidth, Height: chartHeight, Count: n, Left: chartLeft, Bottom: chartHeight - chartBottom}
	plotW := chartWidth - chartLeft - chartRight
	plotH := chartHeight - chartTop - chartBottom
	x := func(bin int) int { return chartLeft + bin*plotW/bins }
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
	for b := 0; b < bins; b++ {
		m := counts[b]
		if m == nil {
			continue
		}
		label := "已用时限 " + strconv.Itoa(b*binPct) + "%–" + strconv.Itoa((b+1)*binPct) + "%"
		if b == chartMaxPc/binPct {
			label = "已用时限 " + strconv.Itoa(chartMaxPc) + "% 以上"
		}
		stacked := 0
		for _, status := range stackOrder {
			k := m[status]
			if k == 0 {
				continue
			}
			h := max(y(stacked+k)-y(stacked), 1)
			ch.Bars = append(ch.Bars, chartBar{
				X: x(b) + 1, Y: base - y(stacked) - h, W: max(x(b+1)-x(b)-2, 1), H: h,
				Class: "bar-" + status, Title: label + "：" + chartStatusLabels[status] + " " + strconv.Itoa(k) + " 件",
				Href: href(status, "", ""),
			})
			stacked += k
		}
	}
	limit := x(100 / binPct)
	ch.Lines = []chartLine{{X1: limit, Y1: chartTop - 6, X2: limit, Y2: base, Label: "100% 时限", LabelX: limit + 4, LabelY: chartTop - 10, Anchor: "start", Class: "line-limit"}}
	// One target line only when every case drawn shares the target's share
	// of its limit; otherwise the at-risk colour says it case by case.
	if n > 0 && sameTarget && targetPct < 100 {
		tx := chartLeft + int(targetPct*float64(plotW)/float64(bins*binPct))
		ch.Lines = append(ch.Lines, chartLine{X1: tx, Y1: chartTop - 6, X2: tx, Y2: base, Label: "提速目标", LabelX: tx - 4, LabelY: chartTop - 10, Anchor: "end", Class: "line-target"})
	}
	ch.Axis = chartLine{X1: chartLeft, Y1: base, X2: chartWidth - chartRight, Y2: base}
	for pc := 0; pc <= (bins-1)*binPct; pc += 25 {
		ch.XTicks = append(ch.XTicks, chartTick{X: x(pc / binPct), Y: base + 16, Label: strconv.Itoa(pc) + "%"})
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
