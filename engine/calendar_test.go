package engine_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
)

const year2028 = `{"source": "测试：2028年部分节假日安排的通知", "off": ["2028-01-01", "2028-01-02", "2028-01-03"], "work": []}`

func TestEngine_Calendar(t *testing.T) {
	w := newAppWorld(t)
	w.set("2027-12-01 09:00")
	w.policy(t, "p-work", appDeptA, func(m map[string]any) { m["clock"], m["deadline_days"] = "working_days", 30 })
	w.set("2027-12-02 09:00")
	id := w.accepted(t, "p-work", 0)
	a, err := w.FindApplication(appAdmin, id, huiqi.NewDate(2027, 12, 2))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Clock.CalendarProvisional || a.Clock.DeadlineOn != huiqi.NewDate(2028, 1, 13) {
		t.Fatalf("before 2028: deadline %s provisional %v, want 2028-01-13 provisional", a.Clock.DeadlineOn, a.Clock.CalendarProvisional)
	}
	if w.CalendarWarning() == "" {
		t.Fatal("no warning on 2027-12-02 with 2028 missing")
	}

	t.Run("ErrRefusedStoresNothing", func(t *testing.T) {
		_, err := w.PutCalendarYear(appOfficialA, 2028, []byte(year2028))
		appWantCode(t, err, huiqi.EForbidden)
		_, err = w.PutCalendarYear(appAdmin, 2028, []byte(`{"source": "s", "off": ["2028-01-03"], "work": ["2028-01-05"]}`))
		appWantCode(t, err, huiqi.EInvalid)
		if f := huiqi.ErrorField(err); f != "work[0]" {
			t.Fatalf("field = %q, want work[0]", f)
		}
		if w.Calendar.Covers(2028) {
			t.Fatal("a refused year was put in force")
		}
	})
	// A second engine on the same database, as a server beside the command
	// line, loaded before the year is put.
	server := engine.New(w.DB)
	server.Now = w.clock
	server.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := server.Load(appAdmin); err != nil {
		t.Fatal(err)
	}
	info, err := w.PutCalendarYear(appAdmin, 2028, []byte(year2028))
	if err != nil {
		t.Fatal(err)
	}
	if info.Actor != "admin" || !info.At.Equal(appTime("2027-12-02 09:00")) || info.Origin != "operator" {
		t.Fatalf("recorded %+v, want by admin at 2027-12-02 09:00", info)
	}
	a, _ = w.FindApplication(appAdmin, id, huiqi.NewDate(2027, 12, 2))
	if a.Clock.CalendarProvisional || a.Clock.DeadlineOn != huiqi.NewDate(2028, 1, 14) {
		t.Fatalf("after 2028: deadline %s provisional %v, want 2028-01-14 final", a.Clock.DeadlineOn, a.Clock.CalendarProvisional)
	}
	if w.CalendarWarning() != "" {
		t.Fatalf("warning %q after 2028 is added", w.CalendarWarning())
	}
	// The running one takes it on its next hourly round.
	ctx, cancel := context.WithCancel(appAdmin)
	done := make(chan struct{})
	go func() { server.RunDaily(ctx); close(done) }()
	for deadline := time.Now().Add(5 * time.Second); !server.Calendar.Covers(2028) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // polls the goroutine, not a deadline
	}
	cancel()
	<-done
	if !server.Calendar.Covers(2028) {
		t.Fatal("a running engine did not take the year stored beside it")
	}
	// A restart reads the year back from SQLite.
	e2 := engine.New(w.DB)
	e2.Now = w.clock
	if err := e2.Load(appAdmin); err != nil {
		t.Fatal(err)
	}
	st, err := e2.CalendarYears(appAuditor)
	if err != nil {
		t.Fatal(err)
	}
	last := st.Years[len(st.Years)-1]
	if last.Year != 2028 || last.Source != "测试：2028年部分节假日安排的通知" || last.Actor != "admin" || st.LastCovered != huiqi.NewDate(2028, 12, 31) {
		t.Fatalf("after a restart: %+v", st)
	}
	if !e2.Calendar.Covers(2027) || e2.Calendar.IsWorkingDay(huiqi.NewDate(2028, 1, 3)) {
		t.Fatal("after a restart the years are not in force")
	}
}

func TestEngine_CalendarDailyWarning(t *testing.T) {
	w := newAppWorld(t)
	var log bytes.Buffer
	w.Logger = slog.New(slog.NewTextHandler(&log, nil))
	for _, tt := range []struct {
		now  string
		warn bool
	}{
		{"2027-09-30 09:00", false},
		{"2027-10-01 09:00", true},
		{"2027-10-01 18:00", false}, // once a day
		{"2027-10-02 09:00", true},
	} {
		log.Reset()
		w.set(tt.now)
		if _, err := w.DailyPass(appAdmin); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(log.String(), "2028"); got != tt.warn {
			t.Errorf("%s: warned %v, want %v: %s", tt.now, got, tt.warn, log.String())
		}
	}
}

func TestEngine_Rematch(t *testing.T) {
	w := newAppWorld(t)
	w.policy(t, "p-a", appDeptA, nil)
	w.policy(t, "p-b", appDeptA, nil)
	var seen []engine.RematchProgress
	p, err := w.Rematch(appAdmin, func(p engine.RematchProgress) { seen = append(seen, p) })
	if err != nil {
		t.Fatal(err)
	}
	if p.Policies != 2 || p.Total != 2 || p.Eligible != 2*len(appCodes) || len(seen) != 2 {
		t.Fatalf("Rematch = %+v with %d progress calls, want 2 policies, %d pairs, 2 calls", p, len(seen), 2*len(appCodes))
	}
	_, err = w.Rematch(appOfficialA, nil)
	appWantCode(t, err, huiqi.EForbidden)
}
