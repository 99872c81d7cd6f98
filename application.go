package huiqi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
	"unicode/utf8"
)

// Event types of an application: the steps that start, pause, resume and
// stop its redemption clock.
const (
	EventSubmit   = "submit"   // 申报, by the enterprise
	EventOffer    = "offer"    // 免申即享 match pushed, by the system
	EventConfirm  = "confirm"  // 意愿确认 of an offer: the clock starts
	EventAccept   = "accept"   // 受理: the clock starts
	EventPause    = "pause"    // 中止计时, with reason and written notice
	EventResume   = "resume"   // the clock runs again
	EventApprove  = "approve"  // 批准
	EventDisburse = "disburse" // 兑现, with amount: the clock stops
	EventReject   = "reject"   // 驳回, with note: the clock stops
	EventWithdraw = "withdraw" // 撤回, by the enterprise: the clock stops
	EventReview   = "review"   // 部门审核 finding on the conditions a department checks, by an official
)

// Outcomes of a review, carried in the event's Reason.
const (
	ReviewPassed = "passed"
	ReviewFailed = "failed"
)

// Pause reasons: the statutory grounds on which the clock may be paused.
const (
	PauseSupplement   = "supplement"    // 补正
	PauseExpertReview = "expert_review" // 专家评审
	PauseHearing      = "hearing"       // 听证
	PauseInspection   = "inspection"    // 检验检测鉴定
	PausePublicNotice = "public_notice" // 公示
)

// PauseReasons maps every valid pause reason to its Chinese label.
var PauseReasons = map[string]string{
	PauseSupplement:   "补正",
	PauseExpertReview: "专家评审",
	PauseHearing:      "听证",
	PauseInspection:   "检验检测鉴定",
	PausePublicNotice: "公示",
}

// States of an application: the outcome of its last event.
const (
	StateSubmitted = "submitted"
	StateOffered   = "offered"
	StateAccepted  = "accepted"
	StatePaused    = "paused"
	StateApproved  = "approved"
	StateDisbursed = "disbursed"
	StateRejected  = "rejected"
	StateWithdrawn = "withdrawn"
)

// eventLabels and stateLabels name events and states in the messages an
// enterprise or official reads.
var eventLabels = map[string]string{
	EventSubmit: "申报", EventOffer: "推送", EventConfirm: "确认", EventAccept: "受理",
	EventPause: "中止计时", EventResume: "恢复计时", EventApprove: "批准",
	EventDisburse: "兑现", EventReject: "驳回", EventWithdraw: "撤回", EventReview: "部门审核",
}

var stateLabels = map[string]string{
	"":             "尚未创建",
	StateSubmitted: "已申报", StateOffered: "待确认", StateAccepted: "已受理",
	StatePaused: "中止计时", StateApproved: "已批准", StateDisbursed: "已兑现",
	StateRejected: "已驳回", StateWithdrawn: "已撤回",
}

// StateLabel returns the Chinese name of an application state.
func StateLabel(state string) string { return stateLabels[state] }

// transitions maps a state and an event type to the next state; "" is the
// state of an application with no events. A missing entry is an event out of
// order. Final states have no entry at all. The two cases the table cannot
// express (pause before acceptance, resume) are handled in NextState. A
// review records a finding before approval and leaves the state as it is.
var transitions = map[string]map[string]string{
	"": {EventSubmit: StateSubmitted, EventOffer: StateOffered},
	StateSubmitted: {EventAccept: StateAccepted, EventPause: StatePaused,
		EventReject: StateRejected, EventWithdraw: StateWithdrawn, EventReview: StateSubmitted},
	StateOffered: {EventConfirm: StateAccepted, EventReject: StateRejected,
		EventWithdraw: StateWithdrawn},
	StateAccepted: {EventPause: StatePaused, EventApprove: StateApproved,
		EventReject: StateRejected, EventWithdraw: StateWithdrawn, EventReview: StateAccepted},
	StatePaused: {EventResume: StateAccepted, EventReject: StateRejected,
		EventWithdraw: StateWithdrawn, EventReview: StatePaused},
	StateApproved: {EventDisburse: StateDisbursed, EventReject: StateRejected},
}

// Event is one entry of an application's history. Events are appended, never
// updated or deleted, and chained by hash so that tampering is detectable.
type Event struct {
	Seq      int       `json:"seq"`
	Type     string    `json:"type"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"` // "enterprise:<credit code>", "official:<department>", "admin", "system"
	Reason   string    `json:"reason,omitempty"`
	Note     string    `json:"note,omitempty"`
	Amount   *Money    `json:"amount,omitempty"` // required on disburse; on approve, the approved amount (the estimate when not given)
	PrevHash string    `json:"prev_hash,omitempty"`
	Hash     string    `json:"hash,omitempty"`
}

// Validate checks the event on its own, regardless of the application it is
// sent to. It returns EInvalid naming the field: "type", "at", "actor",
// "reason", "note" or "amount".
func (e Event) Validate() error {
	if _, ok := eventLabels[e.Type]; !ok {
		return FieldErrorf("type", "未知的事件类型: %q", e.Type)
	}
	if e.At.IsZero() {
		return FieldErrorf("at", "事件时间不能为空")
	}
	if e.Actor == "" || !utf8.ValidString(e.Actor) {
		return FieldErrorf("actor", "事件须记录操作人")
	}
	// Invalid UTF-8 would be replaced in the canonical JSON, letting two
	// different notes share a hash.
	if !utf8.ValidString(e.Note) {
		return FieldErrorf("note", "说明含有无效字符")
	}
	switch {
	case e.Type == EventPause:
		if _, ok := PauseReasons[e.Reason]; !ok {
			return FieldErrorf("reason", "中止计时须注明事由（补正、专家评审、听证、检验检测鉴定或公示）")
		}
	case e.Type == EventReview:
		if e.Reason != ReviewPassed && e.Reason != ReviewFailed {
			return FieldErrorf("passed", "部门审核须注明是否通过")
		}
	case e.Reason != "":
		return FieldErrorf("reason", "只有中止计时事件可以注明事由")
	}
	if e.Type == EventReview && e.Note == "" {
		return FieldErrorf("note", "部门审核须附审核意见")
	}
	if (e.Type == EventPause || e.Type == EventReject) && e.Note == "" {
		return FieldErrorf("note", "%s须附书面告知内容", eventLabels[e.Type])
	}
	switch {
	case e.Type == EventDisburse && e.Amount == nil:
		return FieldErrorf("amount", "兑现须注明金额")
	case e.Amount != nil && e.Type != EventDisburse && e.Type != EventApprove:
		return FieldErrorf("amount", "只有批准和兑现事件可以注明金额")
	case e.Amount != nil && *e.Amount <= 0:
		return FieldErrorf("amount", "金额须大于零")
	}
	return nil
}

// ValidateTime returns an EInvalid error on field "at" when the event lies
// after now. The check is the caller's because only the caller has a clock;
// Apply checks the order of events.
func (e Event) ValidateTime(now time.Time) error {
	if e.At.After(now) {
		return FieldErrorf("at", "事件时间不能晚于当前时间")
	}
	return nil
}

// NextState returns the state an application in state cur ("" for none
// yet) reaches by event e. pausedBeforeAccept tells, for cur "paused",
// whether the pause began before acceptance, in which case resume returns to
// "submitted". The error is EInvalid from Validate, or EConflict when e is out
// of order.
func NextState(cur string, pausedBeforeAccept bool, e Event) (string, error) {
	if err := e.Validate(); err != nil {
		return "", err
	}
	next, ok := transitions[cur][e.Type]
	if !ok {
		return "", Errorf(EConflict, "申请当前状态为「%s」，不能%s", stateLabels[cur], eventLabels[e.Type])
	}
	// Before acceptance the clock has not started, so the only pause there is
	// is the notice to supplement the materials.
	if cur == StateSubmitted && e.Type == EventPause && e.Reason != PauseSupplement {
		return "", Errorf(EConflict, "申请尚未受理，只能因%s中止计时，不能因%s", PauseReasons[PauseSupplement], PauseReasons[e.Reason])
	}
	if cur == StatePaused && e.Type == EventResume && pausedBeforeAccept {
		next = StateSubmitted
	}
	return next, nil
}

// EventAllowedFor reports whether a user of role (RoleAdmin, RoleOfficial,
// RoleEnterprise, or "system" for the matcher's own offers) may send e.
// pauseReason is the reason of the application's open pause, if any: the
// enterprise itself ends a pause for supplement by handing in the materials.
func EventAllowedFor(role string, e Event, pauseReason string) bool {
	sender, ok := eventSenders[e.Type]
	switch {
	case !ok:
		return false
	case role == RoleAdmin:
		return true
	case e.Type == EventResume && role == RoleEnterprise:
		return pauseReason == PauseSupplement
	}
	return role == sender
}

// eventSenders gives the role that sends each event type; admin may send all.
var eventSenders = map[string]string{
	EventSubmit: RoleEnterprise, EventConfirm: RoleEnterprise, EventWithdraw: RoleEnterprise,
	EventOffer:  "system",
	EventAccept: RoleOfficial, EventPause: RoleOfficial, EventResume: RoleOfficial,
	EventApprove: RoleOfficial, EventDisburse: RoleOfficial, EventReject: RoleOfficial, EventReview: RoleOfficial,
}

// ComputeHash returns the hex SHA-256 of the event's canonical form, chained
// to its application and predecessor. The canonical form is the compact JSON
// object, keys in exactly this order:
//
//	{"app":ID,"seq":N,"type":"…","at":"…","actor":"…","reason":"…","note":"…","amount":FEN|null,"prev_hash":"…"}
//
// where at is At in UTC formatted with time.RFC3339Nano, amount is the whole
// number of fen (null when absent), strings are encoded by encoding/json
// (valid UTF-8 is enforced by Validate) and prev_hash is "" for the first
// event. JSON quoting makes the encoding unambiguous. The Hash and PrevHash
// fields are not read: the arguments are hashed instead.
// At must be stored to the nanosecond for the hash to verify later.
func (e Event) ComputeHash(appID int64, prevHash string) string {
	var amount *int64
	if e.Amount != nil {
		fen := int64(*e.Amount)
		amount = &fen
	}
	b, err := json.Marshal(struct {
		App      int64  `json:"app"`
		Seq      int    `json:"seq"`
		Type     string `json:"type"`
		At       string `json:"at"`
		Actor    string `json:"actor"`
		Reason   string `json:"reason"`
		Note     string `json:"note"`
		Amount   *int64 `json:"amount"`
		PrevHash string `json:"prev_hash"`
	}{appID, e.Seq, e.Type, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Reason, e.Note, amount, prevHash})
	if err != nil {
		panic(err) // strings and integers always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Application is the event history of one application and the state it has
// reached. ID must be set before the first Apply: it is part of every hash.
type Application struct {
	ID     int64   `json:"id"`
	State  string  `json:"state"`
	Events []Event `json:"events,omitempty"`
}

// Apply validates e against a's state and history and appends it, setting
// its Seq, PrevHash and Hash. It returns EInvalid for a bad event (field "at"
// when e predates the previous event) and EConflict for an event out of
// order; a is unchanged on error.
func (a *Application) Apply(e Event) error {
	var prev Event
	if n := len(a.Events); n > 0 {
		prev = a.Events[n-1]
		if e.At.Before(prev.At) {
			return FieldErrorf("at", "事件时间不能早于上一事件（%s）", prev.At.In(Shanghai).Format(time.DateTime))
		}
	}
	next, err := NextState(a.State, a.State == StatePaused && !a.accepted(), e)
	if err != nil {
		return err
	}
	e.At = e.At.Round(0) // the monotonic reading is not part of the record
	e.Seq = len(a.Events) + 1
	e.PrevHash = prev.Hash
	e.Hash = e.ComputeHash(a.ID, e.PrevHash)
	a.Events = append(a.Events, e)
	a.State = next
	return nil
}

// accepted reports whether a has been accepted or confirmed: an application
// never returns to "submitted" afterwards, so a pause then is a pause of a
// running clock.
func (a *Application) accepted() bool {
	for _, e := range a.Events {
		if e.Type == EventAccept || e.Type == EventConfirm {
			return true
		}
	}
	return false
}

// PauseReason returns the reason of a's open pause, or "" when a is not
// paused; it is the pauseReason argument of EventAllowedFor.
func (a *Application) PauseReason() string {
	if a.State != StatePaused {
		return ""
	}
	// The open pause is the last one: a review may have followed it.
	for i := len(a.Events) - 1; i >= 0; i-- {
		if a.Events[i].Type == EventPause {
			return a.Events[i].Reason
		}
	}
	return ""
}

// Verify replays a's events from scratch and checks that each follows the
// state machine, carries sequence number 1, 2, … and the hash of its
// predecessor, that its own hash matches its content, and that the replay
// ends in a.State. A changed, inserted or removed event fails. The error is
// EConflict naming the first event that fails.
func (a *Application) Verify() error {
	r := Application{ID: a.ID}
	for i, e := range a.Events {
		if err := r.Apply(e); err != nil {
			return Errorf(EConflict, "事件链校验失败：第%d个事件不合规（%s）", i+1, ErrorMessage(err))
		}
		if got := r.Events[i]; got.Seq != e.Seq || got.PrevHash != e.PrevHash || got.Hash != e.Hash {
			return Errorf(EConflict, "事件链校验失败：第%d个事件的序号或哈希不符", i+1)
		}
	}
	if r.State != a.State {
		return Errorf(EConflict, "事件链校验失败：记录的状态为「%s」，事件重放得到「%s」", stateLabels[a.State], stateLabels[r.State])
	}
	return nil
}
