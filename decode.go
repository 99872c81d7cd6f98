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
	"unicode/utf8"
)

// DecodeJSON strictly decodes one JSON value from data into v, a pointer to a
// struct. Unknown fields, wrong types and bad values are EInvalid errors that
// name the full path of the offending field, such as
// "tests[1].profile.revenue"; encoding/json alone reports neither the path of
// an unknown field nor array indexes. The text rules of DecodeValue apply,
// and more that only the raw bytes show: a key given twice, text that is
// not valid UTF-8 or holds a lone UTF-16 surrogate escape (both of which
// encoding/json would silently turn into U+FFFD), and nesting deeper than
// MaxDepth, are errors naming the path.
func DecodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	r := rawReader{dec: dec, data: data}
	generic, err := r.value("", 0)
	if err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(EInvalid, "JSON 之后还有多余内容")
	}
	return DecodeValue(generic, v)
}

// DecodeValue checks a generic value, as decoded by encoding/json with
// UseNumber or converted from YAML, against v's type and stores it in v, with
// the errors of DecodeJSON. Every string must also pass the text rules (see
// checkText).
func DecodeValue(generic any, v any) error {
	if err := checkStrings(generic, "", ""); err != nil {
		return err
	}
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

// Length limits of text fields, in characters.
const (
	// MaxNameLength bounds names, titles and every other short text: a
	// name of 900 KB is no name.
	MaxNameLength = 200
	// MaxURLLength bounds links.
	MaxURLLength = 2048
	// MaxTextLength bounds the long texts (LongTextFields): in practice the
	// request body limit bounds them first.
	MaxTextLength = 1 << 20
	// MaxDepth bounds the nesting of a JSON document, well above what the
	// deepest policy condition tree needs.
	MaxDepth = 128
)

// LongTextFields are the fields that hold prose: they may be long and may
// contain newlines and tabs, which no other text may.
var LongTextFields = map[string]bool{"summary": true, "body": true, "note": true}

// checkText applies the text rules to s, the value of a field named key:
// no control characters (newline and tab allowed in long texts) and no
// more characters than the field's limit.
func checkText(s, path, key string) error {
	long := LongTextFields[key]
	limit := MaxNameLength
	switch {
	case long:
		limit = MaxTextLength
	case key == "url":
		limit = MaxURLLength
	}
	n := 0
	for _, r := range s {
		n++
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			if long && (r == '\n' || r == '\t') {
				continue
			}
			return FieldErrorf(path, "含有不可见的控制字符 %U", r)
		}
	}
	if n > limit {
		return FieldErrorf(path, "长度为 %d 个字符，超过上限 %d", n, limit)
	}
	return nil
}

// checkStrings applies checkText to every string of a generic value, keys
// in sorted order so that the first error is always the same; key is the
// name of the field the value belongs to (array items keep their array's).
func checkStrings(g any, path, key string) error {
	switch v := g.(type) {
	case string:
		return checkText(v, path, key)
	case []any:
		for i, item := range v {
			if err := checkStrings(item, IndexPath(path, i), key); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := checkText(k, JoinPath(path, k), ""); err != nil {
				return err
			}
			if err := checkStrings(v[k], JoinPath(path, k), k); err != nil {
				return err
			}
		}
	}
	return nil
}

// rawReader reads a generic JSON value token by token, so that it knows
// the path of every token and can look at the raw bytes behind a string.
type rawReader struct {
	dec  *json.Decoder
	data []byte
}

func (r *rawReader) value(path string, depth int) (any, error) {
	start := r.dec.InputOffset()
	tok, err := r.dec.Token()
	if err != nil {
		return nil, syntaxError(err)
	}
	switch t := tok.(type) {
	case string:
		return t, r.checkRaw(start, t, path)
	case json.Delim:
		if depth >= MaxDepth {
			return nil, FieldErrorf(path, "嵌套超过 %d 层", MaxDepth)
		}
		if t == '[' {
			a := []any{}
			for r.dec.More() {
				item, err := r.value(IndexPath(path, len(a)), depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, item)
			}
			_, err := r.dec.Token()
			return a, syntaxError(err)
		}
		m := map[string]any{}
		for r.dec.More() {
			start := r.dec.InputOffset()
			tok, err := r.dec.Token()
			if err != nil {
				return nil, syntaxError(err)
			}
			k, _ := tok.(string) // the decoder allows only strings here
			kp := JoinPath(path, k)
			if err := r.checkRaw(start, k, kp); err != nil {
				return nil, err
			}
			if _, dup := m[k]; dup {
				return nil, FieldErrorf(kp, "字段 %q 重复出现", k)
			}
			if m[k], err = r.value(kp, depth+1); err != nil {
				return nil, err
			}
		}
		_, err := r.dec.Token()
		return m, syntaxError(err)
	}
	return tok, nil // json.Number, bool or nil
}

// checkRaw refuses a string whose raw bytes, from start to the decoder's
// offset, are not valid UTF-8 or escape half a surrogate pair: the decoder
// replaces either with U+FFFD, so only a string holding one needs the look.
func (r *rawReader) checkRaw(start int64, s, path string) error {
	if !strings.ContainsRune(s, utf8.RuneError) {
		return nil
	}
	raw := r.data[start:r.dec.InputOffset()]
	if !utf8.Valid(raw) {
		return FieldErrorf(path, "不是有效的 UTF-8 文本")
	}
	if loneSurrogate(raw) {
		return FieldErrorf(path, "含有不成对的 UTF-16 代理项转义（如 \\ud800）")
	}
	return nil
}

// loneSurrogate reports whether a JSON string literal escapes a high
// surrogate not followed by a low one, or a low one alone.
func loneSurrogate(raw []byte) bool {
	hex4 := func(i int) int {
		if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
			return -1
		}
		n, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
		if err != nil {
			return -1
		}
		return int(n)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		v := hex4(i)
		switch {
		case v >= 0xd800 && v < 0xdc00:
			if w := hex4(i + 6); w < 0xdc00 || w >= 0xe000 {
				return true
			}
			i += 11
		case v >= 0xdc00 && v < 0xe000:
			return true
		default:
			i++ // skip the escaped character, which may be a backslash
		}
	}
	return false
}

// PlainJSON reports whether data needs none of DecodeJSON's text checks:
// valid UTF-8, no escapes and no DEL or C1 character (so no control
// character or surrogate can hide in one) and no string longer than
// MaxNameLength bytes. A decoder that takes a fast path for such input
// gives the same answers as DecodeJSON, duplicate keys aside.
func PlainJSON(data []byte) bool {
	if !utf8.Valid(data) || bytes.IndexByte(data, '\\') >= 0 {
		return false
	}
	in, run := false, 0
	for i, c := range data {
		switch {
		case c == 0x7f || (c == 0xc2 && i+1 < len(data) && data[i+1] < 0xa0):
			return false // DEL or a C1 control character, which JSON allows raw
		case c == '"':
			in, run = !in, 0
		case in:
			if run++; run > MaxNameLength {
				return false
			}
		}
	}
	return true
}

func syntaxError(err error) error {
	if err == nil {
		return nil
	}
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

var fiscalYearsType = reflect.TypeFor[FiscalYears]()

// jsonShapes maps the types whose JSON methods are faster codecs of another
// type's JSON to that type, so that checkValue walks them field by field
// and names the path of an error within them.
var jsonShapes = map[reflect.Type]reflect.Type{
	reflect.TypeFor[Enterprise]():  reflect.TypeFor[enterpriseJSON](),
	reflect.TypeFor[FiscalYears](): reflect.TypeFor[map[string]FiscalYear](),
}

// JSONShape returns the type whose JSON t reads and writes: t itself, or
// for a type with a faster codec of another's JSON (Enterprise, FiscalYears)
// that type, for checkers that walk a JSON document along Go types.
func JSONShape(t reflect.Type) reflect.Type {
	if s, ok := jsonShapes[t]; ok {
		return s
	}
	return t
}

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
	if shape, ok := jsonShapes[t]; ok {
		if m, isMap := g.(map[string]any); isMap && t == fiscalYearsType {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if _, ok := parseYearKey([]byte(k)); !ok {
					return WithPrefix(path, yearKeyError(k))
				}
			}
		}
		return checkValue(shape, g, path)
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
	case reflect.Map:
		m, ok := g.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return wrongType("对象")
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := checkValue(t.Elem(), m[k], JoinPath(path, k)); err != nil {
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
