package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	_ "github.com/mattn/go-sqlite3"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/sqlite"
	"github.com/huiqi/huiqi/storetest"
)

// MustOpenDB returns a new database in a file under tb.TempDir, closed at the
// end of the test. Its clock starts at 2025-03-01 10:00 in Shanghai and
// advances a second on every reading, so that every write has its own time.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	return MustOpenDBAt(tb, filepath.Join(tb.TempDir(), "huiqi.db"))
}

// MustOpenDBAt opens the database file at path, closed at the end of the test.
func MustOpenDBAt(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db := sqlite.NewDB(path)
	var tick atomic.Int64
	start := time.Date(2025, 3, 1, 10, 0, 0, 0, huiqi.Shanghai)
	db.Now = func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Second) }
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open(%q) = %v", path, err)
	}
	tb.Cleanup(func() { MustCloseDB(tb, db) })
	return db
}

// MustCloseDB closes db; closing twice is allowed.
func MustCloseDB(tb testing.TB, db *sqlite.DB) {
	tb.Helper()
	if err := db.Close(); err != nil {
		tb.Fatalf("Close() = %v", err)
	}
}

// rawDB opens the database file directly, for tests that check what is
// really stored.
func rawDB(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	d, err := sql.Open("sqlite3", path+"?_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// cmpOpts compare domain values: dates by value, absent and empty tags alike.
var cmpOpts = []cmp.Option{
	cmp.Comparer(func(a, b huiqi.Date) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

func wantCode(tb testing.TB, err error, want string) {
	tb.Helper()
	if got := huiqi.ErrorCode(err); got != want {
		tb.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func TestDB_Open(t *testing.T) {
	t.Run("MigrationsIdempotent", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "huiqi.db")
		db := MustOpenDBAt(t, path)
		MustCloseDB(t, db)
		for range 2 {
			db := MustOpenDBAt(t, path)
			MustCloseDB(t, db)
		}
		var n, max int
		if err := rawDB(t, path).QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob("migrations/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		if n != len(files) || n == 0 {
			t.Fatalf("schema_migrations: %d rows up to version %d, want one row per migration (%d)", n, max, len(files))
		}
	})

	t.Run("WAL", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "huiqi.db")
		MustOpenDBAt(t, path)
		var mode string
		if err := rawDB(t, path).QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		} else if mode != "wal" {
			t.Fatalf("journal_mode = %q, want wal", mode)
		}
	})

	t.Run("CreatesFolder", func(t *testing.T) {
		MustOpenDBAt(t, filepath.Join(t.TempDir(), "data", "sub", "huiqi.db"))
	})

	t.Run("ErrMemory", func(t *testing.T) {
		db := sqlite.NewDB(":memory:")
		if err := db.Open(context.Background()); err == nil {
			db.Close()
			t.Fatal("Open(:memory:) = nil, want error")
		}
	})

	t.Run("ErrNewerSchema", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "huiqi.db")
		MustCloseDB(t, MustOpenDBAt(t, path))
		if _, err := rawDB(t, path).Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', '')`); err != nil {
			t.Fatal(err)
		}
		db := sqlite.NewDB(path)
		if err := db.Open(context.Background()); err == nil {
			db.Close()
			t.Fatal("Open() of a newer schema = nil, want error")
		}
	})
}

func TestDB_Persistence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "huiqi.db")
	db := MustOpenDBAt(t, path)
	e := storetest.NewEnterprise(storetest.Code(1))
	if err := db.CreateEnterprise(ctx, e); err != nil {
		t.Fatal(err)
	}
	p := storetest.NewPolicy("persist-me")
	if err := db.CreatePolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	secret, err := db.CreateToken(ctx, &huiqi.Token{Role: huiqi.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetMeta(ctx, "demo_loaded", "1"); err != nil {
		t.Fatal(err)
	}
	MustCloseDB(t, db)

	db = MustOpenDBAt(t, path)
	if got, err := db.FindEnterprise(ctx, e.CreditCode); err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(e, got, cmpOpts...); diff != "" {
		t.Fatalf("FindEnterprise after reopen (-want +got):\n%s", diff)
	}
	if got, err := db.FindPolicy(ctx, p.ID, 0); err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(p, got, cmpOpts...); diff != "" {
		t.Fatalf("FindPolicy after reopen (-want +got):\n%s", diff)
	}
	if _, err := db.FindToken(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if v, err := db.GetMeta(ctx, "demo_loaded"); err != nil || v != "1" {
		t.Fatalf("GetMeta = %q, %v, want 1", v, err)
	}
}

// TestDB_KillNine checks that what a write acknowledged survives kill -9 of
// the process: the test binary runs itself as a child that writes, reports
// and kills itself without closing the database.
func TestDB_KillNine(t *testing.T) {
	ctx := context.Background()
	if path := os.Getenv("HUIQI_SQLITE_KILL9"); path != "" {
		db := sqlite.NewDB(path)
		if err := db.Open(ctx); err != nil {
			t.Fatal(err)
		}
		var batch []*huiqi.Enterprise
		for i := range 500 {
			batch = append(batch, storetest.NewEnterprise(storetest.Code(i)))
		}
		if _, err := db.PutEnterprises(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if err := db.SetMeta(ctx, "acknowledged", "yes"); err != nil {
			t.Fatal(err)
		}
		fmt.Println("acknowledged")
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}

	path := filepath.Join(t.TempDir(), "huiqi.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDB_KillNine$")
	cmd.Env = append(os.Environ(), "HUIQI_SQLITE_KILL9="+path)
	out, err := cmd.Output()
	if !strings.Contains(string(out), "acknowledged") {
		t.Fatalf("child did not finish its writes: %v\n%s", err, out)
	}
	db := MustOpenDBAt(t, path)
	if v, err := db.GetMeta(ctx, "acknowledged"); err != nil || v != "yes" {
		t.Fatalf("GetMeta after kill -9 = %q, %v, want yes", v, err)
	}
	if n, err := db.EnterpriseCount(ctx); err != nil || n != 500 {
		t.Fatalf("EnterpriseCount() after kill -9 = %d, %v, want 500", n, err)
	}
}

func TestDB_Meta(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	_, err := db.GetMeta(ctx, "seq")
	wantCode(t, err, huiqi.ENotFound)
	for _, v := range []string{"1", "2"} {
		if err := db.SetMeta(ctx, "seq", v); err != nil {
			t.Fatal(err)
		}
		if got, err := db.GetMeta(ctx, "seq"); err != nil || got != v {
			t.Fatalf("GetMeta(seq) = %q, %v, want %q", got, err, v)
		}
	}
}

// TestDB_Concurrent writes from many goroutines at once, through one DB and
// through two DBs on the same file as two processes would, and expects no
// error: in particular no SQLITE_BUSY.
func TestDB_Concurrent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "huiqi.db")
	dbs := []*sqlite.DB{MustOpenDBAt(t, path), MustOpenDBAt(t, path)}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			db := dbs[w%len(dbs)]
			for i := range each {
				e := storetest.NewEnterprise(storetest.Code(w*1000 + i))
				if err := db.CreateEnterprise(ctx, e); err != nil {
					errs <- fmt.Errorf("CreateEnterprise: %w", err)
					continue
				}
				e.Name += "（更名）"
				if err := db.UpdateEnterprise(ctx, e); err != nil {
					errs <- fmt.Errorf("UpdateEnterprise: %w", err)
				}
				if _, err := db.PutEnterprises(ctx, []*huiqi.Enterprise{storetest.NewEnterprise(storetest.Code(500000 + w*1000 + i))}); err != nil {
					errs <- fmt.Errorf("PutEnterprises: %w", err)
				}
				if err := db.SetMeta(ctx, fmt.Sprintf("k%d", w), fmt.Sprint(i)); err != nil {
					errs <- fmt.Errorf("SetMeta: %w", err)
				}
				if _, err := db.FindEnterprise(ctx, e.CreditCode); err != nil {
					errs <- fmt.Errorf("FindEnterprise: %w", err)
				}
				if _, _, _, err := db.ListEnterprises(ctx, huiqi.EnterpriseFilter{Limit: 10}); err != nil {
					errs <- fmt.Errorf("ListEnterprises: %w", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, err := dbs[0].EnterpriseCount(ctx); err != nil {
		t.Fatal(err)
	} else if want := 2 * workers * each; n != want {
		t.Fatalf("EnterpriseCount() = %d, want %d", n, want)
	}
}
