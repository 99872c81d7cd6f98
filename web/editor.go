package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/policies"
)

// The policy editor: an official writes or changes a policy in the browser,
// in a form for the common parts (title, validity, mode, limit, budget,
// amount, the conditions of its top-level all) with the YAML beside it for
// everything else, and tries it in the sandbox (沙盘) against every profile
// before saving, publishing or withdrawing it. The form's fields win over
// the same keys in the YAML; conditions nested deeper are kept as written.

// editorPage is the data of the editor.
type editorPage struct {
	ID      string // of the stored policy; "" for a new one
	Status  string // its status label, for a stored policy
	Stored  string // its status code
	Doc     string
	Form    editorForm
	Fields  []huiqi.Field
	Ops     []option
	Tags    []huiqi.Tag
	Sandbox *sandboxView
	// Error is the last action's failure; FormField names the form field
	// it belongs to, when it is one of the form's.
	Error, ErrorField, FormField string
}

// editorForm is the form part of the editor, as typed. Money is in 万元.
type editorForm struct {
	Title, ValidFrom, ValidTo, Mode, DeadlineDays, Budget string
	AmountKind, Fixed, Rate, Of, Cap, Floor               string // AmountKind: fixed, rate, or "" (kept from the YAML)
	Rows                                                  []condRow
	Kept                                                  int // nested conditions kept from the YAML
}

// condRow is a leaf of the top-level all.
type condRow struct{ Field, Op, Value, Label string }

// blankRows are the empty rows the form offers for new conditions.
const blankRows = 2

// sandboxView is the sandbox's figures for a document.
type sandboxView struct {
	*engine.Preview
	Tests       []testView
	TestsFailed int
	BudgetUse   string // the share of the budget the reach would use
}

// opLabels name the operators in the form.
var opLabels = []option{
	{huiqi.OpGte, "不低于"}, {huiqi.OpGt, "高于"}, {huiqi.OpLte, "不高于"}, {huiqi.OpLt, "低于"},
	{huiqi.OpEq, "为"}, {huiqi.OpNe, "不为"}, {huiqi.OpIn, "属于其一"}, {huiqi.OpNotIn, "不属于"},
	{huiqi.OpPrefix, "代码开头为"}, {huiqi.OpBetween, "介于"},
	{huiqi.OpHas, "具有"}, {huiqi.OpHasAny, "具有其一"}, {huiqi.OpHasAll, "全部具有"},
	{huiqi.OpContainsAny, "含其一词语"}, {huiqi.OpContainsAll, "含全部词语"},
}

// newPolicyDoc is where a new policy starts.
const newPolicyDoc = `id: qz-new-policy
title: 新政策
department: %s
mode: apply
valid_from: %s
eligibility:
  all:
    - {field: dishonest, op: eq, value: false, label: 未列入严重失信主体名单或经营异常名录}
benefit:
  kind: award
  amount: {fixed: 100000}
`

func mayEdit(r *http.Request) (*huiqi.Token, error) {
	t, err := requireSignIn(r)
	if err != nil {
		return nil, err
	}
	if t.Role != huiqi.RoleAdmin && t.Role != huiqi.RoleOfficial {
		return nil, huiqi.Errorf(huiqi.EForbidden, "政策编辑供主管部门和管理员使用")
	}
	return t, nil
}

// editor shows a stored policy's latest version (?id=), or a new one.
func (h *Handler) editor(w http.ResponseWriter, r *http.Request) error {
	t, err := mayEdit(r)
	if err != nil {
		return err
	}
	p := newEditorPage()
	var pol *policies.Policy
	if id := r.URL.Query().Get("id"); id != "" {
		if pol, err = h.Engine.FindPolicy(r.Context(), id, 0); err != nil {
			return err
		}
		if err := pol.Validate(h.Engine.Today()); err != nil {
			return err
		}
		p.ID, p.Stored, p.Status = pol.ID, pol.Status, policyStatusLabels[pol.Status]
		if p.Doc, err = policyYAML(pol); err != nil {
			return err
		}
	} else {
		dept := t.Department
		if dept == "" {
			dept = "泉州市工业和信息化局"
		}
		p.Doc = strings.Replace(strings.Replace(newPolicyDoc, "%s", dept, 1), "%s", h.Engine.Today().String(), 1)
		if pol, err = policies.Parse([]byte(p.Doc), h.Engine.Today()); err != nil {
			return err
		}
	}
	p.Form = formOfPolicy(pol)
	p.Sandbox = h.sandbox(r, []byte(p.Doc), &p)
	h.render(w, r, http.StatusOK, "editor", "政策编辑", "editor", p)
	return nil
}

func newEditorPage() editorPage {
	return editorPage{Fields: huiqi.Fields, Ops: opLabels, Tags: huiqi.Tags()}
}

// editorAction saves, publishes or withdraws the document in the form, or
// only tries it in the sandbox; a failure comes back at its field.
func (h *Handler) editorAction(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.stateChange(w, r); err != nil {
		return err
	}
	if _, err := mayEdit(r); err != nil {
		return err
	}
	p := newEditorPage()
	p.ID = r.PostFormValue("id")
	doc, err := p.read(r, h.Engine.Today())
	action := r.PostFormValue("action")
	if err == nil {
		ctx := r.Context()
		switch action {
		case "save", "publish":
			var res *engine.PolicyResult
			if p.ID == "" {
				res, err = h.Engine.CreatePolicy(ctx, doc)
			} else {
				res, err = h.Engine.UpdatePolicy(ctx, p.ID, doc)
			}
			if err == nil && action == "publish" {
				_, err = h.Engine.PublishPolicy(ctx, res.Policy.ID)
			}
			if err == nil {
				redirect(w, r, "/ui/editor", url.Values{"id": {res.Policy.ID}, "ok": {"policy-" + action}})
				return nil
			}
		case "withdraw":
			if _, err = h.Engine.WithdrawPolicy(ctx, p.ID); err == nil {
				redirect(w, r, "/ui/editor", url.Values{"id": {p.ID}, "ok": {"policy-withdraw"}})
				return nil
			}
		case "try":
		default:
			err = huiqi.FieldErrorf("action", "未知的操作 %q", action)
		}
	}
	status := http.StatusOK
	if err != nil {
		if c := huiqi.ErrorCode(err); c != huiqi.EInvalid && c != huiqi.EConflict && c != huiqi.ETooLarge {
			return err
		}
		status = statusOf(err)
		p.fail(err)
	}
	if p.ID != "" {
		if pol, ferr := h.Engine.FindPolicy(r.Context(), p.ID, 0); ferr == nil {
			p.Stored, p.Status = pol.Status, policyStatusLabels[pol.Status]
		}
	}
	if p.Error == "" {
		p.Sandbox = h.sandbox(r, doc, &p)
	}
	h.render(w, r, status, "editor", "政策编辑", "editor", p)
	return nil
}

// sandboxPart answers the editor's script with the sandbox's figures for
// the document as it is being typed.
func (h *Handler) sandboxPart(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.stateChange(w, r); err != nil {
		return err
	}
	if _, err := mayEdit(r); err != nil {
		return err
	}
	p := newEditorPage()
	doc, err := p.read(r, h.Engine.Today())
	if err != nil {
		p.fail(err)
	} else {
		p.Sandbox = h.sandbox(r, doc, &p)
	}
	h.renderPart(w, r, "editor", "sandbox", p)
	return nil
}

// read takes the document from the form: the YAML, with the form's fields
// applied when they were sent. It keeps what was typed on the page.
func (p *editorPage) read(r *http.Request, today huiqi.Date) ([]byte, error) {
	p.Doc = r.PostFormValue("doc")
	f, sent := readEditorForm(r)
	if !sent {
		pol, err := policies.Parse([]byte(p.Doc), today)
		if err == nil {
			p.Form = formOfPolicy(pol)
		}
		return []byte(p.Doc), err
	}
	p.Form = f
	pol, err := policies.Parse([]byte(p.Doc), today)
	if err != nil {
		return nil, err
	}
	if err := f.apply(pol); err != nil {
		return nil, err
	}
	doc, err := policyYAML(pol)
	if err != nil {
		return nil, err
	}
	p.Doc = doc
	return []byte(doc), nil
}

// fail records an error and the form field it belongs to.
func (p *editorPage) fail(err error) {
	p.Error, p.ErrorField = huiqi.ErrorMessage(err), huiqi.ErrorField(err)
	p.FormField = formFieldOf(p.ErrorField, len(p.Form.Rows))
}

// sandbox tries the document; a failure is recorded on the page.
func (h *Handler) sandbox(r *http.Request, doc []byte, p *editorPage) *sandboxView {
	pv, err := h.Engine.PreviewPolicy(r.Context(), "", doc, h.Engine.Today(), "", engine.Page{})
	if err != nil {
		p.fail(err)
		return nil
	}
	pol, err := policies.Parse(doc, h.Engine.Today())
	if err != nil {
		p.fail(err)
		return nil
	}
	s := &sandboxView{Preview: pv}
	s.Tests, s.TestsFailed = testViews(pol, pv.TestFailures)
	if pv.Budget != nil && *pv.Budget > 0 {
		s.BudgetUse = strconv.FormatInt(int64(pv.AmountTotal)*100/int64(*pv.Budget), 10) + "%"
	}
	return s
}

// policyYAML writes a policy as the YAML document it would be read from,
// keys in the order of the policy's fields, without what the store sets.
func policyYAML(p *policies.Policy) (string, error) {
	c := *p
	c.Status, c.Version, c.UpdatedAt = "", 0, time.Time{}
	b, err := json.Marshal(&c)
	if err != nil {
		return "", err
	}
	y, err := yaml.JSONToYAML(b)
	return string(y), err
}
