package engine_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
)

// TestEngine_ProfileHistory stores a profile with fiscal years,
// qualifications and incidents, changes its history, and refuses a bad
// change without storing anything: history is part of the versioned
// document like any other field.
func TestEngine_ProfileHistory(t *testing.T) {
	e := engOpen(t, filepath.Join(t.TempDir(), "huiqi.db"))
	code := engCode(1)
	profile := func(doc string) *huiqi.Enterprise {
		var en huiqi.Enterprise
		if err := huiqi.DecodeJSON([]byte(`{"credit_code": "`+code+`", "name": "历年", "region": "350582", "industry": "C1952", "founded_on": "2015-01-01"`+doc+`}`), &en); err != nil {
			t.Fatal(err)
		}
		return &en
	}
	first := profile(`, "fiscal_years": {"2024": {"revenue": 100, "output_value": 90}, "2025": {"revenue": 150}},
		"qualifications": [{"tag": "hightech", "granted_on": "2025-12-10", "expires_on": "2028-12-09"}],
		"incidents": [{"kind": "environment", "level": "general", "on": "2025-03-03"}]`)
	if err := e.CreateEnterprise(engCtx, first); err != nil {
		t.Fatal(err)
	}
	got, err := e.DB.FindEnterprise(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revenue == nil || *got.Revenue != 15000 || got.Version != 1 {
		t.Errorf("stored revenue %v at version %d, want 150 yuan from 2025 at version 1", got.Revenue, got.Version)
	}
	if diff := cmp.Diff(first.FiscalYears, got.FiscalYears); diff != "" {
		t.Errorf("fiscal years (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(first.Qualifications, got.Qualifications, engCmp); diff != "" {
		t.Errorf("qualifications (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(first.Incidents, got.Incidents, engCmp); diff != "" {
		t.Errorf("incidents (-want +got):\n%s", diff)
	}

	bad := profile(`, "revenue": 200, "fiscal_years": {"2025": {"revenue": 150}}`)
	if err := e.UpdateEnterprise(engCtx, code, bad); huiqi.ErrorField(err) != "revenue" {
		t.Errorf("UpdateEnterprise(top level differs from 2025) = %v, want %s naming revenue", err, huiqi.EInvalid)
	}
	next := profile(`, "fiscal_years": {"2024": {"revenue": 100}, "2025": {"revenue": 160}}`)
	if err := e.UpdateEnterprise(engCtx, code, next); err != nil {
		t.Fatal(err)
	}
	got, err = e.DB.FindEnterprise(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || *got.Revenue != 16000 || len(got.Qualifications) != 0 {
		t.Errorf("after the change: version %d, revenue %v, %d qualifications; want 2, 160 yuan, none", got.Version, got.Revenue, len(got.Qualifications))
	}
}
