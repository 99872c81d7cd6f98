package huiqi

import "strings"

// Enterprise scales of 《中小企业划型标准规定》(工信部联企业〔2011〕300号).
const (
	ScaleLarge  = "large"  // 大型
	ScaleMedium = "medium" // 中型
	ScaleSmall  = "small"  // 小型
	ScaleMicro  = "micro"  // 微型
)

// ScaleLabel returns the Chinese name of a scale, such as "中型" for
// ScaleMedium, or "" for anything else.
func ScaleLabel(scale string) string {
	switch scale {
	case ScaleLarge:
		return "大型"
	case ScaleMedium:
		return "中型"
	case ScaleSmall:
		return "小型"
	case ScaleMicro:
		return "微型"
	}
	return ""
}

// wanYuan is 万元, the unit the standard states revenue and assets in.
const wanYuan = 10000 * Yuan

// scaleTier holds the lower bounds a firm must all meet to reach a tier. A
// zero bound means the row does not use that figure: every real bound is
// positive.
type scaleTier struct {
	employees int64 // X 从业人员
	revenue   Money // Y 营业收入
	assets    Money // Z 资产总额
}

// scaleRow is one row of the standard's table.
type scaleRow struct {
	name string
	// scopes are GB/T 4754-2017 code prefixes, each written as broad as the
	// row allows, so that a code broader than a scope is known to span rows.
	scopes []string
	tiers  [3]scaleTier // large, medium, small
}

// tierScales names the tiers of scaleRow.tiers in order.
var tierScales = [3]string{ScaleLarge, ScaleMedium, ScaleSmall}

// scaleRows is the table of 第四条, read as 国统字〔2017〕213号 reads it: a
// firm reaches large, medium or small only by meeting every lower bound of
// that tier, and otherwise drops a tier.
// Each tier lists X people, Y and Z as the standard does. The last row takes
// every code no other row claims, including the industries the standard
// leaves out (J, P, Q84, S, T, G53: 参照本规定).
var scaleRows = []scaleRow{
	{"农林牧渔业", []string{"A"}, [3]scaleTier{
		{0, 20000 * wanYuan, 0}, {0, 500 * wanYuan, 0}, {0, 50 * wanYuan, 0}}},
	{"工业", []string{"B", "C", "D"}, [3]scaleTier{
		{1000, 40000 * wanYuan, 0}, {300, 2000 * wanYuan, 0}, {20, 300 * wanYuan, 0}}},
	{"建筑业", []string{"E"}, [3]scaleTier{
		{0, 80000 * wanYuan, 80000 * wanYuan}, {0, 6000 * wanYuan, 5000 * wanYuan}, {0, 300 * wanYuan, 300 * wanYuan}}},
	{"批发业", []string{"F51"}, [3]scaleTier{
		{200, 40000 * wanYuan, 0}, {20, 5000 * wanYuan, 0}, {5, 1000 * wanYuan, 0}}},
	{"零售业", []string{"F52"}, [3]scaleTier{
		{300, 20000 * wanYuan, 0}, {50, 500 * wanYuan, 0}, {10, 100 * wanYuan, 0}}},
	// G53 railway is left out of 交通运输业. Group 591 holds only class 5910.
	{"交通运输业", []string{"G54", "G55", "G56", "G57", "G58", "G591"}, [3]scaleTier{
		{1000, 30000 * wanYuan, 0}, {300, 3000 * wanYuan, 0}, {20, 200 * wanYuan, 0}}},
	{"仓储业", []string{"G592", "G593", "G594", "G595", "G596", "G597", "G598", "G599"}, [3]scaleTier{
		{200, 30000 * wanYuan, 0}, {100, 1000 * wanYuan, 0}, {20, 100 * wanYuan, 0}}},
	{"邮政业", []string{"G60"}, [3]scaleTier{
		{1000, 30000 * wanYuan, 0}, {300, 2000 * wanYuan, 0}, {20, 100 * wanYuan, 0}}},
	{"住宿业", []string{"H61"}, [3]scaleTier{
		{300, 10000 * wanYuan, 0}, {100, 2000 * wanYuan, 0}, {10, 100 * wanYuan, 0}}},
	{"餐饮业", []string{"H62"}, [3]scaleTier{
		{300, 10000 * wanYuan, 0}, {100, 2000 * wanYuan, 0}, {10, 100 * wanYuan, 0}}},
	{"信息传输业", []string{"I63", "I64"}, [3]scaleTier{
		{2000, 100000 * wanYuan, 0}, {100, 1000 * wanYuan, 0}, {10, 100 * wanYuan, 0}}},
	{"软件和信息技术服务业", []string{"I65"}, [3]scaleTier{
		{300, 10000 * wanYuan, 0}, {100, 1000 * wanYuan, 0}, {10, 50 * wanYuan, 0}}},
	// Groups 701 and 702 hold only classes 7010 and 7020.
	{"房地产开发经营", []string{"K701"}, [3]scaleTier{
		{0, 200000 * wanYuan, 10000 * wanYuan}, {0, 1000 * wanYuan, 5000 * wanYuan}, {0, 100 * wanYuan, 2000 * wanYuan}}},
	{"物业管理", []string{"K702"}, [3]scaleTier{
		{1000, 5000 * wanYuan, 0}, {300, 1000 * wanYuan, 0}, {100, 500 * wanYuan, 0}}},
	{"租赁和商务服务业", []string{"L"}, [3]scaleTier{
		{300, 0, 120000 * wanYuan}, {100, 0, 8000 * wanYuan}, {10, 0, 100 * wanYuan}}},
	{"其他未列明行业", nil, [3]scaleTier{
		{300, 0, 0}, {100, 0, 0}, {10, 0, 0}}},
}

// DeriveScale returns the scale of an enterprise by the row of the standard
// its GB/T 4754-2017 industry code falls under: the highest of large, medium
// and small whose every lower bound the firm meets, else micro. It returns ""
// when a figure the row uses is missing, or when the code is malformed or too
// coarse to pick one row (G59 holds both 5910 transport and 5920–5990
// warehousing), so that no scale is claimed without the facts behind it.
func DeriveScale(industry string, employees *int64, revenue, totalAssets *Money) string {
	row := scaleRowOf(industry)
	if row == nil {
		return ""
	}
	// The large tier names every figure the row uses.
	need := row.tiers[0]
	if (need.employees > 0 && employees == nil) || (need.revenue > 0 && revenue == nil) || (need.assets > 0 && totalAssets == nil) {
		return ""
	}
	for i, t := range row.tiers {
		if (t.employees == 0 || *employees >= t.employees) &&
			(t.revenue == 0 || *revenue >= t.revenue) &&
			(t.assets == 0 || *totalAssets >= t.assets) {
			return tierScales[i]
		}
	}
	return ScaleMicro
}

// scaleRowOf finds the row of scaleRows for an industry code, or nil.
func scaleRowOf(code string) *scaleRow {
	if !validIndustryCode(code) {
		return nil
	}
	for i := range scaleRows {
		for _, s := range scaleRows[i].scopes {
			if strings.HasPrefix(code, s) {
				return &scaleRows[i]
			}
			// Scopes are as broad as their row allows, so a code broader
			// than one covers classes of some other row as well.
			if strings.HasPrefix(s, code) {
				return nil
			}
		}
	}
	return &scaleRows[len(scaleRows)-1]
}

// sectionDivisions holds the first division of each section A..T of
// GB/T 4754-2017, and one past the last division of T.
var sectionDivisions = [21]int{1, 6, 13, 44, 47, 51, 53, 61, 63, 66, 70, 71, 73, 76, 80, 83, 84, 86, 91, 97, 98}

// validIndustryCode reports whether code is a section letter A..T, alone or
// followed by 2 to 4 digits whose division belongs to that section. The
// tables match on prefixes that start with the letter, so a code whose digits
// contradict its letter (C01) would otherwise land in the wrong row.
func validIndustryCode(code string) bool {
	if len(code) == 0 || code[0] < 'A' || code[0] > 'T' || len(code) == 2 || len(code) > 5 {
		return false
	}
	for i := 1; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	if len(code) == 1 {
		return true
	}
	sec := int(code[0] - 'A')
	div := int(code[1]-'0')*10 + int(code[2]-'0')
	return sectionDivisions[sec] <= div && div < sectionDivisions[sec+1]
}

// designatedSize is the revenue of 规模以上工业企业: 2000万元.
const designatedSize = 2000 * wanYuan

// AboveDesignatedSize reports whether an enterprise is 规模以上 (above
// designated size): industry in section B, C or D (工业) and revenue of at
// least 2000万元. A missing revenue or a malformed code is false.
func AboveDesignatedSize(industry string, revenue *Money) bool {
	if revenue == nil || !validIndustryCode(industry) {
		return false
	}
	switch industry[0] {
	case 'B', 'C', 'D':
		return *revenue >= designatedSize
	}
	return false
}
