package engine_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
)

// Bulk lines take a one-pass decoder when they look plain; every text rule
// still holds on that path: each attack below is its line's error, naming
// the field, and the good lines around it are kept.
func TestImport_TextRules(t *testing.T) {
	e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
	line := func(i int, name string) string {
		l := engLine(t, engCode(100+i), func(m map[string]any) { m["name"] = "NAME" })
		return strings.Replace(l, `"NAME"`, name, 1)
	}
	attacks := []struct{ raw, field string }{
		{`"a\u0000b"`, "name"},
		{"\"a\xffb\"", "name"},
		{`"\ud800"`, "name"},
		{`"` + strings.Repeat("名", huiqi.MaxNameLength+1) + `"`, "name"},
		{`"x","name":"y"`, "name"},
		{"\"a\x7f\"", "name"},
		{`"a\tb"`, "name"},
	}
	lines := []string{line(0, `"好企业"`)}
	for i, a := range attacks {
		lines = append(lines, line(i+1, a.raw))
	}
	lines = append(lines, engLine(t, engCode(51), func(m map[string]any) { m["founded_on"] = "0000-01-01" }))
	r, err := e.ImportEnterprises(engCtx, engine.NewNDJSONSource(strings.NewReader(strings.Join(lines, "\n"))), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Accepted != 1 || r.Rejected != len(lines)-1 {
		t.Fatalf("report %d accepted, %d rejected, want 1, %d: %+v", r.Accepted, r.Rejected, len(lines)-1, r.Errors)
	}
	for i, a := range attacks {
		if got := r.Errors[i]; got.Line != i+2 || got.Field != a.field || got.Code != huiqi.EInvalid {
			t.Errorf("line %d (%.30s): error %+v, want %s naming %s", i+2, a.raw, got, huiqi.EInvalid, a.field)
		}
	}
	if got := r.Errors[len(r.Errors)-1]; got.Field != "founded_on" {
		t.Errorf("year 0000: error %+v, want one naming founded_on", got)
	}
}

// A report lists at most MaxBulkErrors errors and says so when there were
// more; the rejected count stays exact.
func TestImport_ErrorsTruncated(t *testing.T) {
	e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
	for _, n := range []int{engine.MaxBulkErrors, engine.MaxBulkErrors + 5} {
		bad := strings.Repeat("{\"nmae\": 1}\n", n)
		r, err := e.ImportEnterprises(engCtx, engine.NewNDJSONSource(strings.NewReader(bad)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Rejected != n || len(r.Errors) != engine.MaxBulkErrors || r.ErrorsTruncated != (n > engine.MaxBulkErrors) {
			t.Errorf("%d bad lines: rejected %d, %d errors listed, truncated %v", n, r.Rejected, len(r.Errors), r.ErrorsTruncated)
		}
	}
}
