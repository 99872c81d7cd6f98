package huiqi

import (
	"encoding/json"
	"reflect"
	"time"
)

// Date is a civil date in Asia/Shanghai. The zero value is "no date".
// It is stored as days since 1970-01-01 so that day arithmetic is integer
// arithmetic.
type Date struct {
	days int32
	set  bool
}

// NewDate returns the date y-m-d; out-of-range parts normalise as time.Date does.
func NewDate(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date{days: int32(t.Unix() / 86400), set: true}
}

// DateOf returns the date of t in Asia/Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return NewDate(y, m, d)
}

// ParseDate parses YYYY-MM-DD. The error is an EInvalid without field; callers
// add the path with WithPrefix.
//
// Dates before MinYear are refused: no enterprise, policy or application
// of this system is older, and a year such as 0000 is a typing error.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, Errorf(EInvalid, "日期格式应为 YYYY-MM-DD: %q", s)
	}
	if t.Year() < MinYear {
		return Date{}, Errorf(EInvalid, "日期不能早于 %d-01-01: %q", MinYear, s)
	}
	return NewDate(t.Date()), nil
}

// MinYear is the earliest year ParseDate accepts.
const MinYear = 1900

// IsZero reports whether d is the zero "no date".
func (d Date) IsZero() bool { return !d.set }

// Time returns midnight of d in Asia/Shanghai.
func (d Date) Time() time.Time {
	t := time.Unix(int64(d.days)*86400, 0).UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Shanghai)
}

// String formats d as YYYY-MM-DD, or "" for the zero date.
func (d Date) String() string {
	if !d.set {
		return ""
	}
	return time.Unix(int64(d.days)*86400, 0).UTC().Format(time.DateOnly)
}

// AddDays returns d plus n days.
func (d Date) AddDays(n int) Date { return Date{days: d.days + int32(n), set: true} }

// Sub returns the number of days from e to d (d − e).
func (d Date) Sub(e Date) int { return int(d.days - e.days) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.days < e.days }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.days > e.days }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return time.Weekday((int(d.days)%7 + 7 + 4) % 7) }

// Days returns d as days since 1970-01-01, for compact storage and comparison.
func (d Date) Days() int32 { return d.days }

// YearsSince returns the whole years from d to on: the age of something
// founded on d, as of on.
func (d Date) YearsSince(on Date) int {
	a, b := d.Time(), on.Time()
	years := b.Year() - a.Year()
	if b.Month() < a.Month() || (b.Month() == a.Month() && b.Day() < a.Day()) {
		years--
	}
	return years
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if !d.set {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return invalidValue("日期应为字符串 YYYY-MM-DD", reflect.TypeFor[Date]())
	}
	v, err := ParseDate(s)
	if err != nil {
		return invalidValue(ErrorMessage(err), reflect.TypeFor[Date]())
	}
	*d = v
	return nil
}

// DateFromDays returns the date n days after 1970-01-01; the inverse of Days.
func DateFromDays(n int32) Date { return Date{days: n, set: true} }

// Year returns the year of d.
func (d Date) Year() int { return d.Time().Year() }

// AddYears returns the same day n years later (earlier for negative n); 29
// February becomes 1 March in a common year.
func (d Date) AddYears(n int) Date {
	y, m, day := d.Time().Date()
	return NewDate(y+n, m, day)
}
