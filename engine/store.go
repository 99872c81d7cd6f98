package engine

import (
	"context"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// Store is the source of truth the engine keeps its matcher and indexes in
// step with: the SQLite file of one process (package sqlite) or a database
// several replicas share (package postgres). It holds exactly what the
// engine calls; the methods' contracts, error codes included, are those of
// the implementations, which a conformance suite holds to one behaviour.
type Store interface {
	AddCheckpoint(ctx context.Context, c *huiqi.Checkpoint) error
	AppendEvent(ctx context.Context, id int64, build huiqi.EventBuilder, hook huiqi.EventHook) (*huiqi.ApplicationRecord, error)
	CalendarYears(ctx context.Context) ([]huiqi.CalendarYear, error)
	Checkpoints(ctx context.Context, limit int) ([]huiqi.Checkpoint, error)
	CreateApplication(ctx context.Context, a *huiqi.ApplicationRecord, events []huiqi.Event) error
	CreateEnterprise(ctx context.Context, e *huiqi.Enterprise) error
	CreatePolicy(ctx context.Context, p *policies.Policy) error
	CreateToken(ctx context.Context, t *huiqi.Token) (secret string, err error)
	CreateWebhook(ctx context.Context, w *huiqi.Webhook) error
	DeadDeliveries(ctx context.Context, webhookID int64) ([]huiqi.DeadDelivery, error)
	EnsureToken(ctx context.Context, secret string, t *huiqi.Token) error
	EnterpriseCount(ctx context.Context) (int, error)
	EnterpriseNotifications(ctx context.Context, code string, after int64, limit int) ([]huiqi.Notification, error)
	EventLog(ctx context.Context, upto int64) (huiqi.LogState, error)
	FindApplication(ctx context.Context, id int64) (*huiqi.ApplicationRecord, error)
	FindEnterprise(ctx context.Context, code string) (*huiqi.Enterprise, error)
	FindOpenApplication(ctx context.Context, creditCode, policyID string) (*huiqi.ApplicationRecord, error)
	FindPolicy(ctx context.Context, id string, version int) (*policies.Policy, error)
	FindToken(ctx context.Context, secret string) (*huiqi.Token, error)
	ForEachApplication(ctx context.Context, f huiqi.ApplicationFilter, clockOnly bool, fn func(*huiqi.ApplicationRecord) error) error
	ForEachEnterprise(ctx context.Context, fn func(place int, e *huiqi.Enterprise) error) (err error)
	GetMeta(ctx context.Context, key string) (string, error)
	ImportApplications(ctx context.Context, items []huiqi.ImportedApplication) (errs []error, err error)
	LastCheckpoint(ctx context.Context) (*huiqi.Checkpoint, error)
	LastNotificationID(ctx context.Context) (int64, error)
	ListApplications(ctx context.Context, f huiqi.ApplicationFilter) (items []*huiqi.ApplicationRecord, total int, nextID int64, err error)
	ListEnterprises(ctx context.Context, f huiqi.EnterpriseFilter) (items []*huiqi.Enterprise, total int, next string, err error)
	ListPolicies(ctx context.Context, f huiqi.PolicyFilter) (items []*policies.Policy, total int, next string, err error)
	MatchedCounts(ctx context.Context) ([]huiqi.PolicyCount, error)
	NextSeq(ctx context.Context, key string) (uint64, error)
	OffersDone(ctx context.Context, ids []int64) error
	Payouts(ctx context.Context) ([]huiqi.Payout, error)
	PendingOffers(ctx context.Context) ([]huiqi.Notification, error)
	PolicyVerdictCount(ctx context.Context, policyID string) (int, error)
	PublishedPolicies(ctx context.Context) ([]*policies.Policy, error)
	PushedCounts(ctx context.Context, before time.Time) ([]huiqi.PolicyCount, error)
	PutCalendarYear(ctx context.Context, y huiqi.CalendarYear) error
	PutEnterprises(ctx context.Context, es []*huiqi.Enterprise) (changed []*huiqi.Enterprise, err error)
	ReplaceEnterpriseVerdicts(ctx context.Context, codes []string, vs []huiqi.Verdict, notify huiqi.Notifier) (huiqi.VerdictDiff, error)
	ReplacePolicyVerdicts(ctx context.Context, policyID string, vs []huiqi.Verdict, notify huiqi.Notifier) (huiqi.VerdictDiff, error)
	RevokeToken(ctx context.Context, id int64) error
	SavePolicy(ctx context.Context, p *policies.Policy) error
	ScanChains(ctx context.Context, fn func(*huiqi.ApplicationRecord) error) (huiqi.ChainFacts, error)
	Seq(ctx context.Context, key string) (uint64, error)
	SetMeta(ctx context.Context, key, value string) error
	SetPolicyStatus(ctx context.Context, id, status string) (*policies.Policy, error)
	TokenUsed(ctx context.Context, id int64, at time.Time) error
	Tokens(ctx context.Context) ([]huiqi.TokenInfo, error)
	UpdateEnterprise(ctx context.Context, e *huiqi.Enterprise) error
	Webhooks(ctx context.Context) ([]huiqi.Webhook, error)
}
