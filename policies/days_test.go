package policies_test

import (
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

func TestParse_ZeroDays(t *testing.T) {
	const base = `"id": "p-days", "title": "t", "department": "d", "eligibility": {"field": "region", "op": "prefix", "value": "3505"}, "benefit": {"kind": "service"}`
	for _, tt := range []struct {
		name, doc, field string
		deadline         int
	}{
		{"absent takes the default", `{` + base + `}`, "", 45},
		{"json zero", `{` + base + `, "deadline_days": 0}`, "deadline_days", 0},
		{"json target zero", `{` + base + `, "target_days": 0}`, "target_days", 0},
		{"yaml zero", "id: p-days\ntitle: t\ndepartment: d\ndeadline_days: 0\neligibility: {field: region, op: prefix, value: \"3505\"}\nbenefit: {kind: service}\n", "deadline_days", 0},
		{"thirty", `{` + base + `, "deadline_days": 30}`, "", 30},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policies.Parse([]byte(tt.doc), huiqi.NewDate(2026, 6, 15))
			if tt.field != "" {
				if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != tt.field {
					t.Fatalf("Parse = %v, want invalid on %s", err, tt.field)
				}
				return
			}
			if err != nil || p.DeadlineDays != tt.deadline {
				t.Fatalf("Parse = %v, deadline %d; want %d", err, p.DeadlineDays, tt.deadline)
			}
		})
	}
}
