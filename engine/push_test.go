package engine_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/push"
	"github.com/huiqi/huiqi/sqlite"
)

// pushStart is the fixed time the push tests start at.
var pushStart = time.Date(2026, 11, 25, 10, 0, 0, 0, huiqi.Shanghai)

const pushDept = "泉州市工业和信息化局"

// pushCodes are valid credit codes for the test enterprises.
var pushCodes = []string{
	"914403001922038216", "9144030071526726XG", "91110108551385082Q",
	"91110000802100433B", "91310115591693856A", "913505007173546744",
}

// pushClock is the engine's and the database's clock; tests move it a day
// at a time.
type pushClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *pushClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *pushClock) AddDays(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.AddDate(0, 0, n)
}

// pushEnv is an engine over a new SQLite file on a fixed clock.
type pushEnv struct {
	Eng   *engine.Engine
	Clock *pushClock
	Admin context.Context
	mark  int64 // notifications up to this id have been looked at
}

func newPushEnv(tb testing.TB) *pushEnv {
	tb.Helper()
	clock := &pushClock{t: pushStart}
	db := sqlite.NewDB(filepath.Join(tb.TempDir(), "huiqi.db"))
	db.Now = clock.Now
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open() = %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	e := engine.New(db)
	e.Now = clock.Now
	e.Logger = slog.New(slog.DiscardHandler)
	if err := e.Load(context.Background()); err != nil {
		tb.Fatalf("Load() = %v", err)
	}
	return &pushEnv{Eng: e, Clock: clock, Admin: engine.System(context.Background())}
}

// pushEnterprise is a profile in 晋江市 (350582), industry C1952.
func pushEnterprise(code string, employees int64, founded huiqi.Date) *huiqi.Enterprise {
	return &huiqi.Enterprise{
		CreditCode: code, Name: "企业" + code[len(code)-4:], Region: "350582", Industry: "C1952",
		FoundedOn: founded, Employees: &employees, Tags: []string{},
	}
}

// pushEmployees are the staff of the enterprises of pushCodes: with a bar
// of 50, codes 1, 2, 3 and 5 qualify.
var pushEmployees = []int64{10, 60, 100, 200, 30, 80}

// createAll stores the six test enterprises one by one, founded in 2020.
func (env *pushEnv) createAll(tb testing.TB) {
	tb.Helper()
	for i, code := range pushCodes {
		env.create(tb, pushEnterprise(code, pushEmployees[i], huiqi.NewDate(2020, 1, 1)))
	}
}

func (env *pushEnv) create(tb testing.TB, en *huiqi.Enterprise) {
	tb.Helper()
	if err := env.Eng.CreateEnterprise(env.Admin, en); err != nil {
		tb.Fatalf("CreateEnterprise(%s) = %v", en.CreditCode, err)
	}
}

func (env *pushEnv) update(tb testing.TB, en *huiqi.Enterprise) {
	tb.Helper()
	if err := env.Eng.UpdateEnterprise(env.Admin, en.CreditCode, en); err != nil {
		tb.Fatalf("UpdateEnterprise(%s) = %v", en.CreditCode, err)
	}
}

// pushPolicy is a policy document: a subsidy of 200000 yuan in 晋江市 for
// enterprises meeting cond; extra holds further top-level members.
func pushPolicy(id, title, cond string, extra ...string) []byte {
	doc := fmt.Sprintf(`{"id": %q, "title": %q, "department": %q, "region": "350582",
		"eligibility": %s, "benefit": {"kind": "subsidy", "amount": {"fixed": 200000}}`, id, title, pushDept, cond)
	for _, x := range extra {
		doc += ", " + x
	}
	return []byte(doc + "}")
}

// pushStaffAtLeast is the condition of at least n employees.
func pushStaffAtLeast(n int) string {
	return fmt.Sprintf(`{"field": "employees", "op": "gte", "value": %d}`, n)
}

func (env *pushEnv) createPolicy(tb testing.TB, doc []byte) {
	tb.Helper()
	if _, err := env.Eng.CreatePolicy(env.Admin, doc); err != nil {
		tb.Fatalf("CreatePolicy() = %v", err)
	}
}

func (env *pushEnv) publish(tb testing.TB, id string) {
	tb.Helper()
	if _, err := env.Eng.PublishPolicy(env.Admin, id); err != nil {
		tb.Fatalf("PublishPolicy(%q) = %v", id, err)
	}
}

func (env *pushEnv) put(tb testing.TB, id string, doc []byte) int {
	tb.Helper()
	r, err := env.Eng.UpdatePolicy(env.Admin, id, doc)
	if err != nil {
		tb.Fatalf("UpdatePolicy(%q) = %v", id, err)
	}
	return r.Version
}

// pushNote is what a test checks of a notification.
type pushNote struct {
	Kind, Code, Policy string
	Version            int
}

func (n pushNote) String() string {
	return fmt.Sprintf("%s %s %s v%d", n.Kind, n.Code, n.Policy, n.Version)
}

// news returns the notifications written since the last call, in id order,
// and checks that their ids only grow.
func (env *pushEnv) news(tb testing.TB) []pushNote {
	tb.Helper()
	ns, err := env.Eng.DB.(*sqlite.DB).NotificationsAfter(context.Background(), env.mark, 1_000_000)
	if err != nil {
		tb.Fatalf("NotificationsAfter(%d) = %v", env.mark, err)
	}
	out := []pushNote{}
	for _, n := range ns {
		if n.ID <= env.mark {
			tb.Errorf("notification id %d after %d: ids must strictly increase", n.ID, env.mark)
		}
		env.mark = n.ID
		out = append(out, pushNote{n.Kind, n.CreditCode, n.PolicyID, n.Version})
	}
	return out
}

// expect checks the notifications written since the last look, in any
// order.
func (env *pushEnv) expect(tb testing.TB, step string, want ...pushNote) {
	tb.Helper()
	got := env.news(tb)
	if want == nil {
		want = []pushNote{}
	}
	sortNotes := func(ns []pushNote) {
		slices.SortFunc(ns, func(a, b pushNote) int { return strings.Compare(a.String(), b.String()) })
	}
	sortNotes(got)
	sortNotes(want)
	if diff := cmp.Diff(want, got); diff != "" {
		tb.Errorf("%s: notifications mismatch (-want +got):\n%s", step, diff)
	}
}

// pushNotes makes the expected notifications of one kind, policy and version
// for the enterprises of pushCodes with the given indexes.
func pushNotes(kind, policy string, version int, idx ...int) []pushNote {
	var out []pushNote
	for _, i := range idx {
		out = append(out, pushNote{kind, pushCodes[i], policy, version})
	}
	return out
}

func TestPushExactlyOnce(t *testing.T) {
	const id = "push-staff-subsidy"
	newMatch, withdrawn := huiqi.NotifyNewMatch, huiqi.NotifyWithdrawn

	t.Run("Publish", func(t *testing.T) {
		env := newPushEnv(t)
		env.createAll(t)
		// Outside the policy's scope, however big: never eligible.
		outside := pushEnterprise("91350500MA2XN0FN8F", 500, huiqi.NewDate(2020, 1, 1))
		outside.Region = "350581"
		env.create(t, outside)
		env.expect(t, "profiles before any policy")
		env.createPolicy(t, pushPolicy(id, "职工补助", pushStaffAtLeast(50)))
		env.expect(t, "draft")
		env.publish(t, id)
		env.expect(t, "publish", pushNotes(newMatch, id, 1, 1, 2, 3, 5)...)

		ns, err := env.Eng.DB.EnterpriseNotifications(context.Background(), pushCodes[1], 0, 10)
		if err != nil || len(ns) != 1 {
			t.Fatalf("EnterpriseNotifications(%s) = %v, %v, want one", pushCodes[1], ns, err)
		}
		want := huiqi.Money(200000) * huiqi.Yuan
		if n := ns[0]; n.Title != "职工补助" || n.Amount == nil || *n.Amount != want || !n.CreatedAt.Equal(pushStart) {
			t.Errorf("notification = %+v, want title 职工补助, amount %v, created %v", n, want, pushStart)
		}
	})

	t.Run("RepublishUnchanged", func(t *testing.T) {
		env := newPushEnv(t)
		env.createAll(t)
		doc := pushPolicy(id, "职工补助", pushStaffAtLeast(50))
		env.createPolicy(t, doc)
		env.publish(t, id)
		env.news(t)
		env.publish(t, id)
		env.expect(t, "publish again")
		if v := env.put(t, id, doc); v != 1 {
			t.Errorf("unchanged PUT made version %d, want 1", v)
		}
		env.expect(t, "unchanged PUT")
		env.update(t, pushEnterprise(pushCodes[1], 60, huiqi.NewDate(2020, 1, 1)))
		env.expect(t, "unchanged profile")
	})

	t.Run("ChangeKeepsEligible", func(t *testing.T) {
		env := newPushEnv(t)
		env.createAll(t)
		env.createPolicy(t, pushPolicy(id, "职工补助", pushStaffAtLeast(50)))
		env.publish(t, id)
		env.news(t)
		// A new title, a new amount and a lower bar: only the newly
		// eligible enterprise hears of it.
		doc := []byte(strings.Replace(string(pushPolicy(id, "职工补助（修订）", pushStaffAtLeast(25))), "200000", "300000", 1))
		if v := env.put(t, id, doc); v != 2 {
			t.Fatalf("PUT of a published policy made version %d, want 2", v)
		}
		env.expect(t, "change", pushNotes(newMatch, id, 2, 4)...)
		vs, err := env.Eng.DB.(*sqlite.DB).EnterpriseVerdicts(context.Background(), pushCodes[1])
		if err != nil || len(vs) != 1 || vs[0].PolicyVersion != 2 {
			t.Errorf("EnterpriseVerdicts(%s) = %+v, %v, want the record moved to version 2", pushCodes[1], vs, err)
		}
	})

	t.Run("LoseAndRegain", func(t *testing.T) {
		env := newPushEnv(t)
		env.createAll(t)
		env.createPolicy(t, pushPolicy(id, "职工补助", pushStaffAtLeast(50)))
		env.publish(t, id)
		env.news(t)
		env.put(t, id, pushPolicy(id, "职工补助", pushStaffAtLeast(150)))
		env.expect(t, "bar raised: losing eligibility is no new match")
		if n, err := env.Eng.DB.PolicyVerdictCount(context.Background(), id); err != nil || n != 1 {
			t.Errorf("PolicyVerdictCount() = %d, %v, want 1", n, err)
		}
		env.put(t, id, pushPolicy(id, "职工补助", pushStaffAtLeast(50)))
		env.expect(t, "bar lowered again", pushNotes(newMatch, id, 3, 1, 2, 5)...)
	})

	t.Run("Withdraw", func(t *testing.T) {
		env := newPushEnv(t)
		env.createAll(t)
		env.createPolicy(t, pushPolicy(id, "职工补助", pushStaffAtLeast(50)))
		env.publish(t, id)
		env.news(t)
		if _, err := env.Eng.WithdrawPolicy(env.Admin, id); err != nil {
			t.Fatalf("WithdrawPolicy() = %v", err)
		}
		env.expect(t, "withdraw", pushNotes(withdrawn, id, 1, 1, 2, 3, 5)...)
		if n, err := env.Eng.DB.PolicyVerdictCount(context.Background(), id); err != nil || n != 0 {
			t.Errorf("PolicyVerdictCount() after withdrawal = %d, %v, want 0", n, err)
		}
		if _, err := env.Eng.WithdrawPolicy(env.Admin, id); huiqi.ErrorCode(err) != huiqi.EConflict {
			t.Errorf("WithdrawPolicy() again = %v, want %s", err, huiqi.EConflict)
		}
		env.update(t, pushEnterprise(pushCodes[0], 90, huiqi.NewDate(2020, 1, 1)))
		env.expect(t, "withdrawn again, then a profile change")
		// Brought back as a new version: everyone eligible hears again.
		env.put(t, id, pushPolicy(id, "职工补助", pushStaffAtLeast(50)))
		env.publish(t, id)
		env.expect(t, "republished", pushNotes(newMatch, id, 2, 0, 1, 2, 3, 5)...)
	})

	t.Run("ProfileUpdate", func(t *testing.T) {
		env := newPushEnv(t)
		env.createAll(t)
		env.createPolicy(t, pushPolicy(id, "职工补助", pushStaffAtLeast(50)))
		env.publish(t, id)
		env.news(t)
		founded := huiqi.NewDate(2020, 1, 1)
		env.update(t, pushEnterprise(pushCodes[0], 70, founded))
		env.expect(t, "now eligible", pushNotes(newMatch, id, 1, 0)...)
		env.update(t, pushEnterprise(pushCodes[0], 75, founded))
		env.expect(t, "still eligible")
		env.update(t, pushEnterprise(pushCodes[0], 5, founded))
		env.expect(t, "no longer eligible")
		env.update(t, pushEnterprise(pushCodes[0], 90, founded))
		env.expect(t, "eligible again", pushNotes(newMatch, id, 1, 0)...)
		env.create(t, pushEnterprise("91350500MA2XN0FN8F", 51, founded))
		if got := env.news(t); len(got) != 1 || got[0] != (pushNote{newMatch, "91350500MA2XN0FN8F", id, 1}) {
			t.Errorf("new eligible enterprise: notifications %v, want one new_match", got)
		}
	})

	t.Run("BulkImport", func(t *testing.T) {
		env := newPushEnv(t)
		env.createPolicy(t, pushPolicy(id, "职工补助", pushStaffAtLeast(50)))
		env.publish(t, id)
		env.expect(t, "publish with no enterprises")
		profiles := make([]*huiqi.Enterprise, len(pushCodes))
		for i, code := range pushCodes {
			profiles[i] = pushEnterprise(code, pushEmployees[i], huiqi.NewDate(2020, 1, 1))
		}
		env.importAll(t, profiles)
		env.expect(t, "import", pushNotes(newMatch, id, 1, 1, 2, 3, 5)...)
		env.importAll(t, profiles)
		env.expect(t, "same import again")
		profiles[0].Employees, profiles[4].Employees = new(int64(50)), new(int64(49))
		profiles[1].Employees = new(int64(3))
		env.importAll(t, profiles)
		env.expect(t, "import with changes", pushNotes(newMatch, id, 1, 0)...)
	})

	t.Run("DailyValidFrom", func(t *testing.T) {
		env := newPushEnv(t)
		env.createAll(t)
		today := huiqi.DateOf(pushStart)
		env.createPolicy(t, pushPolicy("push-opens", "明日起施行", pushStaffAtLeast(50),
			fmt.Sprintf(`"valid_from": %q`, today.AddDays(1))))
		env.createPolicy(t, pushPolicy("push-closes", "今日截止", pushStaffAtLeast(50),
			fmt.Sprintf(`"valid_to": %q`, today)))
		env.publish(t, "push-opens")
		env.publish(t, "push-closes")
		env.expect(t, "publish", pushNotes(newMatch, "push-closes", 1, 1, 2, 3, 5)...)
		if _, err := env.Eng.DailyPass(env.Admin); err != nil {
			t.Fatalf("DailyPass() = %v", err)
		}
		env.expect(t, "daily pass on the same day")

		env.Clock.AddDays(1)
		if ran, err := env.Eng.DailyPass(env.Admin); err != nil || !ran {
			t.Fatalf("DailyPass() the next day = %v, %v, want a pass", ran, err)
		}
		env.expect(t, "next day", pushNotes(newMatch, "push-opens", 1, 1, 2, 3, 5)...)
		if n, err := env.Eng.DB.PolicyVerdictCount(context.Background(), "push-closes"); err != nil || n != 0 {
			t.Errorf("PolicyVerdictCount(push-closes) after its window closed = %d, %v, want 0", n, err)
		}
		if ran, err := env.Eng.DailyPass(env.Admin); err != nil || ran {
			t.Errorf("DailyPass() twice a day = %v, %v, want no second pass", ran, err)
		}
		env.expect(t, "second pass the same day")
	})

	t.Run("DailyAgeYears", func(t *testing.T) {
		env := newPushEnv(t)
		today := huiqi.DateOf(pushStart)
		// Founded three years ago tomorrow: two years old today.
		young := pushEnterprise(pushCodes[0], 10, huiqi.NewDate(2023, 11, 26))
		old := pushEnterprise(pushCodes[1], 10, huiqi.NewDate(2020, 1, 1))
		env.create(t, young)
		env.create(t, old)
		env.createPolicy(t, pushPolicy("push-age", "成立满三年", `{"field": "age_years", "op": "gte", "value": 3}`))
		env.publish(t, "push-age")
		env.expect(t, "publish", pushNotes(newMatch, "push-age", 1, 1)...)
		if _, err := env.Eng.DailyPass(env.Admin); err != nil {
			t.Fatalf("DailyPass() = %v", err)
		}
		env.expect(t, "the day before the anniversary")
		env.Clock.AddDays(1)
		if huiqi.DateOf(env.Clock.Now()) != today.AddDays(1) {
			t.Fatalf("clock did not move a day")
		}
		if _, err := env.Eng.DailyPass(env.Admin); err != nil {
			t.Fatalf("DailyPass() = %v", err)
		}
		env.expect(t, "anniversary", pushNotes(newMatch, "push-age", 1, 0)...)
		env.Clock.AddDays(1)
		if _, err := env.Eng.DailyPass(env.Admin); err != nil {
			t.Fatalf("DailyPass() = %v", err)
		}
		env.expect(t, "the day after")
	})
}

func (env *pushEnv) importAll(tb testing.TB, es []*huiqi.Enterprise) {
	tb.Helper()
	var b strings.Builder
	if err := demo.WriteNDJSON(&b, es); err != nil {
		tb.Fatal(err)
	}
	r, err := env.Eng.ImportEnterprises(env.Admin, engine.NewNDJSONSource(strings.NewReader(b.String())), nil)
	if err != nil || r.Accepted != len(es) || r.Rejected != 0 {
		tb.Fatalf("ImportEnterprises() = %+v, %v, want %d accepted", r, err, len(es))
	}
}

func TestPushFeed(t *testing.T) {
	env := newPushEnv(t)
	env.createAll(t)
	// Five policies, each matching enterprise 3 and, interleaved, others.
	for i := range 5 {
		id := "push-feed-" + strconv.Itoa(i)
		env.createPolicy(t, pushPolicy(id, "政策"+strconv.Itoa(i), pushStaffAtLeast(50+10*i)))
		env.publish(t, id)
	}
	code := pushCodes[3]
	own := huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleEnterprise, CreditCode: code})

	t.Run("Paging", func(t *testing.T) {
		var (
			after string
			ids   []int64
			pages int
		)
		for {
			f, err := env.Eng.Notifications(own, code, after, 2)
			if err != nil {
				t.Fatalf("Notifications(after %q) = %v", after, err)
			}
			if len(f.Items) == 0 {
				if f.Next == nil || *f.Next != after {
					t.Errorf("Next at the end = %v, want the cursor %q again", f.Next, after)
				}
				break
			}
			if pages++; pages > 10 {
				t.Fatalf("feed does not end")
			}
			if len(f.Items) > 2 {
				t.Errorf("page of %d items, want at most 2", len(f.Items))
			}
			for _, n := range f.Items {
				if n.CreditCode != code || n.Kind != huiqi.NotifyNewMatch {
					t.Errorf("feed of %s holds %+v", code, n)
				}
				if len(ids) > 0 && n.ID <= ids[len(ids)-1] {
					t.Errorf("id %d after %d: ids must strictly increase", n.ID, ids[len(ids)-1])
				}
				ids = append(ids, n.ID)
			}
			if f.Next == nil || *f.Next != strconv.FormatInt(ids[len(ids)-1], 10) {
				t.Fatalf("Next = %v, want the last id %d", f.Next, ids[len(ids)-1])
			}
			after = *f.Next
		}
		if len(ids) != 5 || pages != 3 {
			t.Errorf("feed gave %d notifications in %d pages, want 5 in 3", len(ids), pages)
		}
		// Ids are shared with other enterprises: the feed skips theirs.
		if ids[len(ids)-1]-ids[0] == int64(len(ids)-1) {
			t.Errorf("ids %v are contiguous; the test wants other enterprises' notifications in between", ids)
		}

		// A new notification continues the feed from the last cursor.
		env.createPolicy(t, pushPolicy("push-feed-late", "后来的政策", pushStaffAtLeast(1)))
		env.publish(t, "push-feed-late")
		f, err := env.Eng.Notifications(own, code, after, 2)
		if err != nil || len(f.Items) != 1 || f.Items[0].PolicyID != "push-feed-late" || f.Items[0].ID <= ids[len(ids)-1] {
			t.Errorf("Notifications(after %s) = %+v, %v, want the late policy's new_match", after, f, err)
		}
	})

	t.Run("EmptyFeed", func(t *testing.T) {
		f, err := env.Eng.Notifications(env.Admin, "91350500MA2XN0FN8F", "", 0)
		if err != nil || len(f.Items) != 0 || f.Items == nil || f.Next != nil {
			t.Errorf("Notifications(unknown) = %+v, %v, want an empty list and no cursor", f, err)
		}
	})

	t.Run("BadCursor", func(t *testing.T) {
		for _, after := range []string{"abc", "-1", "1.5"} {
			_, err := env.Eng.Notifications(own, code, after, 0)
			if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != "after" {
				t.Errorf("Notifications(after %q) = %v, want %s naming after", after, err, huiqi.EInvalid)
			}
		}
		if _, err := env.Eng.Notifications(own, code, "", -1); huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != "limit" {
			t.Errorf("Notifications(limit -1) = %v, want %s naming limit", err, huiqi.EInvalid)
		}
	})

	t.Run("Authorization", func(t *testing.T) {
		other := huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleEnterprise, CreditCode: pushCodes[1]})
		for _, tt := range []struct {
			name string
			ctx  context.Context
			want string
		}{
			{"Own", own, ""},
			{"Admin", env.Admin, ""},
			{"OtherEnterprise", other, huiqi.EForbidden},
			{"Official", huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleOfficial, Department: pushDept}), huiqi.EForbidden},
			{"Auditor", huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleAuditor}), huiqi.EForbidden},
			{"Anonymous", context.Background(), huiqi.EUnauthorized},
		} {
			t.Run(tt.name, func(t *testing.T) {
				f, err := env.Eng.Notifications(tt.ctx, code, "", 0)
				if got := huiqi.ErrorCode(err); got != tt.want {
					t.Fatalf("Notifications(%s) = %v, want code %q", code, err, tt.want)
				}
				if err == nil && len(f.Items) == 0 {
					t.Errorf("Notifications(%s) is empty, want its notifications", code)
				} else if err != nil && f != nil {
					t.Errorf("Notifications(%s) returned %+v with the error", code, f)
				}
			})
		}
	})
}

// pushResolver stands for DNS in the webhook tests: public names resolve to
// documentation addresses, never looked up, never connected to.
var pushResolver = push.StaticResolver{
	"hooks.example.com":    {netip.MustParseAddr("203.0.113.10")},
	"evil.example.com":     {netip.MustParseAddr("203.0.113.66")},
	"rebind.example.com":   {netip.MustParseAddr("203.0.113.11"), netip.MustParseAddr("10.0.0.5")},
	"internal.example.com": {netip.MustParseAddr("10.1.2.3")},
	"metadata.example.com": {netip.MustParseAddr("169.254.169.254")},
}

func TestPushCreateWebhook(t *testing.T) {
	env := newPushEnv(t)
	const secret = "0123456789abcdef"
	for _, tt := range []struct {
		name, url, secret string
		hosts             []string
		field             string // "" when accepted
	}{
		{name: "HTTP", url: "http://hooks.example.com:9/hook", secret: secret},
		{name: "HTTPS", url: "https://hooks.example.com/huiqi", secret: secret},
		{name: "PublicIP", url: "https://203.0.113.7/huiqi", secret: secret},
		{name: "AllowedHost", url: "https://HOOKS.example.com:8443/x", secret: secret, hosts: []string{"hooks.example.com"}},
		{name: "AllowedInternalHost", url: "http://internal.example.com/x", secret: secret, hosts: []string{"internal.example.com"}},
		{name: "AllowedLoopback", url: "http://127.0.0.1:9/hook", secret: secret, hosts: []string{"127.0.0.1"}},
		{name: "HostNotAllowed", url: "https://evil.example.com/x", secret: secret, hosts: []string{"hooks.example.com"}, field: "url"},
		{name: "SuffixNotAllowed", url: "https://hooks.example.com.evil.net/x", secret: secret, hosts: []string{"hooks.example.com"}, field: "url"},
		{name: "UserinfoNotAllowed", url: "https://hooks.example.com@evil.net/x", secret: secret, hosts: []string{"hooks.example.com"}, field: "url"},
		{name: "Credentials", url: "https://user:pass@hooks.example.com/x", secret: secret, field: "url"},
		{name: "InternalName", url: "http://internal.example.com/x", secret: secret, field: "url"},
		{name: "MetadataName", url: "http://metadata.example.com/latest/meta-data/", secret: secret, field: "url"},
		{name: "OneInternalAddress", url: "http://rebind.example.com/x", secret: secret, field: "url"},
		{name: "Unresolvable", url: "http://nowhere.example.com/x", secret: secret, field: "url"},
		{name: "AllowedMulticast", url: "http://224.0.0.1/x", secret: secret, hosts: []string{"224.0.0.1"}, field: "url"},
		{name: "FTP", url: "ftp://hooks.example.com/x", secret: secret, field: "url"},
		{name: "NoScheme", url: "hooks.example.com/x", secret: secret, field: "url"},
		{name: "NoHost", url: "http:///x", secret: secret, field: "url"},
		{name: "Empty", url: "", secret: secret, field: "url"},
		{name: "NotAURL", url: "http://[::1", secret: secret, field: "url"},
		{name: "BadPort", url: "http://hooks.example.com:0/x", secret: secret, field: "url"},
		{name: "ShortSecret", url: "https://hooks.example.com/x", secret: "short", field: "secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env.Eng.WebhookTargets = push.Targets{Hosts: tt.hosts, Resolver: pushResolver}
			before, err := env.Eng.Webhooks(env.Admin)
			if err != nil {
				t.Fatalf("Webhooks() = %v", err)
			}
			w, err := env.Eng.CreateWebhook(env.Admin, engine.WebhookRequest{URL: tt.url, Secret: tt.secret})
			after, _ := env.Eng.Webhooks(env.Admin)
			if tt.field == "" {
				if err != nil || w.ID == 0 || len(after) != len(before)+1 {
					t.Fatalf("CreateWebhook(%q) = %+v, %v, want it stored", tt.url, w, err)
				}
				return
			}
			if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != tt.field {
				t.Errorf("CreateWebhook(%q) = %v, want %s naming %s", tt.url, err, huiqi.EInvalid, tt.field)
			}
			if len(after) != len(before) {
				t.Errorf("a rejected webhook was stored: %d webhooks, want %d", len(after), len(before))
			}
		})
	}

	// Every spelling of an internal address is refused at registration,
	// with no allow-list. None of them is ever connected to.
	t.Run("InternalTargets", func(t *testing.T) {
		env.Eng.WebhookTargets = push.Targets{Resolver: pushResolver}
		refused := 0
		for _, target := range pushInternalTargets {
			_, err := env.Eng.CreateWebhook(env.Admin, engine.WebhookRequest{URL: target, Secret: secret})
			if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != "url" {
				t.Errorf("CreateWebhook(%q) = %v, want it refused", target, err)
				continue
			}
			refused++
		}
		t.Logf("internal webhook targets: %d tried, %d refused", len(pushInternalTargets), refused)
	})

	t.Run("ListHidesCredentials", func(t *testing.T) {
		ctx := context.Background()
		w := &huiqi.Webhook{URL: "https://user:hunter2@hooks.example.com/x", Secret: secret}
		if err := env.Eng.DB.CreateWebhook(ctx, w); err != nil { // stored before credentials were refused
			t.Fatal(err)
		}
		hooks, err := env.Eng.Webhooks(env.Admin)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hooks {
			if strings.Contains(h.URL, "hunter2") {
				t.Errorf("Webhooks() shows %q", h.URL)
			}
		}
	})

	t.Run("AdminOnly", func(t *testing.T) {
		env.Eng.WebhookTargets = push.Targets{Resolver: pushResolver}
		ctx := huiqi.NewContextWithToken(context.Background(), &huiqi.Token{Role: huiqi.RoleOfficial, Department: pushDept})
		if _, err := env.Eng.CreateWebhook(ctx, engine.WebhookRequest{URL: "https://hooks.example.com/x", Secret: secret}); huiqi.ErrorCode(err) != huiqi.EForbidden {
			t.Errorf("CreateWebhook(official) = %v, want %s", err, huiqi.EForbidden)
		}
		if _, err := env.Eng.Webhooks(ctx); huiqi.ErrorCode(err) != huiqi.EForbidden {
			t.Errorf("Webhooks(official) = %v, want %s", err, huiqi.EForbidden)
		}
	})

	t.Run("FromNowOn", func(t *testing.T) {
		env.Eng.WebhookTargets = push.Targets{Resolver: pushResolver}
		env.createAll(t)
		env.createPolicy(t, pushPolicy("push-before-hook", "早先的政策", pushStaffAtLeast(50)))
		env.publish(t, "push-before-hook")
		last, err := env.Eng.DB.LastNotificationID(context.Background())
		if err != nil || last == 0 {
			t.Fatalf("LastNotificationID() = %d, %v, want notifications", last, err)
		}
		w, err := env.Eng.CreateWebhook(env.Admin, engine.WebhookRequest{URL: "https://hooks.example.com/new", Secret: secret})
		if err != nil || w.DeliveredUpto != last {
			t.Errorf("CreateWebhook() = %+v, %v, want delivered_upto %d: only notifications from now on", w, err, last)
		}
	})
}

// TestPushMeasure times the outbox at the size of the issue: a broad policy
// published over 200,000 enterprises, matching about 100,000, and the
// delivery of its notifications to a local webhook. It runs only with
// HUIQI_MEASURE=1.
// measureMode is the mode of the measured policy: HUIQI_MEASURE_MODE=auto
// measures a 免申即享 policy, whose publication also opens an offer for
// every enterprise it matches.
func measureMode() string {
	if m := os.Getenv("HUIQI_MEASURE_MODE"); m != "" {
		return m
	}
	return "apply"
}

func TestPushMeasure(t *testing.T) {
	if os.Getenv("HUIQI_MEASURE") != "1" {
		t.Skip("set HUIQI_MEASURE=1 to measure")
	}
	ctx := context.Background()
	env := newPushEnv(t)
	today := huiqi.DateOf(pushStart)
	es := demo.Enterprises(200_000, 1, today)
	// The bar that lets about half of the enterprises in 泉州 (3505) through.
	var staff []int64
	for _, en := range es {
		if strings.HasPrefix(en.Region, "3505") && en.Employees != nil {
			staff = append(staff, *en.Employees)
		}
	}
	slices.Sort(staff)
	bar := staff[len(staff)-100_000]

	start := time.Now()
	var b strings.Builder
	if err := demo.WriteNDJSON(&b, es); err != nil {
		t.Fatal(err)
	}
	r, err := env.Eng.ImportEnterprises(env.Admin, engine.NewNDJSONSource(strings.NewReader(b.String())), nil)
	if err != nil || r.Accepted != len(es) {
		t.Fatalf("ImportEnterprises() = %+v, %v", r, err)
	}
	t.Logf("imported %d enterprises in %v", r.Accepted, time.Since(start).Round(time.Millisecond))

	// A local receiver, subscribed before the publication; the deliverer
	// runs only after it, so that the two are timed apart.
	var received atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		received.Add(1)
	}))
	defer recv.Close()
	w := &huiqi.Webhook{URL: recv.URL, Secret: "measure-secret-0123456789"}
	if err := env.Eng.DB.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}

	const id = "push-measure-broad"
	doc := []byte(fmt.Sprintf(`{"id": %q, "title": "全市稳岗补助", "department": %q, "region": "3505",
		"eligibility": {"field": "employees", "op": "gte", "value": %d},
		"mode": %q, "benefit": {"kind": "subsidy", "amount": {"rate": "0.01", "of": "revenue", "cap": 50000}}}`, id, pushDept, bar, measureMode()))
	env.createPolicy(t, doc)
	start = time.Now()
	env.publish(t, id)
	publish := time.Since(start)
	last, err := env.Eng.DB.LastNotificationID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	apps, err := env.Eng.DB.(*sqlite.DB).ApplicationCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PublishPolicy (%s): %d new_match notifications and %d offered applications committed in %v (employees ≥ %d)", measureMode(), last, apps, publish.Round(time.Millisecond), bar)
	if last < 90_000 || last > 110_000 {
		t.Errorf("policy matched %d, want about 100,000", last)
	}

	d := push.NewDeliverer(env.Eng.DB.(*sqlite.DB))
	d.Logger = slog.New(slog.DiscardHandler)
	d.Client = (&push.Targets{Hosts: []string{"127.0.0.1"}}).Client(10 * time.Second)
	window := 20 * time.Second
	if s := os.Getenv("HUIQI_MEASURE_WINDOW"); s != "" {
		if window, err = time.ParseDuration(s); err != nil {
			t.Fatal(err)
		}
	}
	dctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	start = time.Now()
	for received.Load() < last && dctx.Err() == nil {
		if _, err := d.DeliverDue(dctx); err != nil && dctx.Err() == nil {
			t.Fatalf("DeliverDue() = %v", err)
		}
	}
	elapsed := time.Since(start)
	n := received.Load()
	t.Logf("delivered %d of %d notifications in %v: %.0f notifications/s", n, last, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
}

// TestPushConcurrentRefresh changes a policy and profiles at the same time,
// over and over. Enterprises 0, 2, 3, 4 and 5 alternate between 10 and 70
// staff, which the policy's bar (50 or 65) does not decide; enterprise 1 has
// 60 staff, which it does. Each must hear once per regained eligibility, no
// more: a stale computation committed after a newer one would drop a match
// silently and send it again later, or send a new_match for a pair that is
// not eligible.
func TestPushConcurrentRefresh(t *testing.T) {
	env := newPushEnv(t)
	env.createAll(t)
	// Many more profiles make each computation of the policy's matches long
	// enough for a profile change to slip in between it and its commit.
	n := 20_000
	if testing.Short() {
		n = 3000
	}
	env.importAll(t, demo.Enterprises(n, 3, huiqi.DateOf(pushStart)))
	const id = "push-race"
	doc := func(bar int) []byte {
		return []byte(strings.Replace(string(pushPolicy(id, "并发", pushStaffAtLeast(bar))), `"350582"`, `"3505"`, 1))
	}
	env.createPolicy(t, doc(50))
	env.publish(t, id)
	env.news(t)
	founded := huiqi.NewDate(2020, 1, 1)
	const profileRounds, policyRounds = 60, 30
	toggled := []int{0, 2, 3, 4, 5}
	var wg sync.WaitGroup
	errs := make(chan error, len(toggled)*profileRounds+policyRounds)
	for _, k := range toggled {
		wg.Go(func() {
			for i := range profileRounds {
				staff := []int64{10, 70}[i%2]
				if err := env.Eng.UpdateEnterprise(env.Admin, pushCodes[k], pushEnterprise(pushCodes[k], staff, founded)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for i := range policyRounds {
			if _, err := env.Eng.UpdatePolicy(env.Admin, id, doc([]int{65, 50}[i%2])); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent change: %v", err)
	}
	got := map[string]int{}
	for _, n := range env.news(t) {
		if n.Kind != huiqi.NotifyNewMatch || n.Policy != id {
			t.Errorf("unexpected notification %v", n)
		}
		if slices.Contains(pushCodes, n.Code) {
			got[n.Code]++
		}
	}
	want := map[string]int{pushCodes[1]: policyRounds / 2}
	for _, k := range toggled {
		want[pushCodes[k]] = profileRounds / 2
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("new_match notifications per enterprise (-want +got):\n%s", diff)
	}
	// The record ends as the current rules say of the current profiles.
	c, ok := env.Eng.Matcher.Policy(id)
	if !ok {
		t.Fatalf("policy %s not in the matcher", id)
	}
	var wantCodes, gotCodes []string
	for _, h := range env.Eng.Matcher.MatchPolicy(c, huiqi.DateOf(pushStart), false).Hits {
		wantCodes = append(wantCodes, h.CreditCode)
	}
	for _, code := range wantCodes {
		vs, err := env.Eng.DB.(*sqlite.DB).EnterpriseVerdicts(context.Background(), code)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if v.PolicyID == id {
				gotCodes = append(gotCodes, code)
			}
		}
	}
	if stored, err := env.Eng.DB.PolicyVerdictCount(context.Background(), id); err != nil || stored != len(wantCodes) {
		t.Errorf("PolicyVerdictCount() = %d, %v, want %d", stored, err, len(wantCodes))
	}
	slices.Sort(wantCodes)
	slices.Sort(gotCodes)
	if diff := cmp.Diff(wantCodes, gotCodes); diff != "" {
		t.Errorf("stored eligible enterprises after concurrent changes (-want +got):\n%s", diff)
	}
}

// pushInternalTargets are the internal addresses an attacker would register,
// in the spellings resolvers and browsers accept.
var pushInternalTargets = []string{
	"http://127.0.0.1:22/", "http://127.1/", "http://0x7f000001:22/", "http://2130706433/", "http://0177.0.0.1/",
	"http://0x7f.0.0.1/", "http://017700000001/", "http://[::1]:22/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
	"http://[::127.0.0.1]/", "http://[0:0:0:0:0:0:0:1]/", "http://localhost:6379/", "http://LOCALHOST./", "http://app.localhost/",
	"http://0.0.0.0:8080/", "http://0/", "http://[::]/", "http://169.254.169.254/latest/meta-data/", "http://[fe80::1%25eth0]/",
	"http://metadata.example.com/", "http://10.0.0.1/", "http://10.255.255.255/", "http://172.16.0.1/", "http://172.31.255.1/",
	"http://192.168.1.1/", "http://0xc0a80101/", "http://[fd00::1]/", "http://[fc00::1]/", "http://100.64.0.1/",
	"http://100.127.255.254/", "http://224.0.0.1/", "http://239.255.255.250:1900/", "http://[ff02::1]/", "http://255.255.255.255/",
	"http://internal.example.com/", "http://rebind.example.com/", "http://[64:ff9b::a00:1]/", "http://[2002:7f00:1::]/", "http://198.18.0.1/",
}
