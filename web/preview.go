package web

import (
	"io"
	"net/http"
	"strconv"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/matcher"
	"github.com/huiqi/huiqi/policies"
)

// previewPage is the data of the policy preview.
type previewPage struct {
	Document    string
	AsOf        string
	Error       string
	ErrorField  string
	Preview     *engine.Preview
	Policy      *policyView
	Tests       []testView
	TestsFailed int
}

// testView is one of a policy's own test cases with its outcome.
type testView struct {
	Name    string
	Pass    bool
	Message string
}

// mayPreview returns EForbidden unless the caller writes policies.
func mayPreview(t *huiqi.Token) error {
	if t.Role != huiqi.RoleAdmin && t.Role != huiqi.RoleOfficial {
		return huiqi.Errorf(huiqi.EForbidden, "政策预览供主管部门和管理员使用")
	}
	return nil
}

// previewForm shows the form to paste or upload a policy document.
func (h *Handler) previewForm(w http.ResponseWriter, r *http.Request) error {
	t, err := requireSignIn(r)
	if err != nil {
		return err
	}
	if err := mayPreview(t); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "preview", "政策预览", "preview", previewPage{})
	return nil
}

// preview evaluates a pasted or uploaded policy document before it is
// published: validation errors by path, its own tests, and its reach. It
// stores nothing.
func (h *Handler) preview(w http.ResponseWriter, r *http.Request) error {
	t, err := h.stateChange(w, r)
	if err != nil {
		return err
	}
	if err := mayPreview(t); err != nil {
		return err
	}
	p := previewPage{Document: r.PostFormValue("doc"), AsOf: r.PostFormValue("as_of")}
	doc := []byte(p.Document)
	// An uploaded file wins over the text box, and is shown in it, so that
	// the official can correct it in place.
	if f, _, err := r.FormFile("file"); err == nil {
		b, err := io.ReadAll(io.LimitReader(f, policies.MaxDocumentSize+1))
		f.Close()
		if err != nil {
			return huiqi.Errorf(huiqi.EInvalid, "无法读取上传的文件: %v", err)
		}
		if len(b) > 0 {
			doc, p.Document = b, string(b)
		}
	}
	status := http.StatusOK
	day, err := h.asOf(r)
	if err == nil {
		p.Preview, err = h.Engine.PreviewPolicy(r.Context(), "", doc, day, "", engine.Page{})
	}
	switch code := huiqi.ErrorCode(err); {
	case err == nil:
		// The engine has parsed it already; parsing again gives the
		// typed policy to write out.
		pol, err := policies.Parse(doc, h.Engine.Today())
		if err != nil {
			return err
		}
		v := newPolicyView(pol)
		p.Policy = &v
		p.Tests, p.TestsFailed = testViews(pol, p.Preview.TestFailures)
	case code == huiqi.EInvalid || code == huiqi.ETooLarge || code == huiqi.EForbidden:
		status, p.Error, p.ErrorField = statusOf(err), huiqi.ErrorMessage(err), huiqi.ErrorField(err)
	default:
		return err
	}
	h.render(w, r, status, "preview", "政策预览", "preview", p)
	return nil
}

// testViews lists every test case of the policy with its outcome.
func testViews(p *policies.Policy, failures []matcher.TestFailure) ([]testView, int) {
	failed := map[int]string{}
	for _, f := range failures {
		failed[f.Index] = f.Message
	}
	out := make([]testView, len(p.Tests))
	for i, tc := range p.Tests {
		name := tc.Name
		if name == "" {
			name = "测试用例 " + strconv.Itoa(i+1)
		}
		msg, bad := failed[i]
		out[i] = testView{Name: name, Pass: !bad, Message: msg}
	}
	return out, len(failed)
}
