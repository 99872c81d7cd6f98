package web

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// The editor's form holds rows of plain leaves and a fixed or rate amount.
// Leaves read across years and a rate of an increase are more than a row
// holds: the form leaves them out, and saving the form keeps them as the
// YAML states them rather than flattening them onto the latest year.
// The worked-out line, which multiplies the latest figure, is not written
// for them either.
func TestEditorForm_KeepsHistory(t *testing.T) {
	today := huiqi.NewDate(2026, 11, 25)
	list, err := policies.Catalogue(today)
	if err != nil {
		t.Fatal(err)
	}
	var p *policies.Policy
	for _, q := range list {
		if q.ID == "qz-hightech-rd-subsidy" {
			p = q
		}
	}
	if p == nil {
		t.Fatal("qz-hightech-rd-subsidy not in the catalogue")
	}
	f := formOfPolicy(p)
	var fields []string
	for _, r := range f.Rows {
		fields = append(fields, r.Field)
	}
	if diff := cmp.Diff([]string{"tags", "rd_expense", "dishonest"}, fields); diff != "" {
		t.Errorf("form rows (-want +got):\n%s", diff)
	}
	if f.Kept != 1 || f.AmountKind != "" {
		t.Errorf("form keeps %d conditions, amount kind %q; want 1 and \"\" (kept)", f.Kept, f.AmountKind)
	}

	saved := *p
	if err := f.apply(&saved); err != nil {
		t.Fatalf("apply: %v", err)
	}
	var over []string
	for _, c := range saved.Eligibility.All {
		if c.Over != nil {
			over = append(over, c.Field+" "+c.Over.Agg)
		}
	}
	if diff := cmp.Diff([]string{"rd_expense increase"}, over); diff != "" {
		t.Errorf("leaves read across years after saving the form (-want +got):\n%s", diff)
	}
	if a := saved.Benefit.Amount; a.Over == nil || a.Over.Agg != "increase" {
		t.Errorf("amount after saving the form = %+v, want the rate of the increase kept", a)
	}

	amount := huiqi.Money(90000 * huiqi.Yuan)
	e := &huiqi.Enterprise{RDExpense: func() *huiqi.Money { m := huiqi.Money(3_500_000 * huiqi.Yuan); return &m }()}
	if s := workedOut(p, e, today, &amount); s != "" {
		t.Errorf("workedOut of a rate of an increase = %q, want \"\"", s)
	}
}
