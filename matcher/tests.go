package matcher

import (
	"fmt"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// TestFailure is a test case of a policy that its rules do not reproduce.
type TestFailure struct {
	Index   int    `json:"index"`
	Name    string `json:"name,omitempty"`
	Message string `json:"message"`
}

// RunTests runs a validated policy's own test cases, each as of its date, and
// returns the failures.
func RunTests(p *policies.Policy) []TestFailure {
	c := Compile(p)
	var failures []TestFailure
	for i := range p.Tests {
		tc := &p.Tests[i]
		v := c.Judge(NewProfile(&tc.Profile), tc.AsOf)
		var msgs []string
		if v.Eligible != tc.Eligible {
			got := eligibleWord(v.Eligible) + failedLabels(v)
			if v.State == StateUndetermined {
				got = "无法判定（缺少：" + missingLabels(v.Missing) + "）"
			}
			msgs = append(msgs, fmt.Sprintf("期望%s，实际%s", eligibleWord(tc.Eligible), got))
		} else if tc.Amount != nil && (v.Amount == nil || *v.Amount != *tc.Amount) {
			msgs = append(msgs, amountMismatch(*tc.Amount, v.Amount))
		}
		if len(msgs) > 0 {
			failures = append(failures, TestFailure{Index: i, Name: tc.Name, Message: strings.Join(msgs, "; ")})
		}
	}
	return failures
}

// amountMismatch says how a computed amount differs from the expected one,
// written as every page writes amounts. Two amounts over 1万元 that round to
// the same text get their difference too, which the rounding would hide.
func amountMismatch(want huiqi.Money, got *huiqi.Money) string {
	if got == nil {
		return fmt.Sprintf("期望金额 %s，实际无金额", want.Text())
	}
	msg := fmt.Sprintf("期望金额 %s，实际 %s", want.Text(), got.Text())
	switch d := *got - want; {
	case want.Text() != got.Text():
	case d < 0:
		msg += fmt.Sprintf("（少 %s）", (-d).Text())
	default:
		msg += fmt.Sprintf("（多 %s）", d.Text())
	}
	return msg
}

// TestsError returns nil when there are no failures, or an EInvalid error
// naming the first failing case and listing them all, so that publishing can
// be refused with the reasons.
func TestsError(failures []TestFailure) error {
	if len(failures) == 0 {
		return nil
	}
	lines := make([]string, len(failures))
	for i, f := range failures {
		lines[i] = fmt.Sprintf("tests[%d] %s: %s", f.Index, f.Name, f.Message)
	}
	return &huiqi.Error{
		Code:    huiqi.EInvalid,
		Field:   fmt.Sprintf("tests[%d]", failures[0].Index),
		Message: "政策测试用例未通过：" + strings.Join(lines, "；"),
	}
}

func eligibleWord(ok bool) string {
	if ok {
		return "符合"
	}
	return "不符合"
}

func failedLabels(v Verdict) string {
	var failed []string
	for _, c := range v.Conditions {
		if c.Pass != nil && !*c.Pass {
			failed = append(failed, c.Label)
		}
	}
	if len(failed) == 0 {
		return ""
	}
	return "（未满足：" + strings.Join(failed, "、") + "）"
}

// missingLabels names the fields in Chinese.
func missingLabels(fields []string) string {
	labels := make([]string, len(fields))
	for i, f := range fields {
		labels[i] = MissingLabel(f)
	}
	return strings.Join(labels, "、")
}
