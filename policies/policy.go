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

// Condition is a node of the eligibility tree: exactly one of All, Any, Not
// or a leaf (Field, Op, Value).
type Condition struct {
	All   []*Condition    `json:"all,omitempty"`
	Any   []*Condition    `json:"any,omitempty"`
	Not   *Condition      `json:"not,omitempty"`
	Field string          `json:"field,omitempty"`
	Op    string          `json:"op,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
	Label string          `json:"label,omitempty"`

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

// Amount is a benefit formula: a fixed sum, a rate of a profile figure with
// cap and floor, or tiers of which the first that holds gives the amount.
type Amount struct {
	Fixed *huiqi.Money `json:"fixed,omitempty"`
	Rate  *Rate        `json:"rate,omitempty"`
	Of    string       `json:"of,omitempty"`
	Cap   *huiqi.Money `json:"cap,omitempty"`
	Floor *huiqi.Money `json:"floor,omitempty"`
	Tiers []Tier       `json:"tiers,omitempty"`
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
