package storetest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/storetest"
)

// appendOK is an EventBuilder that appends e whatever the application.
func appendOK(e huiqi.Event) huiqi.EventBuilder {
	return func(huiqi.EventTx, *huiqi.ApplicationRecord) (huiqi.Event, error) { return e, nil }
}

func TestStore_CreateApplication(t *testing.T) { forEachStore(t, testCreateApplication) }

func testCreateApplication(t *testing.T, open opener) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		db := open(t)
		a := storetest.NewApplication("p-award", 1)
		events := []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 3), storetest.AppEvent(huiqi.EventAccept, 4)}
		if err := db.CreateApplication(ctx, a, events); err != nil {
			t.Fatal(err)
		}
		if a.ID != 1 || a.State != huiqi.StateAccepted || len(a.Events) != 2 || a.EventCount != 2 || a.HeadHash != a.Events[1].Hash {
			t.Fatalf("created: id %d, state %q, %d events, count %d, head %q", a.ID, a.State, len(a.Events), a.EventCount, a.HeadHash)
		}
		got, err := db.FindApplication(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a, got, cmpOpts...); diff != "" {
			t.Fatalf("FindApplication (-want +got):\n%s", diff)
		}
		if err := got.Verify(); err != nil {
			t.Fatalf("Verify() of the stored application = %v", err)
		}
		if !got.Events[0].At.Equal(storetest.AppAt(3)) {
			t.Fatalf("stored time %v, want %v to the nanosecond", got.Events[0].At, storetest.AppAt(3))
		}
	})
	t.Run("ErrOpenTwice", func(t *testing.T) {
		db := open(t)
		if err := db.CreateApplication(ctx, storetest.NewApplication("p-award", 1), []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 3)}); err != nil {
			t.Fatal(err)
		}
		err := db.CreateApplication(ctx, storetest.NewApplication("p-award", 1), []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 4)})
		wantCode(t, err, huiqi.EConflict)
		// Another policy, or a closed application, does not conflict.
		if err := db.CreateApplication(ctx, storetest.NewApplication("p-other", 1), []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 4)}); err != nil {
			t.Fatal(err)
		}
		closed := []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 1), storetest.AppEvent(huiqi.EventReject, 2)}
		if err := db.CreateApplication(ctx, storetest.NewApplication("p-award", 1), closed); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrEvents", func(t *testing.T) {
		db := open(t)
		for _, events := range [][]huiqi.Event{
			nil,
			{storetest.AppEvent(huiqi.EventAccept, 3)},                                           // out of order
			{storetest.AppEvent(huiqi.EventSubmit, 3), storetest.AppEvent(huiqi.EventAccept, 2)}, // before its predecessor
		} {
			if err := db.CreateApplication(ctx, storetest.NewApplication("p-award", 1), events); huiqi.ErrorCode(err) == "" || huiqi.ErrorCode(err) == huiqi.EInternal {
				t.Fatalf("CreateApplication(%v) = %v, want a domain error", events, err)
			}
		}
		if n, err := db.ApplicationCount(ctx); err != nil || n != 0 {
			t.Fatalf("after refused applications: %d stored, %v", n, err)
		}
	})
}

func TestStore_AppendEvent(t *testing.T) { forEachStore(t, testAppendEvent) }

func testAppendEvent(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	a := storetest.NewApplication("p-award", 1)
	if err := db.CreateApplication(ctx, a, []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 3)}); err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		var seen *huiqi.ApplicationRecord
		got, err := db.AppendEvent(ctx, a.ID, appendOK(storetest.AppEvent(huiqi.EventAccept, 4)), func(_ huiqi.EventTx, a *huiqi.ApplicationRecord, e huiqi.Event) error {
			seen = a
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.State != huiqi.StateAccepted || got.Events[1].Seq != 2 || got.Events[1].PrevHash != got.Events[0].Hash || seen == nil {
			t.Fatalf("after accept: %+v", got)
		}
	})
	t.Run("ErrBuilderStoresNothing", func(t *testing.T) {
		refuse := huiqi.Errorf(huiqi.EConflict, "refused")
		_, err := db.AppendEvent(ctx, a.ID, func(huiqi.EventTx, *huiqi.ApplicationRecord) (huiqi.Event, error) { return huiqi.Event{}, refuse }, nil)
		wantCode(t, err, huiqi.EConflict)
		_, err = db.AppendEvent(ctx, a.ID, appendOK(storetest.AppEvent(huiqi.EventApprove, 5)), func(huiqi.EventTx, *huiqi.ApplicationRecord, huiqi.Event) error {
			return refuse
		})
		wantCode(t, err, huiqi.EConflict)
		_, err = db.AppendEvent(ctx, a.ID, appendOK(storetest.AppEvent(huiqi.EventResume, 5)), nil)
		wantCode(t, err, huiqi.EConflict)
		got, _ := db.FindApplication(ctx, a.ID)
		if len(got.Events) != 2 || got.State != huiqi.StateAccepted {
			t.Fatalf("after refused events: %d events, state %q; want 2, accepted", len(got.Events), got.State)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.AppendEvent(ctx, 99, appendOK(storetest.AppEvent(huiqi.EventAccept, 4)), nil)
		wantCode(t, err, huiqi.ENotFound)
	})
	t.Run("CommittedAmount", func(t *testing.T) {
		b := storetest.NewApplication("p-award", 2)
		if err := db.CreateApplication(ctx, b, []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 3), storetest.AppEvent(huiqi.EventAccept, 4)}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AppendEvent(ctx, a.ID, appendOK(storetest.AppEvent(huiqi.EventApprove, 5)), nil); err != nil {
			t.Fatal(err)
		}
		var others, all huiqi.Money
		if _, err := db.AppendEvent(ctx, b.ID, func(tx huiqi.EventTx, _ *huiqi.ApplicationRecord) (huiqi.Event, error) {
			var err error
			if others, err = tx.CommittedAmount("p-award", b.ID); err != nil {
				return huiqi.Event{}, err
			}
			all, err = tx.CommittedAmount("p-award", 0)
			return storetest.AppEvent(huiqi.EventApprove, 5), err
		}, nil); err != nil {
			t.Fatal(err)
		}
		if others != 200_000*huiqi.Yuan || all != 200_000*huiqi.Yuan {
			t.Fatalf("CommittedAmount = %s without b, %s in all; want 200000 both (b not yet approved)", others, all)
		}
	})
}

// TestStore_ApplicationTriggers edits the file with plain SQL: events are
// append-only, and an application's identity never changes.
func TestStore_ListApplications(t *testing.T) { forEachStore(t, testListApplications) }

func testListApplications(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	for i := 1; i <= 5; i++ {
		a := storetest.NewApplication("p-award", i)
		if i > 3 {
			a.PolicyID, a.Department = "p-other", "泉州市商务局"
		}
		events := []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 3)}
		if i%2 == 0 {
			events = append(events, storetest.AppEvent(huiqi.EventAccept, 4))
		}
		if err := db.CreateApplication(ctx, a, events); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(as []*huiqi.ApplicationRecord) []int64 {
		var out []int64
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	tests := []struct {
		name  string
		f     huiqi.ApplicationFilter
		want  []int64
		total int
		next  int64
	}{
		{"All", huiqi.ApplicationFilter{}, []int64{1, 2, 3, 4, 5}, 5, 0},
		{"Page", huiqi.ApplicationFilter{Limit: 2}, []int64{1, 2}, 5, 2},
		{"After", huiqi.ApplicationFilter{Limit: 2, AfterID: 2}, []int64{3, 4}, 5, 4},
		{"LastPage", huiqi.ApplicationFilter{Limit: 2, AfterID: 4}, []int64{5}, 5, 0},
		{"Department", huiqi.ApplicationFilter{Department: "泉州市商务局"}, []int64{4, 5}, 2, 0},
		{"State", huiqi.ApplicationFilter{State: huiqi.StateAccepted}, []int64{2, 4}, 2, 0},
		{"Enterprise", huiqi.ApplicationFilter{CreditCode: storetest.Code(3)}, []int64{3}, 1, 0},
		{"Policy", huiqi.ApplicationFilter{PolicyID: "p-award", State: huiqi.StateSubmitted}, []int64{1, 3}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, total, next, err := db.ListApplications(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(items)); diff != "" || total != tt.total || next != tt.next {
				t.Fatalf("ListApplications(%+v): total %d (want %d), next %d (want %d), ids (-want +got):\n%s", tt.f, total, tt.total, next, tt.next, diff)
			}
			for _, a := range items {
				if len(a.Events) == 0 || a.Verify() != nil {
					t.Fatalf("application %d read back with %d events, Verify() = %v", a.ID, len(a.Events), a.Verify())
				}
			}
		})
	}
	t.Run("ErrState", func(t *testing.T) {
		_, _, _, err := db.ListApplications(ctx, huiqi.ApplicationFilter{State: "lost"})
		wantCode(t, err, huiqi.EInvalid)
	})
	t.Run("ForEach", func(t *testing.T) {
		var got []int64
		stop := errors.New("stop")
		err := db.ForEachApplication(ctx, huiqi.ApplicationFilter{AfterID: 1}, false, func(a *huiqi.ApplicationRecord) error {
			if err := a.Verify(); err != nil {
				t.Errorf("application %d: Verify() = %v", a.ID, err)
			}
			got = append(got, a.ID)
			if len(got) == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) {
			t.Fatalf("ForEachApplication() = %v, want fn's error", err)
		}
		if diff := cmp.Diff([]int64{2, 3, 4}, got); diff != "" {
			t.Fatalf("ForEachApplication ids (-want +got):\n%s", diff)
		}
	})
	t.Run("ForEachClockOnly", func(t *testing.T) {
		var got []int64
		err := db.ForEachApplication(ctx, huiqi.ApplicationFilter{State: huiqi.StateAccepted}, true, func(a *huiqi.ApplicationRecord) error {
			got = append(got, a.ID)
			if n := len(a.Events); n != 2 || a.Events[1].Type != huiqi.EventAccept || !a.Events[1].At.Equal(storetest.AppAt(4)) || a.Events[1].Hash != "" {
				t.Errorf("application %d: events %+v, want submit and accept without hashes", a.ID, a.Events)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{2, 4}, got); diff != "" {
			t.Fatalf("ForEachApplication(accepted) ids (-want +got):\n%s", diff)
		}
	})
	t.Run("FindOpen", func(t *testing.T) {
		a, err := db.FindOpenApplication(ctx, storetest.Code(2), "p-award")
		if err != nil || a.ID != 2 {
			t.Fatalf("FindOpenApplication = %v, %v; want application 2", a, err)
		}
		_, err = db.FindOpenApplication(ctx, storetest.Code(2), "p-other")
		wantCode(t, err, huiqi.ENotFound)
	})
}

func TestStore_ImportApplications(t *testing.T) { forEachStore(t, testImportApplications) }

func testImportApplications(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	items := []huiqi.ImportedApplication{
		{Application: storetest.NewApplication("p-award", 1), Events: []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 3)}},
		{Application: storetest.NewApplication("p-award", 1), Events: []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 4)}},  // second open
		{Application: storetest.NewApplication("p-award", 2), Events: []huiqi.Event{storetest.AppEvent(huiqi.EventApprove, 4)}}, // out of order
		{Application: storetest.NewApplication("p-award", 3), Events: []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 3), storetest.AppEvent(huiqi.EventAccept, 5)}},
	}
	errs, err := db.ImportApplications(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, e := range errs {
		codes = append(codes, huiqi.ErrorCode(e))
	}
	if diff := cmp.Diff([]string{"", huiqi.EConflict, huiqi.EConflict, ""}, codes); diff != "" {
		t.Fatalf("ImportApplications() codes (-want +got):\n%s", diff)
	}
	// The refused ones used no id: ids stay without gaps.
	if items[3].Application.ID != 2 {
		t.Fatalf("the second stored application got id %d, want 2", items[3].Application.ID)
	}
}
