// Package demo generates realistic, deterministic enterprise profiles of
// Quanzhou for the demo data set, benchmarks and tests: the city's industry
// mix by district (shoes and garments in 晋江 and 石狮, ceramics in 德化, tea
// in 安溪, petrochemicals in 泉港, stone in 南安 and 惠安 …), firm sizes
// skewed as real economies are (most firms small and micro), valid credit
// codes, qualification tags at realistic rates, a business scope and
// main products in the words of the firm's trade, three fiscal years of
// figures, dated qualifications and the rare recorded incident.
package demo

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/huiqi/huiqi"
)

// sector is a line of business: GB/T 4754-2017 classes, the words company
// names use for it, and the figures that shape its firms.
type sector struct {
	codes     []string // level-4 classes
	words     []string // industry word of company names, such as 鞋业
	employees float64  // median headcount
	perHead   float64  // median revenue per employee, yuan
	rd        float64  // share of firms with R&D expense
	exporter  float64  // share of firms with export business
	ecommerce float64  // share of firms selling online
}

var (
	shoes = &sector{codes: []string{"C1951", "C1952", "C1953", "C1954", "C1959"},
		words: []string{"鞋业", "鞋服", "体育用品"}, employees: 20, perHead: 450e3, rd: 0.25, exporter: 0.2, ecommerce: 0.15}
	garments = &sector{codes: []string{"C1811", "C1819", "C1821", "C1829", "C1830"},
		words: []string{"服饰", "服装", "制衣"}, employees: 18, perHead: 400e3, rd: 0.2, exporter: 0.2, ecommerce: 0.2}
	textiles = &sector{codes: []string{"C1712", "C1751", "C1752", "C1761", "C1763", "C1781"},
		words: []string{"纺织", "织造", "染整"}, employees: 20, perHead: 500e3, rd: 0.25, exporter: 0.15}
	ceramics = &sector{codes: []string{"C3073", "C3074", "C3075", "C3079"},
		words: []string{"陶瓷", "瓷业", "陶瓷工艺"}, employees: 15, perHead: 300e3, rd: 0.2, exporter: 0.25, ecommerce: 0.1}
	tiles = &sector{codes: []string{"C3071", "C3072"},
		words: []string{"建陶", "陶瓷"}, employees: 30, perHead: 600e3, rd: 0.2, exporter: 0.1}
	tea = &sector{codes: []string{"A0164", "A0164", "C1530", "C1530", "F5127"},
		words: []string{"茶业", "茶叶", "茶庄"}, employees: 8, perHead: 350e3, rd: 0.05, exporter: 0.05, ecommerce: 0.25}
	petrochem = &sector{codes: []string{"C2511", "C2614", "C2641", "C2651", "C2653", "C2661"},
		words: []string{"石化", "化工", "新材料"}, employees: 40, perHead: 3e6, rd: 0.35, exporter: 0.05}
	stone = &sector{codes: []string{"C3032", "C3032", "C3039"},
		words: []string{"石材", "石业"}, employees: 15, perHead: 400e3, rd: 0.1, exporter: 0.2}
	building = &sector{codes: []string{"C3021", "C3022", "C3024", "C3031"},
		words: []string{"建材", "新型建材"}, employees: 20, perHead: 500e3, rd: 0.1}
	crafts = &sector{codes: []string{"C2431", "C2432", "C2435", "C2439"},
		words: []string{"工艺品", "雕艺"}, employees: 10, perHead: 300e3, rd: 0.1, exporter: 0.3, ecommerce: 0.15}
	sanitary = &sector{codes: []string{"C3352", "C3383", "C3443"},
		words: []string{"水暖", "卫浴", "洁具"}, employees: 25, perHead: 500e3, rd: 0.3, exporter: 0.2, ecommerce: 0.1}
	electronics = &sector{codes: []string{"C3872", "C3914", "C3969", "C3976", "C3982", "C3983"},
		words: []string{"电子", "光电", "智能科技"}, employees: 25, perHead: 600e3, rd: 0.55, exporter: 0.1}
	machinery = &sector{codes: []string{"C3423", "C3444", "C3484", "C3499", "C3515", "C3525", "C3553"},
		words: []string{"机械", "机电", "精密机械"}, employees: 20, perHead: 500e3, rd: 0.45, exporter: 0.08}
	food = &sector{codes: []string{"C1361", "C1419", "C1421", "C1432", "C1462", "C1499"},
		words: []string{"食品"}, employees: 15, perHead: 450e3, rd: 0.15, exporter: 0.05, ecommerce: 0.15}
	plastics = &sector{codes: []string{"C2925", "C2927", "C2929"},
		words: []string{"塑胶", "鞋材", "塑料制品"}, employees: 20, perHead: 500e3, rd: 0.2, exporter: 0.05}
	packaging = &sector{codes: []string{"C2231", "C2239"},
		words: []string{"包装", "纸品"}, employees: 15, perHead: 450e3, rd: 0.1}
	incense = &sector{codes: []string{"C2689"},
		words: []string{"香业", "制香"}, employees: 10, perHead: 300e3, rd: 0.05, exporter: 0.15, ecommerce: 0.2}
	fruit = &sector{codes: []string{"A0153"},
		words: []string{"农业发展", "果业"}, employees: 6, perHead: 250e3, ecommerce: 0.15}
	software = &sector{codes: []string{"I6511", "I6513", "I6513", "I6531", "I6532", "I6540", "I6560", "I6572"},
		words: []string{"信息技术", "网络科技", "软件"}, employees: 10, perHead: 400e3, rd: 0.6, ecommerce: 0.05}
	techServices = &sector{codes: []string{"M7320", "M7452", "M7520"},
		words: []string{"科技", "检测技术"}, employees: 8, perHead: 350e3, rd: 0.4}
	wholesale = &sector{codes: []string{"F5131", "F5132", "F5133", "F5163", "F5165", "F5174", "F5179", "F5193"},
		words: []string{"贸易", "商贸", "进出口"}, employees: 6, perHead: 2e6, exporter: 0.1, ecommerce: 0.2}
	retail = &sector{codes: []string{"F5212", "F5232", "F5233", "F5287", "F5292"},
		words: []string{"商贸", "百货", "电子商务"}, employees: 6, perHead: 600e3, ecommerce: 0.25}
	logistics = &sector{codes: []string{"G5431", "G5437", "G5532", "G5821", "G5920"},
		words: []string{"物流", "供应链", "货运代理"}, employees: 12, perHead: 700e3}
	catering = &sector{codes: []string{"H6210", "H6220", "H6231", "H6291"},
		words: []string{"餐饮管理", "餐饮"}, employees: 10, perHead: 200e3, ecommerce: 0.1}
	lodging = &sector{codes: []string{"H6110", "H6121", "H6130"},
		words: []string{"酒店管理", "酒店"}, employees: 12, perHead: 250e3}
	business = &sector{codes: []string{"L7211", "L7243", "L7259"},
		words: []string{"企业管理", "商务咨询", "广告"}, employees: 6, perHead: 400e3}
)

// share is a sector's weight in a district's mix.
type share struct {
	s *sector
	w int
}

// district is one of Quanzhou's regions with its share of firms and its
// industry mix.
type district struct {
	code   string // region code
	prefix string // place name that company names start with
	admin  string // administrative code in credit codes
	weight int
	mix    []share
}

// districts roughly follows where Quanzhou's firms are: 晋江 and 南安 lead,
// the functional zones host logistics and trade.
var districts = []district{
	{"350582", "晋江市", "350582", 22, []share{{shoes, 30}, {garments, 12}, {textiles, 10}, {plastics, 5}, {packaging, 4},
		{food, 7}, {machinery, 4}, {tiles, 3}, {wholesale, 9}, {retail, 5}, {logistics, 4}, {catering, 3}, {lodging, 1}, {software, 2}, {business, 1}}},
	{"350583", "南安市", "350583", 12, []share{{stone, 24}, {sanitary, 20}, {building, 8}, {tiles, 3}, {machinery, 7}, {food, 5},
		{shoes, 4}, {tea, 2}, {wholesale, 10}, {retail, 7}, {logistics, 5}, {catering, 4}, {business, 1}}},
	{"350581", "石狮市", "350581", 9, []share{{garments, 36}, {textiles, 14}, {shoes, 6}, {food, 4}, {machinery, 3},
		{wholesale, 14}, {retail, 8}, {logistics, 7}, {catering, 5}, {lodging, 1}, {business, 2}}},
	{"350503", "泉州市", "350503", 9, []share{{software, 24}, {electronics, 12}, {techServices, 9}, {garments, 3},
		{wholesale, 14}, {retail, 11}, {business, 10}, {catering, 9}, {lodging, 3}, {logistics, 5}}},
	{"350502", "泉州市", "350502", 7, []share{{electronics, 14}, {software, 14}, {techServices, 4}, {garments, 7}, {food, 5},
		{retail, 16}, {wholesale, 12}, {catering, 14}, {lodging, 5}, {business, 9}}},
	{"350521", "惠安县", "350521", 7, []share{{stone, 28}, {crafts, 10}, {building, 8}, {shoes, 7}, {food, 8}, {machinery, 5},
		{wholesale, 11}, {retail, 10}, {catering, 7}, {logistics, 5}, {business, 1}}},
	{"350524", "安溪县", "350524", 7, []share{{tea, 56}, {crafts, 8}, {electronics, 5}, {food, 4}, {machinery, 2},
		{wholesale, 8}, {retail, 8}, {catering, 6}, {lodging, 2}, {logistics, 1}}},
	{"350526", "德化县", "350526", 5, []share{{ceramics, 66}, {crafts, 4}, {tea, 4}, {building, 2}, {software, 1},
		{wholesale, 9}, {retail, 6}, {catering, 5}, {lodging, 2}, {logistics, 1}}},
	{"350525", "永春县", "350525", 3, []share{{tea, 20}, {incense, 15}, {food, 12}, {fruit, 10}, {textiles, 8}, {machinery, 5}, {building, 5},
		{wholesale, 9}, {retail, 9}, {catering, 6}, {lodging, 1}}},
	{"350504", "泉州市", "350504", 4, []share{{machinery, 34}, {electronics, 10}, {building, 8}, {food, 7}, {plastics, 8},
		{wholesale, 11}, {retail, 9}, {logistics, 7}, {catering, 5}, {techServices, 1}}},
	{"350505", "泉州市", "350505", 4, []share{{petrochem, 42}, {plastics, 10}, {machinery, 7}, {building, 5},
		{logistics, 12}, {wholesale, 10}, {retail, 7}, {catering, 6}, {lodging, 1}}},
	{"350598", "泉州市", "350500", 5, []share{{logistics, 20}, {wholesale, 20}, {electronics, 15}, {machinery, 14}, {software, 8},
		{food, 6}, {plastics, 6}, {retail, 5}, {business, 6}}},
	{"350599", "泉州市", "350500", 6, []share{{logistics, 19}, {wholesale, 15}, {machinery, 12}, {electronics, 10}, {plastics, 8},
		{building, 8}, {food, 6}, {shoes, 3}, {retail, 8}, {business, 6}, {catering, 5}}},
}

// brandChars make the two-character brands of company names (字号).
const brandChars = "鸿达恒盛信泰华鑫源兴隆丰瑞祥安福顺利宏昌永新美嘉聚宝金荣裕凯豪锦诚远海峰明德益顺和发中佳创志洪腾辉晟"

// registeredCapitals are the round sums firms register, in yuan.
var registeredCapitals = []float64{1e5, 5e5, 1e6, 2e6, 3e6, 5e6, 8e6, 1e7, 2e7, 3e7, 5e7, 1e8, 2e8, 5e8}

// earliest is the earliest founding date generated.
var earliest = huiqi.NewDate(1985, 1, 1)

// unifiedCodes is when newly registered firms started to get organisation
// codes of the form MA… inside their 统一社会信用代码.
var unifiedCodes = huiqi.NewDate(2015, 10, 1)

// Enterprises returns n enterprise profiles of Quanzhou as of today. The same
// n, seed and today give identical profiles. Every profile passes
// Validate(today, false); credit codes are unique.
func Enterprises(n int, seed int64, today huiqi.Date) []*huiqi.Enterprise {
	g := &generator{
		r:     rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		h:     rand.New(rand.NewPCG(uint64(seed), 0x6a09e667f3bcc909)),
		k:     rand.New(rand.NewPCG(uint64(seed), 0xbb67ae8584caa73b)),
		today: today,
		codes: map[string]bool{},
		names: map[string]bool{},
	}
	es := make([]*huiqi.Enterprise, 0, max(n, 0))
	for range n {
		es = append(es, g.enterprise())
	}
	return es
}

// WriteNDJSON writes es to w as NDJSON, one profile a line, the format of
// the bulk import.
func WriteNDJSON(w io.Writer, es []*huiqi.Enterprise) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, e := range es {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("write enterprise %s: %w", e.CreditCode, err)
		}
	}
	return nil
}

// generator holds the random sources and what has been handed out, so that
// codes (and, while it can, names) stay unique. r draws what earlier
// versions drew (region, industry, figures, tags, names); h draws the
// business scope and main products, k the history (fiscal years, dated
// qualifications, incidents), each added later on a stream of its own so
// that adding it changed none of the profiles' other fields, which data
// sets and tests are built on.
type generator struct {
	r, h, k *rand.Rand
	today   huiqi.Date
	codes   map[string]bool
	names   map[string]bool
}

func (g *generator) enterprise() *huiqi.Enterprise {
	d := &districts[g.pick(len(districts), func(i int) int { return districts[i].weight })]
	s := d.mix[g.pick(len(d.mix), func(i int) int { return d.mix[i].w })].s
	e := &huiqi.Enterprise{
		Region:    d.code,
		Industry:  s.codes[g.r.IntN(len(s.codes))],
		FoundedOn: g.foundedOn(),
	}
	e.CreditCode = g.creditCode(d.admin, e.FoundedOn)
	age := e.FoundedOn.YearsSince(g.today)
	manufacturer := e.Industry[0] == 'C'

	// Headcount is log-normal: a long tail of big firms over a mass of
	// small ones; young firms are smaller still.
	median := s.employees
	switch {
	case age < 3:
		median /= 2
	case age >= 10 && g.chance(0.04):
		median *= 15 // an established leader of its cluster
	}
	employees := max(1, min(30000, int64(math.Round(g.logNormal(median, 1.1)))))
	// Revenue follows headcount; a firm founded this year has no last
	// fiscal year yet.
	revenue := 0.0
	if e.FoundedOn.Time().Year() < g.today.Time().Year() {
		revenue = float64(employees) * g.logNormal(s.perHead, 0.5)
	}
	rd := 0.0
	if revenue > 0 && (manufacturer || e.Industry[0] == 'I' || e.Industry[0] == 'M') && g.chance(s.rd) {
		rd = revenue * min(0.25, g.logNormal(0.03, 0.6))
	}
	assets := revenue * g.logNormal(0.8, 0.5)
	if revenue == 0 {
		assets = g.logNormal(1e6, 0.8)
	}
	capital := registeredCapitals[0]
	for _, c := range registeredCapitals {
		if c <= max(revenue, assets)*g.logNormal(0.15, 0.6) {
			capital = c
		}
	}
	e.Employees = &employees
	e.Revenue = yuan(revenue)
	e.TotalAssets = yuan(assets)
	e.RDExpense = yuan(rd)
	e.TaxPaid = yuan(revenue * (0.01 + 0.04*g.r.Float64()))
	e.RegisteredCapital = yuan(capital)
	if !manufacturer && e.Industry[0] != 'I' && e.Industry[0] != 'M' && rd == 0 {
		e.RDExpense = nil // not reported outside manufacturing and technology
	}
	// A few profiles miss figures, as real registers do.
	if g.chance(0.02) {
		e.Employees = nil
	}
	if g.chance(0.03) {
		e.Revenue, e.TaxPaid = nil, nil
	}
	if g.chance(0.03) {
		e.TotalAssets = nil
	}
	if g.chance(0.02) {
		e.RegisteredCapital = nil
	}

	e.TaxCredit = g.taxCredit(age)
	e.Dishonest = g.chance(0.02)
	e.Tags = g.tags(e, s, age, rd > 0)
	e.Name = g.name(d.prefix, s, e)
	// Most profiles leave scale to derivation; some state it, as officials
	// who copy it from the statistics register do.
	if g.chance(0.08) {
		e.Scale = e.EffectiveScale()
	}
	g.describe(e, s)
	g.history(e, s)
	return e
}

// describe writes the business scope most firms have on their licence and
// the main products most manufacturers (and half of the others) name.
func (g *generator) describe(e *huiqi.Enterprise, s *sector) {
	w := wordings[s]
	if g.h.Float64() < 0.95 {
		e.BusinessScope = w.scopeText(g.h)
	}
	products := 0.5
	if e.Industry[0] == 'C' {
		products = 0.85
	}
	if g.h.Float64() < products {
		e.MainProducts = w.productsText(g.h)
	}
}

// tags draws qualification tags at realistic rates, conditioned on what
// makes a firm eligible for each in reality.
func (g *generator) tags(e *huiqi.Enterprise, s *sector, age int, rd bool) []string {
	var ts []string
	add := func(tag string, p float64) bool {
		if g.chance(p) {
			ts = append(ts, tag)
			return true
		}
		return false
	}
	var employees int64
	if e.Employees != nil {
		employees = *e.Employees
	}
	manufacturer := e.Industry[0] == 'C'
	if rd {
		add("hightech", 0.3)
		add("tech_sme", 0.45)
		add("innovative_sme", 0.12)
		if age <= 10 && e.Revenue != nil && *e.Revenue >= 10_000_000*huiqi.Yuan {
			add("gazelle", 0.15)
		}
	}
	if manufacturer && employees >= 20 && add("specialized", 0.12) {
		add("little_giant", 0.2)
	}
	if manufacturer {
		add("park_resident", 0.38)
		add("digital_pilot", 0.06)
		if employees >= 50 {
			add("green_factory", 0.1)
		}
	} else {
		add("park_resident", 0.1)
	}
	if (e.Industry[0] == 'I' || e.Industry[0] == 'M') && age <= 3 {
		add("incubator_resident", 0.3)
	}
	add("exporter", s.exporter)
	add("ecommerce", s.ecommerce)
	if employees < 100 && age <= 5 {
		add("first_loan", 0.12)
	}
	if employees >= 10 {
		add("talent_hired", 0.04)
	}
	if employees >= 30 {
		add("brand_award", 0.1)
	}
	if employees >= 1000 {
		add("listed", 0.2)
	}
	add("insured_full", 0.7)
	add("credit_repaired", 0.01)
	if ts == nil {
		return []string{}
	}
	return huiqi.SortedTags(ts)
}

// taxCredit draws a 纳税信用等级: new firms are M, most others A or B, and
// a few have none on record.
func (g *generator) taxCredit(age int) string {
	if age < 1 {
		return "M"
	}
	switch x := g.r.Float64(); {
	case x < 0.36:
		return "A"
	case x < 0.81:
		return "B"
	case x < 0.91:
		return "M"
	case x < 0.94:
		return "C"
	case x < 0.95:
		return "D"
	}
	return ""
}

// foundedOn draws a founding date between 1985 and today, skewed to recent
// years as firm ages are (mean age about nine years).
func (g *generator) foundedOn() huiqi.Date {
	span := g.today.Sub(earliest)
	for {
		days := int(g.r.ExpFloat64() * 9 * 365.25)
		if days <= span {
			return g.today.AddDays(-days)
		}
	}
}

// creditCode builds a unique 统一社会信用代码: 91 (enterprise), the
// administrative code, a GB 11714 organisation code with its own check
// character, and the GB 32100 check character.
func (g *generator) creditCode(admin string, founded huiqi.Date) string {
	const digits = "0123456789"
	const charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	for {
		var org strings.Builder
		if founded.Before(unifiedCodes) {
			for range 8 {
				org.WriteByte(digits[g.r.IntN(len(digits))])
			}
		} else {
			org.WriteString("MA")
			for range 6 {
				org.WriteByte(charset[g.r.IntN(len(charset))])
			}
		}
		body := "91" + admin + org.String() + orgCheck(org.String())
		check, err := huiqi.CreditCodeCheckChar(body)
		if err != nil {
			panic(err) // built from the charset: cannot happen
		}
		code := body + string(check)
		if !g.codes[code] {
			g.codes[code] = true
			return code
		}
	}
}

// orgCheck returns the check character of an 8-character organisation code
// (GB 11714-1997): digits count 0–9 and letters A–Z 10–35.
func orgCheck(code string) string {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 8 {
		c := code[i]
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		sum += v * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return "X"
	case 11:
		return "0"
	default:
		return string(rune('0' + c))
	}
}

// name builds a company name such as 晋江市鸿达鞋业有限公司, trying a few
// brands for one not yet used.
func (g *generator) name(prefix string, s *sector, e *huiqi.Enterprise) string {
	brand := []rune(brandChars)
	suffix := "有限公司"
	if e.HasTag("listed") {
		suffix = "股份有限公司"
	}
	var n string
	for range 8 {
		n = prefix + string(brand[g.r.IntN(len(brand))]) + string(brand[g.r.IntN(len(brand))]) +
			s.words[g.r.IntN(len(s.words))] + suffix
		if !g.names[n] {
			break
		}
	}
	g.names[n] = true
	return n
}

// pick returns an index in [0, n) drawn with the given weights.
func (g *generator) pick(n int, weight func(int) int) int {
	total := 0
	for i := range n {
		total += weight(i)
	}
	x := g.r.IntN(total)
	for i := range n {
		if x -= weight(i); x < 0 {
			return i
		}
	}
	return n - 1
}

// logNormal draws from a log-normal distribution with the given median.
func (g *generator) logNormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*g.r.NormFloat64())
}

// chance reports true with probability p.
func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

// yuan rounds a generated figure to whole yuan.
func yuan(v float64) *huiqi.Money {
	m := huiqi.Money(math.Round(v)) * huiqi.Yuan
	return &m
}
