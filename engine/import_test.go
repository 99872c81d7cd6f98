package engine_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
)

// TestEngine_ImportAhead imports lines decoded ahead on several goroutines:
// over several batches and decoding chunks, the report must come out as
// one line at a time would make it, and a read error must stop the import
// with nothing of the unfinished batch committed.
func TestEngine_ImportAhead(t *testing.T) {
	var b bytes.Buffer
	if err := demo.WriteNDJSON(&b, demo.Enterprises(5000, 4, engToday)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	var bad []int // line numbers, from 1
	for i := range lines {
		if i%97 == 5 {
			lines[i] = `{"credit_code": 1}`
			bad = append(bad, i+1)
		}
	}

	t.Run("OK", func(t *testing.T) {
		e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
		var progress []int
		r, err := e.ImportEnterprises(engCtx, engine.NewNDJSONSource(strings.NewReader(strings.Join(lines, "\n"))),
			func(r engine.BulkReport) { progress = append(progress, r.Accepted) })
		if err != nil {
			t.Fatalf("ImportEnterprises() = %v", err)
		}
		if r.Accepted != len(lines)-len(bad) || r.Rejected != len(bad) || len(r.Errors) != len(bad) {
			t.Fatalf("report = %d accepted, %d rejected, %d errors; want %d, %d", r.Accepted, r.Rejected, len(r.Errors), len(lines)-len(bad), len(bad))
		}
		for i, e := range r.Errors {
			if e.Line != bad[i] {
				t.Fatalf("errors[%d].line = %d, want %d", i, e.Line, bad[i])
			}
		}
		if len(progress) != 3 || progress[0] != engine.ImportBatchSize {
			t.Errorf("progress = %v, want three batches, the first of %d", progress, engine.ImportBatchSize)
		}
		if n := e.Matcher.ProfileCount(); n != r.Accepted {
			t.Errorf("ProfileCount() = %d, want %d", n, r.Accepted)
		}
	})

	// A line over the limit is that line's error; the lines around it are
	// kept.
	t.Run("LongLineGoesOn", func(t *testing.T) {
		e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
		long := append(lines[:engine.ImportBatchSize+10:engine.ImportBatchSize+10], `{"name": "`+strings.Repeat("x", engine.MaxLineSize)+`"}`)
		long = append(long, lines[engine.ImportBatchSize+10:]...)
		r, err := e.ImportEnterprises(engCtx, engine.NewNDJSONSource(strings.NewReader(strings.Join(long, "\n"))), nil)
		if err != nil {
			t.Fatalf("ImportEnterprises() = %v, want the long line reported and the rest kept", err)
		}
		var lineErr *engine.BulkError
		for i := range r.Errors {
			if r.Errors[i].Line == engine.ImportBatchSize+11 {
				lineErr = &r.Errors[i]
			}
		}
		if lineErr == nil || lineErr.Code != "invalid_argument" || !strings.Contains(lineErr.Message, "上限") {
			t.Errorf("errors = %+v, want line %d too long", r.Errors, engine.ImportBatchSize+11)
		}
		if n := e.Matcher.ProfileCount(); n != r.Accepted || r.Accepted+r.Rejected != len(long) {
			t.Errorf("after the long line: %d accepted, %d rejected, %d in the matcher; want all %d lines counted", r.Accepted, r.Rejected, n, len(long))
		}
	})
}
