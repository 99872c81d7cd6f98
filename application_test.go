package huiqi_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/huiqi/huiqi"
)

// at returns 10:00 in Shanghai on 2024-09-day, for events in order.
func at(day int) time.Time { return time.Date(2024, 9, day, 10, 0, 0, 0, huiqi.Shanghai) }

func money(m huiqi.Money) *huiqi.Money { return &m }

// event returns a valid event of type typ, with the fields its type requires.
func event(typ string) huiqi.Event {
	e := huiqi.Event{Type: typ, At: at(2), Actor: "official:市工信局"}
	switch typ {
	case huiqi.EventPause:
		e.Reason, e.Note = huiqi.PauseExpertReview, "提交专家评审，预计10日"
	case huiqi.EventReject:
		e.Note = "不符合申报条件"
	case huiqi.EventDisburse:
		e.Amount = money(200000 * huiqi.Yuan)
	}
	return e
}

func supplement() huiqi.Event {
	e := event(huiqi.EventPause)
	e.Reason, e.Note = huiqi.PauseSupplement, "请补正2023年度审计报告"
	return e
}

func TestApplication_NextState(t *testing.T) {
	tests := []struct {
		name        string
		cur         string
		preAccept   bool
		e           huiqi.Event
		want        string
		wantCode    string
		wantField   string
		wantMessage string
	}{
		// Every allowed transition.
		{name: "Submit", cur: "", e: event(huiqi.EventSubmit), want: huiqi.StateSubmitted},
		{name: "Offer", cur: "", e: event(huiqi.EventOffer), want: huiqi.StateOffered},
		{name: "SubmittedAccept", cur: huiqi.StateSubmitted, e: event(huiqi.EventAccept), want: huiqi.StateAccepted},
		{name: "SubmittedSupplement", cur: huiqi.StateSubmitted, e: supplement(), want: huiqi.StatePaused},
		{name: "SubmittedReject", cur: huiqi.StateSubmitted, e: event(huiqi.EventReject), want: huiqi.StateRejected},
		{name: "SubmittedWithdraw", cur: huiqi.StateSubmitted, e: event(huiqi.EventWithdraw), want: huiqi.StateWithdrawn},
		{name: "OfferedConfirm", cur: huiqi.StateOffered, e: event(huiqi.EventConfirm), want: huiqi.StateAccepted},
		{name: "OfferedWithdraw", cur: huiqi.StateOffered, e: event(huiqi.EventWithdraw), want: huiqi.StateWithdrawn},
		{name: "OfferedReject", cur: huiqi.StateOffered, e: event(huiqi.EventReject), want: huiqi.StateRejected},
		{name: "AcceptedPause", cur: huiqi.StateAccepted, e: event(huiqi.EventPause), want: huiqi.StatePaused},
		{name: "AcceptedSupplement", cur: huiqi.StateAccepted, e: supplement(), want: huiqi.StatePaused},
		{name: "AcceptedApprove", cur: huiqi.StateAccepted, e: event(huiqi.EventApprove), want: huiqi.StateApproved},
		{name: "AcceptedReject", cur: huiqi.StateAccepted, e: event(huiqi.EventReject), want: huiqi.StateRejected},
		{name: "AcceptedWithdraw", cur: huiqi.StateAccepted, e: event(huiqi.EventWithdraw), want: huiqi.StateWithdrawn},
		{name: "PausedResume", cur: huiqi.StatePaused, e: event(huiqi.EventResume), want: huiqi.StateAccepted},
		{name: "PausedBeforeAcceptResume", cur: huiqi.StatePaused, preAccept: true, e: event(huiqi.EventResume), want: huiqi.StateSubmitted},
		{name: "PausedReject", cur: huiqi.StatePaused, e: event(huiqi.EventReject), want: huiqi.StateRejected},
		{name: "PausedWithdraw", cur: huiqi.StatePaused, e: event(huiqi.EventWithdraw), want: huiqi.StateWithdrawn},
		{name: "ApprovedDisburse", cur: huiqi.StateApproved, e: event(huiqi.EventDisburse), want: huiqi.StateDisbursed},
		{name: "ApprovedReject", cur: huiqi.StateApproved, e: event(huiqi.EventReject), want: huiqi.StateRejected},

		// Refused: out of order.
		{name: "ErrFirstAccept", cur: "", e: event(huiqi.EventAccept), wantCode: huiqi.EConflict},
		{name: "ErrSecondSubmit", cur: huiqi.StateSubmitted, e: event(huiqi.EventSubmit), wantCode: huiqi.EConflict},
		{name: "ErrApproveBeforeAccept", cur: huiqi.StateSubmitted, e: event(huiqi.EventApprove), wantCode: huiqi.EConflict,
			wantMessage: "申请当前状态为「已申报」，不能批准"},
		{name: "ErrExpertReviewBeforeAccept", cur: huiqi.StateSubmitted, e: event(huiqi.EventPause), wantCode: huiqi.EConflict},
		{name: "ErrConfirmSubmitted", cur: huiqi.StateSubmitted, e: event(huiqi.EventConfirm), wantCode: huiqi.EConflict},
		{name: "ErrAcceptOffered", cur: huiqi.StateOffered, e: event(huiqi.EventAccept), wantCode: huiqi.EConflict},
		{name: "ErrPauseOffered", cur: huiqi.StateOffered, e: supplement(), wantCode: huiqi.EConflict},
		{name: "ErrResumeWithoutPause", cur: huiqi.StateAccepted, e: event(huiqi.EventResume), wantCode: huiqi.EConflict},
		{name: "ErrDisburseBeforeApprove", cur: huiqi.StateAccepted, e: event(huiqi.EventDisburse), wantCode: huiqi.EConflict},
		{name: "ErrPauseTwice", cur: huiqi.StatePaused, e: event(huiqi.EventPause), wantCode: huiqi.EConflict},
		{name: "ErrApprovePaused", cur: huiqi.StatePaused, e: event(huiqi.EventApprove), wantCode: huiqi.EConflict},
		{name: "ErrWithdrawApproved", cur: huiqi.StateApproved, e: event(huiqi.EventWithdraw), wantCode: huiqi.EConflict},
		{name: "ErrPauseApproved", cur: huiqi.StateApproved, e: event(huiqi.EventPause), wantCode: huiqi.EConflict},
		{name: "ErrAfterDisbursed", cur: huiqi.StateDisbursed, e: event(huiqi.EventReject), wantCode: huiqi.EConflict,
			wantMessage: "申请当前状态为「已兑现」，不能驳回"},
		{name: "ErrAfterRejected", cur: huiqi.StateRejected, e: event(huiqi.EventWithdraw), wantCode: huiqi.EConflict},
		{name: "ErrAfterWithdrawn", cur: huiqi.StateWithdrawn, e: event(huiqi.EventSubmit), wantCode: huiqi.EConflict},

		// Refused: the event itself is invalid.
		{name: "ErrUnknownType", cur: huiqi.StateAccepted, e: huiqi.Event{Type: "cancel", At: at(2), Actor: "admin"},
			wantCode: huiqi.EInvalid, wantField: "type"},
		{name: "ErrNoAt", cur: huiqi.StateAccepted, e: huiqi.Event{Type: huiqi.EventApprove, Actor: "admin"},
			wantCode: huiqi.EInvalid, wantField: "at"},
		{name: "ErrNoActor", cur: huiqi.StateAccepted, e: huiqi.Event{Type: huiqi.EventApprove, At: at(2)},
			wantCode: huiqi.EInvalid, wantField: "actor"},
		{name: "ErrPauseNoReason", cur: huiqi.StateAccepted, e: func() huiqi.Event { e := event(huiqi.EventPause); e.Reason = ""; return e }(),
			wantCode: huiqi.EInvalid, wantField: "reason"},
		{name: "ErrPauseBadReason", cur: huiqi.StateAccepted, e: func() huiqi.Event { e := event(huiqi.EventPause); e.Reason = "holiday"; return e }(),
			wantCode: huiqi.EInvalid, wantField: "reason"},
		{name: "ErrPauseNoNote", cur: huiqi.StateAccepted, e: func() huiqi.Event { e := event(huiqi.EventPause); e.Note = ""; return e }(),
			wantCode: huiqi.EInvalid, wantField: "note"},
		{name: "ErrReasonOnApprove", cur: huiqi.StateAccepted, e: func() huiqi.Event { e := event(huiqi.EventApprove); e.Reason = huiqi.PauseHearing; return e }(),
			wantCode: huiqi.EInvalid, wantField: "reason"},
		{name: "ErrRejectNoNote", cur: huiqi.StateAccepted, e: func() huiqi.Event { e := event(huiqi.EventReject); e.Note = ""; return e }(),
			wantCode: huiqi.EInvalid, wantField: "note"},
		{name: "ErrDisburseNoAmount", cur: huiqi.StateApproved, e: func() huiqi.Event { e := event(huiqi.EventDisburse); e.Amount = nil; return e }(),
			wantCode: huiqi.EInvalid, wantField: "amount"},
		{name: "ErrDisburseZero", cur: huiqi.StateApproved, e: func() huiqi.Event { e := event(huiqi.EventDisburse); e.Amount = money(0); return e }(),
			wantCode: huiqi.EInvalid, wantField: "amount"},
		{name: "ErrAmountOnSubmit", cur: "", e: func() huiqi.Event { e := event(huiqi.EventSubmit); e.Amount = money(1); return e }(),
			wantCode: huiqi.EInvalid, wantField: "amount"},
		{name: "ErrBadUTF8Note", cur: huiqi.StateAccepted, e: func() huiqi.Event { e := event(huiqi.EventReject); e.Note = "\xff"; return e }(),
			wantCode: huiqi.EInvalid, wantField: "note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := huiqi.NextState(tt.cur, tt.preAccept, tt.e)
			if code := huiqi.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("NextState(%q, %s) error = %v, want code %q", tt.cur, tt.e.Type, err, tt.wantCode)
			}
			if field := huiqi.ErrorField(err); field != tt.wantField {
				t.Errorf("NextState(%q, %s) field = %q, want %q", tt.cur, tt.e.Type, field, tt.wantField)
			}
			if tt.wantMessage != "" && huiqi.ErrorMessage(err) != tt.wantMessage {
				t.Errorf("NextState(%q, %s) message = %q, want %q", tt.cur, tt.e.Type, huiqi.ErrorMessage(err), tt.wantMessage)
			}
			if got != tt.want {
				t.Errorf("NextState(%q, %s) = %q, want %q", tt.cur, tt.e.Type, got, tt.want)
			}
		})
	}
}

func TestEvent_ValidateTime(t *testing.T) {
	e := event(huiqi.EventSubmit)
	if err := e.ValidateTime(e.At); err != nil {
		t.Errorf("ValidateTime(same instant) = %v, want nil", err)
	}
	err := e.ValidateTime(e.At.Add(-time.Second))
	if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != "at" {
		t.Errorf("ValidateTime(a second earlier) = %v, want EInvalid on at", err)
	}
}

func TestApplication_Apply(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		a := huiqi.Application{ID: 7}
		for i, e := range []huiqi.Event{
			event(huiqi.EventSubmit), supplement(), event(huiqi.EventResume),
			event(huiqi.EventAccept), event(huiqi.EventPause), event(huiqi.EventResume),
			event(huiqi.EventApprove), event(huiqi.EventDisburse),
		} {
			e.At = at(2 + i)
			if err := a.Apply(e); err != nil {
				t.Fatalf("Apply(%s) = %v", e.Type, err)
			}
			if i == 2 && a.State != huiqi.StateSubmitted {
				t.Errorf("State after pre-acceptance resume = %q, want %q", a.State, huiqi.StateSubmitted)
			}
		}
		if a.State != huiqi.StateDisbursed {
			t.Errorf("State = %q, want %q", a.State, huiqi.StateDisbursed)
		}
		prev := ""
		for i, e := range a.Events {
			if e.Seq != i+1 || e.PrevHash != prev || e.Hash != e.ComputeHash(7, prev) {
				t.Errorf("Events[%d] = seq %d prev %q hash %q, want seq %d chained to %q", i, e.Seq, e.PrevHash, e.Hash, i+1, prev)
			}
			prev = e.Hash
		}
		if err := a.Verify(); err != nil {
			t.Errorf("Verify() = %v, want nil", err)
		}
	})

	t.Run("PauseReason", func(t *testing.T) {
		a := huiqi.Application{ID: 1}
		for _, e := range []huiqi.Event{event(huiqi.EventSubmit), supplement()} {
			if err := a.Apply(e); err != nil {
				t.Fatalf("Apply(%s) = %v", e.Type, err)
			}
		}
		if got := a.PauseReason(); got != huiqi.PauseSupplement {
			t.Errorf("PauseReason() = %q, want %q", got, huiqi.PauseSupplement)
		}
	})

	t.Run("ErrBeforePrevious", func(t *testing.T) {
		a := huiqi.Application{ID: 1}
		sub := event(huiqi.EventSubmit)
		sub.At = at(5)
		if err := a.Apply(sub); err != nil {
			t.Fatal(err)
		}
		acc := event(huiqi.EventAccept)
		acc.At = at(4)
		err := a.Apply(acc)
		if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != "at" {
			t.Errorf("Apply(accept before submit) = %v, want EInvalid on at", err)
		}
		if a.State != huiqi.StateSubmitted || len(a.Events) != 1 {
			t.Errorf("after refused Apply: state %q, %d events; want unchanged", a.State, len(a.Events))
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		a := huiqi.Application{ID: 1}
		if err := a.Apply(event(huiqi.EventOffer)); err != nil {
			t.Fatal(err)
		}
		if err := a.Apply(event(huiqi.EventApprove)); huiqi.ErrorCode(err) != huiqi.EConflict {
			t.Errorf("Apply(approve on offered) = %v, want EConflict", err)
		}
	})
}

func TestApplication_Verify(t *testing.T) {
	build := func(t *testing.T) *huiqi.Application {
		t.Helper()
		a := &huiqi.Application{ID: 3}
		for i, typ := range []string{huiqi.EventSubmit, huiqi.EventAccept, huiqi.EventApprove, huiqi.EventDisburse} {
			e := event(typ)
			e.At = at(2 + i)
			if err := a.Apply(e); err != nil {
				t.Fatal(err)
			}
		}
		return a
	}
	tests := []struct {
		name   string
		tamper func(a *huiqi.Application)
	}{
		{"ChangedAmount", func(a *huiqi.Application) { *a.Events[3].Amount = 300000 * huiqi.Yuan }},
		{"ChangedActor", func(a *huiqi.Application) { a.Events[1].Actor = "official:市财政局" }},
		{"ChangedTime", func(a *huiqi.Application) { a.Events[2].At = a.Events[2].At.Add(time.Hour) }},
		{"RemovedEvent", func(a *huiqi.Application) { a.Events = append(a.Events[:2:2], a.Events[3:]...) }},
		{"RemovedLast", func(a *huiqi.Application) { a.Events = a.Events[:3] }},
		{"OtherApplication", func(a *huiqi.Application) { a.ID = 4 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := build(t)
			tt.tamper(a)
			if err := a.Verify(); huiqi.ErrorCode(err) != huiqi.EConflict {
				t.Errorf("Verify() = %v, want EConflict", err)
			}
		})
	}
}

func TestEventAllowedFor(t *testing.T) {
	tests := []struct {
		name        string
		role        string
		typ         string
		pauseReason string
		want        bool
	}{
		{"EnterpriseSubmit", huiqi.RoleEnterprise, huiqi.EventSubmit, "", true},
		{"EnterpriseConfirm", huiqi.RoleEnterprise, huiqi.EventConfirm, "", true},
		{"EnterpriseWithdraw", huiqi.RoleEnterprise, huiqi.EventWithdraw, "", true},
		{"EnterpriseResumeSupplement", huiqi.RoleEnterprise, huiqi.EventResume, huiqi.PauseSupplement, true},
		{"EnterpriseResumeExpertReview", huiqi.RoleEnterprise, huiqi.EventResume, huiqi.PauseExpertReview, false},
		{"EnterpriseAccept", huiqi.RoleEnterprise, huiqi.EventAccept, "", false},
		{"EnterpriseDisburse", huiqi.RoleEnterprise, huiqi.EventDisburse, "", false},
		{"EnterpriseOffer", huiqi.RoleEnterprise, huiqi.EventOffer, "", false},
		{"SystemOffer", "system", huiqi.EventOffer, "", true},
		{"SystemAccept", "system", huiqi.EventAccept, "", false},
		{"OfficialAccept", huiqi.RoleOfficial, huiqi.EventAccept, "", true},
		{"OfficialPause", huiqi.RoleOfficial, huiqi.EventPause, "", true},
		{"OfficialResume", huiqi.RoleOfficial, huiqi.EventResume, huiqi.PauseSupplement, true},
		{"OfficialApprove", huiqi.RoleOfficial, huiqi.EventApprove, "", true},
		{"OfficialDisburse", huiqi.RoleOfficial, huiqi.EventDisburse, "", true},
		{"OfficialReject", huiqi.RoleOfficial, huiqi.EventReject, "", true},
		{"OfficialSubmit", huiqi.RoleOfficial, huiqi.EventSubmit, "", false},
		{"OfficialWithdraw", huiqi.RoleOfficial, huiqi.EventWithdraw, "", false},
		{"AdminDisburse", huiqi.RoleAdmin, huiqi.EventDisburse, "", true},
		{"AdminSubmit", huiqi.RoleAdmin, huiqi.EventSubmit, "", true},
		{"AdminUnknown", huiqi.RoleAdmin, "cancel", "", false},
		{"AuditorReject", huiqi.RoleAuditor, huiqi.EventReject, "", false},
		{"NoRole", "", huiqi.EventSubmit, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := huiqi.Event{Type: tt.typ}
			if got := huiqi.EventAllowedFor(tt.role, e, tt.pauseReason); got != tt.want {
				t.Errorf("EventAllowedFor(%q, %s, %q) = %v, want %v", tt.role, tt.typ, tt.pauseReason, got, tt.want)
			}
		})
	}
}

func TestEvent_ComputeHash(t *testing.T) {
	base := huiqi.Event{
		Seq: 3, Type: huiqi.EventDisburse, At: at(20), Actor: "official:市工信局",
		Note: "已拨付", Amount: money(50000 * huiqi.Yuan),
	}
	const appID, prev = 42, "ab12"
	want := base.ComputeHash(appID, prev)

	t.Run("Stable", func(t *testing.T) {
		e := base
		e.At = base.At.UTC() // the same instant in another zone
		e.Hash, e.PrevHash = "ignored", "ignored"
		if got := e.ComputeHash(appID, prev); got != want {
			t.Errorf("ComputeHash(same event) = %s, want %s", got, want)
		}
		if len(want) != 64 {
			t.Errorf("ComputeHash() = %q, want 64 hex digits", want)
		}
	})

	tests := []struct {
		name   string
		appID  int64
		prev   string
		change func(e *huiqi.Event)
	}{
		{"AppID", appID + 1, prev, func(*huiqi.Event) {}},
		{"PrevHash", appID, prev + "0", func(*huiqi.Event) {}},
		{"Seq", appID, prev, func(e *huiqi.Event) { e.Seq++ }},
		{"Type", appID, prev, func(e *huiqi.Event) { e.Type = huiqi.EventApprove }},
		{"At", appID, prev, func(e *huiqi.Event) { e.At = e.At.Add(time.Nanosecond) }},
		{"Actor", appID, prev, func(e *huiqi.Event) { e.Actor = "admin" }},
		{"Reason", appID, prev, func(e *huiqi.Event) { e.Reason = huiqi.PauseHearing }},
		{"Note", appID, prev, func(e *huiqi.Event) { e.Note = "已拨付。" }},
		{"NoteIntoActor", appID, prev, func(e *huiqi.Event) { e.Actor, e.Note = e.Actor+e.Note, "" }},
		{"Amount", appID, prev, func(e *huiqi.Event) { e.Amount = money(*e.Amount + 1) }},
		{"NoAmount", appID, prev, func(e *huiqi.Event) { e.Amount = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			tt.change(&e)
			if got := e.ComputeHash(tt.appID, tt.prev); got == want {
				t.Errorf("ComputeHash(changed %s) = %s, unchanged", tt.name, got)
			}
		})
	}
}

func TestEvent_PauseReasons(t *testing.T) {
	want := map[string]string{
		"supplement": "补正", "expert_review": "专家评审", "hearing": "听证",
		"inspection": "检验检测鉴定", "public_notice": "公示",
	}
	if diff := cmp.Diff(want, huiqi.PauseReasons); diff != "" {
		t.Errorf("PauseReasons (-want +got):\n%s", diff)
	}
}
