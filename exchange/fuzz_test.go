package exchange_test

import (
	"io"
	"strings"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/exchange"
)

// FuzzApplicationReader feeds the NDJSON reader of application imports
// arbitrary files: it never panics, its line numbers rise, every refused
// line is EInvalid, and it ends.
func FuzzApplicationReader(f *testing.F) {
	f.Add(`{"policy_id": "p-a", "credit_code": "91350500MA2XN5QK1B", "events": [{"type": "submit", "at": "2025-03-03T09:00:00+08:00"}]}`)
	f.Add("\n\n{}\n{\"extra\": 1}\n")
	f.Add(`{"events": [{"amount": "1.5"}]}` + "\n" + `[1, 2]`)
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, in string) {
		r := exchange.NewApplicationReader(strings.NewReader(in))
		last := 0
		for range strings.Count(in, "\n") + 2 {
			line, rec, err := r.Next()
			if err == io.EOF {
				return
			}
			if line <= last {
				t.Fatalf("line %d after line %d", line, last)
			}
			last = line
			if err != nil && huiqi.ErrorCode(err) != huiqi.EInvalid {
				t.Fatalf("line %d: %v, want EInvalid", line, err)
			}
			if (err == nil) == (rec == nil) {
				t.Fatalf("line %d: record %v with error %v", line, rec, err)
			}
		}
		t.Fatalf("no end after %d lines", strings.Count(in, "\n")+1)
	})
}
