package matcher_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

var update = flag.Bool("update", false, "rewrite the want.json files of testdata/scenarios")

// scenarioAsOf is the date every scenario is judged on.
var scenarioAsOf = huiqi.NewDate(2026, 6, 30)

// scenarioResult is one enterprise's entry of a scenario's want.json.
type scenarioResult struct {
	CreditCode string         `json:"credit_code"`
	Name       string         `json:"name"`
	Result     matcher.Result `json:"result"`
}

// TestScenarios judges each enterprise of testdata/scenarios/NAME against
// the folder's policies, with explanations and near misses, and compares the
// JSON with want.json. Run with -update to rewrite the want files, then read
// them before committing to them.
func TestScenarios(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 3 {
		t.Fatalf("found %d scenarios, want at least 3", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			list := readScenarioPolicies(t, filepath.Join(dir, "policies.json"))
			es := readScenarioEnterprises(t, filepath.Join(dir, "enterprises.json"))
			got := []scenarioResult{}
			for _, e := range es {
				got = append(got, scenarioResult{
					CreditCode: e.CreditCode,
					Name:       e.Name,
					Result:     matcher.Judge(list, matcher.NewProfile(e), scenarioAsOf, true),
				})
			}
			gotJSON, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			gotJSON = append(gotJSON, '\n')
			wantPath := filepath.Join(dir, "want.json")
			if *update {
				if err := os.WriteFile(wantPath, gotJSON, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatalf("%v (run go test -run TestScenarios -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(gotJSON)); diff != "" {
				t.Errorf("Judge results (-want +got):\n%s", diff)
			}
		})
	}
}

func readScenarioPolicies(t *testing.T, path string) []*matcher.Compiled {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []json.RawMessage
	if err := json.Unmarshal(data, &docs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var list []*matcher.Compiled
	for i, doc := range docs {
		p, err := policies.Parse(doc, scenarioAsOf)
		if err != nil {
			t.Fatalf("%s: policy %d: %v", path, i, err)
		}
		list = append(list, matcher.Compile(p))
	}
	return list
}

func readScenarioEnterprises(t *testing.T, path string) []*huiqi.Enterprise {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []json.RawMessage
	if err := json.Unmarshal(data, &docs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var es []*huiqi.Enterprise
	for i, doc := range docs {
		var e huiqi.Enterprise
		if err := huiqi.DecodeJSON(doc, &e); err != nil {
			t.Fatalf("%s: enterprise %d: %v", path, i, err)
		}
		if err := e.Validate(scenarioAsOf, false); err != nil {
			t.Fatalf("%s: enterprise %d: %v", path, i, err)
		}
		es = append(es, &e)
	}
	return es
}
