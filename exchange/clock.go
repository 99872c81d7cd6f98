// Package exchange reads and writes the files huiqi exchanges with other
// systems, apart from the workbooks people open (package xlsx): the clock
// list as CSV for programs and for Excel, enterprise profiles as CSV from
// a spreadsheet, and historical applications as NDJSON from the platform
// huiqi replaces. It goes through the engine's methods, so that a file
// shows and takes exactly what the caller may read and write. (Profiles as
// NDJSON, the bulk path, are read by the engine's own fast decoder.)
package exchange

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/policies"
)

// clockHeader is the header row of the clock list, in Chinese for the
// officials who open it in Excel.
var clockHeader = []string{
	"申请编号", "政策编号", "政策版本", "政策名称", "主管部门", "统一社会信用代码", "企业名称",
	"状态", "申请时间", "受理日期", "视为受理", "截止日期", "办结日期",
	"已用天数", "暂停天数", "时限天数", "目标天数", "计时方式", "时限状态",
	"批准金额（元）", "兑现金额（元）", "批准时测算金额（元）", "批准金额超出测算", "部门审核",
}

// clockStatusLabels name the clock statuses in Chinese.
var clockStatusLabels = map[string]string{
	clock.StatusNotStarted: "未开始计时",
	clock.StatusOnTrack:    "正常计时",
	clock.StatusAtRisk:     "超出提速目标",
	clock.StatusOverdue:    "已超期",
	clock.StatusMetTarget:  "提速兑现",
	clock.StatusOnTime:     "按时兑现",
	clock.StatusLate:       "超期兑现",
	clock.StatusClosed:     "已终结（驳回或撤回）",
}

// stateLabels name application states in Chinese.
var stateLabels = map[string]string{
	huiqi.StateSubmitted: "已申报", huiqi.StateOffered: "待确认", huiqi.StateAccepted: "已受理",
	huiqi.StatePaused: "中止计时", huiqi.StateApproved: "已批准", huiqi.StateDisbursed: "已兑现",
	huiqi.StateRejected: "已驳回", huiqi.StateWithdrawn: "已撤回",
}

// ClockCSV writes the whole clock list of q, as the engine's AuditClock
// gives it to the caller, as CSV that Excel opens as it is: UTF-8 with a
// byte order mark, CRLF line ends, Chinese headers and labels. Nothing is
// written when the first page is refused, so that the error can still be
// the response: EInvalid for a bad status, EForbidden. Errors of w are
// returned as they are.
func ClockCSV(ctx context.Context, e *engine.Engine, q engine.ClockQuery, w io.Writer) error {
	pg := engine.Page{Limit: huiqi.MaxLimit}
	var cw *csv.Writer
	units := map[string]string{}
	for {
		l, err := e.AuditClock(ctx, q, pg)
		if err != nil {
			return err
		}
		if cw == nil {
			if _, err := io.WriteString(w, "\ufeff"); err != nil {
				return err
			}
			cw = csv.NewWriter(w)
			cw.UseCRLF = true
			if err := cw.Write(clockHeader); err != nil {
				return err
			}
		}
		for _, a := range l.Items {
			key := a.PolicyID + "@" + strconv.Itoa(a.PolicyVersion)
			unit, ok := units[key]
			if !ok {
				unit = "自然日"
				if p, err := e.FindPolicy(ctx, a.PolicyID, a.PolicyVersion); err == nil && p.Clock == policies.ClockWorkingDays {
					unit = "工作日"
				}
				units[key] = unit
			}
			if err := cw.Write(clockRow(a, unit)); err != nil {
				return err
			}
		}
		if l.Next == nil {
			break
		}
		pg.After = *l.Next
	}
	cw.Flush()
	return cw.Error()
}

// clockRow is one application of the clock list, as of the list's date.
func clockRow(a *engine.Application, unit string) []string {
	c := a.Clock
	started := !c.AcceptedOn.IsZero()
	days := func(n int) string {
		if !started {
			return ""
		}
		return strconv.Itoa(n)
	}
	deemed := "否"
	if c.Deemed {
		deemed = "是"
	}
	money := func(m *huiqi.Money) string {
		if m == nil {
			return ""
		}
		return m.String()
	}
	estimate, over := "", ""
	if a.AmountApproved != nil {
		estimate, over = money(a.ApprovalEstimate), "否"
		if a.OverEstimate {
			over = "是"
		}
	}
	return []string{
		strconv.FormatInt(a.ID, 10), a.PolicyID, strconv.Itoa(a.PolicyVersion), cell(a.PolicyTitle), cell(a.Department),
		// As it is: the CSV is for programs, and people get the workbook,
		// where the code is typed as text.
		a.CreditCode, cell(a.EnterpriseName),
		stateLabels[a.State], a.OpenedAt.In(huiqi.Shanghai).Format("2006-01-02 15:04:05"),
		c.AcceptedOn.String(), deemed, c.DeadlineOn.String(), c.StoppedOn.String(),
		days(c.ElapsedDays), days(c.PausedDays), strconv.Itoa(c.DeadlineDays), strconv.Itoa(c.TargetDays), unit,
		statusLabel(a.State, c), money(a.AmountApproved), money(a.AmountDisbursed), estimate, over,
		a.ReviewStatus,
	}
}

// statusLabel names a clock status. A paused clock reads 中止计时: its
// status is that of the days counted so far, which would say 正常计时 of a
// clock that is not running; a pause past the target or the deadline says
// so too.
func statusLabel(state string, c clock.Clock) string {
	if state != huiqi.StatePaused || !c.StoppedOn.IsZero() {
		return clockStatusLabels[c.Status]
	}
	if c.Status == clock.StatusAtRisk || c.Status == clock.StatusOverdue {
		return "中止计时（" + clockStatusLabels[c.Status] + "）"
	}
	return "中止计时"
}

// cell keeps text typed by users from being run as a formula by Excel
// (CSV injection): a cell that starts like a formula is prefixed with an
// apostrophe, which Excel shows as text.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
