package storetest_test

import (
	"context"
	"sync"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/storetest"
)

// Twelve disbursements of one approved application race, through two
// handles on the database where the store has more than one (two replicas
// of PostgreSQL, two processes on one SQLite file): exactly one wins, and
// the chain verifies.
func TestStore_RacingDisbursements(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			first, second := b.OpenPair(t)
			a := storetest.NewApplication("p-award", 1)
			events := []huiqi.Event{
				storetest.AppEvent(huiqi.EventSubmit, 3), storetest.AppEvent(huiqi.EventAccept, 4), storetest.AppEvent(huiqi.EventApprove, 5),
			}
			if err := first.CreateApplication(ctx, a, events); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 12)
			for i := range errs {
				db := first
				if i%2 == 1 {
					db = second
				}
				wg.Go(func() {
					_, errs[i] = db.AppendEvent(ctx, a.ID, appendOK(storetest.AppEvent(huiqi.EventDisburse, 6)), nil)
				})
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch huiqi.ErrorCode(err) {
				case "":
					won++
				case huiqi.EConflict:
				default:
					t.Errorf("AppendEvent() = %v, want success or EConflict", err)
				}
			}
			if won != 1 {
				t.Fatalf("%d disbursements won, want 1", won)
			}
			got, err := second.FindApplication(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != huiqi.StateDisbursed || len(got.Events) != 4 {
				t.Fatalf("state %q with %d events, want disbursed with 4", got.State, len(got.Events))
			}
			if err := got.Verify(); err != nil {
				t.Fatalf("Verify() = %v", err)
			}
		})
	}
}

// Counters handed out through two handles at once are all distinct.
func TestStore_NextSeq(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			first, second := b.OpenPair(t)
			var mu sync.Mutex
			seen := map[uint64]bool{}
			var wg sync.WaitGroup
			for i := range 20 {
				db := first
				if i%2 == 1 {
					db = second
				}
				wg.Go(func() {
					n, err := db.NextSeq(ctx, "data_seq")
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					if seen[n] {
						t.Errorf("NextSeq() = %d twice", n)
					}
					seen[n] = true
				})
			}
			wg.Wait()
			if n, err := first.Seq(ctx, "data_seq"); err != nil || n != 20 {
				t.Fatalf("Seq() = %d, %v, want 20", n, err)
			}
		})
	}
}
