// Package policies holds the policy document (惠企政策): its condition tree
// and benefit formula, parsed from JSON or YAML into typed values and
// validated with the path of every offending node; and the bundled demo
// catalogue.
package policies

import (
	"encoding/json"
	"time"

	"github.com/huiqi/huiqi"
)

// Modes of a policy.
const (
	ModeApply = "apply" // 申报: the enterprise applies
	ModeAuto  = "auto"  // 免申即享: matched enterprises get an application opened
)

// Statuses of a policy.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusWithdrawn = "withdrawn"
)

// Clock counting modes.
const (
	ClockCalendarDays = "calendar_days"
	ClockWorkingDays  = "working_days"
)

// Benefit kinds.
const (
	KindSubsidy      = "subsidy"       // 资金补助
	KindAward        = "award"         // 奖励
	KindLoanInterest = "loan_interest" // 贷款贴息
	KindRentWaiver   = "rent_waiver"   // 租金减免
	KindTaxRelief    = "tax_relief"    // 税费减免
	KindService      = "service"       // 服务
)

// KindLabels gives the Chinese name of each benefit kind.
var KindLabels = map[string]string{
	KindSubsidy: "资金补助", KindAward: "奖励", KindLoanInterest: "贷款贴息",
	KindRentWaiver: "租金减免", KindTaxRelief: "税费减免", KindService: "服务",
}

// Policy is one version of a policy document.
type Policy struct {
	ID             string       `json:"id"`
	Title          string       `json:"title"`
	Department     string       `json:"department"`
	DocNumber      string       `json:"doc_number,omitempty"`
	Summary        string       `json:"summary,omitempty"`
	Body           string       `json:"body,omitempty"`
	URL            string       `json:"url,omitempty"`
	Region         string       `json:"region,omitempty"`
	ValidFrom      huiqi.Date   `json:"valid_from,omitzero"`
	ValidTo        huiqi.Date   `json:"valid_to,omitzero"`
	Mode           string       `json:"mode"`
	DeadlineDays   int          `json:"deadline_days"`
	TargetDays     int          `json:"target_days"`
	Clock          string       `json:"clock"`
	ExclusiveGroup string       `json:"exclusive_group,omitempty"`
	Budget         *huiqi.Money `json:"budget,omitempty"`
	Eligibility    *Condition   `json:"eligibility"`
	Benefit        Benefit      `json:"benefit"`
	Tests          []TestCase   `json:"tests,omitempty"`

	// Once marks a one-time benefit (一次性奖励): an enterprise paid under
	// any version is no longer eligible.
	Once bool `json:"once,omitempty"`

	// Set by the store.
	Status    string    `json:"status,omitempty"`
	Version   int       `json:"version,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Condition is a node of the eligibility tree: exactly one of All, Any, Not,
// a leaf (Field, Op, Value, with Over, Tag or Incident where the field
// needs one) or a reviewed leaf (Review).
type Condition struct {
	All   []*Condition    `json:"all,omitempty"`
	Any   []*Condition    `json:"any,omitempty"`
	Not   *Condition      `json:"not,omitempty"`
	Field string          `json:"field,omitempty"`
	Op    string          `json:"op,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
	Label string          `json:"label,omitempty"`

	// Over reads a yearly field across the latest fiscal years.
	Over *huiqi.Over `json:"over,omitempty"`
	// Tag names the qualification a Tagged field (granted_on,
	// first_granted_on, expires_on) reads.
	Tag string `json:"tag,omitempty"`
	// Incident selects the incidents incident_count counts.
	Incident *huiqi.IncidentFilter `json:"incident,omitempty"`
	// Review states a judgement no profile figure decides (需部门审核),
	// such as 推动同行业科技进步作用显著: the leaf is unknown until an
	// official records a finding. It is the leaf's label too.
	Review string `json:"review,omitempty"`

	// Arg is the typed value of a leaf, set by validation.
	Arg Arg `json:"-"`
}

// Arg is a leaf's value, typed by its field: strings for text, codes, enums
// and tags; integers for whole numbers, money (fen), ratios (millionths) and
// dates (days since 1970-01-01); Bool for booleans. Ranges are [Ints[0], Ints[1]].
type Arg struct {
	Strs []string
	Ints []int64
	Bool bool
}

// RatioScale is the fixed-point scale of ratio values: 0.03 is 30000.
const RatioScale = 1_000_000

// Benefit is what an eligible enterprise gets.
type Benefit struct {
	Kind   string  `json:"kind"`
	Amount *Amount `json:"amount,omitempty"`
}

// Amount is a benefit formula: a fixed sum; a rate, marginal rate bands or
// a step amount of a profile figure (Of, read across years with Over),
// with cap, floor and a cap taken from another figure; or tiers of which
// the first that holds gives the amount.
type Amount struct {
	Fixed *huiqi.Money `json:"fixed,omitempty"`
	Rate  *Rate        `json:"rate,omitempty"`
	Bands []Band       `json:"bands,omitempty"`
	Step  *Step        `json:"step,omitempty"`
	Of    string       `json:"of,omitempty"`
	Over  *huiqi.Over  `json:"over,omitempty"`
	Cap   *huiqi.Money `json:"cap,omitempty"`
	CapOf *CapOf       `json:"cap_of,omitempty"`
	Floor *huiqi.Money `json:"floor,omitempty"`
	Tiers []Tier       `json:"tiers,omitempty"`
}

// Band is one band of marginal rates (超额累进): the part of the base above
// the previous band's bound and up to this band's bound earns Rate. The
// bound is an amount (Upto, in yuan) or a growth over the previous year
// (UptoGrowth: "0.6" bounds the increase at 60% of the previous year's
// figure); the last band has no bound.
type Band struct {
	Upto       *huiqi.Money `json:"upto,omitempty"`
	UptoGrowth *Rate        `json:"upto_growth,omitempty"`
	Rate       *Rate        `json:"rate"`
}

// Step is a step amount: Fixed for every whole Per of the base (每增加2000万元
// 奖励1万元).
type Step struct {
	Per   huiqi.Money `json:"per"`
	Fixed huiqi.Money `json:"fixed"`
}

// CapOf caps an amount by another figure of the profile, or a share of it
// (不超过上年度财政贡献额): Rate of Field read with Over, the whole figure
// when Rate is absent.
type CapOf struct {
	Field string      `json:"field"`
	Over  *huiqi.Over `json:"over,omitempty"`
	Rate  *Rate       `json:"rate,omitempty"`
}

// Tier is one tier of a tiered amount.
type Tier struct {
	When *Condition `json:"when"`
	Amount
}

// TestCase is an example that a policy's rules must reproduce before the
// policy can be published.
type TestCase struct {
	Name     string           `json:"name,omitempty"`
	AsOf     huiqi.Date       `json:"as_of,omitzero"`
	Profile  huiqi.Enterprise `json:"profile"`
	Eligible bool             `json:"eligible"`
	Amount   *huiqi.Money     `json:"amount,omitempty"`
}

// DependsOnDate reports whether the policy's verdicts can change with the
// evaluation date alone, the profiles unchanged: ages grow, incidents
// leave the look-back window, and dated qualifications run out (has,
// has_any and has_all read the tags in force).
func (p *Policy) DependsOnDate() bool {
	return p.UsesField("age_years") || p.UsesField("incident_count") || p.UsesField("tags")
}

// UsesField reports whether the eligibility tree or a benefit tier names the
// field.
func (p *Policy) UsesField(name string) bool {
	if p.Eligibility.uses(name) {
		return true
	}
	if p.Benefit.Amount != nil {
		for _, t := range p.Benefit.Amount.Tiers {
			if t.When.uses(name) {
				return true
			}
		}
	}
	return false
}

func (c *Condition) uses(name string) bool {
	if c == nil {
		return false
	}
	if c.Field == name || c.Not.uses(name) {
		return true
	}
	for _, list := range [][]*Condition{c.All, c.Any} {
		for _, child := range list {
			if child.uses(name) {
				return true
			}
		}
	}
	return false
}
