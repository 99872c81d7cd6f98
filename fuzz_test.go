package huiqi_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
)

// equateDates compares huiqi.Date by value; its fields are unexported.
var equateDates = cmp.Comparer(func(x, y huiqi.Date) bool { return x == y })

// FuzzDecodeJSON feeds enterprise profiles, the outside input most often
// decoded, to DecodeJSON. It must not panic; what it refuses is a user
// error; what it accepts encoding/json accepts with the same profile, and
// the profile survives the JSON round trip the store puts it through.
func FuzzDecodeJSON(f *testing.F) {
	var lines bytes.Buffer
	if err := demo.WriteNDJSON(&lines, demo.Enterprises(20, 1, huiqi.NewDate(2026, 6, 15))); err != nil {
		f.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(lines.Bytes()), []byte("\n")) {
		f.Add(line)
	}
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"name": "x"} {}`, `{"Name": "x"}`, `{"na\u006de": "x"}`,
		`{"revenue": 1.234}`, `{"revenue": 1e999}`, `{"revenue": "12"}`, `{"employees": 1.5}`,
		`{"employees": 99999999999999999999}`, `{"founded_on": "2024-02-30"}`, `{"founded_on": null}`,
		`{"tags": ["a", 1]}`, `{"tags": null}`, `{"tags": ["a"], "tags": ["b"]}`, `{"dishonest": 0}`,
		`{"revenue": -0.01}`, `{"revenue": 0.10}`, `{"unknown": {"deep": [1, {"x": null}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var e huiqi.Enterprise
		err := huiqi.DecodeJSON(data, &e)
		if err != nil {
			if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorMessage(err) == "" {
				t.Fatalf("DecodeJSON(%q) = %v, want an EInvalid with a message", data, err)
			}
			return
		}
		var std huiqi.Enterprise
		if err := json.Unmarshal(data, &std); err != nil {
			t.Fatalf("DecodeJSON accepts %q, encoding/json refuses it: %v", data, err)
		}
		if diff := cmp.Diff(std, e, equateDates); diff != "" {
			t.Fatalf("decoding %q (-encoding/json +DecodeJSON):\n%s", data, diff)
		}
		out, err := json.Marshal(&e)
		if err != nil {
			t.Fatalf("encode the profile of %q: %v", data, err)
		}
		var again huiqi.Enterprise
		if err := huiqi.DecodeJSON(out, &again); err != nil {
			t.Fatalf("DecodeJSON refuses its own profile %s (from %q): %v", out, data, err)
		}
		if diff := cmp.Diff(e, again, equateDates); diff != "" {
			t.Fatalf("round trip of %q through %s (-first +second):\n%s", data, out, diff)
		}
	})
}

// FuzzParseMoney holds ParseMoney, whose fast path reads most amounts, to
// exact rational arithmetic: an amount it accepts is the input times 100
// exactly, within range, and reads back from its own formatting and JSON.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{
		"0", "1", "12.5", "12.50", "0.01", "-3", "+4", "1.", ".5", "007", "2e5", "1.5E-1", "1e-3",
		"1e999999", "1/4", "0x10", "9999999999999", "99999999999999", "10000000000000.00",
		"1234567890123.45", "-1000000000000000", "", " 1", "1,000", "１２",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := huiqi.ParseMoney(s)
		if err != nil {
			if huiqi.ErrorCode(err) != huiqi.EInvalid {
				t.Fatalf("ParseMoney(%q) = %v, want an EInvalid", s, err)
			}
			return
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("ParseMoney(%q) = %d fen; it is not a number", s, m)
		}
		if fen := r.Mul(r, big.NewRat(100, 1)); !fen.IsInt() || fen.Num().Cmp(big.NewInt(int64(m))) != 0 {
			t.Fatalf("ParseMoney(%q) = %d fen, want %s", s, m, fen.RatString())
		}
		if m > 1e15 || m < -1e15 {
			t.Fatalf("ParseMoney(%q) = %d fen, beyond the range of 10^15", s, m)
		}
		if back, err := huiqi.ParseMoney(m.String()); err != nil || back != m {
			t.Fatalf("ParseMoney(%q) = %d; its String %q reads back as %d, %v", s, m, m.String(), back, err)
		}
		b, _ := json.Marshal(m)
		var back huiqi.Money
		if err := json.Unmarshal(b, &back); err != nil || back != m {
			t.Fatalf("ParseMoney(%q) = %d; its JSON %s reads back as %d, %v", s, m, b, back, err)
		}
	})
}

// FuzzParseDate: a date ParseDate accepts is the one it formats as, and
// agrees with its day count, its midnight in Asia/Shanghai and its JSON.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2026-06-15", "2024-02-29", "2023-02-29", "2024-02-30", "0000-01-01", "1899-12-31", "1900-01-01", "9999-12-31", "1970-01-01",
		"1969-12-31", "2026-6-15", "2026-06-15T00:00:00Z", "20260615", "", "2026-13-01", "+2026-06-15",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := huiqi.ParseDate(s)
		if err != nil {
			if huiqi.ErrorCode(err) != huiqi.EInvalid || !strings.Contains(huiqi.ErrorMessage(err), "日期") {
				t.Fatalf("ParseDate(%q) = %v, want an EInvalid about the date", s, err)
			}
			return
		}
		if d.IsZero() || d.String() != s || d.Time().Year() < huiqi.MinYear {
			t.Fatalf("ParseDate(%q) = %q, want the date as written, from %d on", s, d, huiqi.MinYear)
		}
		if got := huiqi.DateFromDays(d.Days()); got != d {
			t.Fatalf("ParseDate(%q): DateFromDays(%d) = %s", s, d.Days(), got)
		}
		if got := huiqi.DateOf(d.Time()); got != d {
			t.Fatalf("ParseDate(%q): DateOf of its midnight %s = %s", s, d.Time(), got)
		}
		if next := d.AddDays(1); next.Sub(d) != 1 || !next.After(d) || d.YearsSince(d) != 0 {
			t.Fatalf("ParseDate(%q): the day after is %s, %d days on", s, next, next.Sub(d))
		}
		b, _ := json.Marshal(d)
		var back huiqi.Date
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Fatalf("ParseDate(%q): its JSON %s reads back as %s, %v", s, b, back, err)
		}
	})
}
