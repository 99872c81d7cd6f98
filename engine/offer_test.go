package engine_test

import (
	"context"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
)

// A new match of a 免申即享 policy opens an offered application for the
// enterprise, once; a pause's written notice reaches the enterprise's feed.
func TestEngine_OffersAndNotices(t *testing.T) {
	w := newAppWorld(t)
	w.policy(t, "auto-offer", appDeptA, func(doc map[string]any) { doc["mode"] = "auto" })

	list, total, _, err := w.ListApplications(appAdmin, engine.ApplicationQuery{PolicyID: "auto-offer"}, w.Today(), engine.Page{})
	if err != nil {
		t.Fatalf("ListApplications() = %v", err)
	}
	if total != len(appCodes) {
		t.Fatalf("offers opened = %d, want one per enterprise (%d)", total, len(appCodes))
	}
	for _, a := range list {
		if a.State != huiqi.StateOffered || a.Events[0].Type != huiqi.EventOffer {
			t.Errorf("application %d: state %s, first event %s; want offered by an offer", a.ID, a.State, a.Events[0].Type)
		}
	}
	if pending, err := w.DB.PendingOffers(context.Background()); err != nil || len(pending) != 0 {
		t.Errorf("PendingOffers() = %d, %v; want none left", len(pending), err)
	}

	// Reloading (a restart) opens nothing twice.
	if err := w.Load(context.Background()); err != nil {
		t.Fatalf("Load() = %v", err)
	}
	if _, total2, _, _ := w.ListApplications(appAdmin, engine.ApplicationQuery{PolicyID: "auto-offer"}, w.Today(), engine.Page{}); total2 != total {
		t.Errorf("after reload %d applications, want %d", total2, total)
	}

	a := list[0]
	w.do(t, appEnterprise(appIndex(a.CreditCode)), a.ID, engine.EventInput{Type: huiqi.EventConfirm})
	w.do(t, appOfficialA, a.ID, engine.EventInput{Type: huiqi.EventPause, Reason: huiqi.PauseExpertReview, Note: "组织专家评审"})
	feed, err := w.Notifications(appAdmin, a.CreditCode, "", 0)
	if err != nil {
		t.Fatalf("Notifications() = %v", err)
	}
	var notices []huiqi.Notification
	for _, n := range feed.Items {
		if n.Kind == huiqi.NotifyPauseNotice {
			notices = append(notices, n)
		}
	}
	if len(notices) != 1 || notices[0].ApplicationID != a.ID || notices[0].Note != "专家评审：组织专家评审" {
		t.Errorf("pause notices = %+v, want one for application %d with its note", notices, a.ID)
	}
}

func appIndex(code string) int {
	for i, c := range appCodes {
		if c == code {
			return i
		}
	}
	return -1
}
