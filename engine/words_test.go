package engine_test

import (
	"context"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/sqlite"
)

// A published policy with a text condition matches the enterprises whose
// 经营范围 holds the word and leaves undetermined one without 经营范围; its
// decision record, taken on the enterprise index's candidates when they are
// few, is the column scan's.
func TestEngine_TextCondition(t *testing.T) {
	ctx := engine.System(context.Background())
	w := openIndexWorld(t, t.TempDir())
	w.caughtUp(t)
	if err := w.Ready(ctx); err != nil {
		t.Fatalf("Ready() = %v", err)
	}
	es := demo.Enterprises(400, 7, w.Today())
	tea, blank := es[0], es[1]
	tea.BusinessScope = "一般项目：茶叶加工；茶具销售"
	blank.BusinessScope = ""
	if _, err := w.ImportEnterprises(ctx, sliceSource(es), nil); err != nil {
		t.Fatal(err)
	}
	w.caughtUp(t)
	doc := []byte(`{"id": "tea-scope", "title": "茶产业提质奖励", "department": "泉州市农业农村局",
		"eligibility": {"field": "business_scope", "op": "contains_any", "value": ["茶叶", "茶具"]},
		"benefit": {"kind": "subsidy"}}`)
	if _, err := w.CreatePolicy(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if _, err := w.PublishPolicy(ctx, "tea-scope"); err != nil {
		t.Fatal(err)
	}
	c, _ := w.Matcher.Policy("tea-scope")
	if _, narrowed, err := w.ix.ScanOrCandidates(ctx, c.Policy, w.Matcher.ProfileCount()); err != nil || !narrowed {
		t.Fatalf("ScanOrCandidates() narrowed %v, %v; want the candidates, so that the test compares them with the scan", narrowed, err)
	}

	day := w.Today()
	r, err := w.MatchEnterprise(ctx, tea.CreditCode, day, false)
	if err != nil || len(r.Eligible) != 1 || r.Eligible[0].PolicyID != "tea-scope" {
		t.Errorf("MatchEnterprise(茶叶 in scope) eligible = %+v, %v; want tea-scope", r.Eligible, err)
	}
	r, err = w.MatchEnterprise(ctx, blank.CreditCode, day, false)
	if err != nil || len(r.Undetermined) != 1 || len(r.Undetermined[0].Missing) != 1 || r.Undetermined[0].Missing[0] != "business_scope" {
		t.Errorf("MatchEnterprise(no scope) undetermined = %+v, %v; want tea-scope missing business_scope", r.Undetermined, err)
	}

	db := w.DB.(*sqlite.DB)
	scan := w.Matcher.MatchPolicy(c, day, false)
	if n, err := db.PolicyVerdictCount(ctx, "tea-scope"); err != nil || n != scan.Total || n < 2 {
		t.Fatalf("decision record holds %d verdicts, %v; the column scan finds %d (want at least 2)", n, err, scan.Total)
	}
	for _, h := range scan.Hits {
		vs, err := db.EnterpriseVerdicts(ctx, h.CreditCode)
		if err != nil || !hasPolicy(vs, "tea-scope") {
			t.Errorf("decision record of %s = %+v, %v; want tea-scope, as the scan found", h.CreditCode, vs, err)
		}
	}
}

func hasPolicy(vs []huiqi.Verdict, id string) bool {
	for _, v := range vs {
		if v.PolicyID == id {
			return true
		}
	}
	return false
}
