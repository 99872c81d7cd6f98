// Package xlsx writes huiqi's lists as Excel workbooks for the people who
// open them: Chinese headers, a frozen header row, credit codes as text
// (a number would lose the digits past the fifteenth), dates as dates and
// money as numbers of yuan with two decimals. The CSV exports stay for
// scripts.
package xlsx

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/policies"
)

// ContentType is the media type of the workbooks.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// column is a column of a sheet: its header, width and the cell style of
// its values.
type column struct {
	Header string
	Width  float64
	Kind   kind
}

type kind int

const (
	general kind = iota
	text
	date
	datetime
	money
)

// sheet streams rows into a one-sheet workbook.
type sheet struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	styles map[kind]int
	cols   []column
	row    int
}

func newSheet(name string, cols []column) (*sheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	s := &sheet{f: f, sw: sw, styles: map[kind]int{}, cols: cols, row: 1}
	for k, st := range map[kind]*excelize.Style{
		text:     {NumFmt: 49}, // @: shown and kept as typed
		date:     {CustomNumFmt: ptr("yyyy-mm-dd")},
		datetime: {CustomNumFmt: ptr("yyyy-mm-dd hh:mm")},
		money:    {CustomNumFmt: ptr("#,##0.00")},
	} {
		if s.styles[k], err = f.NewStyle(st); err != nil {
			return nil, err
		}
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEF2F7"}}})
	if err != nil {
		return nil, err
	}
	// The header row stays in view while scrolling.
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	values := make([]any, len(cols))
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
			return nil, err
		}
		values[i] = excelize.Cell{StyleID: head, Value: c.Header}
	}
	return s, s.add(values)
}

func ptr[T any](v T) *T { return &v }

// add writes a row of values as they are.
func (s *sheet) add(values []any) error {
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return err
	}
	s.row++
	return s.sw.SetRow(cell, values)
}

// put writes a row, each value styled by its column; nil and zero dates
// leave the cell empty.
func (s *sheet) put(values ...any) error {
	row := make([]any, len(values))
	for i, v := range values {
		switch x := v.(type) {
		case huiqi.Date:
			if x.IsZero() {
				continue
			}
			v = wallClock(x.Time())
		case time.Time:
			v = wallClock(x)
		case *huiqi.Money:
			if x == nil {
				continue
			}
			v = yuan(*x)
		case huiqi.Money:
			v = yuan(x)
		}
		row[i] = excelize.Cell{StyleID: s.styles[s.cols[i].Kind], Value: v}
	}
	return s.add(row)
}

// wallClock is the Shanghai wall-clock time of t as a zone-less value:
// Excel's dates have no zone, and the reader wants the date of the record.
func wallClock(t time.Time) time.Time {
	t = t.In(huiqi.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// yuan is an amount as the number of yuan Excel stores. Excel keeps
// numbers as binary doubles; the two-decimal format shows the fen exactly.
func yuan(m huiqi.Money) float64 { return float64(m) / float64(huiqi.Yuan) }

// finish writes the workbook to w.
func (s *sheet) finish(w io.Writer) error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	_, err := s.f.WriteTo(w)
	return err
}

var clockColumns = []column{
	{"申请编号", 10, general}, {"政策名称", 36, general}, {"政策版本", 8, general}, {"主管部门", 24, general},
	{"统一社会信用代码", 22, text}, {"企业名称", 30, general}, {"办理状态", 10, general}, {"时限状态", 14, general},
	{"申请时间", 17, datetime}, {"受理日期", 12, date}, {"截止日期", 12, date}, {"办结日期", 12, date},
	{"已用", 8, general}, {"中止天数", 8, general}, {"时限", 8, general}, {"提速目标", 8, general}, {"计时单位", 8, general},
	{"批准金额（元）", 16, money}, {"兑现金额（元）", 16, money},
}

// Clock writes the clock list of q, as the engine's AuditClock gives it to
// the caller, as a workbook. Nothing is written when the caller may not
// read it; the error is then the engine's.
func Clock(ctx context.Context, e *engine.Engine, q engine.ClockQuery, w io.Writer, labels Labels) error {
	var items []*engine.Application
	pg := engine.Page{Limit: huiqi.MaxLimit}
	for {
		l, err := e.AuditClock(ctx, q, pg)
		if err != nil {
			return err
		}
		items = append(items, l.Items...)
		if l.Next == nil {
			break
		}
		pg.After = *l.Next
	}
	s, err := newSheet("申兑时限", clockColumns)
	if err != nil {
		return err
	}
	if labels.State == nil {
		labels.State = func(a *engine.Application) string { return a.State }
	}
	if labels.Status == nil {
		labels.Status = func(a *engine.Application) string { return a.Clock.Status }
	}
	units := map[string]string{}
	for _, a := range items {
		key := a.PolicyID + "@" + strconv.Itoa(a.PolicyVersion)
		unit, ok := units[key]
		if !ok {
			unit = "天"
			if p, err := e.FindPolicy(ctx, a.PolicyID, a.PolicyVersion); err == nil && p.Clock == policies.ClockWorkingDays {
				unit = "工作日"
			}
			units[key] = unit
		}
		c := a.Clock
		var elapsed, paused any
		if !c.AcceptedOn.IsZero() {
			elapsed, paused = c.ElapsedDays, c.PausedDays
		}
		if err := s.put(a.ID, a.PolicyTitle, a.PolicyVersion, a.Department, a.CreditCode, a.EnterpriseName,
			labels.State(a), labels.Status(a), a.OpenedAt, c.AcceptedOn, c.DeadlineOn, c.StoppedOn,
			elapsed, paused, c.DeadlineDays, c.TargetDays, unit, a.AmountApproved, a.AmountDisbursed); err != nil {
			return err
		}
	}
	return s.finish(w)
}

// Labels names an application's state and clock status in words; the
// pages supply theirs, so that the workbook reads as the screen does. A
// zero Labels writes the codes.
type Labels struct {
	State  func(*engine.Application) string
	Status func(*engine.Application) string
}

var matchColumns = []column{
	{"统一社会信用代码", 22, text}, {"企业名称", 36, general}, {"预计金额（元）", 16, money}, {"测算日期", 12, date},
}

// Matches writes the enterprises eligible for a published policy on day,
// as the engine's PolicyMatches gives them to the caller, as a workbook.
func Matches(ctx context.Context, e *engine.Engine, id string, day huiqi.Date, w io.Writer) error {
	pg := engine.Page{Limit: huiqi.MaxLimit}
	var s *sheet
	for {
		pv, err := e.PolicyMatches(ctx, id, day, "", pg)
		if err != nil {
			return err
		}
		if s == nil {
			if s, err = newSheet("匹配企业", matchColumns); err != nil {
				return err
			}
		}
		for _, h := range pv.Items {
			if err := s.put(h.CreditCode, h.Name, h.Amount, day); err != nil {
				return err
			}
		}
		if pv.Next == nil {
			break
		}
		pg.After = *pv.Next
	}
	return s.finish(w)
}
