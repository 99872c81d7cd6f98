package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/matcher"
)

// TestBaseline_MatchesMatcher holds the benchmark's SQL baseline to the
// matcher: a comparison of speed is only fair between equal answers.
func TestBaseline_MatchesMatcher(t *testing.T) {
	ctx := context.Background()
	day := huiqi.NewDate(2026, 6, 15)
	es := demo.Enterprises(3000, 5, day)
	b, err := OpenBaseline(ctx, filepath.Join(t.TempDir(), "baseline.db"), es)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	m := matcher.New()
	m.PutProfiles(es...)
	for _, p := range demo.Policies(300, 5, day) {
		got, err := b.Match(ctx, p, day)
		if err != nil {
			t.Fatalf("Match(%s): %v", p.ID, err)
		}
		var want []string
		for _, h := range m.MatchPolicy(matcher.Compile(p), day, false).Hits {
			want = append(want, h.CreditCode)
		}
		if !slices.Equal(got, want) {
			where, _ := BaselineWhere(p, day)
			t.Fatalf("Match(%s) = %d enterprises, matcher %d; WHERE %s", p.ID, len(got), len(want), where)
		}
	}
}
