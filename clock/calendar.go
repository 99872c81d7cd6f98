// Package clock computes the redemption clock (申兑时限) of an application
// from its events: start, pauses, stop, deadline and status, over
// the Chinese statutory calendar of working and rest days.
package clock

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/huiqi/huiqi"
)

// holidaysJSON holds the State Council's annual holiday notices for
// 2023–2026; it is embedded so that a binary needs no files beside it.
//
//go:embed holidays.json
var holidaysJSON []byte

// Calendar tells working days from statutory rest days: weekends and public
// holidays are rest days, except the adjusted working days (调休) on which a
// weekend is worked. Outside the years its data covers (2023–2026 for
// Default) it knows no holidays, so only weekends count as rest days there.
type Calendar struct {
	// rest overrides the weekend rule: true for a holiday, false for an
	// adjusted working day.
	rest map[huiqi.Date]bool
}

// ParseCalendar reads a calendar in the format of holidays.json:
//
//	{"years": {"2024": {"off": ["2024-10-01", …], "work": ["2024-09-29", …]}}}
//
// A date both off and worked is an error.
func ParseCalendar(data []byte) (*Calendar, error) {
	var f struct {
		Years map[string]struct {
			Off  []string `json:"off"`
			Work []string `json:"work"`
		} `json:"years"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse calendar: %w", err)
	}
	c := &Calendar{rest: map[huiqi.Date]bool{}}
	for year, y := range f.Years {
		for _, list := range []struct {
			dates []string
			rest  bool
		}{{y.Off, true}, {y.Work, false}} {
			for _, s := range list.dates {
				d, err := huiqi.ParseDate(s)
				if err != nil {
					return nil, fmt.Errorf("parse calendar: year %s: %w", year, err)
				}
				if r, dup := c.rest[d]; dup && r != list.rest {
					return nil, fmt.Errorf("parse calendar: %s is both off and worked", s)
				}
				c.rest[d] = list.rest
			}
		}
	}
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
// 2023–2026. It is shared and must not be modified.
func Default() *Calendar { return defaultCalendar() }

// IsWorkingDay reports whether d is a working day.
func (c *Calendar) IsWorkingDay(d huiqi.Date) bool {
	if rest, ok := c.rest[d]; ok {
		return !rest
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// NextWorkingDay returns d if it is a working day, else the first working day
// after it: a deadline falling on a rest day moves there (民法典 第二百零三条).
func (c *Calendar) NextWorkingDay(d huiqi.Date) huiqi.Date {
	for !c.IsWorkingDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// AddWorkingDays returns the n-th working day after d; d itself is not
// counted. For n < 1 it returns d.
func (c *Calendar) AddWorkingDays(d huiqi.Date, n int) huiqi.Date {
	for n > 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween returns the number of working days in (a, b]: a is not
// counted, b is. It is 0 when b is not after a.
func (c *Calendar) WorkingDaysBetween(a, b huiqi.Date) int {
	n := 0
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}
