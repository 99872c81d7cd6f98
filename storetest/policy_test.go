package storetest_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
	"github.com/huiqi/huiqi/storetest"
)

// mustPolicy creates a policy and brings it to status by publishing and
// withdrawing it.
func mustPolicy(tb testing.TB, db storetest.Store, p *policies.Policy, status string) *policies.Policy {
	tb.Helper()
	ctx := context.Background()
	if err := db.CreatePolicy(ctx, p); err != nil {
		tb.Fatal(err)
	}
	steps := map[string][]string{
		policies.StatusDraft:     nil,
		policies.StatusPublished: {policies.StatusPublished},
		policies.StatusWithdrawn: {policies.StatusPublished, policies.StatusWithdrawn},
	}[status]
	for _, s := range steps {
		got, err := db.SetPolicyStatus(ctx, p.ID, s)
		if err != nil {
			tb.Fatal(err)
		}
		p = got
	}
	return p
}

func TestStore_CreatePolicy(t *testing.T) { forEachStore(t, testCreatePolicy) }

func testCreatePolicy(t *testing.T, open opener) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		p := storetest.NewPolicy("jj-hightech-award")
		if err := db.CreatePolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
		if p.Version != 1 || p.Status != policies.StatusDraft || p.UpdatedAt.IsZero() {
			t.Fatalf("after create: Version %d, Status %q, UpdatedAt %v, want 1, draft, a time", p.Version, p.Status, p.UpdatedAt)
		}
		for _, v := range []int{0, 1} {
			got, err := db.FindPolicy(ctx, p.ID, v)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p, got, cmpOpts...); diff != "" {
				t.Fatalf("FindPolicy(%d) (-want +got):\n%s", v, diff)
			}
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		for _, status := range []string{policies.StatusDraft, policies.StatusPublished, policies.StatusWithdrawn} {
			id := "dup-" + status
			mustPolicy(t, db, storetest.NewPolicy(id), status)
			err := db.CreatePolicy(ctx, storetest.NewPolicy(id))
			wantCode(t, err, huiqi.EConflict)
		}
	})
}

func TestStore_SavePolicy(t *testing.T) { forEachStore(t, testSavePolicy) }

func testSavePolicy(t *testing.T, open opener) {
	ctx := context.Background()

	t.Run("DraftInPlace", func(t *testing.T) {
		db := open(t)
		old := mustPolicy(t, db, storetest.NewPolicy("draft-edit"), policies.StatusDraft)
		p := storetest.NewPolicy("draft-edit")
		p.Title = "高新技术企业认定奖励（修订）"
		if err := db.SavePolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
		if p.Version != 1 || p.Status != policies.StatusDraft || !p.UpdatedAt.After(old.UpdatedAt) {
			t.Fatalf("after save: Version %d, Status %q, UpdatedAt %v, want 1, draft, after %v", p.Version, p.Status, p.UpdatedAt, old.UpdatedAt)
		}
		got, err := db.FindPolicy(ctx, p.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got, cmpOpts...); diff != "" {
			t.Fatalf("FindPolicy(1) (-want +got):\n%s", diff)
		}
		_, err = db.FindPolicy(ctx, p.ID, 2)
		wantCode(t, err, huiqi.ENotFound)
	})

	t.Run("PublishedNewVersion", func(t *testing.T) {
		db := open(t)
		v1 := mustPolicy(t, db, storetest.NewPolicy("published-edit"), policies.StatusPublished)
		v2 := storetest.NewPolicy("published-edit")
		v2.Benefit.Amount.Fixed = storetest.Ptr(300_000 * huiqi.Yuan)
		if err := db.SavePolicy(ctx, v2); err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.Status != policies.StatusPublished {
			t.Fatalf("after save: Version %d, Status %q, want 2, published", v2.Version, v2.Status)
		}
		for _, tc := range []struct {
			version int
			want    *policies.Policy
		}{{0, v2}, {1, v1}, {2, v2}} {
			got, err := db.FindPolicy(ctx, v1.ID, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpOpts...); diff != "" {
				t.Fatalf("FindPolicy(%d) (-want +got):\n%s", tc.version, diff)
			}
		}
		// Only the latest version is current.
		ps, err := db.PublishedPolicies(ctx)
		if err != nil {
			t.Fatal(err)
		} else if len(ps) != 1 || ps[0].Version != 2 {
			t.Fatalf("PublishedPolicies() = %d policies, want version 2 only", len(ps))
		}
		// A further change makes version 3.
		v3 := storetest.NewPolicy("published-edit")
		v3.Title = "第三版"
		if err := db.SavePolicy(ctx, v3); err != nil {
			t.Fatal(err)
		} else if v3.Version != 3 || v3.Status != policies.StatusPublished {
			t.Fatalf("third save: Version %d, Status %q, want 3, published", v3.Version, v3.Status)
		}
	})

	t.Run("WithdrawnNewDraft", func(t *testing.T) {
		db := open(t)
		v1 := mustPolicy(t, db, storetest.NewPolicy("withdrawn-edit"), policies.StatusWithdrawn)
		// Even the same document makes a new draft: saving is how a
		// withdrawn policy comes back.
		v2 := storetest.NewPolicy("withdrawn-edit")
		if err := db.SavePolicy(ctx, v2); err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.Status != policies.StatusDraft {
			t.Fatalf("after save: Version %d, Status %q, want 2, draft", v2.Version, v2.Status)
		}
		if got, err := db.FindPolicy(ctx, v1.ID, 1); err != nil {
			t.Fatal(err)
		} else if got.Status != policies.StatusWithdrawn {
			t.Fatalf("version 1 status = %q, want withdrawn", got.Status)
		}
		if got, err := db.SetPolicyStatus(ctx, v1.ID, policies.StatusPublished); err != nil {
			t.Fatal(err)
		} else if got.Version != 2 || got.Status != policies.StatusPublished {
			t.Fatalf("publish: Version %d, Status %q, want 2, published", got.Version, got.Status)
		}
	})

	t.Run("Unchanged", func(t *testing.T) {
		db := open(t)
		for _, status := range []string{policies.StatusDraft, policies.StatusPublished} {
			old := mustPolicy(t, db, storetest.NewPolicy("same-"+status), status)
			p := storetest.NewPolicy("same-" + status)
			if err := db.SavePolicy(ctx, p); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(old, p, cmpOpts...); diff != "" {
				t.Fatalf("%s: unchanged save (-want +got):\n%s", status, diff)
			}
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		err := db.SavePolicy(ctx, storetest.NewPolicy("no-such-policy"))
		wantCode(t, err, huiqi.ENotFound)
	})
}

func TestStore_SetPolicyStatus(t *testing.T) { forEachStore(t, testSetPolicyStatus) }

func testSetPolicyStatus(t *testing.T, open opener) {
	ctx := context.Background()
	for _, tc := range []struct {
		from, to string
		want     string // status after, or an error code
	}{
		{policies.StatusDraft, policies.StatusPublished, policies.StatusPublished},
		{policies.StatusDraft, policies.StatusWithdrawn, huiqi.EConflict},
		{policies.StatusPublished, policies.StatusPublished, policies.StatusPublished},
		{policies.StatusPublished, policies.StatusWithdrawn, policies.StatusWithdrawn},
		{policies.StatusWithdrawn, policies.StatusPublished, huiqi.EConflict},
		{policies.StatusWithdrawn, policies.StatusWithdrawn, huiqi.EConflict},
		{policies.StatusDraft, policies.StatusDraft, huiqi.EInvalid},
		{policies.StatusPublished, "archived", huiqi.EInvalid},
	} {
		t.Run(tc.from+"To"+tc.to, func(t *testing.T) {
			db := open(t)
			before := mustPolicy(t, db, storetest.NewPolicy("status-test"), tc.from)
			got, err := db.SetPolicyStatus(ctx, before.ID, tc.to)
			if tc.want != policies.StatusPublished && tc.want != policies.StatusWithdrawn {
				wantCode(t, err, tc.want)
				after, err := db.FindPolicy(ctx, before.ID, 0)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(before, after, cmpOpts...); diff != "" {
					t.Fatalf("refused change altered the policy (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := *before
			want.Status = tc.want
			if tc.from != tc.to {
				if !got.UpdatedAt.After(before.UpdatedAt) {
					t.Fatalf("UpdatedAt = %v, want after %v", got.UpdatedAt, before.UpdatedAt)
				}
				want.UpdatedAt = got.UpdatedAt
			}
			if diff := cmp.Diff(&want, got, cmpOpts...); diff != "" {
				t.Fatalf("SetPolicyStatus (-want +got):\n%s", diff)
			}
			if found, err := db.FindPolicy(ctx, before.ID, 0); err != nil {
				t.Fatal(err)
			} else if diff := cmp.Diff(got, found, cmpOpts...); diff != "" {
				t.Fatalf("FindPolicy after status change (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		_, err := db.SetPolicyStatus(ctx, "no-such-policy", policies.StatusPublished)
		wantCode(t, err, huiqi.ENotFound)
	})
}

func TestStore_FindPolicy(t *testing.T) { forEachStore(t, testFindPolicy) }

func testFindPolicy(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	mustPolicy(t, db, storetest.NewPolicy("find-me"), policies.StatusDraft)
	for _, tc := range []struct {
		id      string
		version int
	}{{"no-such-policy", 0}, {"no-such-policy", 1}, {"find-me", 2}, {"find-me", -1}} {
		_, err := db.FindPolicy(ctx, tc.id, tc.version)
		wantCode(t, err, huiqi.ENotFound)
	}
}

func TestStore_ListPolicies(t *testing.T) { forEachStore(t, testListPolicies) }

func testListPolicies(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	mk := func(id, status, department, mode, kind, region string) {
		p := storetest.NewPolicy(id)
		p.Department, p.Mode, p.Benefit.Kind, p.Region = department, mode, kind, region
		mustPolicy(t, db, p, status)
	}
	mk("a-city-subsidy", policies.StatusPublished, "泉州市工信局", policies.ModeAuto, policies.KindSubsidy, "3505")
	mk("b-jj-award", policies.StatusPublished, "晋江市科技局", policies.ModeApply, policies.KindAward, "350582")
	mk("c-na-award", policies.StatusDraft, "南安市科技局", policies.ModeApply, policies.KindAward, "350583")
	mk("d-any-loan", policies.StatusWithdrawn, "泉州市财政局", policies.ModeApply, policies.KindLoanInterest, "")
	mk("e-jj-draft", policies.StatusDraft, "晋江市科技局", policies.ModeAuto, policies.KindSubsidy, "350582")
	// b gets a second published version with another kind: only the latest
	// counts, and b is listed once.
	b2 := storetest.NewPolicy("b-jj-award")
	b2.Department, b2.Benefit.Kind = "晋江市科技局", policies.KindRentWaiver
	if err := db.SavePolicy(ctx, b2); err != nil {
		t.Fatal(err)
	} else if b2.Version != 2 {
		t.Fatalf("b2 version = %d, want 2", b2.Version)
	}

	for _, tc := range []struct {
		name string
		f    huiqi.PolicyFilter
		want []string
	}{
		{"None", huiqi.PolicyFilter{}, []string{"a-city-subsidy", "b-jj-award", "c-na-award", "d-any-loan", "e-jj-draft"}},
		{"Published", huiqi.PolicyFilter{Status: policies.StatusPublished}, []string{"a-city-subsidy", "b-jj-award"}},
		{"Draft", huiqi.PolicyFilter{Status: policies.StatusDraft}, []string{"c-na-award", "e-jj-draft"}},
		{"Department", huiqi.PolicyFilter{Department: "晋江市科技局"}, []string{"b-jj-award", "e-jj-draft"}},
		{"Mode", huiqi.PolicyFilter{Mode: policies.ModeAuto}, []string{"a-city-subsidy", "e-jj-draft"}},
		{"KindLatestOnly", huiqi.PolicyFilter{Kind: policies.KindAward}, []string{"c-na-award"}},
		{"KindNew", huiqi.PolicyFilter{Kind: policies.KindRentWaiver}, []string{"b-jj-award"}},
		{"RegionCounty", huiqi.PolicyFilter{Region: "350582"}, []string{"a-city-subsidy", "b-jj-award", "d-any-loan", "e-jj-draft"}},
		{"RegionCity", huiqi.PolicyFilter{Region: "3505"}, []string{"a-city-subsidy", "d-any-loan"}},
		{"Combined", huiqi.PolicyFilter{Status: policies.StatusPublished, Region: "350583"}, []string{"a-city-subsidy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, total, next, err := db.ListPolicies(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range items {
				got = append(got, p.ID)
				if p.ID == "b-jj-award" && p.Version != 2 {
					t.Fatalf("b-jj-award listed at version %d, want 2", p.Version)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("ListPolicies(%+v) (-want +got):\n%s", tc.f, diff)
			}
			if total != len(tc.want) || next != "" {
				t.Fatalf("ListPolicies(%+v): total %d, next %q, want %d, \"\"", tc.f, total, next, len(tc.want))
			}
		})
	}

	t.Run("Paging", func(t *testing.T) {
		var got []string
		after := ""
		for page := 0; ; page++ {
			items, total, next, err := db.ListPolicies(ctx, huiqi.PolicyFilter{Limit: 2, After: after})
			if err != nil {
				t.Fatal(err)
			} else if total != 5 {
				t.Fatalf("page %d: total = %d, want 5", page, total)
			}
			for _, p := range items {
				got = append(got, p.ID)
			}
			if next == "" {
				break
			} else if page > 5 {
				t.Fatal("paging does not end")
			}
			after = next
		}
		want := []string{"a-city-subsidy", "b-jj-award", "c-na-award", "d-any-loan", "e-jj-draft"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("paged ids (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, f := range []huiqi.PolicyFilter{{Status: "archived"}, {Limit: -5}, {After: "%%%"}} {
			_, _, _, err := db.ListPolicies(ctx, f)
			wantCode(t, err, huiqi.EInvalid)
		}
	})
}

func TestStore_PublishedPolicies(t *testing.T) { forEachStore(t, testPublishedPolicies) }

func testPublishedPolicies(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	if ps, err := db.PublishedPolicies(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("PublishedPolicies() on an empty database = %d, %v, want none", len(ps), err)
	}
	want := []*policies.Policy{
		mustPolicy(t, db, storetest.NewPolicy("p-one"), policies.StatusPublished),
		mustPolicy(t, db, storetest.NewPolicy("p-two"), policies.StatusPublished),
	}
	mustPolicy(t, db, storetest.NewPolicy("p-draft"), policies.StatusDraft)
	mustPolicy(t, db, storetest.NewPolicy("p-gone"), policies.StatusWithdrawn)
	got, err := db.PublishedPolicies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
		t.Fatalf("PublishedPolicies() (-want +got):\n%s", diff)
	}
}

// TestStore_Catalogue stores the bundled catalogue and reads it back: every
// document survives the round trip and validates again.
func TestStore_Catalogue(t *testing.T) { forEachStore(t, testCatalogue) }

func testCatalogue(t *testing.T, open opener) {
	ctx := context.Background()
	today := huiqi.NewDate(2025, 6, 1)
	ps, err := policies.Catalogue(today)
	if err != nil {
		t.Skipf("catalogue does not parse: %v", err)
	}
	db := open(t)
	for _, p := range ps {
		p.Status = ""
		if err := db.CreatePolicy(ctx, p); err != nil {
			t.Fatalf("CreatePolicy(%s) = %v", p.ID, err)
		}
		got, err := db.FindPolicy(ctx, p.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Arg is derived by validation and not stored.
		if diff := cmp.Diff(p, got, append(cmpOpts, cmpopts.IgnoreFields(policies.Condition{}, "Arg"))...); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", p.ID, diff)
		}
		if err := got.Validate(today); err != nil {
			t.Fatalf("%s: stored policy no longer validates: %v", p.ID, err)
		}
	}
	t.Logf("%d catalogue policies round-tripped", len(ps))
}
