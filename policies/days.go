package policies

import (
	"bytes"
	"encoding/json"

	"github.com/huiqi/huiqi"
)

// checkZeroDays refuses a document that sets deadline_days or target_days
// to 0: no limit can be zero days, and the default is had by leaving the
// field out, which the decoded Policy cannot tell from 0. doc is the
// document decoded generically (JSON objects as map[string]any).
func checkZeroDays(doc any) error {
	m, _ := doc.(map[string]any)
	for _, field := range []string{"deadline_days", "target_days"} {
		v, ok := m[field]
		if !ok {
			continue
		}
		if n, isNum := v.(json.Number); isNum {
			if f, err := n.Float64(); err != nil || f != 0 {
				continue
			}
			return huiqi.FieldErrorf(field, "%s 不能为 0：时限至少 1 天；不填则取默认值（兑现时限 %d 天，提速目标 %d 天）", field, DefaultDeadlineDays, DefaultTargetDays)
		}
	}
	return nil
}

// genericJSON decodes a JSON document as checkZeroDays reads it; a
// document that does not decode has been refused already.
func genericJSON(data []byte) any {
	var v any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	_ = d.Decode(&v)
	return v
}
