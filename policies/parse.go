package policies

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/goccy/go-yaml"

	"github.com/huiqi/huiqi"
)

// MaxDocumentSize bounds a policy document; a larger one is refused before
// parsing.
const MaxDocumentSize = 1 << 20

// Parse reads a policy document in JSON or YAML (JSON when its first non-space
// byte is '{'), and validates it as of today. Errors are EInvalid and name
// the path of the offending node.
func Parse(data []byte, today huiqi.Date) (*Policy, error) {
	if len(data) > MaxDocumentSize {
		return nil, huiqi.Errorf(huiqi.ETooLarge, "政策文件超过 %d 字节", MaxDocumentSize)
	}
	var p Policy
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		if err := huiqi.DecodeJSON(trimmed, &p); err != nil {
			return nil, err
		}
	} else {
		var generic any
		if err := yaml.Unmarshal(data, &generic); err != nil {
			return nil, huiqi.Errorf(huiqi.EInvalid, "YAML 格式错误: %v", err)
		}
		g, err := fromYAML(generic, "")
		if err != nil {
			return nil, err
		}
		if err := huiqi.DecodeValue(g, &p); err != nil {
			return nil, err
		}
	}
	if err := p.Validate(today); err != nil {
		return nil, err
	}
	return &p, nil
}

// fromYAML converts a value decoded from YAML to the generic form
// encoding/json produces with UseNumber, so that one checker serves both.
func fromYAML(v any, path string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, err := fromYAML(e, huiqi.JoinPath(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case map[any]any:
		return nil, huiqi.FieldErrorf(path, "YAML 映射的键应为字符串")
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, err := fromYAML(e, huiqi.IndexPath(path, i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case uint64:
		return json.Number(strconv.FormatUint(v, 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), nil
	case int:
		return json.Number(strconv.Itoa(v)), nil
	case float64:
		return json.Number(strconv.FormatFloat(v, 'f', -1, 64)), nil
	case string, bool, nil:
		return v, nil
	}
	return nil, huiqi.FieldErrorf(path, "不支持的 YAML 值 %v", fmt.Sprintf("%T", v))
}
