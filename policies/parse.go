package policies

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

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
		if err := checkZeroDays(genericJSON(trimmed)); err != nil {
			return nil, err
		}
	} else {
		if err := rejectAliases(data); err != nil {
			return nil, err
		}
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
		if err := checkZeroDays(g); err != nil {
			return nil, err
		}
	}
	if err := p.Validate(today); err != nil {
		return nil, err
	}
	return &p, nil
}

// rejectAliases refuses YAML aliases (*name) before decoding: policy
// documents need none, and the decoder expands every alias in place, so a
// small document of nested aliases ("billion laughs") would take all memory.
func rejectAliases(data []byte) error {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return huiqi.Errorf(huiqi.EInvalid, "YAML 格式错误: %v", err)
	}
	// ast.FilterFile would visit the nil body of an empty document and panic.
	for _, doc := range file.Docs {
		if doc.Body != nil && len(ast.Filter(ast.AliasType, doc.Body)) > 0 {
			return huiqi.Errorf(huiqi.EInvalid, "政策文件不支持 YAML 别名（*name）")
		}
	}
	return nil
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
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, huiqi.FieldErrorf(path, "不支持的数值 %v", v)
		}
		return json.Number(strconv.FormatFloat(v, 'f', -1, 64)), nil
	case string, bool, nil:
		return v, nil
	}
	return nil, huiqi.FieldErrorf(path, "不支持的 YAML 值 %v", fmt.Sprintf("%T", v))
}
