package index_test

import (
	"context"
	"encoding/json"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/index"
	"github.com/huiqi/huiqi/policies"
)

// today is the as-of date of the catalogue tests: every bundled policy but
// the expired catering relief and the 2027 gazelle award is open.
var today = huiqi.NewDate(2026, 11, 25)

func mustCatalogue(tb testing.TB) []*policies.Policy {
	tb.Helper()
	pols, err := policies.Catalogue(today)
	if err != nil {
		tb.Fatal(err)
	}
	return pols
}

// MustOpen opens indexes in a temporary folder, closed at the end of the test.
func MustOpen(tb testing.TB, dir string) *index.Index {
	tb.Helper()
	ix, err := index.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

func all[T any](list []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range list {
			if !yield(x, nil) {
				return
			}
		}
	}
}

func TestOpen(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dir := t.TempDir()
		ix, err := index.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"policies", "enterprises"}, ix.Recreated); diff != "" {
			t.Errorf("Recreated on a new folder (-want +got):\n%s", diff)
		}
		if seq, err := ix.Seq(); err != nil || seq != 0 {
			t.Errorf("Seq() = %d, %v, want 0", seq, err)
		}
		for _, p := range mustCatalogue(t) {
			if err := ix.PutPolicy(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := ix.PutEnterprises(demo.Enterprises(100, 1, today)); err != nil {
			t.Fatal(err)
		}
		if err := ix.SetSeq(42); err != nil {
			t.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}

		ix = MustOpen(t, dir)
		if len(ix.Recreated) != 0 {
			t.Errorf("Recreated on reopen = %v, want none", ix.Recreated)
		}
		if seq, err := ix.Seq(); err != nil || seq != 42 {
			t.Errorf("Seq() after reopen = %d, %v, want 42", seq, err)
		}
		want := index.Counts{Policies: 31, Enterprises: 100}
		if got, err := ix.Counts(); err != nil || got != want {
			t.Errorf("Counts() = %+v, %v, want %+v", got, err, want)
		}
	})

	t.Run("Retired", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "rules"), 0o755); err != nil {
			t.Fatal(err)
		}
		MustOpen(t, dir)
		if _, err := os.Stat(filepath.Join(dir, "rules")); !os.IsNotExist(err) {
			t.Errorf("the retired rule index is still there: %v", err)
		}
	})

	t.Run("StaleMapping", func(t *testing.T) {
		dir := t.TempDir()
		ix := MustOpen(t, dir)
		if err := ix.SetSeq(7); err != nil {
			t.Fatal(err)
		}
		ix.Close()
		// Stamp one index as built by other code.
		idx, err := bleve.Open(filepath.Join(dir, "policies"))
		if err != nil {
			t.Fatal(err)
		}
		if err := idx.SetInternal([]byte("huiqi.mapping_version"), []byte("huiqi-index/0")); err != nil {
			t.Fatal(err)
		}
		idx.Close()

		ix = MustOpen(t, dir)
		if diff := cmp.Diff([]string{"policies"}, ix.Recreated); diff != "" {
			t.Errorf("Recreated (-want +got):\n%s", diff)
		}
		if seq, _ := ix.Seq(); seq != 0 {
			t.Errorf("Seq() = %d, want 0: a recreated index must ask for a rebuild", seq)
		}
	})

	t.Run("Corrupt", func(t *testing.T) {
		dir := t.TempDir()
		MustOpen(t, dir).Close()
		if err := os.WriteFile(filepath.Join(dir, "enterprises", "index_meta.json"), []byte("{not json"), 0o644); err != nil {
			t.Fatal(err)
		}
		ix := MustOpen(t, dir)
		if diff := cmp.Diff([]string{"enterprises"}, ix.Recreated); diff != "" {
			t.Errorf("Recreated (-want +got):\n%s", diff)
		}
		if err := ix.PutEnterprises(demo.Enterprises(3, 1, today)); err != nil {
			t.Errorf("PutEnterprises on the recreated index: %v", err)
		}
	})
}

func TestIndex_Rebuild(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) *index.Index
	}{
		{"Disk", func(t *testing.T) *index.Index { return MustOpen(t, t.TempDir()) }},
		{"Memory", func(t *testing.T) *index.Index {
			ix, err := index.OpenMem()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ix.Close() })
			return ix
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := tc.open(t)
			if err := ix.PutEnterprises(demo.Enterprises(5, 9, today)); err != nil {
				t.Fatal(err)
			}
			if err := ix.SetSeq(3); err != nil {
				t.Fatal(err)
			}
			pols := mustCatalogue(t)
			pols[0].Status = policies.StatusDraft // not searchable
			es := demo.Enterprises(300, 2, today)
			if err := ix.Rebuild(context.Background(), pols, all(es)); err != nil {
				t.Fatal(err)
			}
			want := index.Counts{Policies: 30, Enterprises: 300}
			if got, err := ix.Counts(); err != nil || got != want {
				t.Errorf("Counts() = %+v, %v, want %+v", got, err, want)
			}
			if seq, _ := ix.Seq(); seq != 0 {
				t.Errorf("Seq() after Rebuild = %d, want 0 until the caller sets it", seq)
			}
			if len(ix.Recreated) != 0 {
				t.Errorf("Recreated after Rebuild = %v, want none", ix.Recreated)
			}
			res, err := ix.Search(context.Background(), index.SearchRequest{Query: "小巨人"})
			if err != nil || res.Total == 0 {
				t.Errorf("Search after Rebuild = %+v, %v", res, err)
			}
			if err := ix.Rebuild(context.Background(), nil, all[*huiqi.Enterprise](nil)); err != nil {
				t.Fatalf("Rebuild empty: %v", err)
			}
			if got, _ := ix.Counts(); got != (index.Counts{}) {
				t.Errorf("Counts() after an empty Rebuild = %+v", got)
			}
		})
	}
}

func TestIndex_PutPolicy(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	p := mustCatalogue(t)[0]
	if err := ix.PutPolicy(p); err != nil {
		t.Fatal(err)
	}
	if c, _ := ix.Counts(); c.Policies != 1 {
		t.Fatalf("Counts() = %+v after PutPolicy", c)
	}
	t.Run("Withdrawn", func(t *testing.T) {
		w := *p
		w.Status = policies.StatusWithdrawn
		if err := ix.PutPolicy(&w); err != nil {
			t.Fatal(err)
		}
		if c, _ := ix.Counts(); c.Policies != 0 {
			t.Errorf("Counts() = %+v after withdrawal, want none", c)
		}
	})
	t.Run("Remove", func(t *testing.T) {
		if err := ix.PutPolicy(p); err != nil {
			t.Fatal(err)
		}
		if err := ix.RemovePolicy(p.ID); err != nil {
			t.Fatal(err)
		}
		if err := ix.RemovePolicy("no-such-policy"); err != nil {
			t.Errorf("RemovePolicy of an absent policy: %v", err)
		}
		if c, _ := ix.Counts(); c.Policies != 0 {
			t.Errorf("Counts() = %+v after RemovePolicy, want none", c)
		}
	})
}

// contains is a text condition, typed as validation types it.
func contains(field, op string, words ...string) *policies.Condition {
	return &policies.Condition{Field: field, Op: op, Value: mustMarshal(words), Arg: policies.Arg{Strs: words}}
}

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// textFirms are profiles whose texts hold the cases where the analyzer's
// tokens are not the text's substrings.
func textFirms() []*huiqi.Enterprise {
	return []*huiqi.Enterprise{
		{CreditCode: "shoes", BusinessScope: "皮鞋、运动鞋制造", MainProducts: "运动鞋"},
		{CreditCode: "clothes", BusinessScope: "服装销售；鞋帽批发"},
		{CreditCode: "oled", BusinessScope: "OLED显示屏"},
		{CreditCode: "width", BusinessScope: "Ａｂ1２型号"},
		{CreditCode: "rare", BusinessScope: "\u9fd6字々"},
		{CreditCode: "blank", MainProducts: "服装"},
	}
}

// TestIndex_EnterpriseCandidates checks that the candidates of a text
// condition hold every profile whose text contains the words, or has no
// text (unknown), and that what bigrams cannot see is left to the matcher.
func TestIndex_EnterpriseCandidates(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.PutEnterprises(textFirms()); err != nil {
		t.Fatal(err)
	}
	const scope, products = "business_scope", "main_products"
	withScope := []string{"clothes", "oled", "rare", "shoes", "width"}
	everyone := append([]string{"blank"}, withScope...)
	for _, tc := range []struct {
		name string
		c    *policies.Condition
		// Candidates of the eligible, and of the eligible or undetermined;
		// nil: not narrowed, every profile a candidate.
		eligible, notIneligible []string
	}{
		{"OneCharacter", contains(scope, "contains_any", "鞋"), []string{"clothes", "shoes"}, []string{"blank", "clothes", "shoes"}},
		{"Any", contains(scope, "contains_any", "服装", "鞋帽"), []string{"clothes"}, []string{"blank", "clothes"}},
		{"All", contains(scope, "contains_all", "运动鞋", "制造"), []string{"shoes"}, []string{"blank", "shoes"}},
		{"AllMissingOne", contains(scope, "contains_all", "运动鞋", "服装"), []string{}, []string{"blank"}},
		{"AcrossPunctuation", contains(scope, "contains_any", "鞋、运"), []string{"shoes"}, []string{"blank", "shoes"}},
		// ASCII inside a longer token, full-width digits, 々 and
		// ideographs the segmenter does not know: only "has a text".
		{"ASCII", contains(scope, "contains_any", "led"), withScope, everyone},
		{"FullWidth", contains(scope, "contains_any", "b12"), withScope, everyone},
		{"Unknown", contains(scope, "contains_any", "\u9fd6字"), []string{"rare"}, []string{"blank", "rare"}},
		{"OtherField", contains(products, "contains_any", "服装"), []string{"blank"}, []string{"blank", "clothes", "oled", "rare", "width"}},
		{"AnyOfTwoFields", &policies.Condition{Any: []*policies.Condition{contains(scope, "contains_any", "显示"), contains(products, "contains_any", "运动")}},
			[]string{"oled", "shoes"}, everyone},
		// not(鞋) is true only where the scope is there; never false where
		// it is missing.
		{"Negated", &policies.Condition{Not: contains(scope, "contains_any", "鞋")}, withScope, nil},
		{"NoText", &policies.Condition{Field: "dishonest", Op: "eq", Arg: policies.Arg{Bool: false}}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, undetermined := range []bool{false, true} {
				want := tc.eligible
				if undetermined {
					want = tc.notIneligible
				}
				got, narrowed, err := ix.EnterpriseCandidates(context.Background(), &policies.Policy{ID: "p", Eligibility: tc.c}, 100, undetermined)
				if err != nil {
					t.Fatal(err)
				}
				if narrowed != (want != nil) {
					t.Fatalf("undetermined %t: narrowed = %t, want %t", undetermined, narrowed, want != nil)
				}
				sort.Strings(got)
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("EnterpriseCandidates, undetermined %t (-want +got):\n%s", undetermined, diff)
				}
			}
		})
	}
}

// TestIndex_EnterpriseCandidates_Most checks that a policy estimated to
// have more candidates than the caller would take is left to the scan. The
// estimate of 鞋 sums the profiles of each bigram holding it: 皮鞋, 动鞋 and
// 鞋制 of one scope, 鞋帽 of another, so 4 for 2 candidates.
func TestIndex_EnterpriseCandidates_Most(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.PutEnterprises(textFirms()); err != nil {
		t.Fatal(err)
	}
	p := &policies.Policy{ID: "p", Eligibility: contains("business_scope", "contains_any", "鞋")}
	for _, tc := range []struct {
		most         int
		wantNarrowed bool
	}{{0, false}, {3, false}, {4, true}, {100, true}} {
		codes, narrowed, err := ix.EnterpriseCandidates(context.Background(), p, tc.most, false)
		if err != nil || narrowed != tc.wantNarrowed || (!narrowed && codes != nil) || (narrowed && len(codes) != 2) {
			t.Errorf("EnterpriseCandidates(most %d) = %v, %t, %v; want narrowed %t", tc.most, codes, narrowed, err, tc.wantNarrowed)
		}
	}
}

// TestIndex_ScanOrCandidates checks the choice between the column scan
// and the candidates: 鞋 is estimated at 4 candidates (see above), which
// the candidates win only among more than 4 × 4 profiles.
func TestIndex_ScanOrCandidates(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.PutEnterprises(textFirms()); err != nil {
		t.Fatal(err)
	}
	p := &policies.Policy{ID: "p", Eligibility: contains("business_scope", "contains_any", "鞋")}
	for _, tc := range []struct {
		profiles     int
		wantNarrowed bool
	}{{0, false}, {15, false}, {16, true}, {200_000, true}} {
		codes, narrowed, err := ix.ScanOrCandidates(context.Background(), p, tc.profiles)
		if err != nil || narrowed != tc.wantNarrowed || (narrowed && len(codes) != 2) {
			t.Errorf("ScanOrCandidates(%d profiles) = %v, %t, %v; want narrowed %t", tc.profiles, codes, narrowed, err, tc.wantNarrowed)
		}
	}
}

func TestIndex_Search(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, p := range mustCatalogue(t) {
		if err := ix.PutPolicy(p); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	search := func(t *testing.T, r index.SearchRequest) *index.SearchResult {
		t.Helper()
		res, err := ix.Search(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ids := func(res *index.SearchResult) []string {
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		sort.Strings(out)
		return out
	}

	t.Run("Highlights", func(t *testing.T) {
		res := search(t, index.SearchRequest{Query: "小巨人"})
		if len(res.Hits) == 0 || res.Hits[0].ID != "qz-little-giant-award" {
			t.Fatalf("hits = %+v", res.Hits)
		}
		h := res.Hits[0]
		if h.Title != "新认定国家级专精特新“小巨人”企业奖励" || h.Department != "福建省工业和信息化厅" || h.Score <= 0 {
			t.Errorf("hit = %+v", h)
		}
		// Overlapping bigrams 小巨 and 巨人 make one mark.
		if got := h.Highlights["title"]; len(got) != 1 || !strings.Contains(got[0], "<mark>小巨人</mark>") {
			t.Errorf("title highlights = %q", got)
		}
		for field, frags := range h.Highlights {
			for _, f := range frags {
				if !strings.Contains(f, "<mark>") {
					t.Errorf("%s fragment without a mark: %q", field, f)
				}
			}
		}
	})

	t.Run("Filters", func(t *testing.T) {
		// 晋江 (350582): the city-wide policies and Jinjiang's own, not Shishi's.
		if got := ids(search(t, index.SearchRequest{Query: "奖励", Size: 100})); !slices.Contains(got, "ss-garment-brand-award") {
			t.Fatalf("奖励 without a region: %v, want Shishi's ss-garment-brand-award among them", got)
		}
		res := search(t, index.SearchRequest{Query: "奖励", Region: "350582", Size: 100})
		if got := ids(res); !slices.Contains(got, "jj-footwear-garment-upgrade") || !slices.Contains(got, "qz-little-giant-award") || slices.Contains(got, "ss-garment-brand-award") {
			t.Errorf("region 350582: %v", got)
		}
		res = search(t, index.SearchRequest{Mode: policies.ModeAuto, Size: 100})
		if res.Total != 8 {
			t.Errorf("mode auto: total %d, want 8", res.Total)
		}
		res = search(t, index.SearchRequest{OpenOn: today, Size: 100})
		if got := ids(res); len(got) != 29 || slices.Contains(got, "qz-catering-lodging-relief") || slices.Contains(got, "qz-gazelle-award-2027") {
			t.Errorf("open on %s: %d policies %v", today, len(got), got)
		}
		res = search(t, index.SearchRequest{Department: "泉州市科学技术局", Kind: policies.KindSubsidy, Size: 100})
		want := []string{"qz-hightech-rd-subsidy", "qz-incubator-startup", "qz-tech-sme-rd-subsidy"}
		if diff := cmp.Diff(want, ids(res)); diff != "" {
			t.Errorf("department and kind (-want +got):\n%s", diff)
		}
	})

	t.Run("Facets", func(t *testing.T) {
		res := search(t, index.SearchRequest{Query: "补助"})
		sum := func(terms []index.FacetTerm) (n int) {
			for _, f := range terms {
				n += f.Count
			}
			return n
		}
		if uint64(sum(res.Facets.Department)) != res.Total || uint64(sum(res.Facets.Kind)) != res.Total || uint64(sum(res.Facets.Region)) != res.Total {
			t.Errorf("facet counts do not add up to total %d: %+v", res.Total, res.Facets)
		}
		if f := res.Facets.Region[0]; f.Term != "3505" || f.Label != "泉州市" {
			t.Errorf("top region facet = %+v, want 3505 泉州市", f)
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{`"total":`, `"hits":[`, `"highlights":{`, `"facets":{"department":[{"term":`, `"kind":[`, `"region":[`} {
			if !strings.Contains(string(b), key) {
				t.Errorf("JSON lacks %s: %s", key, b)
			}
		}
	})

	t.Run("Paging", func(t *testing.T) {
		var seen []string
		r := index.SearchRequest{Size: 7}
		for pages := 0; ; pages++ {
			res := search(t, r)
			for _, h := range res.Hits {
				seen = append(seen, h.ID)
			}
			if res.Next == nil {
				break
			}
			if pages > 10 {
				t.Fatal("cursor does not end")
			}
			r.Cursor = *res.Next
		}
		sort.Strings(seen)
		if len(seen) != 31 || len(slices.Compact(seen)) != 31 {
			t.Errorf("paged through %d policies (%d distinct), want 31", len(seen), len(slices.Compact(seen)))
		}
		res := search(t, index.SearchRequest{From: 30, Size: 7})
		if len(res.Hits) != 1 || res.Next != nil {
			t.Errorf("last page: %d hits, next %v", len(res.Hits), res.Next)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, r := range []index.SearchRequest{{Cursor: "garbage"}, {Size: 1001}, {Size: -1}, {From: -1}} {
			if _, err := ix.Search(ctx, r); huiqi.ErrorCode(err) != huiqi.EInvalid {
				t.Errorf("Search(%+v) error = %v, want %s", r, err, huiqi.EInvalid)
			}
		}
	})
}
