package engine

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
)

// TestDecodeProfile_AsDecodeJSON holds the one-pass decoding of import
// lines to huiqi.DecodeJSON: on generated lines and on lines mutated the
// ways bad input is bad (keys in another case, unknown or escaped keys,
// wrong types, duplicates, nulls, trailing data), whatever the fast path
// accepts, DecodeJSON accepts with the same profile.
func TestDecodeProfile_AsDecodeJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := demo.WriteNDJSON(&buf, demo.Enterprises(300, 3, huiqi.NewDate(2026, 6, 15))); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	mutations := []func(r *rand.Rand, s string) string{
		func(r *rand.Rand, s string) string { return s },
		func(r *rand.Rand, s string) string { return strings.Replace(s, `"name"`, `"Name"`, 1) },
		func(r *rand.Rand, s string) string { return strings.Replace(s, `"region"`, `"REGION"`, 1) },
		func(r *rand.Rand, s string) string { return strings.Replace(s, `{`, `{"extra":1,`, 1) },
		func(r *rand.Rand, s string) string { return strings.Replace(s, `"name"`, `"na\u006de"`, 1) },
		func(r *rand.Rand, s string) string { return strings.Replace(s, `"employees":`, `"employees":"`, 1) },
		func(r *rand.Rand, s string) string { return strings.Replace(s, `{`, `{"employees":"x",`, 1) },
		func(r *rand.Rand, s string) string { return strings.Replace(s, `{`, `{"employees":7,`, 1) },
		func(r *rand.Rand, s string) string { return strings.Replace(s, `{`, `{"revenue":null,"tags":null,`, 1) },
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `"dishonest":false`, `"dishonest":0`, 1)
		},
		func(r *rand.Rand, s string) string { return s + ` {}` },
		func(r *rand.Rand, s string) string { return "  " + s + " \t" },
		func(r *rand.Rand, s string) string { return strings.Replace(s, `"tags":[`, `"tags":["x\"y",`, 1) },
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `"revenue":`, `"revenue":1e3,"revenue":`, 1)
		},
		func(r *rand.Rand, s string) string { return strings.Replace(s, `"founded_on":"`, `"founded_on":"1`, 1) },
		// inside the history: keys in another case, unknown, twice; a
		// year that is no year; wrong shapes
		func(r *rand.Rand, s string) string { return strings.Replace(s, `{"revenue":`, `{"Revenue":`, 1) },
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `{"revenue":`, `{"profit":1,"revenue":`, 1)
		},
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `{"revenue":`, `{"revenue":1,"revenue":`, 1)
		},
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `"fiscal_years":{"`, `"fiscal_years":{"2020":{},"`, 1)
		},
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `"fiscal_years":{"`, `"fiscal_years":{"20x5":{},"`, 1)
		},
		func(r *rand.Rand, s string) string { // a year given twice
			return strings.Replace(s, `"fiscal_years":{"`, `"fiscal_years":{"2025":{},"`, 1)
		},
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `"fiscal_years":{`, `"fiscal_years":[{`, 1)
		},
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `"fiscal_years":{"`, `"fiscal_years":{"2024":null,"`, 1)
		},
		func(r *rand.Rand, s string) string { return strings.Replace(s, `"granted_on"`, `"Granted_On"`, 1) },
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `"granted_on"`, `"tag":"x","granted_on"`, 1)
		},
		func(r *rand.Rand, s string) string { return strings.Replace(s, `{"tag"`, `{"note":"","tag"`, 1) },
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `"dishonest":false`, `"dishonest":false,"qualifications":[{"tag":"hightech","granted_on":"2024-12-01"},null]`, 1)
		},
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `"dishonest":false`, `"dishonest":false,"incidents":[{"kind":"safety","level":"major","on":"2025-02-02","LEVEL":"x"}]`, 1)
		},
		func(r *rand.Rand, s string) string {
			return strings.Replace(s, `"dishonest":false`, `"dishonest":false,"incidents":{"kind":"safety"}`, 1)
		},
		func(r *rand.Rand, s string) string {
			i := r.IntN(len(s))
			return s[:i] + s[i+1:]
		},
		func(r *rand.Rand, s string) string {
			i := r.IntN(len(s))
			const junk = `{}[]",:\ 0a`
			return s[:i] + string(junk[r.IntN(len(junk))]) + s[i:]
		},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, line := range lines {
		for k, mutate := range mutations {
			s := []byte(mutate(r, line))
			var fast huiqi.Enterprise
			if !exactKeys(s) || !huiqi.PlainJSON(s) || json.Unmarshal(s, &fast) != nil {
				if k == 0 {
					t.Fatalf("one pass refuses the generated line %s", s)
				}
				continue
			}
			var slow huiqi.Enterprise
			if err := huiqi.DecodeJSON(s, &slow); err != nil {
				t.Fatalf("one pass accepts %s, DecodeJSON refuses it: %v", s, err)
			}
			if diff := cmp.Diff(slow, fast, cmp.Comparer(func(x, y huiqi.Date) bool { return x == y })); diff != "" {
				t.Fatalf("decoding %s (-DecodeJSON +one pass):\n%s", s, diff)
			}
		}
	}
}

// BenchmarkDecodeProfile splits the decoding of an import line into its
// parts, per line of generated profiles with history: the shape check of
// this package, huiqi's text check, the codec (encoding/json into
// huiqi.Enterprise) and validation.
func BenchmarkDecodeProfile(b *testing.B) {
	today := huiqi.NewDate(2026, 6, 15)
	var buf bytes.Buffer
	if err := demo.WriteNDJSON(&buf, demo.Enterprises(2000, 1, today)); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	each := func(fn func(line []byte)) func(b *testing.B) {
		return func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				fn(lines[i%len(lines)])
			}
		}
	}
	b.Run("exactKeys", each(func(line []byte) {
		if !exactKeys(line) {
			b.Fatalf("exactKeys(%s) = false", line)
		}
	}))
	b.Run("PlainJSON", each(func(line []byte) { huiqi.PlainJSON(line) }))
	b.Run("Unmarshal", each(func(line []byte) {
		var en huiqi.Enterprise
		if err := json.Unmarshal(line, &en); err != nil {
			b.Fatal(err)
		}
	}))
	b.Run("Validate", func(b *testing.B) {
		es := make([]*huiqi.Enterprise, len(lines))
		for i, line := range lines {
			var err error
			if es[i], err = decodeProfile(line); err != nil {
				b.Fatal(err)
			}
		}
		for i := 0; b.Loop(); i++ {
			en := *es[i%len(es)]
			if err := en.Validate(today, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decodeProfile", each(func(line []byte) {
		if _, err := decodeProfile(line); err != nil {
			b.Fatal(err)
		}
	}))
}
