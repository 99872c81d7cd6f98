package huiqi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
)

// decodeDoc exercises every kind DecodeJSON checks: nested structs in
// arrays, embedded structs, domain types with their own UnmarshalJSON, raw
// values and pointers.
type decodeDoc struct {
	Name   string          `json:"name"`
	Count  int             `json:"count"`
	Small  int8            `json:"small"`
	Ratio  float64         `json:"ratio"`
	OK     bool            `json:"ok"`
	Amount huiqi.Money     `json:"amount"`
	Budget *huiqi.Money    `json:"budget"`
	On     huiqi.Date      `json:"on"`
	Raw    json.RawMessage `json:"raw"`
	Items  []decodeItem    `json:"items"`
	Skip   string          `json:"-"`
	DecodeEmbedded
}

// DecodeEmbedded is exported: DecodeJSON, unlike encoding/json, does not
// promote the fields of an embedded unexported struct.
type DecodeEmbedded struct {
	Note string `json:"note"`
}

type decodeItem struct {
	Label   string           `json:"label"`
	Tags    []string         `json:"tags"`
	Sub     decodeSub        `json:"sub"`
	Profile huiqi.Enterprise `json:"profile"`
}

type decodeSub struct {
	X int `json:"x"`
}

func decodeMoney(s string) *huiqi.Money {
	m, err := huiqi.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return &m
}

func TestDecodeJSON(t *testing.T) {
	in := `{
		"name": "鞋业", "count": 3, "small": -128, "ratio": 0.25, "ok": true,
		"amount": 12.5, "budget": 1e5, "on": "2024-02-29", "raw": {"b": [1, 2]},
		"note": "嵌入", "items": [{"label": "a", "tags": ["x"], "sub": {"x": 7}}, {"label": "b"}]
	}`
	var got decodeDoc
	if err := huiqi.DecodeJSON([]byte(in), &got); err != nil {
		t.Fatalf("DecodeJSON: %v", err)
	}
	want := decodeDoc{
		Name: "鞋业", Count: 3, Small: -128, Ratio: 0.25, OK: true,
		Amount: 1250, Budget: decodeMoney("100000"), On: huiqi.NewDate(2024, 2, 29),
		Raw:   json.RawMessage(`{"b":[1,2]}`),
		Items: []decodeItem{{Label: "a", Tags: []string{"x"}, Sub: decodeSub{X: 7}}, {Label: "b"}},
	}
	want.Note = "嵌入"
	opts := []cmp.Option{
		cmp.AllowUnexported(decodeDoc{}),
		cmp.Comparer(func(a, b huiqi.Date) bool { return a == b }),
		cmp.Comparer(func(a, b json.RawMessage) bool { return string(a) == string(b) }),
	}
	if diff := cmp.Diff(want, got, opts...); diff != "" {
		t.Errorf("DecodeJSON mismatch (-want +got):\n%s", diff)
	}

	t.Run("NullLeavesZero", func(t *testing.T) {
		got := decodeDoc{Name: "kept"}
		if err := huiqi.DecodeJSON([]byte(`{"name": null, "on": null, "budget": null, "items": null}`), &got); err != nil {
			t.Fatalf("DecodeJSON: %v", err)
		}
		if got.Name != "kept" || !got.On.IsZero() || got.Budget != nil || got.Items != nil {
			t.Errorf("DecodeJSON(nulls) = %+v, want name kept and zero values", got)
		}
	})
	t.Run("TrailingSpace", func(t *testing.T) {
		var got decodeDoc
		if err := huiqi.DecodeJSON([]byte("  {\"count\": 1}\n\t \n"), &got); err != nil || got.Count != 1 {
			t.Errorf("DecodeJSON with surrounding space = %v, count %d; want nil, 1", err, got.Count)
		}
	})
}

func TestDecodeJSON_Errors(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		field string
		// want is a fragment of the message, which must also be Chinese.
		want string
	}{
		{"UnknownTop", `{"nmae": "x"}`, "nmae", "未知字段"},
		{"UnknownCaseFolded", `{"Name": "x"}`, "Name", "未知字段"},
		{"UnknownIgnoredTag", `{"Skip": "x"}`, "Skip", "未知字段"},
		{"UnknownDash", `{"-": "x"}`, "-", "未知字段"},
		{"UnknownNested", `{"items": [{"label": "a"}, {"sub": {"x": 1, "y": 2}}]}`, "items[1].sub.y", "未知字段"},
		{"UnknownInProfile", `{"items": [{}, {}, {"profile": {"revenu": 1}}]}`, "items[2].profile.revenu", "未知字段"},
		{"UnknownFirstInKeyOrder", `{"zz": 1, "aa": 1}`, "aa", "未知字段"},
		{"StringForInt", `{"count": "3"}`, "count", "应为整数"},
		{"FloatForInt", `{"count": 1.5}`, "count", "应为整数"},
		{"ExponentForInt", `{"count": 1e3}`, "count", "应为整数"},
		{"Int8Overflow", `{"small": 128}`, "small", "应为整数"},
		{"IntOverflow", `{"count": 99999999999999999999}`, "count", "应为整数"},
		{"NumberForString", `{"name": 3}`, "name", "应为字符串"},
		{"StringForBool", `{"ok": "true"}`, "ok", "布尔值"},
		{"StringForFloat", `{"ratio": "0.5"}`, "ratio", "应为数字"},
		{"ObjectForArray", `{"items": {"label": "a"}}`, "items", "应为数组"},
		{"ArrayForObject", `{"items": [[]]}`, "items[0]", "应为对象"},
		{"NumberInStringArray", `{"items": [{"tags": ["a", 2]}]}`, "items[0].tags[1]", "应为字符串"},
		{"TopLevelArray", `[1]`, "", "应为对象"},
		{"TopLevelString", `"x"`, "", "应为对象"},
		{"ProfileWrongType", `{"items": [{"profile": {"employees": "many"}}]}`, "items[0].profile.employees", "应为整数"},
		{"MoneyThreeDecimals", `{"amount": 1.005}`, "amount", "两位小数"},
		{"MoneyThreeDecimalsPointer", `{"budget": 0.001}`, "budget", "两位小数"},
		{"MoneyNestedInProfile", `{"items": [{"profile": {"revenue": 1.234}}]}`, "items[0].profile.revenue", "两位小数"},
		{"MoneyString", `{"amount": "100"}`, "amount", "金额应为数字"},
		{"MoneyBool", `{"amount": true}`, "amount", "金额应为数字"},
		{"MoneyObject", `{"amount": {}}`, "amount", "金额应为数字"},
		{"MoneyTooLarge", `{"amount": 10000000000000.01}`, "amount", "超出范围"},
		{"MoneyHugeExponent", `{"amount": 1e999999999}`, "amount", "金额"},
		{"DateInvalidDay", `{"on": "2023-02-29"}`, "on", "YYYY-MM-DD"},
		{"DateSlashes", `{"on": "2024/01/01"}`, "on", "YYYY-MM-DD"},
		{"DateWithTime", `{"on": "2024-01-01T00:00:00Z"}`, "on", "YYYY-MM-DD"},
		{"DateNumber", `{"on": 20240101}`, "on", "日期应为字符串"},
		{"DateEmpty", `{"on": ""}`, "on", "YYYY-MM-DD"},
		{"ProfileDate", `{"items": [{"profile": {"founded_on": "2024-13-01"}}]}`, "items[0].profile.founded_on", "YYYY-MM-DD"},
		{"TrailingObject", `{} {}`, "", "多余内容"},
		{"TrailingGarbage", `{"count": 1} x`, "", ""},
		{"TrailingComma", `{"count": 1},`, "", ""},
		{"Empty", ``, "", "为空"},
		{"Blank", " \n\t ", "", "为空"},
		{"Truncated", `{"count": `, "", "不完整"},
		{"Syntax", `{"count" 1}`, "", "格式错误"},
		{"SingleQuotes", `{'count': 1}`, "", "格式错误"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v decodeDoc
			err := huiqi.DecodeJSON([]byte(tt.in), &v)
			if code := huiqi.ErrorCode(err); code != huiqi.EInvalid {
				t.Fatalf("DecodeJSON(%s) code = %q (%v), want %q", tt.in, code, err, huiqi.EInvalid)
			}
			if f := huiqi.ErrorField(err); f != tt.field {
				t.Errorf("DecodeJSON(%s) field = %q, want %q", tt.in, f, tt.field)
			}
			msg := huiqi.ErrorMessage(err)
			if !strings.Contains(msg, tt.want) || !strings.ContainsFunc(msg, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("DecodeJSON(%s) message = %q, want Chinese containing %q", tt.in, msg, tt.want)
			}
		})
	}
}

// TestDecodeJSON_RejectedStoresNothing checks that a rejected document
// leaves the target untouched: validation runs before anything is stored.
func TestDecodeJSON_RejectedStoresNothing(t *testing.T) {
	v := decodeDoc{Name: "before", Count: 9}
	err := huiqi.DecodeJSON([]byte(`{"name": "after", "count": 1, "items": [{"bogus": 1}]}`), &v)
	if err == nil {
		t.Fatal("DecodeJSON accepted an unknown field")
	}
	if v.Name != "before" || v.Count != 9 {
		t.Errorf("after a rejected DecodeJSON, v = %+v, want it unchanged", v)
	}
}

func TestDecodeJSON_Enterprise(t *testing.T) {
	in := `{"credit_code": "91350500MA0000000X", "name": "晋江鞋业", "region": "350582", "industry": "C1952",
		"founded_on": "2015-01-01", "employees": 120, "revenue": 30000000.5, "tags": ["hightech"], "dishonest": false}`
	var e huiqi.Enterprise
	if err := huiqi.DecodeJSON([]byte(in), &e); err != nil {
		t.Fatalf("DecodeJSON: %v", err)
	}
	if e.Employees == nil || *e.Employees != 120 || e.Revenue == nil || *e.Revenue != 3_000_000_050 || e.FoundedOn != huiqi.NewDate(2015, 1, 1) {
		t.Errorf("DecodeJSON(profile) = %+v", e)
	}
	if e.TotalAssets != nil {
		t.Errorf("absent total_assets = %v, want nil (unknown)", *e.TotalAssets)
	}
}

func TestDecodeJSON_MoneyRoundTrip(t *testing.T) {
	tests := []struct {
		in   string // JSON number in yuan
		fen  huiqi.Money
		text string // String and MarshalJSON
	}{
		{"0", 0, "0"},
		{"0.01", 1, "0.01"},
		{"0.1", 10, "0.1"},
		{"0.10", 10, "0.1"},
		{"12.5", 1250, "12.5"},
		{"12.50", 1250, "12.5"},
		{"99.99", 9999, "99.99"},
		{"1e5", 10_000_000, "100000"},
		{"1E5", 10_000_000, "100000"},
		{"1.5e2", 15_000, "150"},
		{"12345e-2", 12_345, "123.45"},
		{"200000", 20_000_000, "200000"},
		{"-0.01", -1, "-0.01"},
		{"-12.5", -1250, "-12.5"},
		{"-0", 0, "0"},
		{"10000000000000", 1_000_000_000_000_000, "10000000000000"},
		{"-10000000000000", -1_000_000_000_000_000, "-10000000000000"},
		{"9999999999999.99", 999_999_999_999_999, "9999999999999.99"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := huiqi.ParseMoney(tt.in)
			if err != nil || m != tt.fen {
				t.Fatalf("ParseMoney(%q) = %d, %v; want %d fen", tt.in, m, err, tt.fen)
			}
			if s := m.String(); s != tt.text {
				t.Errorf("Money(%d).String() = %q, want %q", m, s, tt.text)
			}
			b, err := json.Marshal(m)
			if err != nil || string(b) != tt.text {
				t.Errorf("json.Marshal(Money(%d)) = %s, %v; want %s", m, b, err, tt.text)
			}
			var back huiqi.Money
			if err := json.Unmarshal(b, &back); err != nil || back != m {
				t.Errorf("json.Unmarshal(%s) = %d, %v; want %d", b, back, err, m)
			}
			var doc decodeDoc
			if err := huiqi.DecodeJSON([]byte(`{"amount": `+tt.in+`, "budget": `+string(b)+`}`), &doc); err != nil {
				t.Fatalf("DecodeJSON(amount %s): %v", tt.in, err)
			}
			if doc.Amount != tt.fen || doc.Budget == nil || *doc.Budget != tt.fen {
				t.Errorf("DecodeJSON(amount %s) = %d and %v, want %d", tt.in, doc.Amount, doc.Budget, tt.fen)
			}
		})
	}

	for _, in := range []string{"0.001", "12.345", "1e-3", "10000000000000.01", "1e14", "-10000000000000.01", "abc", "", "1,5", "0x10", "Inf", "NaN", "1/3"} {
		if m, err := huiqi.ParseMoney(in); huiqi.ErrorCode(err) != huiqi.EInvalid {
			t.Errorf("ParseMoney(%q) = %d, %v; want an %s error", in, m, err, huiqi.EInvalid)
		}
	}
}

// The text rules: what encoding/json alone would store (control
// characters, text that is not UTF-8, lone surrogates silently turned into
// U+FFFD, a key given twice with the last one winning, a 900 KB name, the
// year 0000) is a 400 naming the field; deep nesting names its path.
func TestDecodeJSON_TextRules(t *testing.T) {
	deep := strings.Repeat(`{"raw": `, 1) + strings.Repeat("[", huiqi.MaxDepth) + strings.Repeat("]", huiqi.MaxDepth) + "}"
	tests := []struct {
		name, in, field, want string
	}{
		{"NULEscape", `{"name": "a\u0000b"}`, "name", "控制字符"},
		{"BellEscape", `{"items": [{"label": "x\u0007"}]}`, "items[0].label", "控制字符"},
		{"DEL", "{\"name\": \"a\x7fb\"}", "name", "控制字符"},
		{"C1", "{\"name\": \"a\u0085b\"}", "name", "控制字符"},
		{"NewlineInName", `{"name": "a\nb"}`, "name", "控制字符"},
		{"TabInName", `{"name": "a\tb"}`, "name", "控制字符"},
		{"CarriageReturnInNote", `{"note": "a\rb"}`, "note", "控制字符"},
		{"NULInNote", `{"note": "a\u0000"}`, "note", "控制字符"},
		{"ControlInKey", `{"na\u0001me": "x"}`, "na\x01me", "控制字符"},
		{"InvalidUTF8", "{\"name\": \"\xff\xfe\"}", "name", "UTF-8"},
		{"InvalidUTF8Nested", "{\"items\": [{\"tags\": [\"ok\", \"\xc3\x28\"]}]}", "items[0].tags[1]", "UTF-8"},
		{"TruncatedUTF8", "{\"name\": \"\xe9\xab\"}", "name", "UTF-8"},
		{"LoneHighSurrogate", `{"name": "\ud800"}`, "name", "代理项"},
		{"LoneLowSurrogate", `{"name": "x\udc00"}`, "name", "代理项"},
		{"HighThenLetter", `{"name": "\ud800\u0041"}`, "name", "代理项"},
		{"SurrogateInKey", `{"\ud83d": 1}`, "\uFFFD", "代理项"},
		{"DuplicateKey", `{"name": "a", "count": 1, "name": "b"}`, "name", "重复"},
		{"DuplicateNested", `{"items": [{"label": "a"}, {"label": "a", "label": "b"}]}`, "items[1].label", "重复"},
		{"DuplicateNull", `{"budget": null, "budget": 5}`, "budget", "重复"},
		{"LongName", `{"name": "` + strings.Repeat("名", huiqi.MaxNameLength+1) + `"}`, "name", "超过上限"},
		{"LongNote", `{"note": "` + strings.Repeat("x", huiqi.MaxTextLength+1) + `"}`, "note", "超过上限"},
		{"Year0000", `{"on": "0000-01-01"}`, "on", "1900"},
		{"Year1899", `{"on": "1899-12-31"}`, "on", "1900"},
		{"Deep", deep, "raw" + strings.Repeat("[0]", huiqi.MaxDepth-1), "嵌套"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v decodeDoc
			err := huiqi.DecodeJSON([]byte(tt.in), &v)
			if code := huiqi.ErrorCode(err); code != huiqi.EInvalid {
				t.Fatalf("DecodeJSON() code = %q (%v), want %q", code, err, huiqi.EInvalid)
			}
			if f := huiqi.ErrorField(err); f != tt.field {
				t.Errorf("DecodeJSON() field = %q, want %q", f, tt.field)
			}
			if msg := huiqi.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("DecodeJSON() message = %q, want it to contain %q", msg, tt.want)
			}
		})
	}

	// What the rules must keep accepting.
	for _, in := range []string{
		`{"note": "第一行\n第二行\t缩进"}`,
		`{"name": "😀 \ud83d\ude00 鞋业"}`,
		`{"name": "` + strings.Repeat("名", huiqi.MaxNameLength) + `"}`,
		"{\"name\": \"\uFFFD literal replacement character\"}",
		`{"name": "a\\ud800"}`, // an escaped backslash, then text
		`{"on": "1900-01-01"}`,
	} {
		var v decodeDoc
		if err := huiqi.DecodeJSON([]byte(in), &v); err != nil {
			t.Errorf("DecodeJSON(%.60s) = %v, want it accepted", in, err)
		}
	}
}

func TestPlainJSON(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{`{"name": "鞋业", "employees": 12}`, true},
		{`{"name": "a\"b"}`, false},
		{`{"name": "a\u0000"}`, false},
		{"{\"name\": \"\xff\"}", false},
		{"{\"name\": \"a\x7f\"}", false},
		{"{\"name\": \"a\u0085\"}", false},
		{"{\"name\": \"é\"}", true},
		{`{"name": "` + strings.Repeat("x", huiqi.MaxNameLength+1) + `"}`, false},
	} {
		if got := huiqi.PlainJSON([]byte(tt.in)); got != tt.want {
			t.Errorf("PlainJSON(%.40q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
