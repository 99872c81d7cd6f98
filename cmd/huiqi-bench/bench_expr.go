package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// This file is the expression-engine baseline of huiqi-bench: what a vendor
// gets by turning each policy's condition tree into an expr-lang program
// and running every program against each enterprise, whose fields (derived
// ones included, computed as of the date) are handed over as a struct.

// exprEnv is one enterprise as the programs see it. Money is in fen, so
// that comparisons are exact; a missing figure has its has_ flag false.
type exprEnv struct {
	CreditCode   string   `expr:"credit_code"`
	Name         string   `expr:"name"`
	Region       string   `expr:"region"`
	Industry     string   `expr:"industry"`
	Scale        string   `expr:"scale"`
	TaxCredit    string   `expr:"tax_credit"`
	FoundedOn    string   `expr:"founded_on"`
	Tags         []string `expr:"tags"`
	Dishonest    bool     `expr:"dishonest"`
	AboveSize    bool     `expr:"above_designated_size"`
	HasAboveSize bool     `expr:"has_above_designated_size"`
	AgeYears     int      `expr:"age_years"`
	HasFounded   bool     `expr:"has_founded_on"`
	Employees    int      `expr:"employees"`
	HasEmployees bool     `expr:"has_employees"`
	Revenue      int      `expr:"revenue"`
	HasRevenue   bool     `expr:"has_revenue"`
	Assets       int      `expr:"total_assets"`
	HasAssets    bool     `expr:"has_total_assets"`
	RD           int      `expr:"rd_expense"`
	HasRD        bool     `expr:"has_rd_expense"`
	TaxPaid      int      `expr:"tax_paid"`
	HasTaxPaid   bool     `expr:"has_tax_paid"`
	Capital      int      `expr:"registered_capital"`
	HasCapital   bool     `expr:"has_registered_capital"`
}

// newExprEnv flattens e as of day.
func newExprEnv(e *huiqi.Enterprise, day huiqi.Date) *exprEnv {
	env := &exprEnv{
		CreditCode: e.CreditCode, Name: e.Name, Region: e.Region, Industry: e.Industry,
		Scale: e.EffectiveScale(), TaxCredit: e.TaxCredit, FoundedOn: e.FoundedOn.String(),
		Tags: e.Tags, Dishonest: e.Dishonest, AboveSize: huiqi.AboveDesignatedSize(e.Industry, e.Revenue),
	}
	// Above designated size is unknown for industry (B, C, D) without a
	// revenue; everyone else is known not to be.
	env.HasAboveSize = e.Revenue != nil || !strings.ContainsAny(e.Industry[:1], "BCD")
	// A qualification in force on the day counts as its tag.
	for _, q := range e.Qualifications {
		if !slices.Contains(env.Tags, q.Tag) && e.HoldsOn(q.Tag, day) {
			env.Tags = append(slices.Clip(env.Tags), q.Tag)
		}
	}
	if !e.FoundedOn.IsZero() {
		env.HasFounded, env.AgeYears = true, e.FoundedOn.YearsSince(day)
	}
	if e.Employees != nil {
		env.HasEmployees, env.Employees = true, int(*e.Employees)
	}
	for _, f := range []struct {
		m   *huiqi.Money
		v   *int
		has *bool
	}{
		{e.Revenue, &env.Revenue, &env.HasRevenue}, {e.TotalAssets, &env.Assets, &env.HasAssets},
		{e.RDExpense, &env.RD, &env.HasRD}, {e.TaxPaid, &env.TaxPaid, &env.HasTaxPaid},
		{e.RegisteredCapital, &env.Capital, &env.HasCapital},
	} {
		if f.m != nil {
			*f.v, *f.has = int(*f.m), true
		}
	}
	return env
}

// exprPolicy is one policy compiled to an expr program.
type exprPolicy struct {
	id      string
	source  string
	program *vm.Program
}

// compileExpr compiles the policy's window, scope and eligibility on day.
func compileExpr(p *policies.Policy, day huiqi.Date) (*exprPolicy, error) {
	src := "false"
	if p.OpenOn(day) {
		src = exprCond(p.Eligibility, true)
		if p.Region != "" {
			src = "region startsWith " + strconv.Quote(p.Region) + " && " + src
		}
	}
	prog, err := expr.Compile(src, expr.Env(exprEnv{}), expr.AsBool())
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w\n%s", p.ID, err, src)
	}
	return &exprPolicy{id: p.ID, source: src, program: prog}, nil
}

// exprCond is the program that c holds (want true) or fails (want false)
// for certain. Verdicts are three-valued: a leaf on a value the profile
// lacks is unknown, so "holds" is not "does not fail", and not swaps the
// two (Kleene logic). A policy's eligible enterprises are those its tree
// holds for.
func exprCond(c *policies.Condition, want bool) string {
	switch {
	case c.All != nil || c.Any != nil:
		list, op := c.All, " && "
		if c.Any != nil {
			list, op = c.Any, " || "
		}
		if !want { // all fails when one fails, any when every one fails
			op = map[string]string{" && ": " || ", " || ": " && "}[op]
		}
		parts := make([]string, len(list))
		for i, k := range list {
			parts[i] = exprCond(k, want)
		}
		return "(" + strings.Join(parts, op) + ")"
	case c.Not != nil:
		return exprCond(c.Not, !want)
	}
	known, holds := exprLeaf(c)
	if !want {
		holds = "!(" + holds + ")"
	}
	if known == "" {
		return "(" + holds + ")"
	}
	return "(" + known + " && (" + holds + "))"
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// exprLeaf returns what makes c's value known (empty when it always is:
// tags and dishonest are authoritative lists) and the test of the value.
func exprLeaf(c *policies.Condition) (known, holds string) {
	a, f := c.Arg, c.Field
	field, _ := huiqi.LookupField(f)
	switch {
	case field.Type == huiqi.TypeTags:
		parts := make([]string, len(a.Strs))
		for i, t := range a.Strs {
			parts[i] = strconv.Quote(t) + " in tags"
		}
		if c.Op == huiqi.OpHasAny {
			return "", strings.Join(parts, " || ")
		}
		return "", strings.Join(parts, " && ")
	case field.Type == huiqi.TypeBool:
		op := " == "
		if c.Op == huiqi.OpNe {
			op = " != "
		}
		if f == "above_designated_size" {
			known = "has_above_designated_size"
		}
		return known, f + op + strconv.FormatBool(a.Bool)
	case f == "rd_ratio":
		// Exact, by cross-multiplication; a zero revenue is the ratio 0.
		cmp := func(op string, v int64) string {
			x := strconv.FormatInt(v, 10)
			return "(revenue == 0 ? 0 " + op + " " + x + " : rd_expense * 1000000 " + op + " " + x + " * revenue)"
		}
		known = "has_rd_expense && has_revenue"
		if c.Op == huiqi.OpBetween {
			return known, cmp(">=", a.Ints[0]) + " && " + cmp("<=", a.Ints[1])
		}
		return known, cmp(exprOps[c.Op], a.Ints[0])
	case field.Type == huiqi.TypeDate:
		vals := make([]string, len(a.Ints))
		for i, d := range a.Ints {
			vals[i] = strconv.Quote(huiqi.DateFromDays(int32(d)).String())
		}
		return `founded_on != ""`, exprCompare(f, c.Op, vals)
	case field.Type == huiqi.TypeInt || field.Type == huiqi.TypeMoney:
		vals := make([]string, len(a.Ints))
		for i, v := range a.Ints {
			vals[i] = strconv.FormatInt(v, 10)
		}
		known = "has_" + f
		if f == "age_years" {
			known = "has_founded_on"
		}
		return known, exprCompare(f, c.Op, vals)
	}
	known = f + ` != ""`
	if c.Op == huiqi.OpPrefix {
		parts := make([]string, len(a.Strs))
		for i, s := range quoted(a.Strs) {
			parts[i] = f + " startsWith " + s
		}
		return known, strings.Join(parts, " || ")
	}
	return known, exprCompare(f, c.Op, quoted(a.Strs))
}

var exprOps = map[string]string{
	huiqi.OpEq: "==", huiqi.OpNe: "!=", huiqi.OpGt: ">", huiqi.OpGte: ">=", huiqi.OpLt: "<", huiqi.OpLte: "<=",
}

func exprCompare(f, op string, vals []string) string {
	switch op {
	case huiqi.OpBetween:
		return f + " >= " + vals[0] + " && " + f + " <= " + vals[1]
	case huiqi.OpIn:
		return f + " in [" + strings.Join(vals, ", ") + "]"
	case huiqi.OpNotIn:
		return "!(" + f + " in [" + strings.Join(vals, ", ") + "])"
	}
	return f + " " + exprOps[op] + " " + vals[0]
}

// exprMatch runs every program against e on day and returns the ids of the
// policies it is eligible for, in list order.
func exprMatch(machine *vm.VM, list []*exprPolicy, e *huiqi.Enterprise, day huiqi.Date) ([]string, error) {
	env := newExprEnv(e, day)
	var ids []string
	for _, p := range list {
		out, err := machine.Run(p.program, env)
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", p.id, err)
		}
		if out.(bool) {
			ids = append(ids, p.id)
		}
	}
	return ids, nil
}
