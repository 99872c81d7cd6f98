package engine_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/exchange"
)

var fuzzDates = cmp.Comparer(func(x, y huiqi.Date) bool { return x == y })

// fuzzLines are generated import lines, the shape real input takes.
func fuzzLines(f *testing.F) [][]byte {
	var b bytes.Buffer
	if err := demo.WriteNDJSON(&b, demo.Enterprises(20, 2, huiqi.NewDate(2026, 6, 15))); err != nil {
		f.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n"))
}

// FuzzNDJSONSource holds the bulk import's one-pass decoding of a line (its
// key scanner decides which lines may skip DecodeJSON) to DecodeJSON
// itself: the same profile, or the same error, for every line.
func FuzzNDJSONSource(f *testing.F) {
	for _, line := range fuzzLines(f) {
		f.Add(line)
		f.Add(bytes.Replace(line, []byte(`"name"`), []byte(`"Name"`), 1))
		f.Add(bytes.Replace(line, []byte(`"name"`), []byte(`"na\u006de"`), 1))
		f.Add(bytes.Replace(line, []byte(`{`), []byte(`{"revenue":1e3,`), 1))
	}
	for _, s := range []string{`{}`, `{ }`, `{"name":"a"}{}`, `{"tags":["x\"y"]}`, `{"name" :"a" , "region":"350582"}`, `[1]`, `{"name":`, `{"":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		// One line, as the source splits them; blank ones it skips.
		if bytes.ContainsAny(line, "\r\n") || len(bytes.TrimSpace(line)) == 0 {
			return
		}
		n, got, err := engine.NewNDJSONSource(bytes.NewReader(line)).Next()
		if n != 1 {
			t.Fatalf("line %q is numbered %d, want 1", line, n)
		}
		var want huiqi.Enterprise
		wantErr := huiqi.DecodeJSON(line, &want)
		switch {
		case wantErr != nil && err == nil:
			t.Fatalf("the import accepts %q, DecodeJSON refuses it: %v", line, wantErr)
		case wantErr != nil:
			if err.Error() != wantErr.Error() {
				t.Fatalf("the import refuses %q with %q, DecodeJSON with %q", line, err, wantErr)
			}
		case err != nil:
			t.Fatalf("the import refuses %q (%v), DecodeJSON accepts it", line, err)
		default:
			if diff := cmp.Diff(&want, got, fuzzDates); diff != "" {
				t.Fatalf("decoding %q (-DecodeJSON +import):\n%s", line, diff)
			}
		}
	})
}

// FuzzCSVSource feeds CSV files to the import's reader. It must not panic
// or loop; every refusal is a user error; every profile it yields is one
// that the JSON import would accept as it is.
func FuzzCSVSource(f *testing.F) {
	header := "credit_code,name,region,industry,founded_on,employees,revenue,dishonest,tags"
	for _, s := range []string{
		header + "\n913505007173546744,泉州示例科技有限公司,350598,I6513,2019-06-01,45,8000000,false,tech_sme;hightech\n",
		"\ufeff" + header + "\r\n913505007173546744,x,350598,I6513,2019-06-01,,,,\r\n",
		header + "\n\"a,b\",\"say \"\"hi\"\"\",350598,I6513,2019-06-01,1e3,0.001,yes,\n",
		header + "\n1,2\n",
		"employees\n99999999999999999999\n",
		"revenue\nabc\n",
		"tags\n;;a; b ;\n",
		"unknown\n1\n",
		"",
		"\"unterminated\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := exchange.NewCSVSource(bytes.NewReader(data))
		if err != nil {
			if huiqi.ErrorCode(err) != huiqi.EInvalid {
				t.Fatalf("NewCSVSource(%q) = %v, want an EInvalid", data, err)
			}
			return
		}
		last := 1
		// Every call consumes at least one line of the input.
		for range bytes.Count(data, []byte("\n")) + 2 {
			line, e, err := src.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if line <= last {
				t.Fatalf("CSV %q: line %d after line %d", data, line, last)
			}
			last = line
			if err != nil {
				if huiqi.ErrorCode(err) != huiqi.EInvalid {
					t.Fatalf("CSV %q line %d: %v, want an EInvalid", data, line, err)
				}
				continue
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatalf("CSV %q line %d: encode the profile: %v", data, line, err)
			}
			var again huiqi.Enterprise
			if err := huiqi.DecodeJSON(b, &again); err != nil {
				t.Fatalf("CSV %q line %d gives %s, which DecodeJSON refuses: %v", data, line, b, err)
			}
			if diff := cmp.Diff(e, &again, fuzzDates); diff != "" {
				t.Fatalf("CSV %q line %d (-CSV +through JSON):\n%s", data, line, diff)
			}
		}
		t.Fatalf("CSV %q: no end after every line was read", data)
	})
}
