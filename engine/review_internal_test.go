package engine

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReviewLabels finds the review leaves of a condition tree in its JSON
// form, labelled or not, at any depth.
func TestReviewLabels(t *testing.T) {
	var tree any
	doc := `{"all": [
		{"field": "region", "op": "prefix", "value": "3505"},
		{"any": [{"review": "现场核查生产线", "label": "生产线通过现场核查"}, {"not": {"review": "无安全事故"}}]}
	]}`
	if err := json.Unmarshal([]byte(doc), &tree); err != nil {
		t.Fatal(err)
	}
	got := reviewLabels(tree)
	slices.Sort(got) // map members come in any order
	want := []string{"生产线通过现场核查", "无安全事故"}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("reviewLabels (-want +got):\n%s", diff)
	}
	if got := reviewLabels(map[string]any{"field": "region"}); got != nil {
		t.Fatalf("reviewLabels of a tree without review leaves = %v", got)
	}
}
