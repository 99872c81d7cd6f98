package clock_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/clock"
)

func day(y int, m time.Month, d int) huiqi.Date { return huiqi.NewDate(y, m, d) }

func TestCalendar_IsWorkingDay(t *testing.T) {
	tests := []struct {
		name string
		d    huiqi.Date
		want bool
	}{
		// State Council notice for 2024: National Day 10-01..10-07 off,
		// Sunday 09-29 and Saturday 10-12 worked.
		{"2024NationalDayEve", day(2024, 9, 30), true},
		{"2024NationalDay1", day(2024, 10, 1), false},
		{"2024NationalDay4", day(2024, 10, 4), false},
		{"2024NationalDay7", day(2024, 10, 7), false},
		{"2024NationalDayAfter", day(2024, 10, 8), true},
		{"2024WorkedSunday", day(2024, 9, 29), true},
		{"2024WorkedSaturday", day(2024, 10, 12), true},
		{"2024SundayAfterWorkedSaturday", day(2024, 10, 13), false},
		// State Council notice for 2025: Spring Festival 01-28..02-04 off,
		// Sunday 01-26 and Saturday 02-08 worked.
		{"2025SpringFestivalEveEve", day(2025, 1, 27), true},
		{"2025SpringFestival1", day(2025, 1, 28), false},
		{"2025SpringFestivalMonday", day(2025, 2, 3), false},
		{"2025SpringFestival8", day(2025, 2, 4), false},
		{"2025SpringFestivalAfter", day(2025, 2, 5), true},
		{"2025WorkedSunday", day(2025, 1, 26), true},
		{"2025WorkedSaturday", day(2025, 2, 8), true},
		{"2023NewYear", day(2023, 1, 2), false},
		{"2026NationalDay", day(2026, 10, 7), false},
		{"2026WorkedSaturday", day(2026, 10, 10), true},
		{"OrdinarySaturday", day(2024, 9, 7), false},
		{"OrdinarySunday", day(2024, 9, 8), false},
		{"OrdinaryMonday", day(2024, 9, 9), true},
		// Outside the data only weekends rest: 2022-10-03 was a holiday,
		// but the calendar does not know it.
		{"Before2023Monday", day(2022, 10, 3), true},
		{"After2027Tuesday", day(2028, 10, 3), true},
		{"After2027Saturday", day(2028, 10, 7), false},
		// State Council notice for 2027: 元旦 01-01..01-03, Spring Festival
		// 02-05..02-13 off, Sundays 01-31 and 02-14 worked.
		{"2027NewYear", day(2027, 1, 1), false},
		{"2027SpringFestivalFriday", day(2027, 2, 5), false},
		{"2027SpringFestivalLast", day(2027, 2, 13), false},
		{"2027WorkedSunday", day(2027, 1, 31), true},
		{"2027WorkedSundayAfter", day(2027, 2, 14), true},
	}
	cal := clock.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.IsWorkingDay(tt.d); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.d, got, tt.want)
			}
		})
	}
}

func TestCalendar_NextWorkingDay(t *testing.T) {
	tests := []struct {
		name string
		d    huiqi.Date
		want huiqi.Date
	}{
		{"WorkingDay", day(2024, 9, 30), day(2024, 9, 30)},
		{"Saturday", day(2024, 8, 17), day(2024, 8, 19)},
		{"NationalDay", day(2024, 10, 3), day(2024, 10, 8)},
		{"SpringFestival", day(2025, 1, 30), day(2025, 2, 5)},
		{"WorkedSaturday", day(2024, 10, 12), day(2024, 10, 12)},
	}
	cal := clock.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.NextWorkingDay(tt.d); got != tt.want {
				t.Errorf("NextWorkingDay(%s) = %s, want %s", tt.d, got, tt.want)
			}
		})
	}
}

func TestCalendar_AddWorkingDays(t *testing.T) {
	tests := []struct {
		name string
		d    huiqi.Date
		n    int
		want huiqi.Date
	}{
		{"Zero", day(2024, 10, 5), 0, day(2024, 10, 5)},
		// 09-03, 04, 05, 06, 09.
		{"OverWeekend", day(2024, 9, 2), 5, day(2024, 9, 9)},
		// 09-11, 12, 13, Saturday 14 (worked); 15–17 Mid-Autumn; 18.
		{"MidAutumn", day(2024, 9, 10), 5, day(2024, 9, 18)},
		// 09-29 (worked Sunday), 09-30; 10-01..07 off; 10-08.
		{"NationalDay", day(2024, 9, 27), 3, day(2024, 10, 8)},
		// 01-26 (worked Sunday), 01-27; 01-28..02-04 off; 02-05.
		{"SpringFestival", day(2025, 1, 24), 3, day(2025, 2, 5)},
	}
	cal := clock.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.AddWorkingDays(tt.d, tt.n); got != tt.want {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.d, tt.n, got, tt.want)
			}
		})
	}
}

func TestCalendar_WorkingDaysBetween(t *testing.T) {
	tests := []struct {
		name string
		a, b huiqi.Date
		want int
	}{
		{"Empty", day(2024, 9, 2), day(2024, 9, 2), 0},
		{"Backwards", day(2024, 9, 9), day(2024, 9, 2), 0},
		{"EndCounted", day(2024, 9, 2), day(2024, 9, 3), 1},
		{"Week", day(2024, 9, 1), day(2024, 9, 8), 5},
		// 09-29, 09-30, 10-08, 09, 10, 11, 12 (worked Saturday).
		{"NationalDay", day(2024, 9, 28), day(2024, 10, 13), 7},
		// 01-26, 01-27, 02-05, 06, 07, 08 (worked Saturday).
		{"SpringFestival", day(2025, 1, 25), day(2025, 2, 9), 6},
	}
	cal := clock.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.WorkingDaysBetween(tt.a, tt.b); got != tt.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestHolidaysData checks the embedded notices for slips of transcription:
// every year present, and every adjusted working day a weekend (调休 only
// ever moves weekends).
func TestHolidaysData(t *testing.T) {
	b, err := os.ReadFile("holidays.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Years map[string]struct{ Off, Work []string }
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for _, y := range []string{"2023", "2024", "2025", "2026", "2027"} {
		if len(f.Years[y].Off) == 0 || len(f.Years[y].Work) == 0 {
			t.Errorf("holidays.json: year %s missing", y)
		}
		for _, s := range f.Years[y].Work {
			d, err := huiqi.ParseDate(s)
			if err != nil {
				t.Fatal(err)
			}
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Errorf("holidays.json: adjusted working day %s is a %s", s, wd)
			}
			if !clock.Default().IsWorkingDay(d) {
				t.Errorf("IsWorkingDay(%s) = false, want true", s)
			}
		}
	}
}

func TestParseCalendar(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr bool
	}{
		{"OK", `{"years": {"2030": {"off": ["2030-10-01"], "work": ["2030-09-29"]}}}`, false},
		{"ErrJSON", `{"years": [`, true},
		{"ErrDate", `{"years": {"2030": {"off": ["2030-13-01"]}}}`, true},
		{"ErrBothOffAndWork", `{"years": {"2030": {"off": ["2030-10-01"], "work": ["2030-10-01"]}}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := clock.ParseCalendar([]byte(tt.data))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseCalendar(%s) error = %v, want error %v", tt.name, err, tt.wantErr)
			}
			if err == nil && (cal.IsWorkingDay(day(2030, 10, 1)) || !cal.IsWorkingDay(day(2030, 9, 29))) {
				t.Errorf("ParseCalendar(%s): 2030-10-01 working or 2030-09-29 resting", tt.name)
			}
		})
	}
}
