package engine_test

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
)

// A policy's matches are computed once and paged from then on, yet every
// page answers for the data as it is: a profile or a policy version stored
// between two pages shows in the next, the profiles by a catch-up of the
// reach computed, a policy version by a new one.
func TestEngine_PolicyMatchesFollowChanges(t *testing.T) {
	e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
	const doc = `id: reach-hightech
title: 高新技术企业奖励
department: 泉州市科学技术局
eligibility:
  all:
    - {field: tags, op: has, value: hightech}
    - {field: employees, op: gte, value: 10}
benefit: {kind: award, amount: {fixed: 100000}}
`
	engPolicy(t, e, doc, true)
	codes := []string{engCode(1), engCode(2), engCode(3)}
	for _, c := range codes {
		if err := e.CreateEnterprise(engCtx, engProfile(c)); err != nil {
			t.Fatal(err)
		}
	}
	type page struct {
		Total       int
		AmountTotal huiqi.Money
		Codes       []string
		Next        bool
	}
	all := func(t *testing.T) []page {
		t.Helper()
		var pages []page
		pg := engine.Page{Limit: 2}
		for {
			pv, err := e.PolicyMatches(engCtx, "reach-hightech", engToday, "", pg)
			if err != nil {
				t.Fatal(err)
			}
			p := page{Total: pv.Total, AmountTotal: pv.AmountTotal, Next: pv.Next != nil}
			for _, h := range pv.Items {
				p.Codes = append(p.Codes, h.CreditCode)
			}
			pages = append(pages, p)
			if pv.Next == nil {
				return pages
			}
			pg.After = *pv.Next
		}
	}
	want := func(t *testing.T, step string, want []page) {
		t.Helper()
		for range 2 { // computed, then from the cache
			if diff := cmp.Diff(want, all(t)); diff != "" {
				t.Fatalf("%s: pages (-want +got):\n%s", step, diff)
			}
		}
	}
	yuan := func(n int64) huiqi.Money { return huiqi.Money(n) * huiqi.Yuan }
	want(t, "three eligible", []page{
		{Total: 3, AmountTotal: yuan(300000), Codes: codes[:2], Next: true},
		{Total: 3, AmountTotal: yuan(300000), Codes: codes[2:]},
	})

	en := engProfile(codes[0])
	en.Tags = nil
	if err := e.UpdateEnterprise(engCtx, codes[0], en); err != nil {
		t.Fatal(err)
	}
	want(t, "a tag removed", []page{{Total: 2, AmountTotal: yuan(200000), Codes: codes[1:]}})

	if _, err := e.UpdatePolicy(engCtx, "reach-hightech", []byte(strings.Replace(doc, "100000", "150000", 1))); err != nil {
		t.Fatal(err)
	}
	want(t, "a new version", []page{{Total: 2, AmountTotal: yuan(300000), Codes: codes[1:]}})

	// Readers paging while profiles change: each page is exact for some
	// state of the data (-race checks the cache's sharing), and once the
	// writes are done the pages show the last.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				if _, err := e.PolicyMatches(engCtx, "reach-hightech", engToday, "", engine.Page{Limit: 1}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range 10 {
		en := engProfile(codes[0])
		if i%2 == 1 {
			en.Tags = nil
		}
		if err := e.UpdateEnterprise(engCtx, codes[0], en); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	want(t, "after concurrent reads", []page{{Total: 2, AmountTotal: yuan(300000), Codes: codes[1:]}})

	// A profile stored for the first time is caught up with as well.
	if err := e.CreateEnterprise(engCtx, engProfile(engCode(4))); err != nil {
		t.Fatal(err)
	}
	want(t, "a new enterprise", []page{
		{Total: 3, AmountTotal: yuan(450000), Codes: codes[1:], Next: true},
		{Total: 3, AmountTotal: yuan(450000), Codes: []string{engCode(4)}},
	})
}
