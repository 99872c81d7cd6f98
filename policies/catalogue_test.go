package policies_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// catalogueFiles returns the names of the bundled policy files, sorted.
func catalogueFiles(tb testing.TB) []string {
	tb.Helper()
	entries, err := os.ReadDir("catalogue")
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		switch filepath.Ext(e.Name()) {
		case ".yaml", ".yml", ".json":
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// leaves calls fn with every leaf of c and its path.
func leaves(c *policies.Condition, path string, fn func(path string, c *policies.Condition)) {
	if c == nil {
		return
	}
	for i, child := range c.All {
		leaves(child, huiqi.IndexPath(path+".all", i), fn)
	}
	for i, child := range c.Any {
		leaves(child, huiqi.IndexPath(path+".any", i), fn)
	}
	if c.Not != nil {
		leaves(c.Not, path+".not", fn)
	}
	if c.All == nil && c.Any == nil && c.Not == nil {
		fn(path, c)
	}
}

// policyLeaves calls fn with every leaf of a policy: its eligibility and
// the when of every tier.
func policyLeaves(p *policies.Policy, fn func(path string, c *policies.Condition)) {
	leaves(p.Eligibility, "eligibility", fn)
	if p.Benefit.Amount != nil {
		for i, t := range p.Benefit.Amount.Tiers {
			leaves(t.When, huiqi.IndexPath("benefit.amount.tiers", i)+".when", fn)
		}
	}
}

func TestCatalogue(t *testing.T) {
	files := catalogueFiles(t)
	list, err := policies.Catalogue(today)
	if err != nil {
		t.Fatalf("Catalogue: %v", err)
	}
	if len(list) != len(files) {
		t.Fatalf("Catalogue() has %d policies, catalogue/ has %d files", len(list), len(files))
	}
	if len(list) < 20 {
		t.Errorf("catalogue has %d policies, want at least 20", len(list))
	}

	ids := map[string]bool{}
	auto := 0
	ops := map[string]int{}
	kinds := map[string]int{}
	for i, p := range list {
		t.Run(p.ID, func(t *testing.T) {
			if want := strings.TrimSuffix(files[i], filepath.Ext(files[i])); p.ID != want {
				t.Errorf("file %s holds id %q, want %q", files[i], p.ID, want)
			}
			if ids[p.ID] {
				t.Errorf("id %q appears twice", p.ID)
			}
			ids[p.ID] = true
			if len(p.Tests) < 2 {
				t.Errorf("%s has %d tests, want at least 2", p.ID, len(p.Tests))
			}
			// Each policy's tests show both sides: an enterprise it pays and
			// one it does not. A policy with a reviewed condition pays no one
			// on data alone: its paying side is a case whose data meet every
			// other condition, so that only the official's finding is awaited
			// (undetermined, nothing missing); the case states it as not
			// eligible, which is what the verdict says until the finding.
			compiled := matcher.Compile(p)
			var eligible, awaiting, not int
			for _, tc := range p.Tests {
				v := compiled.Judge(matcher.NewProfile(&tc.Profile), tc.AsOf)
				switch {
				case tc.Eligible:
					eligible++
				case v.State == matcher.StateUndetermined && len(v.Missing) == 0 && len(v.Review) > 0:
					awaiting++
				default:
					not++
				}
			}
			if eligible+awaiting == 0 || not == 0 {
				t.Errorf("%s tests: %d eligible, %d awaiting review only, %d not; want at least one eligible or awaiting review, and one not", p.ID, eligible, awaiting, not)
			}
			for _, f := range matcher.RunTests(p) {
				t.Errorf("%s tests[%d] %s: %s", p.ID, f.Index, f.Name, f.Message)
			}
			if p.Mode == policies.ModeAuto {
				auto++
			}
			kinds[p.Benefit.Kind]++
			policyLeaves(p, func(path string, c *policies.Condition) {
				ops[c.Op]++
				if c.DisplayLabel() == "" || strings.Contains(c.DisplayLabel(), "  ") {
					t.Errorf("%s %s: DisplayLabel() = %q", p.ID, path, c.DisplayLabel())
				}
			})

			// The store keeps policies as JSON and validates them again on
			// load: the round trip must give the same policy.
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatalf("json.Marshal(%s): %v", p.ID, err)
			}
			back, err := policies.Parse(b, today)
			if err != nil {
				t.Fatalf("Parse(json.Marshal(%s)): %v", p.ID, err)
			}
			if diff := cmp.Diff(p, back, policyCmp...); diff != "" {
				t.Errorf("%s JSON round trip (-catalogue +reparsed):\n%s", p.ID, diff)
			}
		})
	}
	if auto < 3 {
		t.Errorf("catalogue has %d auto-mode (免申即享) policies, want at least 3", auto)
	}
	allOps := []string{huiqi.OpEq, huiqi.OpNe, huiqi.OpIn, huiqi.OpNotIn, huiqi.OpGt, huiqi.OpGte, huiqi.OpLt, huiqi.OpLte,
		huiqi.OpBetween, huiqi.OpPrefix, huiqi.OpHas, huiqi.OpHasAny, huiqi.OpHasAll}
	for _, op := range allOps {
		if ops[op] == 0 {
			t.Errorf("operator %s appears in no catalogue policy", op)
		}
	}
	for kind := range policies.KindLabels {
		if kinds[kind] == 0 {
			t.Errorf("benefit kind %s appears in no catalogue policy", kind)
		}
	}
}

// TestCatalogue_Files parses each file on its own, as `huiqi import
// policies` and `huiqi policy test` do, and checks that the catalogue's
// README lists every policy.
func TestCatalogue_Files(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("catalogue", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range catalogueFiles(t) {
		list, err := policies.ParsePath(filepath.Join("catalogue", name), today)
		if err != nil {
			t.Errorf("ParsePath(%s): %v", name, err)
			continue
		}
		if len(list) != 1 {
			t.Errorf("ParsePath(%s) gave %d policies, want 1", name, len(list))
			continue
		}
		if !strings.Contains(string(readme), "`"+list[0].ID+"`") {
			t.Errorf("catalogue/README.md does not list %s", list[0].ID)
		}
	}
	dir, err := policies.ParsePath("catalogue", today)
	if err != nil {
		t.Fatalf("ParsePath(catalogue): %v", err)
	}
	embedded, err := policies.Catalogue(today)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(dir, embedded, func(a, b *policies.Policy) bool { return cmp.Equal(a, b, policyCmp...) }) {
		t.Errorf("ParsePath(catalogue) and the embedded Catalogue() differ")
	}
}
