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
			got := "无金额"
			if v.Amount != nil {
				got = v.Amount.String() + " 元"
			}
			msgs = append(msgs, fmt.Sprintf("期望金额 %s 元，实际 %s", tc.Amount, got))
		}
		if len(msgs) > 0 {
			failures = append(failures, TestFailure{Index: i, Name: tc.Name, Message: strings.Join(msgs, "; ")})
		}
	}
	return failures
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
