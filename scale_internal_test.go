package huiqi

import "testing"

// TestScaleRowOf checks which row of the standard's table an industry code
// falls under, by the row's name; a malformed code, or one spanning rows,
// has none.
func TestScaleRowOf(t *testing.T) {
	tests := []struct {
		name     string
		industry string
		want     string
	}{
		{name: "A05", industry: "A05", want: "农林牧渔业"},
		{name: "A0511", industry: "A0511", want: "农林牧渔业"},
		{name: "B06", industry: "B06", want: "工业"},
		{name: "C1952", industry: "C1952", want: "工业"},
		{name: "C43", industry: "C43", want: "工业"},
		{name: "D46", industry: "D46", want: "工业"},
		{name: "SectionC", industry: "C", want: "工业"},
		{name: "E47", industry: "E47", want: "建筑业"},
		{name: "E50", industry: "E50", want: "建筑业"},
		{name: "F51", industry: "F51", want: "批发业"},
		{name: "F52", industry: "F52", want: "零售业"},
		{name: "F5211", industry: "F5211", want: "零售业"},
		{name: "G53", industry: "G53", want: "其他未列明行业"},
		{name: "G54", industry: "G54", want: "交通运输业"},
		{name: "G58", industry: "G58", want: "交通运输业"},
		{name: "G59", industry: "G59", want: ""},
		{name: "G591", industry: "G591", want: "交通运输业"},
		{name: "G5910", industry: "G5910", want: "交通运输业"},
		{name: "G5920", industry: "G5920", want: "仓储业"},
		{name: "G594", industry: "G594", want: "仓储业"},
		{name: "G5990", industry: "G5990", want: "仓储业"},
		{name: "G60", industry: "G60", want: "邮政业"},
		{name: "H61", industry: "H61", want: "住宿业"},
		{name: "H62", industry: "H62", want: "餐饮业"},
		{name: "I63", industry: "I63", want: "信息传输业"},
		{name: "I64", industry: "I64", want: "信息传输业"},
		{name: "I65", industry: "I65", want: "软件和信息技术服务业"},
		{name: "J66", industry: "J66", want: "其他未列明行业"},
		{name: "K70", industry: "K70", want: ""},
		{name: "K701", industry: "K701", want: "房地产开发经营"},
		{name: "K7010", industry: "K7010", want: "房地产开发经营"},
		{name: "K7020", industry: "K7020", want: "物业管理"},
		{name: "K7030", industry: "K7030", want: "其他未列明行业"},
		{name: "K7090", industry: "K7090", want: "其他未列明行业"},
		{name: "L71", industry: "L71", want: "租赁和商务服务业"},
		{name: "L72", industry: "L7291", want: "租赁和商务服务业"},
		{name: "M73", industry: "M73", want: "其他未列明行业"},
		{name: "P83", industry: "P83", want: "其他未列明行业"},
		{name: "Q84", industry: "Q84", want: "其他未列明行业"},
		{name: "Q85", industry: "Q85", want: "其他未列明行业"},
		{name: "S91", industry: "S91", want: "其他未列明行业"},
		{name: "T97", industry: "T97", want: "其他未列明行业"},
		{name: "SectionG", industry: "G", want: ""},
		{name: "SectionK", industry: "K", want: ""},
		{name: "Empty", industry: "", want: ""},
		{name: "LowerCase", industry: "c1952", want: ""},
		{name: "OneDigit", industry: "C1", want: ""},
		{name: "FiveDigits", industry: "C19521", want: ""},
		{name: "DivisionOfOtherSection", industry: "C01", want: ""},
		{name: "NoSectionU", industry: "U98", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if row := scaleRowOf(tt.industry); row != nil {
				got = row.name
			}
			if got != tt.want {
				t.Errorf("scaleRowOf(%q) = %q, want %q", tt.industry, got, tt.want)
			}
		})
	}
}
