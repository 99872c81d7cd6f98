package huiqi

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// The records a store keeps beside the domain's own types: applications
// with their stored copies and derived fields, verdicts, checkpoints of the
// event log, operators' calendar years and tokens as listed.

// ApplicationRecord is a stored application: whom and which policy version it is
// for, the clock settings copied from that version, and its events with the
// state they reach. The fields after Events are derived from the events and
// stored beside them for filters and the budget check; after a normal read
// they agree with the events, and verification checks that they do.
type ApplicationRecord struct {
	Application // ID, State, Events

	PolicyID      string
	PolicyVersion int
	PolicyTitle   string
	Department    string // the policy version's department: officials see their own
	CreditCode    string
	DeadlineDays  int
	TargetDays    int
	WorkingDays   bool // the clock counts working days (clock: working_days)

	AmountApproved *Money // of the last approve event
	// ApprovalEstimate is the estimate the approval was measured against:
	// not derived from the events, set by SetApprovalEstimate.
	ApprovalEstimate *Money
	AmountDisbursed  *Money    // of the disburse event
	EventCount       int       // as stored: a removed last event makes it disagree with Events
	HeadHash         string    // as stored: the hash of the last event
	OpenedAt         time.Time // time of the first event
	UpdatedAt        time.Time // time of the last event
}

// Derive sets the stored derived fields from the events.
func (a *ApplicationRecord) Derive() {
	a.AmountApproved, a.AmountDisbursed = Amounts(a.Events)
	a.EventCount = len(a.Events)
	if n := len(a.Events); n > 0 {
		a.HeadHash = a.Events[n-1].Hash
		a.OpenedAt = a.Events[0].At
		a.UpdatedAt = a.Events[n-1].At
	}
}

// Amounts returns the approved and disbursed amounts that events record:
// the amount of the last approve event and of the disburse event, nil where
// there is none.
func Amounts(events []Event) (approved, disbursed *Money) {
	for _, e := range events {
		switch e.Type {
		case EventApprove:
			approved = e.Amount
		case EventDisburse:
			disbursed = e.Amount
		}
	}
	return approved, disbursed
}

// ImportedApplication is one application of an import: the application and
// its past events.
type ImportedApplication struct {
	Application *ApplicationRecord
	Events      []Event
}

// EventTx is the write transaction in which an event is appended. Whatever
// the builder and the hook of a store's AppendEvent read or write through it
// commits or rolls back with the event, and no other event of the same
// application is appended meanwhile. The notifications an event sends (a
// pause's written notice) belong here, so that they commit with it.
type EventTx interface {
	// CommittedAmount returns the money a policy has committed, over all
	// its versions: what is approved on applications now approved, and
	// what was paid on those disbursed, leaving out the application except.
	// Read inside the write transaction, it cannot miss an approval racing
	// this one. Errors are internal.
	CommittedAmount(policyID string, except int64) (Money, error)
	// SetApprovalEstimate records the estimate an approval of the
	// application is measured against. Errors are internal.
	SetApprovalEstimate(id int64, estimate *Money) error
	// PaidApplications returns the applications of an enterprise now
	// approved or disbursed, leaving out except, in id order. Errors are
	// internal.
	PaidApplications(creditCode string, except int64) ([]Paid, error)
	// Notify writes notifications with the event. Errors are internal.
	Notify(ns []Notification) error
}

// Paid is an application of an enterprise that is approved or disbursed.
type Paid struct {
	ID       int64
	PolicyID string
	State    string
	// At is the time of its last event: the approval or the payout.
	At time.Time
}

// EventBuilder returns the event to append to a, as stored now, or an error
// that refuses it. It runs inside the write transaction, so that its checks
// see no change racing them; it must not write through the store, whose
// write transaction it is inside.
type EventBuilder func(tx EventTx, a *ApplicationRecord) (Event, error)

// EventHook runs after an event is appended to a, inside the same
// transaction; an error rolls both back.
type EventHook func(tx EventTx, a *ApplicationRecord, e Event) error

// ApplicationFilter selects applications. Empty fields select everything.
type ApplicationFilter struct {
	CreditCode string
	PolicyID   string
	State      string
	Department string

	// AfterID keeps the applications with a greater id: the cursor of the
	// previous page.
	AfterID int64
	// Limit is the page size of ListApplications: DefaultLimit when 0, at
	// most MaxLimit. ForEachApplication ignores it.
	Limit int
}

// PolicyCount is the number of enterprises recorded eligible for a policy,
// with the department and title of its latest version.
type PolicyCount struct {
	PolicyID   string
	Department string
	Title      string
	Count      int
}

// ChainFacts are what verification checks beside the events themselves,
// read from the same snapshot.
type ChainFacts struct {
	// LastID is the highest application id ever handed out. Ids are never
	// reused and applications never deleted, so every id up to it exists.
	LastID int64
	// MissingGuards names the append-only triggers that are not in place.
	MissingGuards []string
	// Orphan is the first event whose application row is missing, as
	// [application id, seq]; nil when there is none.
	Orphan *[2]int64
}

// Payout is a disbursed application: who was paid under which policy, and
// when.
type Payout struct {
	ApplicationID int64
	PolicyID      string
	CreditCode    string
	At            time.Time
}

// Verdict is a stored eligible pair: the decision record of a match.
type Verdict struct {
	PolicyID       string `json:"policy_id"`
	CreditCode     string `json:"credit_code"`
	PolicyVersion  int    `json:"policy_version"`
	ProfileVersion int    `json:"profile_version"`
	Amount         *Money `json:"amount"`
	AsOf           Date   `json:"as_of"`
}

// VerdictDiff is what a replacement changed: pairs that became eligible and
// pairs that stopped being eligible. Pairs that stay eligible, even under a
// new version, are in neither. Notifications are those the replacement wrote.
type VerdictDiff struct {
	Added         []Verdict
	Removed       []Verdict
	Notifications []Notification
}

// Notifier turns a verdict difference into the notifications that report it;
// they are written in the same transaction as the change (an outbox).
type Notifier func(VerdictDiff) []Notification

// Checkpoint is the event log's count and running hash at a moment, signed.
type Checkpoint struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Events    int64     `json:"events"`
	Head      string    `json:"head"`
	PublicKey string    `json:"public_key"`
	Signature string    `json:"signature"`
}

// LogState is what the event log holds now, measured against a count.
type LogState struct {
	// Events is the number of entries in the log.
	Events int64
	// Head is the running hash over the first Upto entries.
	Head string
	// Upto is the number of entries Head covers.
	Upto int64
	// Problem, when not empty, says why the log's first Upto entries no
	// longer stand for the events: one is missing or has another hash.
	Problem string
}

// NextHead is one step of the running hash: the previous head and one log
// entry. Starting from "", it is what a checkpoint's head is.
func NextHead(prev string, applicationID int64, seq int, hash string) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte("\n" + strconv.FormatInt(applicationID, 10) + " " + strconv.Itoa(seq) + " " + hash))
	return hex.EncodeToString(h.Sum(nil))
}

// TokenInfo is a token as GET /v1/tokens lists it: never its secret, which
// is not stored, nor its hash.
type TokenInfo struct {
	Token
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"` // null: never used
	RevokedAt  *time.Time `json:"revoked_at"`   // null: not revoked
	// FromEnv marks the token of HUIQI_ADMIN_TOKEN.
	FromEnv bool `json:"from_env"`
}

// CalendarYear is a year of the statutory calendar an operator set: the
// year's document (JSON of clock.Year), the notice it follows, who set it
// and when.
type CalendarYear struct {
	Year     int
	Document []byte
	Source   string
	Actor    string
	At       time.Time
}

// Change is an entry of a shared store's change log: something a replica's
// matcher or indexes hold changed, and the replica reads it again.
type Change struct {
	ID   int64
	Kind string // enterprise, policy, payout or calendar
	Key  string // credit code, policy id, application id or year
	// Mine marks a change the reading replica wrote itself, which it has
	// applied already.
	Mine bool
}

// Kinds of Change.
const (
	ChangeEnterprise = "enterprise"
	ChangePolicy     = "policy"
	ChangePayout     = "payout"
	ChangeCalendar   = "calendar"
)
