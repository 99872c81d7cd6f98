package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/postgres"
	"github.com/huiqi/huiqi/storetest"
)

// mustOpen opens the database at url, closed at the end of the test.
func mustOpen(tb testing.TB, url string) *postgres.DB {
	tb.Helper()
	db := postgres.NewDB(url)
	db.Now = storetest.Clock()
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open() = %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// raw connects to the database directly, as someone with its password
// would, past the store.
func raw(tb testing.TB, url string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestDB_Open(t *testing.T) {
	t.Run("ReplicasStartTogether", func(t *testing.T) {
		url := storetest.PostgresURL(t)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				db := postgres.NewDB(url)
				if errs[i] = db.Open(context.Background()); errs[i] == nil {
					db.Close()
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("Open() = %v", err)
			}
		}
		// Each migration is recorded once.
		var n, distinct int
		if err := raw(t, url).QueryRow(context.Background(), `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil || n != distinct || n == 0 {
			t.Fatalf("schema_migrations has %d rows of %d versions (%v), want each once", n, distinct, err)
		}
	})
	t.Run("ErrNewerSchema", func(t *testing.T) {
		url := storetest.PostgresURL(t)
		mustOpen(t, url).Close()
		if _, err := raw(t, url).Exec(context.Background(), `INSERT INTO schema_migrations VALUES (999, '999_future.sql', '')`); err != nil {
			t.Fatal(err)
		}
		err := postgres.NewDB(url).Open(context.Background())
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("Open() on a newer schema = %v, want refused", err)
		}
	})
}

// The database itself refuses to change history, whoever connects.
func TestDB_ApplicationTriggers(t *testing.T) {
	ctx := context.Background()
	url := storetest.PostgresURL(t)
	db := mustOpen(t, url)
	if err := db.CreateApplication(ctx, storetest.NewApplication("p-award", 1), []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 3)}); err != nil {
		t.Fatal(err)
	}
	conn := raw(t, url)
	for _, s := range []string{
		`UPDATE application_events SET note = 'x'`,
		`DELETE FROM application_events`,
		`DELETE FROM applications`,
		`UPDATE applications SET policy_version = 2`,
		`UPDATE applications SET credit_code = 'X'`,
		`UPDATE event_log SET hash = 'x'`,
		`DELETE FROM event_log`,
	} {
		if _, err := conn.Exec(ctx, s); err == nil {
			t.Errorf("%s: allowed, want refused", s)
		}
	}
	if _, err := conn.Exec(ctx, `UPDATE applications SET updated_at = updated_at`); err != nil {
		t.Fatalf("updating a derived column: %v", err)
	}
	// A dropped guard shows in the facts verification reads.
	if _, err := conn.Exec(ctx, `DROP TRIGGER application_events_no_delete ON application_events`); err != nil {
		t.Fatal(err)
	}
	facts, err := db.ScanChains(ctx, func(*huiqi.ApplicationRecord) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if facts.LastID != 1 || len(facts.MissingGuards) != 1 || facts.MissingGuards[0] != "application_events_no_delete" {
		t.Fatalf("ScanChains() facts = %+v, want last id 1 and the dropped guard", facts)
	}
}
