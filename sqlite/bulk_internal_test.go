package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/huiqi/huiqi"
)

// TestDB_Bulk checks that a bulk run's transactions commit without
// syncing, that the write connection syncs every commit again after each
// of them, and that the run ends with one syncing commit when it wrote
// anything, also when it fails.
func TestDB_Bulk(t *testing.T) {
	ctx := context.Background()
	db := NewDB(filepath.Join(t.TempDir(), "huiqi.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	synchronous := func(ctx context.Context) (mode int) {
		t.Helper()
		if err := db.update(ctx, func(tx *sql.Tx) error {
			return tx.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&mode)
		}); err != nil {
			t.Fatal(err)
		}
		return mode
	}
	syncs := func() (n int) {
		t.Helper()
		err := db.read.QueryRowContext(ctx, `SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'bulk_synced'), 0)`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	const full, normal = 2, 1

	t.Run("OK", func(t *testing.T) {
		err := db.Bulk(ctx, func(ctx context.Context) error {
			if got := synchronous(ctx); got != normal {
				t.Errorf("synchronous in a bulk transaction = %d, want %d (NORMAL)", got, normal)
			}
			if got := synchronous(context.Background()); got != full {
				t.Errorf("synchronous outside the bulk run = %d, want %d (FULL)", got, full)
			}
			_, err := db.PutEnterprises(ctx, []*huiqi.Enterprise{{CreditCode: "91350500MA2XXXXX1X", Name: "甲", Region: "350503", Industry: "C1952"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := synchronous(ctx); got != full {
			t.Errorf("synchronous after the bulk run = %d, want %d (FULL)", got, full)
		}
		if got := syncs(); got != 1 {
			t.Errorf("bulk syncs = %d, want 1", got)
		}
	})

	t.Run("ErrFn", func(t *testing.T) {
		before := syncs()
		errFn := errors.New("fn failed")
		err := db.Bulk(ctx, func(ctx context.Context) error {
			if _, err := db.PutEnterprises(ctx, []*huiqi.Enterprise{{CreditCode: "91350500MA2XXXXX2X", Name: "乙", Region: "350503", Industry: "C1952"}}); err != nil {
				return err
			}
			return errFn
		})
		if !errors.Is(err, errFn) {
			t.Fatalf("Bulk = %v, want %v", err, errFn)
		}
		if got := syncs(); got != before+1 {
			t.Errorf("bulk syncs = %d, want %d: what was committed before the error is synced", got, before+1)
		}
	})

	t.Run("NothingWritten", func(t *testing.T) {
		before := syncs()
		if err := db.Bulk(ctx, func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if got := syncs(); got != before {
			t.Errorf("bulk syncs = %d, want %d: nothing to sync", got, before)
		}
	})
}
