package engine

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi/policies"
)

// TestReviewLabels finds the review leaves of a condition tree, labelled
// or not, at any depth, in tree order.
func TestReviewLabels(t *testing.T) {
	var tree policies.Condition
	doc := `{"all": [
		{"field": "region", "op": "prefix", "value": "3505"},
		{"any": [{"review": "现场核查生产线", "label": "生产线通过现场核查"}, {"not": {"review": "无安全事故"}}]}
	]}`
	if err := json.Unmarshal([]byte(doc), &tree); err != nil {
		t.Fatal(err)
	}
	got := reviewLabels(&tree)
	want := []string{"生产线通过现场核查", "无安全事故"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("reviewLabels (-want +got):\n%s", diff)
	}
	if got := reviewLabels(&policies.Condition{Field: "region"}); got != nil {
		t.Fatalf("reviewLabels of a tree without review leaves = %v", got)
	}
}
