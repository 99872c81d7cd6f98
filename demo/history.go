package demo

import (
	"math"
	"time"

	"github.com/huiqi/huiqi"
)

// historyYears is how many closed fiscal years most profiles hold.
const historyYears = 3

// history gives e its fiscal years (the latest equal to the top-level
// figures, earlier ones drawn back by a yearly growth around 6%), dated
// grants of the qualifications that are certified for a term, and
// incidents at about their real yearly rates.
func (g *generator) history(e *huiqi.Enterprise, s *sector) {
	latest := g.today.Year() - 1
	founded := e.FoundedOn.Year()
	years := historyYears
	switch x := g.k.Float64(); {
	case x < 0.05:
		years = 0 // never reported history
	case x < 0.15:
		years = 2
	}
	industrial := e.Industry[0] == 'B' || e.Industry[0] == 'C' || e.Industry[0] == 'D'
	if e.Revenue != nil && *e.Revenue > 0 && years > 0 && founded <= latest {
		e.FiscalYears = huiqi.FiscalYears{}
		// Figures of the year being drawn, as floats of yuan; nil stays nil.
		rev, tax, rd, assets := fl(e.Revenue), fl(e.TaxPaid), fl(e.RDExpense), fl(e.TotalAssets)
		emp := math.NaN()
		if e.Employees != nil {
			emp = float64(*e.Employees)
		}
		output := math.NaN()
		if industrial {
			output = rev * g.kLogNormal(1.02, 0.08)
		}
		trade := math.NaN()
		if e.HasTag("exporter") {
			trade = rev * min(1.5, g.kLogNormal(0.3, 0.7))
		}
		for y := latest; y > latest-years && y >= founded; y-- {
			fy := huiqi.FiscalYear{
				Revenue: money(rev), TaxPaid: money(tax), RDExpense: money(rd), TotalAssets: money(assets),
				OutputValue: money(output), ImportExport: money(trade),
			}
			if !math.IsNaN(emp) {
				n := int64(math.Round(emp))
				fy.Employees = &n
			}
			if industrial && g.k.Float64() < 0.3 {
				fy.EquipmentInvestment = money(rev * min(0.5, g.kLogNormal(0.03, 0.8)))
			}
			e.FiscalYears.Set(y, fy)
			// The year before: undo a growth of about 6% a year, wide
			// enough that a fifth of firms shrank.
			growth := max(-0.4, 0.06+0.15*g.k.NormFloat64())
			rev /= 1 + growth
			tax *= (1 + 0.1*g.k.NormFloat64()) / (1 + growth)
			rd *= g.kLogNormal(1, 0.2) / (1 + growth)
			assets /= 1 + growth/2
			emp = math.Max(1, emp/(1+growth/2))
			output = rev * g.kLogNormal(1.02, 0.08)
			trade /= 1 + growth + 0.1*g.k.NormFloat64()
			if !industrial {
				output = math.NaN()
			}
		}
	}
	g.qualifications(e)
	g.incidents(e, industrial)
}

// terms are the qualifications certified for a term, with its length in
// years (0: no end) and the month their lists are announced.
var terms = []struct {
	tag   string
	years int
	month time.Month
}{
	{"hightech", 3, time.December}, // 高新技术企业: three years, lists at year end
	{"specialized", 3, time.September},
	{"little_giant", 3, time.July},
	{"green_factory", 0, time.November},
}

// qualifications dates four in five of the term-certified tags e holds
// with a grant still in force (and, for some, the expired grant before
// it), and gives a few firms without hightech an expired grant: they were
// certified once and not again.
func (g *generator) qualifications(e *huiqi.Enterprise) {
	for _, t := range terms {
		held := e.HasTag(t.tag)
		lapsed := !held && t.tag == "hightech" && e.RDExpense != nil && *e.RDExpense > 0 && g.k.Float64() < 0.08
		if !lapsed && (!held || g.k.Float64() >= 0.8) {
			continue
		}
		// The grant in force was announced in one of the last three years
		// (the last one only when its announcement month has come).
		span := max(1, t.years)
		var grant huiqi.Date
		for try := 0; try < 4; try++ {
			y := g.today.Year() - g.k.IntN(span+1)
			if lapsed {
				y = g.today.Year() - 4 - g.k.IntN(3)
			}
			grant = huiqi.NewDate(y, t.month, 1+g.k.IntN(28))
			if !grant.After(g.today) && !grant.Before(e.FoundedOn) && (t.years == 0 || lapsed || !grant.AddYears(t.years).AddDays(-1).Before(g.today)) {
				break
			}
			grant = huiqi.Date{}
		}
		if grant.IsZero() {
			continue
		}
		q := huiqi.Qualification{Tag: t.tag, GrantedOn: grant}
		if t.years > 0 {
			q.ExpiresOn = grant.AddYears(t.years).AddDays(-1)
			if earlier := grant.AddYears(-t.years); !lapsed && !earlier.Before(e.FoundedOn) && g.k.Float64() < 0.4 {
				// 重新认定: the term before ran out when this one began
				e.Qualifications = append(e.Qualifications, huiqi.Qualification{Tag: t.tag, GrantedOn: earlier, ExpiresOn: grant.AddDays(-1)})
			}
		}
		e.Qualifications = append(e.Qualifications, q)
	}
}

// incidents draws the accidents of the last three years: per firm and
// year about 1% of industrial firms have a safety incident, 0.5% an
// environmental and 0.3% a quality one (0.2% of other firms a safety
// one); nine in ten are 一般, most of the rest 较大.
func (g *generator) incidents(e *huiqi.Enterprise, industrial bool) {
	rates := otherIncidentRates
	if industrial {
		rates = industrialIncidentRates
	}
	for back := range 3 {
		for _, kind := range []string{huiqi.IncidentSafety, huiqi.IncidentEnvironment, huiqi.IncidentQuality} {
			if g.k.Float64() >= rates[kind] {
				continue
			}
			on := g.today.AddDays(-365*back - g.k.IntN(365))
			if on.Before(e.FoundedOn) {
				continue
			}
			level := "general"
			switch x := g.k.Float64(); {
			case x < 0.02:
				level = "serious"
			case x < 0.1:
				level = "major"
			}
			e.Incidents = append(e.Incidents, huiqi.Incident{Kind: kind, Level: level, On: on})
		}
	}
}

var (
	industrialIncidentRates = map[string]float64{huiqi.IncidentSafety: 0.01, huiqi.IncidentEnvironment: 0.005, huiqi.IncidentQuality: 0.003}
	otherIncidentRates      = map[string]float64{huiqi.IncidentSafety: 0.002}
)

// fl returns m in yuan, NaN for nil.
func fl(m *huiqi.Money) float64 {
	if m == nil {
		return math.NaN()
	}
	return float64(*m) / float64(huiqi.Yuan)
}

// money rounds yuan to whole yuan; NaN gives nil.
func money(v float64) *huiqi.Money {
	if math.IsNaN(v) {
		return nil
	}
	return yuan(max(0, v))
}

func (g *generator) kLogNormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*g.k.NormFloat64())
}
