package matcher

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/huiqi/huiqi"
)

// Payout is an enterprise's first disbursement under a policy. Under a
// once-only policy (一次性奖励, 不重复享受) it makes the enterprise
// ineligible for every later version.
type Payout struct {
	ApplicationID int64      `json:"application_id"`
	On            huiqi.Date `json:"on"`
}

// OnceLabel labels the condition a once-only policy adds to every verdict.
const OnceLabel = "未享受过本政策"

// payouts holds the payouts the matcher knows, so that both fast paths
// (the policy index for one enterprise, the column scans for one policy)
// leave the enterprises already paid out of a once-only policy. It is kept
// apart from the profiles and policies: a payout changes neither.
type payouts struct {
	mu       sync.RWMutex
	byCode   map[string]map[string]Payout // credit code → policy id → payout
	byPolicy map[string]map[string]bool   // policy id → credit codes paid
	// rows caches, per policy, the rows of byPolicy's codes; dropped when
	// a payout is added or the profile rows change.
	rows     map[string]bitset
	rowsSize int
}

// AddPayout records an enterprise's payout under a policy; an earlier one
// already recorded stands.
func (m *Matcher) AddPayout(policyID, code string, p Payout) {
	o := &m.paid
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.byCode == nil {
		o.byCode, o.byPolicy = map[string]map[string]Payout{}, map[string]map[string]bool{}
	}
	if old, ok := o.byCode[code][policyID]; ok && !p.On.Before(old.On) {
		return
	}
	if o.byCode[code] == nil {
		o.byCode[code] = map[string]Payout{}
	}
	if o.byPolicy[policyID] == nil {
		o.byPolicy[policyID] = map[string]bool{}
	}
	o.byCode[code][policyID] = p
	o.byPolicy[policyID][code] = true
	o.rows = nil
	m.gen.Add(1)
}

// PaidOnce returns the payout that excludes an enterprise from a once-only
// policy: false when the policy is not once-only or the enterprise was never
// paid under it.
func (m *Matcher) PaidOnce(c *Compiled, code string) (Payout, bool) {
	if !c.Policy.Once {
		return Payout{}, false
	}
	return m.Paid(c.Policy.ID, code)
}

// Paid returns an enterprise's first payout under a policy.
func (m *Matcher) Paid(policyID, code string) (Payout, bool) {
	m.paid.mu.RLock()
	defer m.paid.mu.RUnlock()
	p, ok := m.paid.byCode[code][policyID]
	return p, ok
}

// HasPayouts reports whether an enterprise was paid under any policy: a
// payout can take away a match of a profile that has not changed.
func (m *Matcher) HasPayouts(code string) bool {
	m.paid.mu.RLock()
	defer m.paid.mu.RUnlock()
	return len(m.paid.byCode[code]) > 0
}

// dropPaid clears from elig and undet (when not nil), the policies of list
// that p is eligible for or undetermined, the once-only ones p was paid
// under, and returns the positions of those it was eligible for; the
// caller holds m.mu for reading.
func (m *Matcher) dropPaid(list []*Compiled, p *Profile, elig, undet bitset) []int {
	m.paid.mu.RLock()
	defer m.paid.mu.RUnlock()
	mine := m.paid.byCode[p.Enterprise.CreditCode]
	if len(mine) == 0 {
		return nil
	}
	var dropped []int
	for i, c := range list {
		if _, ok := mine[c.Policy.ID]; !ok || !c.Policy.Once {
			continue
		}
		if elig.has(i) {
			elig.clear(i)
			dropped = append(dropped, i)
		}
		if undet != nil {
			undet.clear(i) // paid once settles it, whatever the missing values say
		}
	}
	return dropped
}

// dropPaidRows clears from hits, rows eligible for c, the enterprises paid
// under it when it is once-only; the caller holds m.mu for reading.
func (m *Matcher) dropPaidRows(c *Compiled, hits bitset) {
	if !c.Policy.Once {
		return
	}
	if rows := m.paidRows(c.Policy.ID); rows != nil {
		hits.andNot(rows)
	}
}

// paidRows returns the rows of the enterprises paid under a policy, nil
// for none; the caller holds m.mu for reading.
func (m *Matcher) paidRows(policyID string) bitset {
	o := &m.paid
	o.mu.RLock()
	codes := o.byPolicy[policyID]
	rows, ok := o.rows[policyID]
	fresh := o.rowsSize == len(m.profiles)
	o.mu.RUnlock()
	if len(codes) == 0 {
		return nil
	}
	if ok && fresh {
		return rows
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rows == nil || o.rowsSize != len(m.profiles) {
		o.rows, o.rowsSize = map[string]bitset{}, len(m.profiles)
	}
	rows = newBitset(len(m.profiles))
	for code := range o.byPolicy[policyID] {
		if i, ok := m.byCode[code]; ok {
			rows.set(i)
		}
	}
	o.rows[policyID] = rows
	return rows
}

// onceCheck is the condition a once-only policy adds for an enterprise
// paid under it: failing, with the earlier payout as the actual value.
func onceCheck(p Payout) Check {
	return Check{
		Label: OnceLabel, Field: "once", Op: "eq", Required: json.RawMessage(`false`),
		Actual: fmt.Sprintf("已于 %s 兑现（申请 %d）", p.On, p.ApplicationID),
		Pass:   &passFalse,
	}
}

// addPaidNearMiss lists c as a near miss of p when the payout is the one
// thing p lacks: p is otherwise eligible.
func (r *Result) addPaidNearMiss(c *Compiled, paid Payout) {
	pol := c.Policy
	r.NearMisses = append(r.NearMisses, NearMiss{PolicyID: pol.ID, Version: pol.Version, Title: pol.Title, Missing: onceCheck(paid)})
}
