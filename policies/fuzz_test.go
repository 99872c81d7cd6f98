package policies_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// FuzzParse feeds policy documents, JSON and YAML, to Parse. Parse must not
// panic and must refuse bad input with a user error; a document it accepts
// must survive the JSON round trip the store puts it through, have a typed
// value on every leaf, and be safe to label and to run its tests on.
func FuzzParse(f *testing.F) {
	for _, name := range catalogueFiles(f) {
		data, err := os.ReadFile(filepath.Join("catalogue", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, doc := range []string{
		fullJSON,
		fullYAML,
		doc(nil),
		doc(elig(`{"field": "rd_ratio", "op": "between", "value": ["0.01", 0.5]}`)),
		doc(elig(`{"not": {"any": [{"field": "tags", "op": "has_all", "value": ["hightech", "tech_sme"]}, {"field": "credit_code", "op": "prefix", "value": "9135"}]}}`)),
		doc(amount(`{"rate": "0.05", "of": "revenue", "cap": 300000, "floor": 1000}`)),
		doc(elig(`{"field": "revenue", "over": {"years": 3, "agg": "sum"}, "op": "gte", "value": 10000000}`)),
		doc(elig(`{"field": "revenue", "over": {"years": 2, "agg": "min_growth"}, "op": "gt", "value": "-0.05"}`)),
		doc(elig(`{"field": "rd_ratio", "over": {"years": 3, "agg": "avg"}, "op": "gte", "value": "0.03"}`)),
		doc(elig(`{"not": {"field": "above_designated_size", "over": {"agg": "prev"}, "op": "eq", "value": true}}`)),
		doc(elig(`{"field": "granted_on", "tag": "hightech", "op": "between", "value": ["2026-01-01", "2026-12-31"]}`)),
		doc(elig(`{"field": "first_granted_on", "tag": "little_giant", "op": "gte", "value": "2025-01-01"}`)),
		doc(elig(`{"field": "incident_count", "incident": {"years": 3, "kinds": ["safety"], "min_level": "major"}, "op": "eq", "value": 0}`)),
		doc(elig(`{"any": [{"field": "business_scope", "op": "contains_any", "value": ["鞋", "ＬＥＤ"]}, {"not": {"field": "main_products", "op": "contains_all", "value": ["陶瓷", "卫浴"]}}]}`)),
		doc(elig(`{"any": [{"review": "推动同行业科技进步作用显著"}, {"field": "output_value", "op": "gte", "value": 1e8}]}`)),
		doc(amount(`{"bands": [{"upto_growth": "0.6", "rate": "0.01"}, {"rate": "0.012"}], "of": "output_value", "over": {"agg": "increase"}, "cap": 10000000}`)),
		doc(amount(`{"step": {"per": 20000000, "fixed": 10000}, "of": "import_export", "over": {"agg": "increase"}, "cap": 300000}`)),
		doc(amount(`{"fixed": 200000, "cap_of": {"field": "tax_paid", "over": {"agg": "prev"}, "rate": "0.5"}}`)),
		doc(map[string]string{"tests": `[{"profile": {` + okProfile + `, "fiscal_years": {"2024": {"revenue": 100}, "2025": {"revenue": 200, "output_value": 5}}, "qualifications": [{"tag": "hightech", "granted_on": "2025-01-01"}], "incidents": [{"kind": "quality", "level": "general", "on": "2025-02-02"}]}, "eligible": false}]`}),
		doc(map[string]string{"budget": `1e6`, "valid_from": `"2024-01-01"`, "tests": `[{"profile": {` + okProfile + `, "revenue": 2000000, "employees": 20}, "eligible": true, "amount": 100000}]`}),
		`{"id": "x"}`,
		`{}`,
		"---\n",
		"# comment\n---\nid: abc\n",
		"id: abc\neligibility: {all: [{not: {field: dishonest, op: eq, value: true}}]}\n",
	} {
		f.Add([]byte(doc))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policies.Parse(data, today)
		if err != nil {
			switch code := huiqi.ErrorCode(err); code {
			case huiqi.EInvalid, huiqi.ETooLarge:
			default:
				t.Fatalf("Parse error code %q (%v), want %s or %s", code, err, huiqi.EInvalid, huiqi.ETooLarge)
			}
			if huiqi.ErrorMessage(err) == "" {
				t.Fatalf("Parse error %v has no message", err)
			}
			return
		}

		policyLeaves(p, func(path string, c *policies.Condition) {
			checkArg(t, path, c)
			if c.DisplayLabel() == "" {
				t.Errorf("%s: empty DisplayLabel", path)
			}
		})

		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("json.Marshal(parsed policy): %v", err)
		}
		back, err := policies.Parse(b, today)
		if err != nil {
			t.Fatalf("Parse(json.Marshal(p)) = %v\ninput: %q\njson: %s", err, data, b)
		}
		if diff := cmp.Diff(p, back, policyCmp...); diff != "" {
			t.Fatalf("JSON round trip changed the policy (-parsed +reparsed):\n%s", diff)
		}

		matcher.RunTests(p)
	})
}

// checkArg fails unless a validated leaf carries a value of its field's type.
func checkArg(t *testing.T, path string, c *policies.Condition) {
	t.Helper()
	if c.Review != "" {
		if c.Field != "" || c.Op != "" || c.Value != nil {
			t.Fatalf("%s: review leaf with field, op or value", path)
		}
		return
	}
	f, ok := huiqi.LookupField(c.Field)
	if !ok {
		t.Fatalf("%s: accepted unknown field %q", path, c.Field)
	}
	want := 1
	switch c.Op {
	case huiqi.OpBetween:
		want = 2
	case huiqi.OpIn, huiqi.OpNotIn, huiqi.OpHasAny, huiqi.OpHasAll, huiqi.OpPrefix, huiqi.OpContainsAny, huiqi.OpContainsAll:
		want = -1 // one or more
	}
	if c.Over != nil {
		f.Type = f.OverType(c.Over.Agg)
	}
	var n, other int
	switch f.Type {
	case huiqi.TypeBool:
		if len(c.Arg.Strs)+len(c.Arg.Ints) != 0 {
			t.Fatalf("%s: bool leaf has Arg %+v", path, c.Arg)
		}
		return
	case huiqi.TypeText, huiqi.TypeCode, huiqi.TypeEnum, huiqi.TypeTags, huiqi.TypeWords:
		n, other = len(c.Arg.Strs), len(c.Arg.Ints)
	default:
		n, other = len(c.Arg.Ints), len(c.Arg.Strs)
	}
	if other != 0 || n == 0 || (want > 0 && n != want) {
		t.Fatalf("%s: %s %s %s has Arg %+v", path, c.Field, c.Op, c.Value, c.Arg)
	}
	if c.Op == huiqi.OpBetween && c.Arg.Ints[0] > c.Arg.Ints[1] {
		t.Fatalf("%s: between with low > high: %v", path, c.Arg.Ints)
	}
}
