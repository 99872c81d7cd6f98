package engine

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// PolicyResult is a stored policy with the outcome of its own test cases.
type PolicyResult struct {
	*policies.Policy
	TestFailures []matcher.TestFailure `json:"test_failures"`
}

// mayWritePolicy returns EForbidden unless the caller is an admin or an
// official of the policy's department.
func mayWritePolicy(ctx context.Context, department string) error {
	t, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleOfficial)
	if err != nil {
		return err
	}
	if t.Role == huiqi.RoleOfficial && t.Department != department {
		return huiqi.Errorf(huiqi.EForbidden, "只能管理本部门（%s）的政策", t.Department)
	}
	return nil
}

// CreatePolicy parses a policy document (JSON or YAML) and stores it as a
// draft, with its test results (admin; official of its department). It
// returns EInvalid naming the path, EForbidden, or EConflict.
func (e *Engine) CreatePolicy(ctx context.Context, doc []byte) (*PolicyResult, error) {
	if _, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleOfficial); err != nil {
		return nil, err
	}
	p, err := policies.Parse(doc, e.Today())
	if err != nil {
		return nil, err
	}
	return e.createPolicy(ctx, p)
}

// createPolicy stores a parsed policy as a draft.
func (e *Engine) createPolicy(ctx context.Context, p *policies.Policy) (*PolicyResult, error) {
	if err := mayWritePolicy(ctx, p.Department); err != nil {
		return nil, err
	}
	failures := matcher.RunTests(p)
	if err := e.DB.CreatePolicy(ctx, p); err != nil {
		return nil, err
	}
	return &PolicyResult{Policy: p, TestFailures: nonNil(failures)}, nil
}

// UpdatePolicy stores a change of a policy. A change of a published policy
// is live at once as a new version, so its tests must pass. It returns
// EInvalid, EForbidden or ENotFound.
func (e *Engine) UpdatePolicy(ctx context.Context, id string, doc []byte) (*PolicyResult, error) {
	if _, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleOfficial); err != nil {
		return nil, err
	}
	p, err := policies.Parse(doc, e.Today())
	if err != nil {
		return nil, err
	}
	if p.ID != id {
		return nil, huiqi.FieldErrorf("id", "文件中的政策编号 %q 与地址中的 %q 不一致", p.ID, id)
	}
	return e.updatePolicy(ctx, p)
}

// updatePolicy stores a parsed change of an existing policy.
func (e *Engine) updatePolicy(ctx context.Context, p *policies.Policy) (*PolicyResult, error) {
	old, err := e.DB.FindPolicy(ctx, p.ID, 0)
	if err != nil {
		return nil, err
	}
	if !mayReadPolicy(ctx, old, old) {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到政策 %q", p.ID)
	}
	if err := mayWritePolicy(ctx, old.Department); err != nil {
		return nil, err
	} else if err := mayWritePolicy(ctx, p.Department); err != nil {
		return nil, err
	}
	failures := matcher.RunTests(p)
	if old.Status == policies.StatusPublished {
		if err := matcher.TestsError(failures); err != nil {
			return nil, err
		}
	}
	if err := e.written(ctx, func() (indexChange, error) {
		// A draft is not indexed: its change is an empty one.
		err := e.DB.SavePolicy(ctx, p)
		if err == nil && p.Status == policies.StatusPublished {
			return indexChange{policy: p}, nil
		}
		return indexChange{}, err
	}); err != nil {
		return nil, err
	}
	if p.Status == policies.StatusPublished {
		if err := e.policyPublished(ctx, p); err != nil {
			return nil, err
		}
	}
	return &PolicyResult{Policy: p, TestFailures: nonNil(failures)}, nil
}

// ImportPolicy stores a parsed policy, as new or as a change of the policy
// with its id, and publishes it when asked.
func (e *Engine) ImportPolicy(ctx context.Context, p *policies.Policy, publish bool) error {
	var err error
	switch _, findErr := e.DB.FindPolicy(ctx, p.ID, 0); huiqi.ErrorCode(findErr) {
	case "":
		_, err = e.updatePolicy(ctx, p)
	case huiqi.ENotFound:
		_, err = e.createPolicy(ctx, p)
	default:
		err = findErr
	}
	if err != nil || !publish || p.Status == policies.StatusPublished {
		return err
	}
	published, err := e.PublishPolicy(ctx, p.ID)
	if err == nil {
		p.Status, p.Version = published.Status, published.Version
	}
	return err
}

// PublishPolicy publishes the latest version of a policy once its tests
// pass. It returns EInvalid listing the failing cases, EForbidden,
// ENotFound, or EConflict for a withdrawn policy.
func (e *Engine) PublishPolicy(ctx context.Context, id string) (*policies.Policy, error) {
	p, err := e.ownedPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := matcher.TestsError(matcher.RunTests(p)); err != nil {
		return nil, err
	}
	if p, err = e.setPolicyStatus(ctx, id, policies.StatusPublished); err != nil {
		return nil, err
	}
	return p, e.policyPublished(ctx, p)
}

// WithdrawPolicy withdraws a published policy: it matches nobody from now
// on. It returns EForbidden, ENotFound, or EConflict when not published.
func (e *Engine) WithdrawPolicy(ctx context.Context, id string) (*policies.Policy, error) {
	if _, err := e.ownedPolicy(ctx, id); err != nil {
		return nil, err
	}
	p, err := e.setPolicyStatus(ctx, id, policies.StatusWithdrawn)
	if err != nil {
		return nil, err
	}
	return p, e.refreshPolicy(ctx, p, nil)
}

// ownedPolicy returns the validated latest version of a policy the caller
// may write.
func (e *Engine) ownedPolicy(ctx context.Context, id string) (*policies.Policy, error) {
	if _, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleOfficial); err != nil {
		return nil, err
	}
	p, err := e.DB.FindPolicy(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	if !mayReadPolicy(ctx, p, p) {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到政策 %q", id)
	}
	if err := mayWritePolicy(ctx, p.Department); err != nil {
		return nil, err
	}
	if err := p.Validate(e.Today()); err != nil {
		return nil, err
	}
	return p, nil
}

// policyPublished puts a newly published version into the matcher and the
// decision record. The policy is validated already, and the indexer may be
// reading it, so it is compiled as it is.
func (e *Engine) policyPublished(ctx context.Context, p *policies.Policy) error {
	return e.refreshPolicy(ctx, p, matcher.Compile(p))
}

// mayReadPolicy reports whether the caller may see a version of a policy
// whose latest version is latest: admins, auditors and the department's
// officials see every version; everyone else the published versions of a
// policy that is published now, so that a withdrawn policy and drafts stay
// out of public view.
func mayReadPolicy(ctx context.Context, p, latest *policies.Policy) bool {
	t := huiqi.TokenFromContext(ctx)
	switch {
	case t != nil && (t.Role == huiqi.RoleAdmin || t.Role == huiqi.RoleAuditor):
		return true
	case t != nil && t.Role == huiqi.RoleOfficial && t.Department == latest.Department:
		return true
	}
	return p.Status == policies.StatusPublished && latest.Status == policies.StatusPublished
}

// FindPolicy returns a version of a policy (0: the latest). A version the
// caller may not see is ENotFound, so that drafts do not leak.
func (e *Engine) FindPolicy(ctx context.Context, id string, version int) (*policies.Policy, error) {
	latest, err := e.DB.FindPolicy(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	p := latest
	if version != 0 && version != latest.Version {
		if p, err = e.DB.FindPolicy(ctx, id, version); err != nil {
			return nil, err
		}
	}
	if !mayReadPolicy(ctx, p, latest) {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到政策 %q", id)
	}
	return p, nil
}

// ListPolicies returns a page of policies. Anonymous callers and
// enterprises see published ones only; officials see published ones and
// their own department's in any status; admins and auditors everything. It
// returns EUnauthorized or EForbidden for an unpublished status the caller
// may not list.
func (e *Engine) ListPolicies(ctx context.Context, f huiqi.PolicyFilter) ([]*policies.Policy, int, string, error) {
	t := huiqi.TokenFromContext(ctx)
	switch {
	case t == nil && f.Status != "" && f.Status != policies.StatusPublished:
		return nil, 0, "", huiqi.Errorf(huiqi.EUnauthorized, "查看未发布的政策需要登录令牌")
	case t == nil || t.Role == huiqi.RoleEnterprise:
		if f.Status != "" && f.Status != policies.StatusPublished {
			return nil, 0, "", huiqi.Errorf(huiqi.EForbidden, "只能查看已发布的政策")
		}
		f.Status = policies.StatusPublished
	case t.Role == huiqi.RoleOfficial:
		f.VisibleTo = t.Department
	}
	return e.DB.ListPolicies(ctx, f)
}

// Preview is a policy's reach before or after publishing: its items are
// the eligible enterprises or, when asked for (State), the undetermined
// ones with the fields their profiles lack.
type Preview struct {
	matcher.Reach
	AsOf            huiqi.Date            `json:"as_of"`
	PolicyID        string                `json:"policy_id"`
	Version         int                   `json:"version"`
	Budget          *huiqi.Money          `json:"budget"`
	BudgetRemaining *huiqi.Money          `json:"budget_remaining"`
	OverBudget      bool                  `json:"over_budget"`
	TestFailures    []matcher.TestFailure `json:"test_failures"`
	State           string                `json:"state"`
	Items           []matcher.Hit         `json:"items"`
	Next            *string               `json:"next"`
}

// checkState validates which verdicts a reach lists: "" (eligible),
// eligible or undetermined. It returns EInvalid naming the field state.
func checkState(state string) (string, error) {
	switch state {
	case "", matcher.StateEligible:
		return matcher.StateEligible, nil
	case matcher.StateUndetermined:
		return state, nil
	}
	return "", huiqi.FieldErrorf("state", "state 应为 eligible 或 undetermined")
}

// page fills in the items of the state asked for, one page of them.
func (pv *Preview) page(m *matcher.Matcher, c *matcher.Compiled, day huiqi.Date, pg Page) error {
	hits := pv.Hits
	if pv.State == matcher.StateUndetermined {
		hits = m.MatchPolicyUndetermined(c, day)
	}
	var err error
	pv.Items, pv.Next, err = pg.hits(hits)
	return err
}

// emptyDocument reports whether a request body carries no document: empty,
// or an empty JSON object, which clients send for "no body".
func emptyDocument(doc []byte) bool {
	var m map[string]json.RawMessage
	t := bytes.TrimSpace(doc)
	return len(t) == 0 || (t[0] == '{' && json.Unmarshal(t, &m) == nil && len(m) == 0)
}

// PreviewPolicy evaluates a policy against every profile on day, storing
// nothing: with an id, the latest stored version, draft or published, or
// the document in doc when one is given (its id must match; an empty object
// is none); with no id, the document in doc, which need not be stored yet,
// so that an official can try a draft before creating it. It gives the
// reach (eligible enterprises, total estimated amount, near misses), the
// policy's own test results and how total estimated demand compares with
// the budget, and lists the enterprises of state (see checkState). Admins,
// and officials of the policy's department, may preview. It returns
// EInvalid naming the path of the offending node, ETooLarge, EUnauthorized,
// EForbidden or ENotFound.
func (e *Engine) PreviewPolicy(ctx context.Context, id string, doc []byte, day huiqi.Date, state string, page Page) (*Preview, error) {
	state, err := checkState(state)
	if err != nil {
		return nil, err
	}
	p, err := e.previewed(ctx, id, doc)
	if err != nil {
		return nil, err
	}
	c := matcher.Compile(p)
	pv := &Preview{
		Reach:        e.Matcher.MatchPolicy(c, day, true),
		AsOf:         day,
		PolicyID:     p.ID,
		Version:      p.Version,
		Budget:       p.Budget,
		TestFailures: nonNil(matcher.RunTests(p)),
		State:        state,
	}
	if p.Budget != nil {
		left := *p.Budget - pv.AmountTotal
		pv.BudgetRemaining, pv.OverBudget = &left, left < 0
	}
	e.counted(e.Matcher.ProfileCount(), pv.Total)
	return pv, pv.page(e.Matcher, c, day, page)
}

// previewed returns the policy PreviewPolicy evaluates: the document when
// there is one, else the stored policy id, after the caller's right to
// write it is checked.
func (e *Engine) previewed(ctx context.Context, id string, doc []byte) (*policies.Policy, error) {
	if id == "" {
		if _, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleOfficial); err != nil {
			return nil, err
		}
		if emptyDocument(doc) {
			return nil, huiqi.Errorf(huiqi.EInvalid, "请粘贴或上传政策文件（YAML 或 JSON）")
		}
	} else {
		p, err := e.ownedPolicy(ctx, id)
		if err != nil || emptyDocument(doc) {
			return p, err
		}
	}
	p, err := policies.Parse(doc, e.Today())
	if err != nil {
		return nil, err
	}
	if id != "" && p.ID != id {
		return nil, huiqi.FieldErrorf("id", "文件中的政策编号 %q 与地址中的 %q 不一致", p.ID, id)
	}
	if err := mayWritePolicy(ctx, p.Department); err != nil {
		return nil, err
	}
	return p, nil
}

// PolicyMatches returns the enterprises eligible for a published policy on
// day, or those of state (see checkState), paged (admin, auditor, official
// of its department). It returns ENotFound for a policy not published.
func (e *Engine) PolicyMatches(ctx context.Context, id string, day huiqi.Date, state string, page Page) (*Preview, error) {
	t, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleOfficial, huiqi.RoleAuditor)
	if err != nil {
		return nil, err
	}
	if state, err = checkState(state); err != nil {
		return nil, err
	}
	c, ok := e.Matcher.Policy(id)
	if !ok {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到已发布的政策 %q", id)
	}
	if t.Role == huiqi.RoleOfficial && t.Department != c.Policy.Department {
		return nil, huiqi.Errorf(huiqi.EForbidden, "只能查看本部门（%s）政策的匹配结果", t.Department)
	}
	reach, computed := e.reaches.get(e.Matcher, c, day)
	pv := &Preview{Reach: reach.Reach(), AsOf: day, PolicyID: id, Version: c.Policy.Version, Budget: c.Policy.Budget, State: state}
	if computed { // a page of a reach already computed, or caught up with a few profiles, evaluates (next to) nothing
		e.counted(e.Matcher.ProfileCount(), pv.Total)
	}
	if state == matcher.StateEligible {
		pv.Items, pv.Next, err = page.cut(reach.From)
		return pv, err
	}
	return pv, pv.page(e.Matcher, c, day, page)
}

// Page is a request for one page of a list: at most Limit items after the
// opaque cursor After.
type Page struct {
	Limit int
	After string
}

// hits cuts one page out of hits sorted by credit code.
func (pg Page) hits(hits []matcher.Hit) ([]matcher.Hit, *string, error) {
	return pg.cut(func(after string, n int) []matcher.Hit {
		start, _ := slices.BinarySearchFunc(hits, after, func(h matcher.Hit, code string) int { return strings.Compare(h.CreditCode, code) })
		if start < len(hits) && hits[start].CreditCode == after {
			start++
		}
		return hits[start:min(start+n, len(hits))]
	})
}

// cut cuts one page out of hits sorted by credit code, of which from
// returns at most n after a code ("" for the first).
func (pg Page) cut(from func(after string, n int) []matcher.Hit) ([]matcher.Hit, *string, error) {
	limit, err := huiqi.PageLimit(pg.Limit)
	if err != nil {
		return nil, nil, err
	}
	var after []byte
	if pg.After != "" {
		if after, err = base64.RawURLEncoding.DecodeString(pg.After); err != nil {
			return nil, nil, huiqi.FieldErrorf("after", "无效的分页游标")
		}
	}
	items := from(string(after), limit+1) // one more tells whether a next page follows
	if len(items) <= limit {
		return nonNil(items), nil, nil
	}
	items = items[:limit]
	next := base64.RawURLEncoding.EncodeToString([]byte(items[limit-1].CreditCode))
	return items, &next, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
