package matcher_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/matcher"
)

// wantSameJSON fails unless r.AppendJSON writes what json.Marshal writes,
// or fails where it fails.
func wantSameJSON(t interface {
	Helper()
	Fatalf(string, ...any)
}, r *matcher.Result) {
	t.Helper()
	want, wantErr := json.Marshal(r)
	got, err := r.AppendJSON([]byte("prefix"))
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("AppendJSON error %v, json.Marshal error %v", err, wantErr)
	}
	if wantErr != nil {
		return
	}
	if string(got[:6]) != "prefix" {
		t.Fatalf("AppendJSON overwrote the buffer: %.20q", got)
	}
	if diff := cmp.Diff(string(want), string(got[6:])); diff != "" {
		t.Fatalf("AppendJSON differs from json.Marshal (-want +got):\n%s", diff)
	}
}

// TestResult_AppendJSON_Demo compares the writer with encoding/json on the
// answers of generated enterprises against a generated catalogue: every
// eligible verdict, near miss and undetermined policy they get, and the
// same enterprises with figures removed, so that more are undetermined.
func TestResult_AppendJSON_Demo(t *testing.T) {
	day := huiqi.NewDate(2026, 6, 15)
	n := 120
	if testing.Short() {
		n = 30
	}
	es := demo.Enterprises(n, 7, day)
	m := matcher.New()
	for _, p := range demo.Policies(600, 7, day) {
		m.PutPolicy(matcher.Compile(p))
	}
	kinds := map[string]int{}
	var rs []matcher.Result
	for i, e := range es {
		if i%3 == 1 {
			c := *e
			c.Revenue, c.RDExpense, c.Employees, c.TaxPaid = nil, nil, nil, nil
			e = &c
		}
		r := m.MatchProfile(matcher.NewProfile(e), day, true)
		wantSameJSON(t, &r)
		rs = append(rs, r)
		kinds["eligible"] += len(r.Eligible)
		kinds["near"] += len(r.NearMisses)
		kinds["undetermined"] += len(r.Undetermined)
	}
	for k, v := range kinds {
		if v == 0 {
			t.Errorf("no %s verdict among %d enterprises: the comparison misses a part", k, n)
		}
	}
	// Answers are written on many goroutines at once, sharing what the
	// writer remembers of the catalogue's text.
	rs = rs[:20]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range rs {
				r := &rs[(i+g*5)%len(rs)]
				want, _ := json.Marshal(r)
				if got, err := r.AppendJSON(nil); err != nil || string(got) != string(want) {
					t.Errorf("AppendJSON on goroutine %d differs from json.Marshal (%v)", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestResult_AppendJSON_Property compares the writer with encoding/json on
// results built of every value a field can take: text with HTML
// characters, control characters, U+2028, invalid UTF-8 and every width of
// character; required values with spaces to compact; every type an actual
// value takes, and numbers encoding/json refuses; nil and empty lists.
func TestResult_AppendJSON_Property(t *testing.T) {
	pieces := []string{"", "a", "营业收入", "<", ">", "&", "\"", "\\", "\n", "\t", "\x00", "\x1f", "\x7f", "\u2028", "\u2029",
		"\xe2\x80", "\xff", "\xed\xa0\x80", "\xe0\x80\x80", "é", "𝄞", "\xf0\x9f", "\u00a0", "\ufffd", "\xef\xbf\xbd", "/"}
	text := rapid.Custom(func(t *rapid.T) string {
		s := ""
		for _, p := range rapid.SliceOfN(rapid.SampledFrom(pieces), 0, 6).Draw(t, "pieces") {
			s += p
		}
		return s
	})
	strs := rapid.Custom(func(t *rapid.T) []string {
		if rapid.IntRange(0, 4).Draw(t, "nil") == 0 {
			return nil
		}
		return rapid.SliceOfN(text, 0, 3).Draw(t, "strs")
	})
	money := rapid.Custom(func(t *rapid.T) *huiqi.Money {
		if rapid.Bool().Draw(t, "nil") {
			return nil
		}
		m := huiqi.Money(rapid.Int64().Draw(t, "fen"))
		return &m
	})
	raw := rapid.Custom(func(t *rapid.T) json.RawMessage {
		switch rapid.IntRange(0, 5).Draw(t, "kind") {
		case 0:
			return nil
		case 1:
			return json.RawMessage(rapid.SampledFrom([]string{"false", "12", "0.08", `"C39"`, `[ "small" ,"micro" ]`, " {\"a\": [1, 2]}\n", `"<b>&"`, "\"\u2028\"", "", "{", `["a",]`, "nul"}).Draw(t, "raw"))
		}
		data, _ := json.Marshal(strs.Draw(t, "value"))
		if rapid.Bool().Draw(t, "indent") {
			data, _ = json.MarshalIndent(strs.Draw(t, "value"), " ", "\t")
		}
		return data
	})
	actual := rapid.Custom(func(t *rapid.T) any {
		switch rapid.IntRange(0, 10).Draw(t, "type") {
		case 0:
			return nil
		case 1:
			return text.Draw(t, "string")
		case 2:
			return rapid.Bool().Draw(t, "bool")
		case 3:
			return rapid.Int().Draw(t, "int")
		case 4:
			return rapid.Int64().Draw(t, "int64")
		case 5:
			return huiqi.Money(rapid.Int64().Draw(t, "money"))
		case 6:
			return strs.Draw(t, "tags")
		case 7:
			return json.Number(rapid.SampledFrom([]string{"", "0", "-0", "0.083333", "12", "1e5", "1.5E-3", "01", "1.", "-", "abc", ".5", "1e"}).Draw(t, "number"))
		case 8:
			return huiqi.NewDate(2026, 6, rapid.IntRange(1, 30).Draw(t, "day"))
		case 9:
			return rapid.Float64().Draw(t, "float")
		}
		return map[string]int{text.Draw(t, "key"): 1}
	})
	check := rapid.Custom(func(t *rapid.T) matcher.Check {
		c := matcher.Check{Label: text.Draw(t, "label"), Field: text.Draw(t, "field"), Op: text.Draw(t, "op"),
			Required: raw.Draw(t, "required"), Actual: actual.Draw(t, "actual"),
			Negated: rapid.Bool().Draw(t, "negated"), Gap: text.Draw(t, "gap")}
		if k := rapid.IntRange(0, 2).Draw(t, "pass"); k > 0 {
			pass := k == 1
			c.Pass = &pass
		}
		return c
	})
	checks := rapid.Custom(func(t *rapid.T) []matcher.Check {
		if rapid.IntRange(0, 4).Draw(t, "nil") == 0 {
			return nil
		}
		return rapid.SliceOfN(check, 0, 3).Draw(t, "checks")
	})
	rapid.Check(t, func(t *rapid.T) {
		var r matcher.Result
		if rapid.Bool().Draw(t, "dated") {
			r.AsOf = huiqi.NewDate(2026, 6, 15)
		}
		for range rapid.IntRange(0, 3).Draw(t, "eligible") {
			if r.Eligible == nil {
				r.Eligible = []matcher.Verdict{}
			}
			v := matcher.Verdict{PolicyID: text.Draw(t, "id"), Version: rapid.Int().Draw(t, "version"), Title: text.Draw(t, "title"),
				Department: text.Draw(t, "department"), Mode: text.Draw(t, "mode"), Kind: text.Draw(t, "kind"),
				ExclusiveGroup: text.Draw(t, "group"), State: text.Draw(t, "state"), Eligible: rapid.Bool().Draw(t, "eligible"),
				Amount: money.Draw(t, "amount"), Recommended: rapid.Bool().Draw(t, "recommended"), Conditions: checks.Draw(t, "conditions"),
				Missing: strs.Draw(t, "missing"), Review: strs.Draw(t, "review")}
			if len(v.Conditions) > 0 {
				v.NearMiss = &v.Conditions[0] // not written
			}
			r.Eligible = append(r.Eligible, v)
		}
		for range rapid.IntRange(0, 3).Draw(t, "near") {
			r.NearMisses = append(r.NearMisses, matcher.NearMiss{PolicyID: text.Draw(t, "id"), Version: rapid.Int().Draw(t, "version"),
				Title: text.Draw(t, "title"), Missing: check.Draw(t, "missing")})
		}
		for range rapid.IntRange(0, 3).Draw(t, "undetermined") {
			r.Undetermined = append(r.Undetermined, matcher.Undetermined{PolicyID: text.Draw(t, "id"), Version: rapid.Int().Draw(t, "version"),
				Title: text.Draw(t, "title"), Amount: money.Draw(t, "amount"), Missing: strs.Draw(t, "missing"),
				Review: strs.Draw(t, "review"), Unknown: checks.Draw(t, "unknown")})
		}
		for range rapid.IntRange(0, 2).Draw(t, "settle") {
			r.Settle = append(r.Settle, matcher.Settle{Field: text.Draw(t, "field"), Label: text.Draw(t, "label"), Policies: rapid.Int().Draw(t, "policies")})
		}
		wantSameJSON(t, &r)
	})
}

// BenchmarkResultJSON writes one enterprise's answer against 2,000
// generated policies, near misses included, with encoding/json and with
// AppendJSON.
func BenchmarkResultJSON(b *testing.B) {
	day := huiqi.NewDate(2026, 6, 15)
	es := demo.Enterprises(50, 1, day)
	m := matcher.New()
	for _, p := range demo.Policies(2000, 1, day) {
		m.PutPolicy(matcher.Compile(p))
	}
	var rs []matcher.Result
	for _, e := range es {
		rs = append(rs, m.MatchProfile(matcher.NewProfile(e), day, true))
	}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := json.Marshal(&rs[i%len(rs)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		i := 0
		for b.Loop() {
			var err error
			if buf, err = rs[i%len(rs)].AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.SetBytes(int64(len(buf)))
	})
}

// A released answer's near-miss list serves the next match, and no answer
// still held shares it.
func TestResult_Release(t *testing.T) {
	day := huiqi.NewDate(2026, 6, 15)
	es := demo.Enterprises(3, 3, day)
	m := matcher.New()
	for _, p := range demo.Policies(300, 3, day) {
		m.PutPolicy(matcher.Compile(p))
	}
	match := func(i int) (matcher.Result, string) {
		r := m.MatchProfile(matcher.NewProfile(es[i]), day, true)
		data, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		return r, string(data)
	}
	first, _ := match(0)
	held, heldJSON := match(1)
	if len(first.NearMisses) == 0 || len(held.NearMisses) == 0 {
		t.Fatal("no near misses to reuse")
	}
	first.Release()
	if first.NearMisses != nil {
		t.Error("Release left the near misses in the result")
	}
	for i := range 3 {
		r, want := match(i)
		wantSameJSON(t, &r)
		if _, again := match(i); again != want {
			t.Errorf("enterprise %d: the answer changed after a release", i)
		}
		r.Release()
	}
	if got, _ := json.Marshal(&held); string(got) != heldJSON {
		t.Error("an answer still held changed after others were released")
	}
}
