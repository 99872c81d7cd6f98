package huiqi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// DecodeJSON strictly decodes one JSON value from data into v, a pointer to a
// struct. Unknown fields, wrong types and bad values are EInvalid errors that
// name the full path of the offending field, such as
// "tests[1].profile.revenue"; encoding/json alone reports neither the path of
// an unknown field nor array indexes.
func DecodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return syntaxError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(EInvalid, "JSON 之后还有多余内容")
	}
	return DecodeValue(generic, v)
}

// DecodeValue checks a generic value, as decoded by encoding/json with
// UseNumber or converted from YAML, against v's type and stores it in v, with
// the errors of DecodeJSON.
func DecodeValue(generic any, v any) error {
	if err := checkValue(reflect.TypeOf(v).Elem(), generic, ""); err != nil {
		return err
	}
	data, err := json.Marshal(generic)
	if err != nil {
		return Errorf(EInvalid, "无法编码为 JSON: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		// checkValue accepts only what Unmarshal accepts; reaching here is a bug.
		return Errorf(EInvalid, "JSON 无法解析: %v", err)
	}
	return nil
}

func syntaxError(err error) error {
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &syntaxErr):
		return Errorf(EInvalid, "JSON 格式错误（第 %d 字节）: %v", syntaxErr.Offset, syntaxErr)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(EInvalid, "JSON 不完整或为空")
	}
	return Errorf(EInvalid, "JSON 无法解析: %v", err)
}

// invalidValue is returned by the UnmarshalJSON methods of domain types as a
// *json.UnmarshalTypeError, whose Value carries the user-facing reason, so
// that plain encoding/json callers also learn the field.
func invalidValue(reason string, t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: reason, Type: t}
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// JoinPath appends key to a field path: JoinPath("tests[1]", "profile").
func JoinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// IndexPath appends an array index to a field path: IndexPath("all", 2) = "all[2]".
func IndexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// checkValue walks a generic JSON value along type t and reports the first
// unknown field or value of the wrong type, by path.
func checkValue(t reflect.Type, g any, path string) error {
	if g == nil || t == rawMessageType {
		return nil // null leaves the zero value; raw values are checked by their owner
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		data, _ := json.Marshal(g)
		err := reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(data)
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return FieldErrorf(path, "%s", typeErr.Value)
		} else if err != nil {
			return FieldErrorf(path, "%s", ErrorMessage(err))
		}
		return nil
	}
	wrongType := func(want string) error {
		return FieldErrorf(path, "类型错误：应为%s，收到%s", want, jsonKind(g))
	}
	switch t.Kind() {
	case reflect.Pointer:
		return checkValue(t.Elem(), g, path)
	case reflect.Struct:
		m, ok := g.(map[string]any)
		if !ok {
			return wrongType("对象")
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				return FieldErrorf(JoinPath(path, k), "未知字段 %q", k)
			}
			if err := checkValue(ft, m[k], JoinPath(path, k)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		a, ok := g.([]any)
		if !ok {
			return wrongType("数组")
		}
		for i, item := range a {
			if err := checkValue(t.Elem(), item, IndexPath(path, i)); err != nil {
				return err
			}
		}
	case reflect.String:
		if _, ok := g.(string); !ok {
			return wrongType("字符串")
		}
	case reflect.Bool:
		if _, ok := g.(bool); !ok {
			return wrongType("布尔值 true/false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := g.(json.Number)
		if !ok {
			return wrongType("整数")
		}
		i, err := n.Int64()
		if err != nil || reflect.New(t).Elem().OverflowInt(i) {
			return FieldErrorf(path, "应为整数，收到 %s", n)
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := g.(json.Number); !ok {
			return wrongType("数字")
		}
	}
	return nil
}

// fieldsCache holds jsonFields by type: reflecting over a struct for every
// object decoded was a fifth of a bulk import's decoding.
var fieldsCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps the JSON names of t's fields, embedded structs flattened,
// to their types. The map is shared: callers must not change it.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldsCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	f := reflectFields(t)
	fieldsCache.Store(t, f)
	return f
}

func reflectFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range reflectFields(f.Type) {
				fields[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

func jsonKind(g any) string {
	switch v := g.(type) {
	case string:
		return "字符串 " + strconv.Quote(v)
	case json.Number:
		return "数字 " + v.String()
	case bool:
		return "布尔值"
	case []any:
		return "数组"
	case map[string]any:
		return "对象"
	}
	return "null"
}
