package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/storetest"
)

func TestStore_CreateEnterprise(t *testing.T) { forEachStore(t, testCreateEnterprise) }

func testCreateEnterprise(t *testing.T, open opener) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		e := storetest.NewEnterprise("914403001922038216")
		if err := db.CreateEnterprise(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.Version != 1 || e.UpdatedAt.IsZero() {
			t.Fatalf("after create: Version = %d, UpdatedAt = %v, want 1 and a time", e.Version, e.UpdatedAt)
		}
		got, err := db.FindEnterprise(ctx, e.CreditCode)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(e, got, cmpOpts...); diff != "" {
			t.Fatalf("FindEnterprise (-want +got):\n%s", diff)
		}
		got, err = db.FindEnterpriseVersion(ctx, e.CreditCode, 1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(e, got, cmpOpts...); diff != "" {
			t.Fatalf("FindEnterpriseVersion(1) (-want +got):\n%s", diff)
		}
	})

	t.Run("NoFigures", func(t *testing.T) {
		db := open(t)
		e := &huiqi.Enterprise{CreditCode: "9144030071526726XG", Name: "深圳某公司", Region: "350503",
			Industry: "I6510", FoundedOn: huiqi.NewDate(2020, 1, 2)}
		if err := db.CreateEnterprise(ctx, e); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindEnterprise(ctx, e.CreditCode)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(e, got, cmpOpts...); diff != "" {
			t.Fatalf("FindEnterprise (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		db := open(t)
		if err := db.CreateEnterprise(ctx, storetest.NewEnterprise("91110108551385082Q")); err != nil {
			t.Fatal(err)
		}
		err := db.CreateEnterprise(ctx, storetest.NewEnterprise("91110108551385082Q"))
		wantCode(t, err, huiqi.EConflict)
	})
}

func TestStore_UpdateEnterprise(t *testing.T) { forEachStore(t, testUpdateEnterprise) }

func testUpdateEnterprise(t *testing.T, open opener) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		v1 := storetest.NewEnterprise("91110000802100433B")
		if err := db.CreateEnterprise(ctx, v1); err != nil {
			t.Fatal(err)
		}
		v2 := storetest.NewEnterprise(v1.CreditCode)
		v2.Name = "泉州测试鞋业股份有限公司"
		v2.Tags = []string{"hightech", "specialized"}
		if err := db.UpdateEnterprise(ctx, v2); err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || !v2.UpdatedAt.After(v1.UpdatedAt) {
			t.Fatalf("after update: Version = %d, UpdatedAt = %v, want 2 and after %v", v2.Version, v2.UpdatedAt, v1.UpdatedAt)
		}
		for _, tc := range []struct {
			version int
			want    *huiqi.Enterprise
		}{{0, v2}, {1, v1}, {2, v2}} {
			var got *huiqi.Enterprise
			var err error
			if tc.version == 0 {
				got, err = db.FindEnterprise(ctx, v1.CreditCode)
			} else {
				got, err = db.FindEnterpriseVersion(ctx, v1.CreditCode, tc.version)
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpOpts...); diff != "" {
				t.Fatalf("version %d (-want +got):\n%s", tc.version, diff)
			}
		}
		// The tag rows follow the profile.
		items, _, _, err := db.ListEnterprises(ctx, huiqi.EnterpriseFilter{Tag: "specialized"})
		if err != nil {
			t.Fatal(err)
		} else if len(items) != 1 {
			t.Fatalf("ListEnterprises(tag specialized) = %d items, want 1", len(items))
		}
	})

	t.Run("Unchanged", func(t *testing.T) {
		db := open(t)
		e := storetest.NewEnterprise("91310115591693856A")
		if err := db.CreateEnterprise(ctx, e); err != nil {
			t.Fatal(err)
		}
		// Equal content in another shape: nil tags and empty tags are alike.
		e.Tags = nil
		if err := db.UpdateEnterprise(ctx, e); err != nil {
			t.Fatal(err)
		}
		same := storetest.NewEnterprise(e.CreditCode)
		same.Tags = nil
		if err := db.UpdateEnterprise(ctx, same); err != nil {
			t.Fatal(err)
		}
		if same.Version != 2 || !same.UpdatedAt.Equal(e.UpdatedAt) {
			t.Fatalf("unchanged update: Version = %d, UpdatedAt = %v, want 2 and %v", same.Version, same.UpdatedAt, e.UpdatedAt)
		}
		same.Tags = []string{}
		if err := db.UpdateEnterprise(ctx, same); err != nil {
			t.Fatal(err)
		}
		_, err := db.FindEnterpriseVersion(ctx, e.CreditCode, 3)
		wantCode(t, err, huiqi.ENotFound)
		got, err := db.FindEnterprise(ctx, e.CreditCode)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(e, got, cmpOpts...); diff != "" {
			t.Fatalf("FindEnterprise (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		db := open(t)
		err := db.UpdateEnterprise(ctx, storetest.NewEnterprise("913505007173546744"))
		wantCode(t, err, huiqi.ENotFound)
		if n, err := db.EnterpriseCount(ctx); err != nil || n != 0 {
			t.Fatalf("EnterpriseCount() = %d, %v, want 0", n, err)
		}
	})
}

func TestStore_FindEnterprise(t *testing.T) { forEachStore(t, testFindEnterprise) }

func testFindEnterprise(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	_, err := db.FindEnterprise(ctx, "913505007173546744")
	wantCode(t, err, huiqi.ENotFound)
	if err := db.CreateEnterprise(ctx, storetest.NewEnterprise("913505007173546744")); err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{0, 2, -1} {
		_, err = db.FindEnterpriseVersion(ctx, "913505007173546744", v)
		wantCode(t, err, huiqi.ENotFound)
	}
}

func TestStore_PutEnterprises(t *testing.T) { forEachStore(t, testPutEnterprises) }

func testPutEnterprises(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	var batch []*huiqi.Enterprise
	for i := range 5 {
		batch = append(batch, storetest.NewEnterprise(storetest.Code(i)))
	}
	changed, err := db.PutEnterprises(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(batch, changed, cmpOpts...); diff != "" {
		t.Fatalf("first batch: changed (-want +got):\n%s", diff)
	}
	for _, e := range changed {
		if e.Version != 1 {
			t.Fatalf("first batch: %s Version = %d, want 1", e.CreditCode, e.Version)
		}
	}

	// Second batch: 0 changed, 1 unchanged, 5 new.
	e0 := storetest.NewEnterprise(storetest.Code(0))
	e0.Employees = storetest.Ptr[int64](300)
	e1 := storetest.NewEnterprise(storetest.Code(1))
	e5 := storetest.NewEnterprise(storetest.Code(5))
	changed, err = db.PutEnterprises(ctx, []*huiqi.Enterprise{e0, e1, e5})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*huiqi.Enterprise{e0, e5}, changed, cmpOpts...); diff != "" {
		t.Fatalf("second batch: changed (-want +got):\n%s", diff)
	}
	if e0.Version != 2 || e1.Version != 1 || e5.Version != 1 {
		t.Fatalf("second batch: versions %d %d %d, want 2 1 1", e0.Version, e1.Version, e5.Version)
	}
	if !e1.UpdatedAt.Equal(batch[1].UpdatedAt) {
		t.Fatalf("unchanged profile: UpdatedAt = %v, want the stored %v", e1.UpdatedAt, batch[1].UpdatedAt)
	}
	for _, want := range []*huiqi.Enterprise{e0, e1, e5} {
		got, err := db.FindEnterprise(ctx, want.CreditCode)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
			t.Fatalf("FindEnterprise(%s) (-want +got):\n%s", want.CreditCode, diff)
		}
	}
	if got, err := db.FindEnterpriseVersion(ctx, storetest.Code(0), 1); err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(batch[0], got, cmpOpts...); diff != "" {
		t.Fatalf("FindEnterpriseVersion(1) (-want +got):\n%s", diff)
	}
	if n, err := db.EnterpriseCount(ctx); err != nil || n != 6 {
		t.Fatalf("EnterpriseCount() = %d, %v, want 6", n, err)
	}

	if changed, err := db.PutEnterprises(ctx, nil); err != nil || changed != nil {
		t.Fatalf("PutEnterprises(nil) = %v, %v, want nil, nil", changed, err)
	}
}

func TestStore_PutEnterprises_Duplicates(t *testing.T) {
	forEachStore(t, testPutEnterprises_Duplicates)
}

func testPutEnterprises_Duplicates(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	first := storetest.NewEnterprise(storetest.Code(1))
	second := storetest.NewEnterprise(storetest.Code(1))
	second.Tags = []string{"specialized"}
	third := storetest.NewEnterprise(storetest.Code(1))
	third.Tags = []string{"specialized"}
	changed, err := db.PutEnterprises(ctx, []*huiqi.Enterprise{first, storetest.NewEnterprise(storetest.Code(2)), second, third})
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 3 || first.Version != 1 || second.Version != 2 || third.Version != 2 {
		t.Fatalf("changed %d, versions %d %d %d, want 3 changed, versions 1 2 2", len(changed), first.Version, second.Version, third.Version)
	}
	got, err := db.FindEnterprise(ctx, storetest.Code(1))
	if err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(second, got, cmpOpts...); diff != "" {
		t.Fatalf("FindEnterprise (-want +got):\n%s", diff)
	}
	// The tags of the first version, inserted in the same batch, are gone.
	items, _, _, err := db.ListEnterprises(ctx, huiqi.EnterpriseFilter{Tag: "hightech"})
	if err != nil {
		t.Fatal(err)
	} else if len(items) != 1 || items[0].CreditCode != storetest.Code(2) {
		t.Fatalf("ListEnterprises(tag hightech) = %d items, want only %s", len(items), storetest.Code(2))
	}
}

// TestStore_PutEnterprises_Large writes batches larger than the writer's
// buffers, with changes spread through them.
func TestStore_PutEnterprises_Large(t *testing.T) { forEachStore(t, testPutEnterprises_Large) }

func testPutEnterprises_Large(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	const n = 1234
	var batch []*huiqi.Enterprise
	for i := range n {
		batch = append(batch, storetest.NewEnterprise(storetest.Code(i)))
	}
	if changed, err := db.PutEnterprises(ctx, batch); err != nil {
		t.Fatal(err)
	} else if len(changed) != n {
		t.Fatalf("first batch: %d changed, want %d", len(changed), n)
	}
	// Every third changed, every seventh new.
	batch = nil
	var want []string
	for i := range n {
		e := storetest.NewEnterprise(storetest.Code(i))
		switch {
		case i%7 == 0:
			e = storetest.NewEnterprise(storetest.Code(n + i))
			want = append(want, e.CreditCode)
		case i%3 == 0:
			e.Tags = append(e.Tags, "green_factory")
			want = append(want, e.CreditCode)
		}
		batch = append(batch, e)
	}
	changed, err := db.PutEnterprises(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range changed {
		got = append(got, e.CreditCode)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("second batch: changed codes (-want +got):\n%s", diff)
	}
	_, total, _, err := db.ListEnterprises(ctx, huiqi.EnterpriseFilter{Tag: "green_factory"})
	if err != nil {
		t.Fatal(err)
	}
	wantGreen := 0
	for i := range n {
		if i%7 != 0 && i%3 == 0 {
			wantGreen++
		}
	}
	if total != wantGreen {
		t.Fatalf("green_factory total = %d, want %d", total, wantGreen)
	}
	if count, err := db.EnterpriseCount(ctx); err != nil || count != n+len(want)-wantGreen {
		t.Fatalf("EnterpriseCount() = %d, %v, want %d", count, err, n+len(want)-wantGreen)
	}
}

func TestStore_ListEnterprises(t *testing.T) { forEachStore(t, testListEnterprises) }

func testListEnterprises(t *testing.T, open opener) {
	ctx := context.Background()

	t.Run("Paging", func(t *testing.T) {
		for _, tc := range []struct {
			name         string
			n, limit     int
			wantPageLens []int
		}{
			{"Partial", 7, 3, []int{3, 3, 1}},
			{"Exact", 6, 3, []int{3, 3}},
			{"One", 1, 0, []int{1}},
			{"Empty", 0, 0, []int{0}},
			{"Default", 55, 0, []int{50, 5}},
			{"Max", 1005, 1000, []int{1000, 5}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				db := open(t)
				var want []string
				var batch []*huiqi.Enterprise
				for i := range tc.n {
					// Descending, so that the store's order is not the
					// insertion order.
					c := storetest.Code(tc.n - i)
					want = append(want, c)
					batch = append(batch, storetest.NewEnterprise(c))
				}
				slices.Sort(want)
				if _, err := db.PutEnterprises(ctx, batch); err != nil {
					t.Fatal(err)
				}
				var got []string
				var lens []int
				after := ""
				for page := 0; ; page++ {
					items, total, next, err := db.ListEnterprises(ctx, huiqi.EnterpriseFilter{Limit: tc.limit, After: after})
					if err != nil {
						t.Fatal(err)
					}
					if total != tc.n {
						t.Fatalf("page %d: total = %d, want %d", page, total, tc.n)
					}
					lens = append(lens, len(items))
					for _, e := range items {
						got = append(got, e.CreditCode)
					}
					if next == "" {
						break
					} else if page > tc.n {
						t.Fatal("paging does not end")
					}
					after = next
				}
				if diff := cmp.Diff(tc.wantPageLens, lens); diff != "" {
					t.Fatalf("page lengths (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
					t.Fatalf("codes (-want +got):\n%s", diff)
				}
			})
		}
	})

	// A page over the maximum is refused, not cut short: a client would
	// take the short page for the last.
	t.Run("OverMax", func(t *testing.T) {
		db := open(t)
		_, _, _, err := db.ListEnterprises(ctx, huiqi.EnterpriseFilter{Limit: huiqi.MaxLimit + 1})
		if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != "limit" {
			t.Errorf("ListEnterprises(limit %d) = %v, want EInvalid naming limit", huiqi.MaxLimit+1, err)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		db := open(t)
		// Codes 1..6: two regions, three industries, scales given and
		// derived, tags.
		mk := func(i int, region, industry, scale string, tags ...string) *huiqi.Enterprise {
			e := storetest.NewEnterprise(storetest.Code(i))
			e.Region, e.Industry, e.Scale, e.Tags = region, industry, scale, tags
			return e
		}
		es := []*huiqi.Enterprise{
			mk(1, "350582", "C1952", "", "hightech"),
			mk(2, "350582", "C1951", "large", "hightech", "specialized"),
			mk(3, "350583", "C1952", "micro"),
			mk(4, "350503", "I6510", "", "specialized"),
			mk(5, "350583", "C3911", "large", "park_resident"),
		}
		if _, err := db.PutEnterprises(ctx, es); err != nil {
			t.Fatal(err)
		}
		derived := es[0].EffectiveScale()
		if derived == "" {
			t.Fatal("test profile has no derived scale")
		}
		var withDerived []int // the profiles whose effective scale is derived
		for i, e := range es {
			if e.EffectiveScale() == derived {
				withDerived = append(withDerived, i+1)
			}
		}
		for _, tc := range []struct {
			name string
			f    huiqi.EnterpriseFilter
			want []int
		}{
			{"None", huiqi.EnterpriseFilter{}, []int{1, 2, 3, 4, 5}},
			{"RegionCity", huiqi.EnterpriseFilter{Region: "3505"}, []int{1, 2, 3, 4, 5}},
			{"RegionCounty", huiqi.EnterpriseFilter{Region: "350583"}, []int{3, 5}},
			{"RegionNone", huiqi.EnterpriseFilter{Region: "3506"}, nil},
			{"IndustrySection", huiqi.EnterpriseFilter{Industry: "C"}, []int{1, 2, 3, 5}},
			{"IndustryGroup", huiqi.EnterpriseFilter{Industry: "C195"}, []int{1, 2, 3}},
			{"IndustryLowerCase", huiqi.EnterpriseFilter{Industry: "c1952"}, []int{1, 3}},
			{"ScaleGiven", huiqi.EnterpriseFilter{Scale: "large"}, []int{2, 5}},
			{"ScaleDerived", huiqi.EnterpriseFilter{Scale: derived}, withDerived},
			{"Tag", huiqi.EnterpriseFilter{Tag: "specialized"}, []int{2, 4}},
			{"TagNone", huiqi.EnterpriseFilter{Tag: "green_factory"}, nil},
			{"Combined", huiqi.EnterpriseFilter{Region: "350582", Industry: "C", Tag: "hightech", Scale: "large"}, []int{2}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				items, total, next, err := db.ListEnterprises(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var want, got []string
				for _, i := range tc.want {
					want = append(want, storetest.Code(i))
				}
				for _, e := range items {
					got = append(got, e.CreditCode)
				}
				if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
					t.Fatalf("ListEnterprises(%+v) (-want +got):\n%s", tc.f, diff)
				}
				if total != len(tc.want) || next != "" {
					t.Fatalf("ListEnterprises(%+v): total = %d, next = %q, want %d, \"\"", tc.f, total, next, len(tc.want))
				}
				// Small pages take the other query plan (walking the
				// credit code index) for filters that most profiles pass.
				for _, limit := range []int{1, 2} {
					f := tc.f
					f.Limit = limit
					got = nil
					for page := 0; ; page++ {
						items, total, next, err := db.ListEnterprises(ctx, f)
						if err != nil {
							t.Fatal(err)
						} else if total != len(tc.want) {
							t.Fatalf("limit %d, page %d: total = %d, want %d", limit, page, total, len(tc.want))
						}
						for _, e := range items {
							got = append(got, e.CreditCode)
						}
						if next == "" || page > len(tc.want) {
							break
						}
						f.After = next
					}
					if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
						t.Fatalf("limit %d: ListEnterprises(%+v) (-want +got):\n%s", limit, tc.f, diff)
					}
				}
			})
		}
		// Paging within a filter keeps the filter's total.
		items, total, next, err := db.ListEnterprises(ctx, huiqi.EnterpriseFilter{Industry: "C", Limit: 3})
		if err != nil {
			t.Fatal(err)
		} else if len(items) != 3 || total != 4 || next == "" {
			t.Fatalf("page 1: %d items, total %d, next %q, want 3, 4, a cursor", len(items), total, next)
		}
		items, total, next, err = db.ListEnterprises(ctx, huiqi.EnterpriseFilter{Industry: "C", Limit: 3, After: next})
		if err != nil {
			t.Fatal(err)
		} else if len(items) != 1 || items[0].CreditCode != storetest.Code(5) || total != 4 || next != "" {
			t.Fatalf("page 2: %d items, total %d, next %q, want 1 (%s), 4, \"\"", len(items), total, next, storetest.Code(5))
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		db := open(t)
		for _, tc := range []struct {
			name  string
			f     huiqi.EnterpriseFilter
			field string
		}{
			{"Cursor", huiqi.EnterpriseFilter{After: "!!not base64!!"}, "after"},
			{"Limit", huiqi.EnterpriseFilter{Limit: -1}, "limit"},
			{"Scale", huiqi.EnterpriseFilter{Scale: "huge"}, "scale"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, _, err := db.ListEnterprises(ctx, tc.f)
				wantCode(t, err, huiqi.EInvalid)
				if got := huiqi.ErrorField(err); got != tc.field {
					t.Fatalf("field = %q, want %q", got, tc.field)
				}
			})
		}
	})
}

func TestStore_ForEachEnterprise(t *testing.T) { forEachStore(t, testForEachEnterprise) }

func testForEachEnterprise(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	// More profiles than one decoding chunk holds, so that order across
	// chunks is tested.
	const n = 1000
	var batch []*huiqi.Enterprise
	for i := range n {
		batch = append(batch, storetest.NewEnterprise(storetest.Code(n-i)))
	}
	if _, err := db.PutEnterprises(ctx, batch); err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		// Placed by their places, the codes are every code once, sorted.
		got := make([]string, n)
		calls := 0
		if err := db.ForEachEnterprise(ctx, func(place int, e *huiqi.Enterprise) error {
			if e.Version != 1 || e.Name == "" {
				return fmt.Errorf("incomplete profile %+v", e)
			}
			if place < 0 || place >= n || got[place] != "" {
				return fmt.Errorf("place %d of %s out of range or given twice", place, e.CreditCode)
			}
			got[place] = e.CreditCode
			calls++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if calls != n || !slices.IsSorted(got) || got[0] != storetest.Code(1) {
			t.Fatalf("ForEachEnterprise visited %d profiles, sorted by place %v, want %d sorted", calls, slices.IsSorted(got), n)
		}
	})

	t.Run("Stop", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := db.ForEachEnterprise(ctx, func(_ int, e *huiqi.Enterprise) error {
			if calls++; calls == 300 {
				return stop
			}
			return nil
		})
		if err != stop || calls != 300 {
			t.Fatalf("ForEachEnterprise = %v after %d calls, want stop after 300", err, calls)
		}
	})

	t.Run("Cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		calls := 0
		err := db.ForEachEnterprise(ctx, func(_ int, e *huiqi.Enterprise) error {
			if calls++; calls == 10 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls >= n {
			t.Fatalf("ForEachEnterprise = %v after %d calls, want context.Canceled before the end", err, calls)
		}
	})

	t.Run("WritesInside", func(t *testing.T) {
		// The loader may write while it streams, for example to record what
		// it loaded; that must not deadlock the single write connection.
		err := db.ForEachEnterprise(ctx, func(_ int, e *huiqi.Enterprise) error {
			return db.SetMeta(ctx, "last_loaded", e.CreditCode)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkPutEnterprises measures bulk import in batches of 1000 new
// profiles; profiles/s is the figure to watch. Sequential codes append to
// the credit_code index; random codes, the worst case, update a random page
// of it per profile, and cost more as the database grows with b.N.
func BenchmarkPutEnterprises(b *testing.B) {
	for _, bc := range []struct {
		name string
		code func(i int) string
	}{
		{"Sequential", storetest.Code},
		// A multiplicative hash scatters i over the 10^9 codes.
		{"Random", func(i int) string { return storetest.Code(int(uint64(i) * 2654435761 % 1_000_000_007 % 1_000_000_000)) }},
	} {
		forEachBackend(b, bc.name, func(b *testing.B, be storetest.Backend) {
			ctx := context.Background()
			db := be.Open(b, storetest.Clock())
			const batchSize = 1000
			n := 0
			for b.Loop() {
				b.StopTimer()
				batch := make([]*huiqi.Enterprise, batchSize)
				for i := range batch {
					batch[i] = storetest.NewEnterprise(bc.code(n))
					batch[i].Tags = []string{"hightech", "park_resident"}
					n++
				}
				b.StartTimer()
				if _, err := db.PutEnterprises(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "profiles/s")
		})
	}
}

// mustLoadDB returns a database of n varied profiles: six regions, five
// industries, hightech on a third and green_factory on one in a hundred.
func mustLoadDB(b *testing.B, be storetest.Backend, n int) storetest.Store {
	b.Helper()
	ctx := context.Background()
	db := be.Open(b, storetest.Clock())
	regions := []string{"350582", "350583", "350503", "350521", "350524", "350526"}
	industries := []string{"C1952", "C1951", "I6510", "C3911", "F5123"}
	const batchSize = 5000
	for i := 0; i < n; i += batchSize {
		batch := make([]*huiqi.Enterprise, min(batchSize, n-i))
		for j := range batch {
			k := i + j
			e := storetest.NewEnterprise(storetest.Code(int(uint64(k) * 2654435761 % 1_000_000_007 % 1_000_000_000)))
			e.Region, e.Industry, e.Tags = regions[k%len(regions)], industries[k%len(industries)], nil
			if k%3 == 0 {
				e.Tags = append(e.Tags, "hightech")
			}
			if k%100 == 0 {
				e.Tags = append(e.Tags, "green_factory")
			}
			batch[j] = e
		}
		if _, err := db.PutEnterprises(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// BenchmarkListEnterprises measures one page of 50 among 200,000 profiles,
// for filters that most, some and few profiles pass.
func BenchmarkListEnterprises(b *testing.B) {
	forEachBackend(b, "", func(b *testing.B, be storetest.Backend) { benchmarkListEnterprises(b, be) })
}

func benchmarkListEnterprises(b *testing.B, be storetest.Backend) {
	ctx := context.Background()
	db := mustLoadDB(b, be, 200_000)
	for _, bc := range []struct {
		name string
		f    huiqi.EnterpriseFilter
	}{
		{"All", huiqi.EnterpriseFilter{}},
		{"City", huiqi.EnterpriseFilter{Region: "3505"}},
		{"County", huiqi.EnterpriseFilter{Region: "350582"}},
		{"Tag", huiqi.EnterpriseFilter{Tag: "hightech"}},
		{"RareTag", huiqi.EnterpriseFilter{Tag: "green_factory"}},
		{"Combined", huiqi.EnterpriseFilter{Region: "350582", Industry: "C19", Tag: "green_factory"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, _, err := db.ListEnterprises(ctx, bc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkForEachEnterprise measures loading 200,000 profiles, as the
// matcher does at start.
func BenchmarkForEachEnterprise(b *testing.B) {
	forEachBackend(b, "", func(b *testing.B, be storetest.Backend) { benchmarkForEachEnterprise(b, be) })
}

func benchmarkForEachEnterprise(b *testing.B, be storetest.Backend) {
	ctx := context.Background()
	const total = 200_000
	db := mustLoadDB(b, be, total)
	for b.Loop() {
		n := 0
		if err := db.ForEachEnterprise(ctx, func(int, *huiqi.Enterprise) error { n++; return nil }); err != nil {
			b.Fatal(err)
		} else if n != total {
			b.Fatalf("visited %d, want %d", n, total)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "profiles/s")
}
