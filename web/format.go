package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/policies"
)

// funcs are the template functions: they turn codes and figures into the
// Chinese words and units a user reads.
var funcs = template.FuncMap{
	"money":       huiqi.Money.Text,
	"moneyOrNone": moneyOrNone,
	"yuan":        yuanValue,
	"date":        func(d huiqi.Date) string { return dateText(d) },
	"datetime":    func(t time.Time) string { return t.In(huiqi.Shanghai).Format("2006-01-02 15:04") },
	"kind":        func(k string) string { return policies.KindLabels[k] },
	"mode":        modeText,
	"state":       func(s string) string { return stateLabels[s] },
	"event":       func(s string) string { return eventLabels[s] },
	"clockStatus": func(s string) string { return clockStatusLabels[s] },
	"role":        func(s string) string { return roleLabels[s] },
	"region":      regionName,
	"industry":    industryName,
	"tag":         tagName,
	"pause":       func(s string) string { return huiqi.PauseReasons[s] },
	"notice":      func(s string) string { return noticeKinds[s] },
	"pct":         pct,
	"days":        daysText,
	"scale":       huiqi.ScaleLabel,
	"intp":        func(n *int64) string { return intText(n) },
	"statsRows": func(p dashboardPage, g []engine.StatsGroup, by string) statsRows {
		return statsRows{Page: p, Groups: g, By: by}
	},
	"caseStatus": func(a *engine.Application) string { l, _ := caseStatus(a); return l },
	"actor":      actorText,
	"fieldLabel": fieldLabel,
	"invalid":    invalidAttrs,
	"condRowOf":  condRowOf,
	"blankRow":   func() condRow { return condRow{Op: huiqi.OpEq} },
	"blankRows":  func(from int) []int { return []int{from, from + 1}[:blankRows] },
	"isMoney":    func(f huiqi.Field) bool { return f.Type == huiqi.TypeMoney },
	"sub":        func(a, b int) int { return a - b },
	"more":       moreOf,
}

// moneyOrNone writes an optional amount; a benefit without a money figure
// (a rent waiver, a service) says so.
func moneyOrNone(m *huiqi.Money) string {
	if m == nil {
		return "不涉及资金数额"
	}
	return m.Text()
}

// yuanValue is an amount as the API writes it (yuan, e.g. "200000"), for
// data attributes that tests and scripts read; "" for no amount.
func yuanValue(v any) string {
	switch m := v.(type) {
	case huiqi.Money:
		return m.String()
	case *huiqi.Money:
		if m != nil {
			return m.String()
		}
	}
	return ""
}

func dateText(d huiqi.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

func intText(n *int64) string {
	if n == nil {
		return "—"
	}
	return strconv.FormatInt(*n, 10)
}

// invalidAttrs marks the form field named name when the error is its own:
// announced as invalid, described by the error message and focused, so
// that a user lands on what to correct.
func invalidAttrs(errField, name string) template.HTMLAttr {
	if errField != name {
		return ""
	}
	return ` aria-invalid="true" aria-describedby="form-error" autofocus`
}

// fieldLabel names the field of an error path such as "profile.revenue"
// in words; a path that names no profile field says nothing rather than
// show a code.
func fieldLabel(path string) string {
	name := path[strings.LastIndexByte(path, '.')+1:]
	if f, ok := huiqi.LookupField(name); ok {
		return f.Label
	}
	return ""
}

// actorText names who recorded an event: the department for an official,
// rather than the record's "official:…" form.
func actorText(actor string) string {
	role, who, _ := strings.Cut(actor, ":")
	switch role {
	case "system":
		return "系统"
	case huiqi.RoleOfficial:
		return who
	case huiqi.RoleEnterprise:
		return "企业"
	}
	return roleLabels[role]
}

func modeText(m string) string {
	if m == policies.ModeAuto {
		return "免申即享"
	}
	return "申报"
}

func daysText(n *int) string {
	if n == nil {
		return "—"
	}
	return strconv.Itoa(*n) + "天"
}

// pct writes a rate from 0 to 1 as a percentage; nil (nothing to measure)
// is a dash rather than 0%.
func pct(f *float64) string {
	if f == nil {
		return "—"
	}
	return strconv.FormatFloat(*f*100, 'f', 1, 64) + "%"
}

func regionName(code string) string {
	if code == "" {
		return "不限"
	}
	f, _ := huiqi.LookupField("region")
	return policies.DisplayString(f, code)
}

func industryName(code string) string {
	if i, ok := huiqi.LookupIndustry(code); ok {
		return i.Name
	}
	return code
}

func tagName(tag string) string {
	if t, ok := huiqi.LookupTag(tag); ok {
		return t.Name
	}
	return tag
}

// Labels of application states, events, clock statuses and notification
// kinds, as an enterprise or official reads them.
var (
	stateLabels = map[string]string{
		huiqi.StateSubmitted: "已申报，待受理", huiqi.StateOffered: "待确认", huiqi.StateAccepted: "已受理，计时中",
		huiqi.StatePaused: "中止计时", huiqi.StateApproved: "已批准，待兑现", huiqi.StateDisbursed: "已兑现",
		huiqi.StateRejected: "已驳回", huiqi.StateWithdrawn: "已撤回",
	}
	eventLabels = map[string]string{
		huiqi.EventSubmit: "申报", huiqi.EventOffer: "系统推送", huiqi.EventConfirm: "确认兑现意愿", huiqi.EventAccept: "受理",
		huiqi.EventPause: "中止计时", huiqi.EventResume: "恢复计时", huiqi.EventApprove: "批准",
		huiqi.EventDisburse: "兑现", huiqi.EventReject: "驳回", huiqi.EventWithdraw: "撤回",
	}
	clockStatusLabels = map[string]string{
		clock.StatusNotStarted: "未开始计时", clock.StatusOnTrack: "正常计时", clock.StatusAtRisk: "超出提速目标",
		clock.StatusOverdue: "已超期", clock.StatusMetTarget: "提速兑现", clock.StatusOnTime: "按时兑现",
		clock.StatusLate: "超期兑现", clock.StatusClosed: "已终结",
	}
	noticeKinds = map[string]string{
		huiqi.NotifyNewMatch: "新匹配政策", huiqi.NotifyWithdrawn: "政策已撤回", huiqi.NotifyPauseNotice: "中止计时告知",
	}
)

// actualText writes an enterprise's value of a field as a verdict reports
// it (matcher.Check.Actual), in words: a missing figure is 未填写, codes
// and tags are named, money and ratios carry their units.
func actualText(field string, v any) string {
	f, _ := huiqi.LookupField(field)
	switch v := v.(type) {
	case nil:
		return "未填写"
	case bool:
		if v {
			return "是"
		}
		return "否"
	case []string:
		if len(v) == 0 {
			return "无"
		}
		names := make([]string, len(v))
		for i, t := range v {
			names[i] = policies.DisplayString(f, t)
		}
		return strings.Join(names, "、")
	case huiqi.Money:
		return v.Text()
	case int64:
		return strconv.FormatInt(v, 10) + f.Unit
	case int:
		return strconv.Itoa(v) + f.Unit
	case json.Number:
		if f.Type == huiqi.TypeRatio {
			if n, err := policies.ParseDecimal(v.String()); err == nil {
				return policies.FormatDecimal(n*100) + "%"
			}
		}
		return v.String() + f.Unit
	case string:
		return policies.DisplayString(f, v)
	}
	return fmt.Sprint(v)
}
