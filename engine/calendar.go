package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
)

// loadCalendar adds the operators' stored years to the calendar: each
// replaces the embedded year of the same number. A year already in force
// as stored is left alone, so that reloading costs nothing when nothing
// changed.
func (e *Engine) loadCalendar(ctx context.Context) error {
	years, err := e.DB.CalendarYears(ctx)
	if err != nil {
		return err
	}
	inForce := map[int]clock.YearInfo{}
	for _, y := range e.Calendar.Years() {
		inForce[y.Year] = y
	}
	for _, sy := range years {
		if cur := inForce[sy.Year]; cur.Origin == clock.OriginOperator && cur.Actor == sy.Actor && cur.At.Equal(sy.At) {
			continue
		}
		y, err := clock.ParseYear(sy.Year, sy.Document)
		if err != nil {
			return fmt.Errorf("stored calendar year %d: %w", sy.Year, err)
		}
		e.Calendar.SetYear(y, clock.YearInfo{Year: sy.Year, Origin: clock.OriginOperator, Actor: sy.Actor, At: sy.At})
	}
	return nil
}

// PutCalendarYear adds or corrects a year of the statutory calendar from an
// operator's document (admin): validated by clock.ParseYear, stored with the
// actor and the time, and in force at once, so that every clock computed
// afterwards counts with it. It returns EInvalid naming the field, or
// EForbidden; nothing is stored on error.
func (e *Engine) PutCalendarYear(ctx context.Context, year int, doc []byte) (*clock.YearInfo, error) {
	t, err := require(ctx, huiqi.RoleAdmin)
	if err != nil {
		return nil, err
	}
	y, err := clock.ParseYear(year, doc)
	if err != nil {
		return nil, err
	}
	norm, err := json.Marshal(y)
	if err != nil {
		return nil, err
	}
	info := clock.YearInfo{Year: year, Origin: clock.OriginOperator, Actor: t.Actor(), At: e.Now()}
	if err := e.DB.PutCalendarYear(ctx, huiqi.CalendarYear{Year: year, Document: norm, Source: y.Source, Actor: info.Actor, At: info.At}); err != nil {
		return nil, err
	}
	e.Calendar.SetYear(y, info)
	for _, got := range e.Calendar.Years() {
		if got.Year == year {
			return &got, nil
		}
	}
	return &info, nil
}

// CalendarStatus is what the calendar covers and whether it runs out soon.
type CalendarStatus struct {
	Years       []clock.YearInfo `json:"years"`
	LastCovered huiqi.Date       `json:"last_covered"`
	// Warning is set from 1 October when next year's notice is missing.
	Warning string `json:"warning,omitempty"`
}

// CalendarYears returns the years the calendar covers with their sources
// (any caller with a token). It returns EUnauthorized.
func (e *Engine) CalendarYears(ctx context.Context) (*CalendarStatus, error) {
	if _, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleAuditor, huiqi.RoleOfficial, huiqi.RoleEnterprise); err != nil {
		return nil, err
	}
	return &CalendarStatus{Years: e.Calendar.Years(), LastCovered: e.Calendar.LastCovered(), Warning: e.CalendarWarning()}, nil
}

// CalendarWarning returns, from 1 October when the calendar lacks next
// year's notice, the warning that deadlines running into it are
// provisional; "" otherwise.
func (e *Engine) CalendarWarning() string {
	y := e.Calendar.MissingNextYear(e.Today())
	if y == 0 {
		return ""
	}
	return fmt.Sprintf("日历尚未包含 %d 年的节假日安排：跨入 %d 年的时限为暂定（calendar_provisional）。国务院办公厅通知发布后，请用 huiqi calendar import 或 PUT /v1/calendar/%d 导入", y, y, y)
}
