// Package clock computes the redemption clock (申兑时限) of an application
// from its events: start, pauses, stop, deadline and status, over
// the Chinese statutory calendar of working and rest days.
package clock

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/huiqi/huiqi"
)

// holidaysJSON holds the State Council's annual holiday notices for
// 2023–2027; it is embedded so that a binary needs no files beside it.
// Operators add later years as data (Calendar.SetYear).
//
//go:embed holidays.json
var holidaysJSON []byte

// Origins of a calendar year.
const (
	OriginEmbedded = "embedded" // shipped in the binary
	OriginOperator = "operator" // added or corrected by an operator
)

// Calendar tells working days from statutory rest days: weekends and public
// holidays are rest days, except the adjusted working days (调休) on which a
// weekend is worked. Outside the years its data covers it knows no
// holidays, so only weekends count as rest days there, and a deadline there
// is provisional. A Calendar is safe for concurrent use: SetYear replaces
// its data as a whole, so a reader sees the years before or after.
type Calendar struct {
	data atomic.Pointer[calendarData]
}

// calendarData is one state of a Calendar; it is never modified once
// published.
type calendarData struct {
	// rest overrides the weekend rule: true for a holiday, false for an
	// adjusted working day.
	rest  map[huiqi.Date]bool
	years map[int]YearInfo
}

// Year is one year of the calendar as an operator sends it: its public
// holidays, the weekends inside a holiday block included (off), and its
// adjusted working days (work), from the notice named by source.
type Year struct {
	Source string   `json:"source"`
	Off    []string `json:"off"`
	Work   []string `json:"work"`
}

// YearInfo describes a covered year: where its data comes from, and for an
// operator's year who set it and when.
type YearInfo struct {
	Year   int       `json:"year"`
	Origin string    `json:"origin"`
	Source string    `json:"source"`
	Off    int       `json:"off_days"`
	Work   int       `json:"work_days"`
	Actor  string    `json:"actor,omitempty"`
	At     time.Time `json:"at,omitzero"`
}

// ParseCalendar reads a calendar in the format of holidays.json:
//
//	{"years": {"2024": {"source": ["…"], "off": ["2024-10-01", …], "work": ["2024-09-29", …]}}}
//
// A date both off and worked is an error.
func ParseCalendar(data []byte) (*Calendar, error) {
	var f struct {
		Years map[string]struct {
			Source []string `json:"source"`
			Off    []string `json:"off"`
			Work   []string `json:"work"`
		} `json:"years"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse calendar: %w", err)
	}
	d := &calendarData{rest: map[huiqi.Date]bool{}, years: map[int]YearInfo{}}
	for year, y := range f.Years {
		n, err := strconv.Atoi(year)
		if err != nil {
			return nil, fmt.Errorf("parse calendar: year %q", year)
		}
		for _, list := range []struct {
			dates []string
			rest  bool
		}{{y.Off, true}, {y.Work, false}} {
			for _, s := range list.dates {
				day, err := huiqi.ParseDate(s)
				if err != nil {
					return nil, fmt.Errorf("parse calendar: year %s: %w", year, err)
				}
				if r, dup := d.rest[day]; dup && r != list.rest {
					return nil, fmt.Errorf("parse calendar: %s is both off and worked", s)
				}
				d.rest[day] = list.rest
			}
		}
		d.years[n] = YearInfo{Year: n, Origin: OriginEmbedded, Source: strings.Join(y.Source, "; "), Off: len(y.Off), Work: len(y.Work)}
	}
	c := &Calendar{}
	c.data.Store(d)
	return c, nil
}

// defaultCalendar parses the embedded data once; it is checked by the tests,
// so a failure here is a build defect.
var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := ParseCalendar(holidaysJSON)
	if err != nil {
		panic(err)
	}
	return c
})

// Default returns the calendar of the embedded State Council notices,
// 2023–2027. It is shared and must not be modified: New gives one that may.
func Default() *Calendar { return defaultCalendar() }

// New returns a calendar of the embedded notices that an operator's years
// may be added to.
func New() *Calendar {
	c := &Calendar{}
	c.data.Store(defaultCalendar().load())
	return c
}

// load returns the current data; a zero Calendar has none.
func (c *Calendar) load() *calendarData {
	if d := c.data.Load(); d != nil {
		return d
	}
	return &calendarData{}
}

// ParseYear reads and validates an operator's year: every date a valid
// date inside the year, none both off and worked, every worked day on a
// weekend, and every off day inside a holiday block, a run of consecutive
// off days holding at least one weekday (a weekend listed on its own is
// already a rest day, so listing it is a mistake). The error is EInvalid
// naming the field, such as "off[3]".
func ParseYear(year int, doc []byte) (*Year, error) {
	if year < 2000 || year > 2100 {
		return nil, huiqi.FieldErrorf("year", "年份应为 2000 至 2100，收到 %d", year)
	}
	var y Year
	if err := huiqi.DecodeJSON(doc, &y); err != nil {
		return nil, err
	}
	if strings.TrimSpace(y.Source) == "" {
		return nil, huiqi.FieldErrorf("source", "须注明依据的国务院办公厅通知（标题或网址）")
	}
	if len(y.Off) == 0 {
		return nil, huiqi.FieldErrorf("off", "须列出 %d 年的法定节假日", year)
	}
	seen := map[huiqi.Date]string{}
	read := func(field string, list []string) ([]huiqi.Date, error) {
		out := make([]huiqi.Date, len(list))
		for i, s := range list {
			path := huiqi.IndexPath(field, i)
			d, err := huiqi.ParseDate(s)
			if err != nil {
				return nil, huiqi.FieldErrorf(path, "日期格式应为 YYYY-MM-DD，收到 %q", s)
			}
			if d.Time().Year() != year {
				return nil, huiqi.FieldErrorf(path, "%s 不在 %d 年内", s, year)
			}
			if other, dup := seen[d]; dup {
				if other == field {
					return nil, huiqi.FieldErrorf(path, "%s 重复列出", s)
				}
				return nil, huiqi.FieldErrorf(path, "%s 不能既是节假日又是调休上班日", s)
			}
			seen[d] = field
			out[i] = d
		}
		return out, nil
	}
	off, err := read("off", y.Off)
	if err != nil {
		return nil, err
	}
	work, err := read("work", y.Work)
	if err != nil {
		return nil, err
	}
	for i, d := range work {
		if !weekend(d) {
			return nil, huiqi.FieldErrorf(huiqi.IndexPath("work", i), "调休上班日 %s 是%s，应为周六或周日", d, weekdayNames[d.Weekday()])
		}
	}
	isOff := func(d huiqi.Date) bool { return seen[d] == "off" }
	for i, d := range off {
		// The block of d: the run of consecutive off days around it.
		from, to := d, d
		for isOff(from.AddDays(-1)) {
			from = from.AddDays(-1)
		}
		for isOff(to.AddDays(1)) {
			to = to.AddDays(1)
		}
		weekday := false
		for x := from; !x.After(to); x = x.AddDays(1) {
			weekday = weekday || !weekend(x)
		}
		if !weekday {
			return nil, huiqi.FieldErrorf(huiqi.IndexPath("off", i), "%s 是周末，本就休息：节假日只列连休内的日期", d)
		}
	}
	return &y, nil
}

var weekdayNames = map[time.Weekday]string{
	time.Monday: "周一", time.Tuesday: "周二", time.Wednesday: "周三", time.Thursday: "周四",
	time.Friday: "周五", time.Saturday: "周六", time.Sunday: "周日",
}

func weekend(d huiqi.Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// SetYear replaces the year info.Year of the calendar with y, validated by
// ParseYear: its holidays and working days replace the year's old ones.
func (c *Calendar) SetYear(y *Year, info YearInfo) {
	old := c.load()
	d := &calendarData{rest: make(map[huiqi.Date]bool, len(old.rest)), years: maps.Clone(old.years)}
	if d.years == nil {
		d.years = map[int]YearInfo{}
	}
	for day, r := range old.rest {
		if day.Time().Year() != info.Year {
			d.rest[day] = r
		}
	}
	for _, list := range []struct {
		dates []string
		rest  bool
	}{{y.Off, true}, {y.Work, false}} {
		for _, s := range list.dates {
			day, err := huiqi.ParseDate(s)
			if err != nil {
				panic(fmt.Sprintf("SetYear: %q: the year was not validated", s))
			}
			d.rest[day] = list.rest
		}
	}
	info.Source, info.Off, info.Work = y.Source, len(y.Off), len(y.Work)
	d.years[info.Year] = info
	c.data.Store(d)
}

// Covers reports whether the calendar holds the notice of a year.
func (c *Calendar) Covers(year int) bool {
	_, ok := c.load().years[year]
	return ok
}

// Years returns the covered years in order.
func (c *Calendar) Years() []YearInfo {
	years := c.load().years
	out := make([]YearInfo, 0, len(years))
	for _, y := range slices.Sorted(maps.Keys(years)) {
		out = append(out, years[y])
	}
	return out
}

// LastCovered returns the last day of the latest covered year, zero when
// no year is covered.
func (c *Calendar) LastCovered() huiqi.Date {
	years := c.load().years
	if len(years) == 0 {
		return huiqi.Date{}
	}
	return huiqi.NewDate(slices.Max(slices.Collect(maps.Keys(years))), 12, 31)
}

// MissingNextYear returns the year after today's when today is on or after
// 1 October and the calendar does not cover that year: the notice is due
// (the State Council publishes it late in the year) and deadlines running
// into it are provisional. It returns 0 otherwise.
func (c *Calendar) MissingNextYear(today huiqi.Date) int {
	next := today.Time().Year() + 1
	if today.Time().Month() >= time.October && !c.Covers(next) {
		return next
	}
	return 0
}

// provisional reports whether any year from a to b is not covered.
func (c *Calendar) provisional(a, b huiqi.Date) bool {
	years := c.load().years
	for y := a.Time().Year(); y <= b.Time().Year(); y++ {
		if _, ok := years[y]; !ok {
			return true
		}
	}
	return false
}

// IsWorkingDay reports whether d is a working day.
func (c *Calendar) IsWorkingDay(d huiqi.Date) bool {
	return c.load().isWorkingDay(d)
}

func (d *calendarData) isWorkingDay(day huiqi.Date) bool {
	if rest, ok := d.rest[day]; ok {
		return !rest
	}
	return !weekend(day)
}

// NextWorkingDay returns d if it is a working day, else the first working day
// after it: a deadline falling on a rest day moves there (民法典 第二百零三条).
func (c *Calendar) NextWorkingDay(d huiqi.Date) huiqi.Date {
	data := c.load()
	for !data.isWorkingDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// AddWorkingDays returns the n-th working day after d; d itself is not
// counted. For n < 1 it returns d.
func (c *Calendar) AddWorkingDays(d huiqi.Date, n int) huiqi.Date {
	data := c.load()
	for n > 0 {
		d = d.AddDays(1)
		if data.isWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween returns the number of working days in (a, b]: a is not
// counted, b is. It is 0 when b is not after a.
func (c *Calendar) WorkingDaysBetween(a, b huiqi.Date) int {
	data := c.load()
	n := 0
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		if data.isWorkingDay(d) {
			n++
		}
	}
	return n
}
