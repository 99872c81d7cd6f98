// Package engine keeps SQLite, the in-memory matcher and the indexes in
// step: every write commits in SQLite first, then updates what derives from
// it. It is also where roles are enforced, so that every way in (HTTP, CLI)
// gets the same answers.
package engine

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
	"github.com/huiqi/huiqi/push"
)

// Engine is huiqi's application core.
type Engine struct {
	DB       Store
	Matcher  *matcher.Matcher
	Calendar *clock.Calendar
	Logger   *slog.Logger
	// Now returns the current time; tests fix it.
	Now func() time.Time
	// Wake, when set, is called after notifications are committed, so that
	// the webhook deliverer need not poll.
	Wake func()
	// Signer signs checkpoints of the event log; nil disables them.
	Signer ed25519.PrivateKey
	// WebhookTargets is the rule for subscriber addresses: public
	// addresses only, unless its Hosts list the internal hosts allowed.
	WebhookTargets push.Targets
	// Cluster, set before Load when replicas share the store, makes the
	// engine one of them: see lockRefresh and Follow.
	Cluster Cluster

	stats counters
	// tokenUse holds when each token's use was last recorded (id → time).
	tokenUse sync.Map
	index    *indexer   // nil when no index is attached (command-line tools)
	reaches  reachCache // the reach of policies whose matches are being paged
	// refresh serialises each change of the matcher with the recomputation
	// and commit of the verdicts it affects, so that a computation from an
	// older state never commits after one from a newer state (which would
	// drop a match silently and tell it again later, or tell one that no
	// longer holds).
	refresh sync.Mutex
	// following serialises Follow; watermark is the last change of the
	// cluster's log it applied.
	following sync.Mutex
	watermark int64
	// unsettledPolicies and unsettledProfiles are what Follow applied and
	// settle has yet to recompute (under following).
	unsettledPolicies map[string]bool
	unsettledProfiles map[string]*huiqi.Enterprise
}

// New returns an Engine over an open database.
func New(db Store) *Engine {
	return &Engine{
		DB:       db,
		Matcher:  matcher.New(),
		Calendar: clock.New(),
		Logger:   slog.Default(),
		Now:      time.Now,

		unsettledPolicies: map[string]bool{},
		unsettledProfiles: map[string]*huiqi.Enterprise{},
	}
}

// Today returns the current date in Asia/Shanghai.
func (e *Engine) Today() huiqi.Date { return huiqi.DateOf(e.Now()) }

// Load fills the in-memory matcher from SQLite: every published policy and
// every current profile.
func (e *Engine) Load(ctx context.Context) error {
	defer loadingGC()()
	if e.Cluster != nil {
		// Read before the state: a change committed meanwhile is applied
		// again by Follow, which is harmless.
		var err error
		if e.watermark, err = e.Cluster.LastChange(ctx); err != nil {
			return fmt.Errorf("load: %w", err)
		}
	}
	if err := e.loadCalendar(ctx); err != nil {
		return fmt.Errorf("load calendar: %w", err)
	}
	published, err := e.DB.PublishedPolicies(ctx)
	if err != nil {
		return fmt.Errorf("load policies: %w", err)
	}
	for _, p := range published {
		c, err := e.compile(p)
		if err != nil {
			return fmt.Errorf("load policy %s v%d: %w", p.ID, p.Version, err)
		}
		e.Matcher.PutPolicy(c)
	}
	// The profiles come in the store's order with their places in credit
	// code order, so that the matcher takes each batch while the store
	// decodes the next ones and need not sort them after.
	n, err := e.DB.EnterpriseCount(ctx)
	if err != nil {
		return fmt.Errorf("load enterprises: %w", err)
	}
	e.Matcher.Grow(n) // a hint: profiles changed meanwhile are read all the same
	const batch = 4096
	var buf []*huiqi.Enterprise
	var places []int
	if err := e.DB.ForEachEnterprise(ctx, func(place int, en *huiqi.Enterprise) error {
		buf, places = append(buf, en), append(places, place)
		if len(buf) == batch {
			e.Matcher.PutProfilesPlaced(places, buf)
			buf, places = buf[:0:0], places[:0]
		}
		return nil
	}); err != nil {
		return fmt.Errorf("load enterprises: %w", err)
	}
	e.Matcher.PutProfilesPlaced(places, buf)
	payouts, err := e.DB.Payouts(ctx)
	if err != nil {
		return fmt.Errorf("load payouts: %w", err)
	}
	for _, p := range payouts {
		e.Matcher.AddPayout(p.PolicyID, p.CreditCode, matcher.Payout{ApplicationID: p.ApplicationID, On: huiqi.DateOf(p.At)})
	}
	// The first requests would otherwise pay for ordering the profiles and
	// indexing the policies.
	e.Matcher.Prepare(e.Today())
	// Offers a crash cut off between their new_match commit and their
	// opening are opened now.
	return e.openPendingOffers(System(ctx))
}

// loadGCPercent is the collector's GOGC while profiles are loaded. Nearly
// every byte a load allocates is kept, so collecting each time the heap
// doubles (GOGC=100) marks the growing heap again and again for little
// garbage: a quarter of start-up's CPU. At 400 the collector runs about a
// half as often (200,000 profiles: 14 cycles → 7, start-up user CPU
// 1.5–2.3 s → 1.3–1.6 s), and the heap peaks a sixth higher during the load, well
// below the twice the live heap GOGC=100 allows once serving; a memory
// limit (GOMEMLIMIT, or serve's default) still bounds it.
const loadGCPercent = 400

// gcLoads counts the loads under way, so that loads at once (tests) leave
// the collector's setting as the first found it.
var gcLoads struct {
	sync.Mutex
	n, was int
}

// loadingGC raises the collector's GOGC to loadGCPercent, unless set
// higher or off, and returns what restores it.
func loadingGC() (restore func()) {
	gcLoads.Lock()
	defer gcLoads.Unlock()
	if gcLoads.n++; gcLoads.n == 1 {
		gcLoads.was = debug.SetGCPercent(loadGCPercent)
		if gcLoads.was < 0 || gcLoads.was > loadGCPercent {
			debug.SetGCPercent(gcLoads.was)
		}
	}
	return func() {
		gcLoads.Lock()
		defer gcLoads.Unlock()
		if gcLoads.n--; gcLoads.n == 0 {
			debug.SetGCPercent(gcLoads.was)
		}
	}
}

// compile re-validates a stored policy, which types its leaf values again,
// and compiles it.
func (e *Engine) compile(p *policies.Policy) (*matcher.Compiled, error) {
	if err := p.Validate(e.Today()); err != nil {
		return nil, err
	}
	return matcher.Compile(p), nil
}

// require returns EUnauthorized for an anonymous caller and EForbidden for a
// caller whose role is not among roles.
func require(ctx context.Context, roles ...string) (*huiqi.Token, error) {
	t := huiqi.TokenFromContext(ctx)
	if t == nil {
		return nil, huiqi.Errorf(huiqi.EUnauthorized, "需要登录令牌")
	}
	for _, r := range roles {
		if t.Role == r {
			return t, nil
		}
	}
	return nil, huiqi.Errorf(huiqi.EForbidden, "当前角色（%s）无权执行此操作", t.Role)
}

// mayReadEnterprise reports whether the caller may read an enterprise's
// profile and matches: admins, officials and auditors read every profile;
// an enterprise only its own.
func mayReadEnterprise(ctx context.Context, code string) error {
	t, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleOfficial, huiqi.RoleAuditor, huiqi.RoleEnterprise)
	if err != nil {
		return err
	}
	if t.Role == huiqi.RoleEnterprise && t.CreditCode != code {
		return huiqi.Errorf(huiqi.EForbidden, "只能查看本企业的数据")
	}
	return nil
}
