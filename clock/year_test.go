package clock_test

import (
	"testing"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
)

// TestDefault_MatchesLunarGo compares every day of 2023–2027 of the
// embedded calendar with the State Council notices as lunar-go's
// HolidayUtil carries them: a holiday there is a rest day here, an adjusted
// working day there a working day here, and any other day follows the
// weekend rule in both.
func TestDefault_MatchesLunarGo(t *testing.T) {
	cal := clock.Default()
	days, diffs := 0, 0
	for d := day(2023, 1, 1); !d.After(day(2027, 12, 31)); d = d.AddDays(1) {
		days++
		want := d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
		if h := HolidayUtil.GetHoliday(d.String()); h != nil {
			want = h.IsWork()
		}
		if got := cal.IsWorkingDay(d); got != want {
			diffs++
			t.Errorf("%s: huiqi says working %v, lunar-go %v", d, got, want)
		}
	}
	t.Logf("compared %d days of 2023–2027 with lunar-go: %d differences", days, diffs)
	if days != 1826 {
		t.Fatalf("compared %d days, want 1826", days)
	}
}

func TestParseYear(t *testing.T) {
	tests := []struct {
		name  string
		year  int
		doc   string
		field string // "" for valid
	}{
		{"valid", 2028, `{"source": "国办发明电〔2027〕1号", "off": ["2028-01-01", "2028-01-02", "2028-01-03"], "work": ["2028-01-08"]}`, ""},
		{"no source", 2028, `{"off": ["2028-01-03"]}`, "source"},
		{"no off", 2028, `{"source": "s", "off": []}`, "off"},
		{"unknown field", 2028, `{"source": "s", "off": ["2028-01-03"], "rest": []}`, "rest"},
		{"bad date", 2028, `{"source": "s", "off": ["2028-13-01"]}`, "off[0]"},
		{"other year", 2028, `{"source": "s", "off": ["2028-01-03", "2027-12-31"]}`, "off[1]"},
		{"both", 2028, `{"source": "s", "off": ["2028-01-03"], "work": ["2028-01-03"]}`, "work[0]"},
		{"twice", 2028, `{"source": "s", "off": ["2028-01-03", "2028-01-03"]}`, "off[1]"},
		{"worked weekday", 2028, `{"source": "s", "off": ["2028-01-03"], "work": ["2028-01-05"]}`, "work[0]"},
		{"weekend alone", 2028, `{"source": "s", "off": ["2028-01-03", "2028-01-08"]}`, "off[1]"},
		{"year out of range", 1999, `{"source": "s", "off": ["1999-01-01"]}`, "year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := clock.ParseYear(tt.year, []byte(tt.doc))
			if tt.field == "" {
				if err != nil {
					t.Fatalf("ParseYear = %v, want valid", err)
				}
				return
			}
			if huiqi.ErrorCode(err) != huiqi.EInvalid || huiqi.ErrorField(err) != tt.field {
				t.Fatalf("ParseYear = %v (field %q), want invalid on %q", err, huiqi.ErrorField(err), tt.field)
			}
		})
	}
}

// TestCalendar_SetYear adds a year and replaces it: the deadline that ran
// into it stops being provisional, and a shared calendar is untouched.
func TestCalendar_SetYear(t *testing.T) {
	cal := clock.New()
	events := []huiqi.Event{
		{Type: huiqi.EventSubmit, At: time.Date(2027, 12, 1, 9, 0, 0, 0, huiqi.Shanghai)},
		{Type: huiqi.EventAccept, At: time.Date(2027, 12, 2, 9, 0, 0, 0, huiqi.Shanghai)},
	}
	rules := clock.Rules{DeadlineDays: 30, WorkingDays: true}
	asOf := day(2027, 12, 10)
	before := clock.Compute(cal, rules, events, asOf)
	if !before.CalendarProvisional || before.DeadlineOn != day(2028, 1, 13) {
		t.Fatalf("before 2028 is added: deadline %s provisional %v, want 2028-01-13 provisional", before.DeadlineOn, before.CalendarProvisional)
	}
	if got := cal.MissingNextYear(day(2027, 10, 1)); got != 2028 {
		t.Fatalf("MissingNextYear(2027-10-01) = %d, want 2028", got)
	}
	if got := cal.MissingNextYear(day(2027, 9, 30)); got != 0 {
		t.Fatalf("MissingNextYear(2027-09-30) = %d, want 0", got)
	}
	y, err := clock.ParseYear(2028, []byte(`{"source": "测试通知", "off": ["2028-01-01", "2028-01-02", "2028-01-03"]}`))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2027, 11, 20, 10, 0, 0, 0, huiqi.Shanghai)
	cal.SetYear(y, clock.YearInfo{Year: 2028, Origin: clock.OriginOperator, Actor: "admin", At: at})
	after := clock.Compute(cal, rules, events, asOf)
	if after.CalendarProvisional || after.DeadlineOn != day(2028, 1, 14) {
		t.Fatalf("after 2028 is added: deadline %s provisional %v, want 2028-01-14 final", after.DeadlineOn, after.CalendarProvisional)
	}
	if cal.MissingNextYear(day(2027, 10, 1)) != 0 || cal.LastCovered() != day(2028, 12, 31) {
		t.Fatalf("after 2028 is added: missing %d, last covered %s", cal.MissingNextYear(day(2027, 10, 1)), cal.LastCovered())
	}
	years := cal.Years()
	want := clock.YearInfo{Year: 2028, Origin: clock.OriginOperator, Source: "测试通知", Off: 3, Actor: "admin", At: at}
	if diff := cmp.Diff(want, years[len(years)-1]); diff != "" {
		t.Fatalf("Years() last (-want +got):\n%s", diff)
	}
	// A correction replaces the year's days as a whole.
	y, _ = clock.ParseYear(2028, []byte(`{"source": "更正", "off": ["2028-01-03"]}`))
	cal.SetYear(y, clock.YearInfo{Year: 2028, Origin: clock.OriginOperator})
	if !cal.IsWorkingDay(day(2028, 1, 2)) == false || cal.IsWorkingDay(day(2028, 1, 3)) {
		t.Fatalf("after the correction: 2028-01-03 working %v", cal.IsWorkingDay(day(2028, 1, 3)))
	}
	if clock.Default().Covers(2028) {
		t.Fatal("the shared default calendar was changed")
	}
}

// TestDeadline_2027 is the deadline of an acceptance on 2026-12-02 with 30
// working days: 2027's 元旦 (01-01, a Friday) is a holiday, so the 30th
// working day is 2027-01-14, not 2027-01-13 as with weekends alone.
func TestDeadline_2027(t *testing.T) {
	events := []huiqi.Event{{Type: huiqi.EventAccept, At: time.Date(2026, 12, 2, 10, 0, 0, 0, huiqi.Shanghai)}}
	rules := clock.Rules{DeadlineDays: 30, WorkingDays: true}
	weekendsOnly, err := clock.ParseCalendar([]byte(`{"years": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name        string
		cal         *clock.Calendar
		want        huiqi.Date
		provisional bool
	}{
		{"embedded", clock.Default(), day(2027, 1, 14), false},
		{"weekends only", weekendsOnly, day(2027, 1, 13), true},
	} {
		c := clock.Compute(tt.cal, rules, events, day(2026, 12, 2))
		if c.DeadlineOn != tt.want || c.CalendarProvisional != tt.provisional {
			t.Errorf("%s: deadline %s provisional %v, want %s provisional %v", tt.name, c.DeadlineOn, c.CalendarProvisional, tt.want, tt.provisional)
		}
	}
}
