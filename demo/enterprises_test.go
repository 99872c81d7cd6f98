package demo_test

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
)

var today = huiqi.NewDate(2026, 11, 25)

func ndjson(t *testing.T, es []*huiqi.Enterprise) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := demo.WriteNDJSON(&b, es); err != nil {
		t.Fatalf("WriteNDJSON: %v", err)
	}
	return b.Bytes()
}

func TestEnterprises_Deterministic(t *testing.T) {
	a := ndjson(t, demo.Enterprises(300, 42, today))
	b := ndjson(t, demo.Enterprises(300, 42, today))
	if !bytes.Equal(a, b) {
		t.Fatal("Enterprises(300, 42, today) differs between two calls")
	}
	if c := ndjson(t, demo.Enterprises(300, 43, today)); bytes.Equal(a, c) {
		t.Fatal("Enterprises with seeds 42 and 43 are equal")
	}
	// A longer run starts with the same profiles as a shorter one.
	long := ndjson(t, demo.Enterprises(400, 42, today))
	if !bytes.HasPrefix(long, a) {
		t.Error("Enterprises(400, 42) does not start with Enterprises(300, 42)")
	}
}

func TestEnterprises_Valid(t *testing.T) {
	for _, n := range []int{0, 1, 300} {
		es := demo.Enterprises(n, 7, today)
		if len(es) != n {
			t.Fatalf("len(Enterprises(%d)) = %d", n, len(es))
		}
		codes := map[string]bool{}
		for i, e := range es {
			code := e.CreditCode
			if err := e.Validate(today, false); err != nil {
				t.Fatalf("profile %d (%s %s): Validate = %v", i, code, e.Name, err)
			}
			if e.CreditCode != code {
				t.Errorf("profile %d: credit code %q is not in stored form %q", i, code, e.CreditCode)
			}
			if codes[code] {
				t.Errorf("profile %d: duplicate credit code %s", i, code)
			}
			codes[code] = true
			if ind, ok := huiqi.LookupIndustry(e.Industry); !ok || ind.Level != 4 {
				t.Errorf("profile %d: industry %q is not a GB/T 4754-2017 class", i, e.Industry)
			}
			if !strings.HasSuffix(e.Name, "有限公司") {
				t.Errorf("profile %d: name %q", i, e.Name)
			}
			if e.FoundedOn.Before(huiqi.NewDate(1985, 1, 1)) {
				t.Errorf("profile %d: founded_on %s before 1985", i, e.FoundedOn)
			}
			if e.HasTag("little_giant") && !e.HasTag("specialized") {
				t.Errorf("profile %d: little_giant without specialized", i)
			}
		}
	}
}

// TestEnterprises_Mix checks that the generated economy looks like
// Quanzhou's: each district's signature industry, mostly small firms, and
// tags at about their real rates.
func TestEnterprises_Mix(t *testing.T) {
	const n = 3000
	es := demo.Enterprises(n, 1, today)
	inRegion := map[string]int{}
	signature := map[string]int{}
	sig := map[string][]string{
		"350526": {"C307"},                    // 德化 ceramics
		"350524": {"A0164", "C1530", "F5127"}, // 安溪 tea
		"350582": {"C17", "C18", "C19"},       // 晋江 shoes, textiles, garments
		"350581": {"C17", "C18", "C19"},       // 石狮 garments
		"350505": {"C25", "C26"},              // 泉港 petrochemicals
		"350583": {"C303", "C33", "C3443"},    // 南安 stone, plumbing
	}
	tags := map[string]int{}
	smallOrMicro, scaled, dishonest := 0, 0, 0
	for _, e := range es {
		inRegion[e.Region]++
		for _, p := range sig[e.Region] {
			if strings.HasPrefix(e.Industry, p) {
				signature[e.Region]++
				break
			}
		}
		for _, tag := range e.Tags {
			tags[tag]++
		}
		switch e.EffectiveScale() {
		case huiqi.ScaleSmall, huiqi.ScaleMicro:
			smallOrMicro++
			scaled++
		case huiqi.ScaleMedium, huiqi.ScaleLarge:
			scaled++
		}
		if e.Dishonest {
			dishonest++
		}
	}
	for region, want := range map[string]float64{"350526": 0.5, "350524": 0.4, "350582": 0.4, "350581": 0.4, "350505": 0.3, "350583": 0.3} {
		if got := float64(signature[region]) / float64(inRegion[region]); got < want {
			t.Errorf("region %s: signature industry share = %.2f, want ≥ %.2f", region, got, want)
		}
	}
	if got := float64(inRegion["350582"]) / n; got < 0.15 {
		t.Errorf("晋江 share of firms = %.2f, want ≥ 0.15", got)
	}
	if got := float64(smallOrMicro) / float64(scaled); got < 0.8 {
		t.Errorf("small and micro share = %.2f, want ≥ 0.8", got)
	}
	rates := []struct {
		tag      string
		low, top float64
	}{
		{"hightech", 0.02, 0.09},
		{"tech_sme", 0.04, 0.12},
		{"specialized", 0.01, 0.06},
		{"little_giant", 0.0005, 0.012},
		{"park_resident", 0.15, 0.35},
		{"insured_full", 0.6, 0.8},
		{"exporter", 0.05, 0.25},
		{"first_loan", 0.02, 0.1},
	}
	for _, r := range rates {
		if got := float64(tags[r.tag]) / n; got < r.low || got > r.top {
			t.Errorf("tag %s rate = %.4f, want in [%.4f, %.4f]", r.tag, got, r.low, r.top)
		}
	}
	if got := float64(dishonest) / n; got < 0.005 || got > 0.04 {
		t.Errorf("dishonest rate = %.4f, want about 0.02", got)
	}
}

// TestEnterprises_Text checks the business scopes and main products: most
// firms have a scope, most manufacturers name their products, and the words
// are their trade's, so that a rule asking for 「鞋」 or 「茶」 finds the shoe
// makers and the tea firms.
func TestEnterprises_Text(t *testing.T) {
	const n = 3000
	es := demo.Enterprises(n, 1, today)
	var scoped, makers, named int
	trades := []struct{ industry, word string }{
		{"C195", "鞋"}, {"C18", "服"}, {"C307", "瓷"}, {"A0164", "茶"}, {"C3032", "石"}, {"I65", "软件"},
	}
	for i, e := range es {
		if e.BusinessScope != "" {
			scoped++
			if !strings.HasPrefix(e.BusinessScope, "一般项目：") || len(e.BusinessScope) > huiqi.MaxNameLength {
				t.Errorf("profile %d: business scope %q is not worded as a licence's, or is over %d bytes", i, e.BusinessScope, huiqi.MaxNameLength)
			}
		}
		if e.Industry[0] == 'C' {
			makers++
			if e.MainProducts != "" {
				named++
			}
		}
		for _, tr := range trades {
			if strings.HasPrefix(e.Industry, tr.industry) && e.BusinessScope != "" && !strings.Contains(e.BusinessScope, tr.word) {
				t.Errorf("profile %d (%s): business scope %q lacks %q", i, e.Industry, e.BusinessScope, tr.word)
			}
		}
	}
	if got := float64(scoped) / n; got < 0.92 || got > 0.98 {
		t.Errorf("share with a business scope = %.3f, want about 0.95", got)
	}
	if got := float64(named) / float64(makers); got < 0.8 || got > 0.9 {
		t.Errorf("share of manufacturers naming main products = %.3f, want about 0.85", got)
	}
}

func TestWriteNDJSON(t *testing.T) {
	es := demo.Enterprises(50, 3, today)
	s := bufio.NewScanner(bytes.NewReader(ndjson(t, es)))
	s.Buffer(nil, 1<<20)
	line := 0
	for s.Scan() {
		var e huiqi.Enterprise
		if err := huiqi.DecodeJSON(s.Bytes(), &e); err != nil {
			t.Fatalf("line %d: DecodeJSON = %v", line+1, err)
		}
		if err := e.Validate(today, false); err != nil {
			t.Fatalf("line %d: Validate = %v", line+1, err)
		}
		if e.CreditCode != es[line].CreditCode || e.Name != es[line].Name {
			t.Errorf("line %d = %s %s, want %s %s", line+1, e.CreditCode, e.Name, es[line].CreditCode, es[line].Name)
		}
		line++
	}
	if line != len(es) {
		t.Errorf("WriteNDJSON wrote %d lines, want %d", line, len(es))
	}
}
