package huiqi_test

import (
	"fmt"
	"testing"

	"github.com/huiqi/huiqi"
)

func scalePeople(n int64) *int64 { return &n }

func scaleFen(m huiqi.Money) *huiqi.Money { return &m }

// scaleWan returns n 万元 in fen.
func scaleWan(n int64) huiqi.Money { return huiqi.Money(n) * 10000 * huiqi.Yuan }

// scaleTable restates the table of 《中小企业划型标准规定》 第四条 for the tests,
// independently of scale.go: per tier (large, medium, small), the lower
// bounds X people, Y 万元 and Z 万元, 0 where the row does not use the figure.
var scaleTable = []struct {
	name     string
	industry string // a class of the row
	tiers    [3][3]int64
}{
	{"农林牧渔业", "A0111", [3][3]int64{{0, 20000, 0}, {0, 500, 0}, {0, 50, 0}}},
	{"工业", "C1952", [3][3]int64{{1000, 40000, 0}, {300, 2000, 0}, {20, 300, 0}}},
	{"建筑业", "E4710", [3][3]int64{{0, 80000, 80000}, {0, 6000, 5000}, {0, 300, 300}}},
	{"批发业", "F5111", [3][3]int64{{200, 40000, 0}, {20, 5000, 0}, {5, 1000, 0}}},
	{"零售业", "F5211", [3][3]int64{{300, 20000, 0}, {50, 500, 0}, {10, 100, 0}}},
	{"交通运输业", "G5431", [3][3]int64{{1000, 30000, 0}, {300, 3000, 0}, {20, 200, 0}}},
	{"仓储业", "G5920", [3][3]int64{{200, 30000, 0}, {100, 1000, 0}, {20, 100, 0}}},
	{"邮政业", "G6010", [3][3]int64{{1000, 30000, 0}, {300, 2000, 0}, {20, 100, 0}}},
	{"住宿业", "H6110", [3][3]int64{{300, 10000, 0}, {100, 2000, 0}, {10, 100, 0}}},
	{"餐饮业", "H6210", [3][3]int64{{300, 10000, 0}, {100, 2000, 0}, {10, 100, 0}}},
	{"信息传输业", "I6311", [3][3]int64{{2000, 100000, 0}, {100, 1000, 0}, {10, 100, 0}}},
	{"软件和信息技术服务业", "I6511", [3][3]int64{{300, 10000, 0}, {100, 1000, 0}, {10, 50, 0}}},
	{"房地产开发经营", "K7010", [3][3]int64{{0, 200000, 10000}, {0, 1000, 5000}, {0, 100, 2000}}},
	{"物业管理", "K7020", [3][3]int64{{1000, 5000, 0}, {300, 1000, 0}, {100, 500, 0}}},
	{"租赁和商务服务业", "L7111", [3][3]int64{{300, 0, 120000}, {100, 0, 8000}, {10, 0, 100}}},
	{"其他未列明行业", "M7310", [3][3]int64{{300, 0, 0}, {100, 0, 0}, {10, 0, 0}}},
}

var scaleTiers = [...]string{huiqi.ScaleLarge, huiqi.ScaleMedium, huiqi.ScaleSmall, huiqi.ScaleMicro}

var scaleFigureNames = [3]string{"X", "Y", "Z"}

type scaleCase struct {
	name      string
	industry  string
	employees *int64
	revenue   *huiqi.Money
	assets    *huiqi.Money
	want      string
}

// scaleFigures turns bounds in people and 万元 into DeriveScale arguments, nil
// where the row does not use the figure; below lowers figure f by one unit
// (1 person or 1 fen), or nothing when f is -1.
func scaleFigures(b [3]int64, below int) (*int64, *huiqi.Money, *huiqi.Money) {
	var x *int64
	var y, z *huiqi.Money
	if b[0] > 0 {
		x = scalePeople(b[0])
		if below == 0 {
			*x--
		}
	}
	if b[1] > 0 {
		y = scaleFen(scaleWan(b[1]))
		if below == 1 {
			*y--
		}
	}
	if b[2] > 0 {
		z = scaleFen(scaleWan(b[2]))
		if below == 2 {
			*z--
		}
	}
	return x, y, z
}

// scaleBoundaryCases gives, for every row and tier, a firm exactly at every lower
// bound (that tier) and, for each bound, one unit under it (the tier below).
func scaleBoundaryCases() []scaleCase {
	var cases []scaleCase
	for _, r := range scaleTable {
		for i, b := range r.tiers {
			x, y, z := scaleFigures(b, -1)
			cases = append(cases, scaleCase{
				name:     fmt.Sprintf("%s/%s/AtBounds", r.name, scaleTiers[i]),
				industry: r.industry, employees: x, revenue: y, assets: z, want: scaleTiers[i],
			})
			for f := range 3 {
				if b[f] == 0 {
					continue
				}
				x, y, z := scaleFigures(b, f)
				cases = append(cases, scaleCase{
					name:     fmt.Sprintf("%s/%s/%sBelow", r.name, scaleTiers[i], scaleFigureNames[f]),
					industry: r.industry, employees: x, revenue: y, assets: z, want: scaleTiers[i+1],
				})
			}
		}
	}
	return cases
}

// scaleMissingCases gives, for every row, a large firm lacking one figure the row
// uses: no scale can be claimed.
func scaleMissingCases() []scaleCase {
	var cases []scaleCase
	for _, r := range scaleTable {
		for f := range 3 {
			if r.tiers[0][f] == 0 {
				continue
			}
			x, y, z := scaleFigures(r.tiers[0], -1)
			switch f {
			case 0:
				x = nil
			case 1:
				y = nil
			case 2:
				z = nil
			}
			cases = append(cases, scaleCase{
				name:     fmt.Sprintf("%s/Missing%s", r.name, scaleFigureNames[f]),
				industry: r.industry, employees: x, revenue: y, assets: z, want: "",
			})
		}
	}
	return cases
}

func TestDeriveScale(t *testing.T) {
	tests := []scaleCase{
		{name: "ZeroIndustry", industry: "C1952", employees: scalePeople(0), revenue: scaleFen(0), want: huiqi.ScaleMicro},
		{name: "ZeroOther", industry: "M7310", employees: scalePeople(0), want: huiqi.ScaleMicro},
		// Large on people, micro on revenue: micro if any figure is under
		// the small bound.
		{name: "IndustryManyPeopleLowRevenue", industry: "C1952", employees: scalePeople(5000), revenue: scaleFen(scaleWan(300) - 1), want: huiqi.ScaleMicro},
		{name: "IndustryFewPeopleHighRevenue", industry: "C1952", employees: scalePeople(19), revenue: scaleFen(scaleWan(100000)), want: huiqi.ScaleMicro},
		{name: "IndustryLargePeopleMediumRevenue", industry: "C1952", employees: scalePeople(1500), revenue: scaleFen(scaleWan(2000)), want: huiqi.ScaleMedium},
		{name: "ConstructionHighRevenueLowAssets", industry: "E4710", revenue: scaleFen(scaleWan(90000)), assets: scaleFen(scaleWan(299)), want: huiqi.ScaleMicro},
		{name: "RealEstateLargeRevenueMediumAssets", industry: "K7010", revenue: scaleFen(scaleWan(300000)), assets: scaleFen(scaleWan(6000)), want: huiqi.ScaleMedium},
		// Figures a row does not use are neither needed nor looked at.
		{name: "AgricultureIgnoresPeople", industry: "A0111", employees: scalePeople(0), revenue: scaleFen(scaleWan(20000)), assets: scaleFen(0), want: huiqi.ScaleLarge},
		{name: "OtherIgnoresRevenue", industry: "M7310", employees: scalePeople(9), revenue: scaleFen(scaleWan(1000000)), assets: scaleFen(scaleWan(1000000)), want: huiqi.ScaleMicro},
		{name: "LeasingIgnoresRevenue", industry: "L7111", employees: scalePeople(300), assets: scaleFen(scaleWan(120000)), want: huiqi.ScaleLarge},
		{name: "NothingGiven", industry: "C1952", want: ""},
		{name: "RealEstateNeedsNoPeople", industry: "K7010", revenue: scaleFen(scaleWan(100)), assets: scaleFen(scaleWan(2000)), want: huiqi.ScaleSmall},
		{name: "PropertyNeedsPeople", industry: "K7020", revenue: scaleFen(scaleWan(100)), assets: scaleFen(scaleWan(2000)), want: ""},
		// The code must place the firm in one row.
		{name: "G59Ambiguous", industry: "G59", employees: scalePeople(2000), revenue: scaleFen(scaleWan(50000)), want: ""},
		{name: "G591Transport", industry: "G591", employees: scalePeople(1000), revenue: scaleFen(scaleWan(30000)), want: huiqi.ScaleLarge},
		{name: "G5910Transport", industry: "G5910", employees: scalePeople(300), revenue: scaleFen(scaleWan(1000)), want: huiqi.ScaleSmall},
		{name: "G5920Warehousing", industry: "G5920", employees: scalePeople(300), revenue: scaleFen(scaleWan(1000)), want: huiqi.ScaleMedium},
		{name: "K70Ambiguous", industry: "K70", employees: scalePeople(2000), revenue: scaleFen(scaleWan(300000)), assets: scaleFen(scaleWan(300000)), want: ""},
		{name: "MalformedCode", industry: "C19X", employees: scalePeople(2000), revenue: scaleFen(scaleWan(50000)), want: ""},
		{name: "EmptyCode", industry: "", employees: scalePeople(2000), revenue: scaleFen(scaleWan(50000)), want: ""},
	}
	tests = append(tests, scaleBoundaryCases()...)
	tests = append(tests, scaleMissingCases()...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := huiqi.DeriveScale(tt.industry, tt.employees, tt.revenue, tt.assets)
			if got != tt.want {
				t.Errorf("DeriveScale(%q, %s, %s, %s) = %q, want %q", tt.industry, showScaleInt(tt.employees), showScaleMoney(tt.revenue), showScaleMoney(tt.assets), got, tt.want)
			}
		})
	}
}

// TestDeriveScale_SameFigures gives one firm (150 people, 1500万元 revenue,
// 6000万元 assets) under each industry, so that a misplaced code shows.
func TestDeriveScale_SameFigures(t *testing.T) {
	x, y, z := scalePeople(150), scaleFen(scaleWan(1500)), scaleFen(scaleWan(6000))
	tests := []struct {
		name     string
		industry string
		want     string
	}{
		{name: "A05", industry: "A0511", want: huiqi.ScaleMedium},
		{name: "B06", industry: "B0610", want: huiqi.ScaleSmall},
		{name: "C1952", industry: "C1952", want: huiqi.ScaleSmall},
		{name: "D46", industry: "D4610", want: huiqi.ScaleSmall},
		{name: "E50", industry: "E5011", want: huiqi.ScaleSmall},
		{name: "F51", industry: "F51", want: huiqi.ScaleSmall},
		{name: "F52", industry: "F52", want: huiqi.ScaleMedium},
		{name: "G53", industry: "G5311", want: huiqi.ScaleMedium},
		{name: "G5910", industry: "G5910", want: huiqi.ScaleSmall},
		{name: "G5920", industry: "G5920", want: huiqi.ScaleMedium},
		{name: "G60", industry: "G60", want: huiqi.ScaleSmall},
		{name: "H61", industry: "H6110", want: huiqi.ScaleSmall},
		{name: "H62", industry: "H6210", want: huiqi.ScaleSmall},
		{name: "I63", industry: "I6311", want: huiqi.ScaleMedium},
		{name: "I65", industry: "I6511", want: huiqi.ScaleMedium},
		{name: "J66", industry: "J6610", want: huiqi.ScaleMedium},
		{name: "K7010", industry: "K7010", want: huiqi.ScaleMedium},
		{name: "K7020", industry: "K7020", want: huiqi.ScaleSmall},
		{name: "K7030", industry: "K7030", want: huiqi.ScaleMedium},
		{name: "L71", industry: "L7111", want: huiqi.ScaleSmall},
		{name: "Q84", industry: "Q8411", want: huiqi.ScaleMedium},
		{name: "Q85", industry: "Q8512", want: huiqi.ScaleMedium},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := huiqi.DeriveScale(tt.industry, x, y, z); got != tt.want {
				t.Errorf("DeriveScale(%q, 150, 1500万元, 6000万元) = %q, want %q", tt.industry, got, tt.want)
			}
		})
	}
}

func TestScaleLabel(t *testing.T) {
	tests := []struct {
		name  string
		scale string
		want  string
	}{
		{name: "Large", scale: huiqi.ScaleLarge, want: "大型"},
		{name: "Medium", scale: huiqi.ScaleMedium, want: "中型"},
		{name: "Small", scale: huiqi.ScaleSmall, want: "小型"},
		{name: "Micro", scale: huiqi.ScaleMicro, want: "微型"},
		{name: "Unknown", scale: "huge", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := huiqi.ScaleLabel(tt.scale); got != tt.want {
				t.Errorf("ScaleLabel(%q) = %q, want %q", tt.scale, got, tt.want)
			}
		})
	}
}

func TestAboveDesignatedSize(t *testing.T) {
	bound := 20_000_000 * huiqi.Yuan
	tests := []struct {
		name     string
		industry string
		revenue  *huiqi.Money
		want     bool
	}{
		{name: "C/AtBound", industry: "C1952", revenue: scaleFen(bound), want: true},
		{name: "C/OneFenBelow", industry: "C1952", revenue: scaleFen(bound - 1), want: false},
		{name: "B/AtBound", industry: "B0610", revenue: scaleFen(bound), want: true},
		{name: "B/OneFenBelow", industry: "B0610", revenue: scaleFen(bound - 1), want: false},
		{name: "D/AtBound", industry: "D4610", revenue: scaleFen(bound), want: true},
		{name: "D/OneFenBelow", industry: "D4610", revenue: scaleFen(bound - 1), want: false},
		{name: "E/Construction", industry: "E4710", revenue: scaleFen(100 * bound), want: false},
		{name: "F/Wholesale", industry: "F5111", revenue: scaleFen(100 * bound), want: false},
		{name: "MissingRevenue", industry: "C1952", revenue: nil, want: false},
		{name: "Malformed", industry: "C19X2", revenue: scaleFen(bound), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := huiqi.AboveDesignatedSize(tt.industry, tt.revenue); got != tt.want {
				t.Errorf("AboveDesignatedSize(%q, %s) = %v, want %v", tt.industry, showScaleMoney(tt.revenue), got, tt.want)
			}
		})
	}
}

func showScaleInt(p *int64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func showScaleMoney(p *huiqi.Money) string {
	if p == nil {
		return "nil"
	}
	return p.String() + "元"
}
