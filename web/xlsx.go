package web

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/xlsx"
)

// Labels names states and clock statuses in the workbooks as the pages do;
// the API's workbook exports use it too.
func Labels() xlsx.Labels {
	return xlsx.Labels{
		State:  func(a *engine.Application) string { return stateLabels[a.State] },
		Status: func(a *engine.Application) string { l, _ := caseStatus(a); return l },
	}
}

// exportXLSX sends the clock list as a workbook, with the dashboard's
// filters, for a signed-in user.
func (h *Handler) exportXLSX(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireSignIn(r); err != nil {
		return err
	}
	day, err := h.asOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var buf bytes.Buffer
	cq := engine.ClockQuery{AsOf: day, Status: q.Get("status"), Department: q.Get("department"), PolicyID: q.Get("policy")}
	if err := xlsx.Clock(r.Context(), h.Engine, cq, &buf, Labels()); err != nil {
		return err
	}
	sendWorkbook(w, "申兑时限-"+day.String()+".xlsx", buf.Bytes())
	return nil
}

// matchesXLSX sends the enterprises eligible for a published policy as a
// workbook, for the officials of its department, auditors and admins.
func (h *Handler) matchesXLSX(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireSignIn(r); err != nil {
		return err
	}
	day, err := h.asOf(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var buf bytes.Buffer
	if err := xlsx.Matches(r.Context(), h.Engine, id, day, &buf); err != nil {
		return err
	}
	sendWorkbook(w, "匹配企业-"+id+"-"+day.String()+".xlsx", buf.Bytes())
	return nil
}

// sendWorkbook answers with a workbook to download under name.
func sendWorkbook(w http.ResponseWriter, name string, b []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", xlsx.ContentType)
	hdr.Set("Content-Disposition", "attachment; filename=\"export.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	hdr.Set("Cache-Control", "no-store")
	w.Write(b)
}

// matchesURL is where a policy's matches download, for its page.
func matchesURL(id string, day huiqi.Date) string {
	return "/ui/policies/" + url.PathEscape(id) + "/matches.xlsx?" + url.Values{"as_of": {day.String()}}.Encode()
}
