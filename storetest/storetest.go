// Package storetest runs one suite of store tests against every store:
// SQLite always, PostgreSQL when HUIQI_TEST_POSTGRES names a server the
// tests may create databases in. It holds the stores' common test harness;
// the tests themselves are in its test files.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/policies"
	"github.com/huiqi/huiqi/postgres"
	"github.com/huiqi/huiqi/push"
	"github.com/huiqi/huiqi/sqlite"
)

// Store is what the suite tests: what the engine and the webhook
// deliverer use, and what tests read back.
type Store interface {
	engine.Store
	push.Store
	AddNotifications(ctx context.Context, ns []huiqi.Notification) error
	ApplicationCount(ctx context.Context) (int, error)
	EnterpriseVerdicts(ctx context.Context, code string) ([]huiqi.Verdict, error)
	FindEnterpriseVersion(ctx context.Context, code string, version int) (*huiqi.Enterprise, error)
	Close() error
}

// Backend is a kind of store and how a test opens a new, empty one.
type Backend struct {
	Name string
	// Open returns a new empty store on the clock now, closed at the end
	// of the test.
	Open func(tb testing.TB, now func() time.Time) Store
	// OpenPair returns two handles on one new empty database, as two
	// replicas or processes would hold, on the usual test clock.
	OpenPair func(tb testing.TB) (Store, Store)
}

// Backends are the stores every test runs against.
var Backends = []Backend{
	{Name: "sqlite", Open: openSQLite, OpenPair: pairSQLite},
	{Name: "postgres", Open: openPostgres, OpenPair: pairPostgres},
}

// Clock returns the tests' usual clock: it starts at 2025-03-01 10:00 in
// Shanghai and advances a second on every reading, so that every write has
// its own time.
func Clock() func() time.Time {
	var tick atomic.Int64
	start := time.Date(2025, 3, 1, 10, 0, 0, 0, huiqi.Shanghai)
	return func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Second) }
}

func openSQLite(tb testing.TB, now func() time.Time) Store {
	tb.Helper()
	return openSQLiteAt(tb, filepath.Join(tb.TempDir(), "huiqi.db"), now)
}

func pairSQLite(tb testing.TB) (Store, Store) {
	tb.Helper()
	path, now := filepath.Join(tb.TempDir(), "huiqi.db"), Clock()
	return openSQLiteAt(tb, path, now), openSQLiteAt(tb, path, now)
}

func openSQLiteAt(tb testing.TB, path string, now func() time.Time) Store {
	tb.Helper()
	db := sqlite.NewDB(path)
	db.Now = now
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open() = %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(tb testing.TB, now func() time.Time) Store {
	tb.Helper()
	return openPostgresAt(tb, PostgresURL(tb), now)
}

func pairPostgres(tb testing.TB) (Store, Store) {
	tb.Helper()
	url, now := PostgresURL(tb), Clock()
	return openPostgresAt(tb, url, now), openPostgresAt(tb, url, now)
}

func openPostgresAt(tb testing.TB, url string, now func() time.Time) Store {
	tb.Helper()
	db := postgres.NewDB(url)
	db.Now = now
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open() = %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL creates a new database on the server HUIQI_TEST_POSTGRES
// names and returns its URL; the database is dropped at the end of the
// test. Without the variable the test is skipped: each test has a database
// of its own, so that tests run in parallel.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv("HUIQI_TEST_POSTGRES")
	if admin == "" {
		tb.Skip("HUIQI_TEST_POSTGRES is not set: PostgreSQL tests skipped (set it to a postgres:// URL of a server the tests may create databases in; .ci/postgres starts one)")
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	ctx := context.Background()
	if err := postgres.CreateDatabase(ctx, admin, name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		if err := postgres.DropDatabase(context.Background(), admin, name); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("HUIQI_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }

// NewEnterprise returns a valid profile: a shoe maker in 晋江市.
func NewEnterprise(code string) *huiqi.Enterprise {
	return &huiqi.Enterprise{
		CreditCode:  code,
		Name:        "泉州测试鞋业有限公司",
		Region:      "350582",
		Industry:    "C1952",
		FoundedOn:   huiqi.NewDate(2015, 3, 1),
		Employees:   Ptr[int64](120),
		Revenue:     Ptr(30_000_000 * huiqi.Yuan),
		TotalAssets: Ptr(20_000_000 * huiqi.Yuan),
		RDExpense:   Ptr(1_234_567*huiqi.Yuan + 89),
		TaxCredit:   "A",
		Tags:        []string{"hightech"},
	}
}

// NewApplication returns an application of the i-th enterprise of the code
// series for a policy, with its clock settings.
func NewApplication(policyID string, i int) *huiqi.ApplicationRecord {
	return &huiqi.ApplicationRecord{
		PolicyID: policyID, PolicyVersion: 1, PolicyTitle: "高新技术企业认定奖励", Department: "晋江市科技局",
		CreditCode: Code(i), DeadlineDays: 45, TargetDays: 40,
	}
}

// AppAt returns 10:00 in Shanghai on 2025-03-day, with nanoseconds, which
// the store must keep for the hashes to verify.
func AppAt(day int) time.Time {
	return time.Date(2025, 3, day, 10, 0, 0, 123456789, huiqi.Shanghai)
}

// AppEvent returns an event of the type on 2025-03-day, by a plausible
// actor, with an amount where the type has one.
func AppEvent(typ string, day int) huiqi.Event {
	e := huiqi.Event{Type: typ, At: AppAt(day), Actor: "official:晋江市科技局"}
	switch typ {
	case huiqi.EventSubmit:
		e.Actor = "enterprise:" + Code(1)
	case huiqi.EventDisburse, huiqi.EventApprove:
		e.Amount = Ptr(200_000 * huiqi.Yuan)
	case huiqi.EventReject:
		e.Note = "不符合条件"
	}
	return e
}

// Code returns the i-th valid credit code of a series: 17 characters with
// their check character.
func Code(i int) string {
	first := fmt.Sprintf("91350582%09d", i)
	c, err := huiqi.CreditCodeCheckChar(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

// NewPolicy returns a valid policy: an award for high-tech firms in 晋江市.
func NewPolicy(id string) *policies.Policy {
	return &policies.Policy{
		ID:           id,
		Title:        "高新技术企业认定奖励",
		Department:   "晋江市科技局",
		DocNumber:    "晋科〔2025〕1号",
		Summary:      "对新认定的高新技术企业给予一次性奖励",
		Region:       "350582",
		ValidFrom:    huiqi.NewDate(2025, 1, 1),
		ValidTo:      huiqi.NewDate(2025, 12, 31),
		Mode:         policies.ModeApply,
		DeadlineDays: 45,
		TargetDays:   40,
		Clock:        policies.ClockCalendarDays,
		Eligibility: &policies.Condition{All: []*policies.Condition{
			{Field: "tags", Op: huiqi.OpHas, Value: json.RawMessage(`"hightech"`), Label: "高新技术企业"},
			{Field: "employees", Op: huiqi.OpGte, Value: json.RawMessage(`50`)},
		}},
		Benefit: policies.Benefit{Kind: policies.KindAward, Amount: &policies.Amount{Fixed: Ptr(200_000 * huiqi.Yuan)}},
	}
}
