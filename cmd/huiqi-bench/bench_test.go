package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestBench runs huiqi-bench on a small data set: every approach must agree
// with huiqi, and the table must come out whole.
func TestBench(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bleve index and two baselines")
	}
	var out, errs bytes.Buffer
	err := (&BenchCommand{Stdout: &out, Stderr: &errs}).Run(context.Background(), []string{"--enterprises", "3000", "--policies", "120", "--runs", "2", "--sample", "20"})
	if err != nil {
		t.Fatalf("huiqi-bench: %v\n%s", err, errs.String())
	}
	for _, want := range []string{"| measure |", "decision + amounts", "over HTTP", "selective", "broad", "SQLite WHERE", "expr programs", "full rematch", "import 3,000 profiles", "over the API (POST /v1/enterprises/bulk", "GET /v1/policies/{id}/matches?limit=1", "right after a data change", "start-up", "index catch-up", "VmHWM", "Checked before timing"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("huiqi-bench output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestBench_NoBaselines runs huiqi's measures alone, as for a province.
func TestBench_NoBaselines(t *testing.T) {
	var out, errs bytes.Buffer
	err := (&BenchCommand{Stdout: &out, Stderr: &errs}).Run(context.Background(), []string{"--enterprises", "2000", "--policies", "80", "--runs", "2", "--sample", "10", "--baselines=false"})
	if err != nil {
		t.Fatalf("huiqi-bench: %v\n%s", err, errs.String())
	}
	for _, want := range []string{"over HTTP", "broad", "full rematch", "heap of the engine", "memory per profile", "peak RSS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("huiqi-bench output lacks %q:\n%s", want, out.String())
		}
	}
	for _, not := range []string{"SQLite WHERE", "expr programs", "over the API"} {
		if strings.Contains(out.String(), not) {
			t.Errorf("huiqi-bench --baselines=false output has %q:\n%s", not, out.String())
		}
	}
}
