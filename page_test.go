package huiqi_test

import (
	"testing"

	"github.com/huiqi/huiqi"
)

func TestPageLimit(t *testing.T) {
	for _, tt := range []struct {
		name  string
		limit int
		want  int
		code  string
	}{
		{"Default", 0, huiqi.DefaultLimit, ""},
		{"One", 1, 1, ""},
		{"Max", huiqi.MaxLimit, huiqi.MaxLimit, ""},
		{"OverMax", huiqi.MaxLimit + 1, 0, huiqi.EInvalid},
		{"Negative", -1, 0, huiqi.EInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := huiqi.PageLimit(tt.limit)
			if got != tt.want || huiqi.ErrorCode(err) != tt.code {
				t.Errorf("PageLimit(%d) = %d, %v; want %d, code %q", tt.limit, got, err, tt.want, tt.code)
			}
			if err != nil && huiqi.ErrorField(err) != "limit" {
				t.Errorf("PageLimit(%d) names field %q, want limit", tt.limit, huiqi.ErrorField(err))
			}
		})
	}
}

func TestParseLimit(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		want       int
		code       string
	}{
		{"Absent", "", 0, ""},
		{"One", "1", 1, ""},
		{"Max", "1000", 1000, ""},
		{"OverMax", "1001", 0, huiqi.EInvalid},
		{"Zero", "0", 0, huiqi.EInvalid},
		{"Negative", "-5", 0, huiqi.EInvalid},
		{"NotANumber", "ten", 0, huiqi.EInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := huiqi.ParseLimit(tt.text)
			if huiqi.ErrorCode(err) != tt.code || (err == nil && got != tt.want) {
				t.Errorf("ParseLimit(%q) = %d, %v; want %d, code %q", tt.text, got, err, tt.want, tt.code)
			}
			if err != nil && huiqi.ErrorField(err) != "limit" {
				t.Errorf("ParseLimit(%q) names field %q, want limit", tt.text, huiqi.ErrorField(err))
			}
		})
	}
}
