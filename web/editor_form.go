package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// formOfPolicy fills the editor's form from a validated policy.
func formOfPolicy(p *policies.Policy) editorForm {
	f := editorForm{
		Title: p.Title, ValidFrom: p.ValidFrom.String(), ValidTo: p.ValidTo.String(), Mode: p.Mode,
		Budget: wanText(p.Budget),
	}
	if p.DeadlineDays > 0 {
		f.DeadlineDays = strconv.Itoa(p.DeadlineDays)
	}
	if a := p.Benefit.Amount; a != nil && formAmount(a) {
		switch {
		case a.Fixed != nil:
			f.AmountKind, f.Fixed = "fixed", wanText(a.Fixed)
		case a.Rate != nil:
			f.AmountKind, f.Rate, f.Of, f.Cap, f.Floor = "rate", policies.FormatDecimal(int64(*a.Rate)*100), a.Of, wanText(a.Cap), wanText(a.Floor)
		}
	}
	var leaves []*policies.Condition
	switch e := p.Eligibility; {
	case e == nil:
	case len(e.All) > 0:
		leaves = e.All
	case e.Field != "":
		leaves = []*policies.Condition{e}
	default:
		f.Kept = 1
	}
	for _, c := range leaves {
		if !formLeaf(c) {
			f.Kept++
			continue
		}
		f.Rows = append(f.Rows, condRow{Field: c.Field, Op: c.Op, Value: valueText(c), Label: c.Label})
	}
	return f
}

// formLeaf reports whether a condition is a row of the form: a leaf on a
// figure of the latest year. A leaf read across years (over), on a
// qualification's dates (tag) or on incidents has more than a row holds,
// so it stays as the YAML states it, as nested conditions do.
func formLeaf(c *policies.Condition) bool {
	return c.Field != "" && c.Over == nil && c.Tag == "" && c.Incident == nil
}

// formAmount reports whether the form's amount fields state the formula
// whole: a fixed sum, or a rate of the latest figure with cap and floor.
// Tiers, bands, steps, rates of an increase or sum and caps from another
// figure stay as the YAML states them.
func formAmount(a *policies.Amount) bool {
	return len(a.Tiers) == 0 && a.Bands == nil && a.Step == nil && a.Over == nil && a.CapOf == nil
}

// wanText writes an amount in 万元 as the form takes it, exactly.
func wanText(m *huiqi.Money) string {
	if m == nil {
		return ""
	}
	s := m.String() // yuan
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	for len(whole) < 5 {
		whole = "0" + whole
	}
	w := strings.TrimLeft(whole[:len(whole)-4], "0")
	if w == "" {
		w = "0"
	}
	out := strings.TrimRight(whole[len(whole)-4:]+frac, "0")
	if out != "" {
		w += "." + out
	}
	if neg {
		w = "-" + w
	}
	return w
}

// valueText writes a leaf's value as the form shows it: money in 万元,
// tags by name, several values joined by 、, a range as A 至 B.
func valueText(c *policies.Condition) string {
	f, _ := huiqi.LookupField(c.Field)
	var parts []string
	for _, s := range c.Arg.Strs {
		if f.Type == huiqi.TypeTags {
			s = tagName(s)
		}
		parts = append(parts, s)
	}
	for _, n := range c.Arg.Ints {
		switch f.Type {
		case huiqi.TypeMoney:
			m := huiqi.Money(n)
			parts = append(parts, wanText(&m))
		case huiqi.TypeRatio:
			parts = append(parts, policies.FormatDecimal(n))
		case huiqi.TypeDate:
			parts = append(parts, huiqi.DateFromDays(int32(n)).String())
		default:
			parts = append(parts, strconv.FormatInt(n, 10))
		}
	}
	if f.Type == huiqi.TypeBool {
		if c.Arg.Bool {
			return "是"
		}
		return "否"
	}
	if c.Op == huiqi.OpBetween {
		return strings.Join(parts, " 至 ")
	}
	return strings.Join(parts, "、")
}

// listSep splits several values as people type them.
var listSep = regexp.MustCompile(`\s*[、,，;；]\s*|\s+至\s+`)

// ruleValue turns a value typed in the form into the rule language's JSON
// value for the field and operator. It returns EInvalid naming the row.
func ruleValue(path string, c condRow) (json.RawMessage, error) {
	f, ok := huiqi.LookupField(c.Field)
	if !ok {
		return nil, huiqi.FieldErrorf(path+".field", "请选择条件字段")
	}
	text := strings.TrimSpace(c.Value)
	if text == "" {
		return nil, huiqi.FieldErrorf(path+".value", "%s的条件值不能为空", f.Label)
	}
	var parts []string
	for _, s := range listSep.Split(text, -1) {
		if s != "" {
			parts = append(parts, s)
		}
	}
	one := func(s string) (any, error) {
		switch f.Type {
		case huiqi.TypeMoney:
			if !wanPattern.MatchString(s) {
				return nil, huiqi.FieldErrorf(path+".value", "%s应为以万元计的金额，如 500 或 12.5", f.Label)
			}
			m, err := huiqi.ParseMoney(s + "e4")
			if err != nil {
				return nil, huiqi.FieldErrorf(path+".value", "%s最多精确到分", f.Label)
			}
			return json.Number(m.String()), nil
		case huiqi.TypeInt:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, huiqi.FieldErrorf(path+".value", "%s应为整数", f.Label)
			}
			return n, nil
		case huiqi.TypeRatio:
			return s, nil
		case huiqi.TypeBool:
			switch s {
			case "是", "true":
				return true, nil
			case "否", "false":
				return false, nil
			}
			return nil, huiqi.FieldErrorf(path+".value", "%s应为“是”或“否”", f.Label)
		case huiqi.TypeTags:
			for _, t := range huiqi.Tags() {
				if t.Name == s || t.Tag == s {
					return t.Tag, nil
				}
			}
			return nil, huiqi.FieldErrorf(path+".value", "未知的企业资质 %q", s)
		}
		return s, nil
	}
	var values []any
	for _, s := range parts {
		v, err := one(s)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	// Several values are a list; the policy's validation says whether the
	// operator takes one.
	var v any = values
	switch c.Op {
	case huiqi.OpIn, huiqi.OpNotIn, huiqi.OpHasAny, huiqi.OpHasAll, huiqi.OpBetween, huiqi.OpContainsAny, huiqi.OpContainsAll:
	default:
		if len(values) == 1 {
			v = values[0]
		}
	}
	return json.Marshal(v)
}

// readEditorForm reads the form part of the editor; false when it was not
// sent (the page's script leaves it out once the YAML is edited by hand).
func readEditorForm(r *http.Request) (editorForm, bool) {
	if _, ok := r.PostForm["f_title"]; !ok {
		return editorForm{}, false
	}
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue("f_" + name)) }
	f := editorForm{
		Title: v("title"), ValidFrom: v("valid_from"), ValidTo: v("valid_to"), Mode: v("mode"), DeadlineDays: v("deadline_days"),
		Budget: v("budget"), AmountKind: v("amount_kind"), Fixed: v("fixed"), Rate: v("rate"), Of: v("of"), Cap: v("cap"), Floor: v("floor"),
	}
	fields, ops, values, labels := r.PostForm["f_cond_field"], r.PostForm["f_cond_op"], r.PostForm["f_cond_value"], r.PostForm["f_cond_label"]
	for i := range fields {
		row := condRow{Field: fields[i]}
		if i < len(ops) {
			row.Op = ops[i]
		}
		if i < len(values) {
			row.Value = values[i]
		}
		if i < len(labels) {
			row.Label = strings.TrimSpace(labels[i])
		}
		if row.Field == "" && strings.TrimSpace(row.Value) == "" {
			continue // an unused blank row
		}
		f.Rows = append(f.Rows, row)
	}
	return f, true
}

// apply writes the form's fields into the policy parsed from the YAML; the
// result is validated again when it is read back.
func (f editorForm) apply(p *policies.Policy) error {
	p.Title, p.Mode = f.Title, f.Mode
	var err error
	date := func(name, s string) (huiqi.Date, error) {
		if s == "" {
			return huiqi.Date{}, nil
		}
		d, err := huiqi.ParseDate(s)
		return d, huiqi.WithPrefix(name, err)
	}
	if p.ValidFrom, err = date("valid_from", f.ValidFrom); err != nil {
		return err
	}
	if p.ValidTo, err = date("valid_to", f.ValidTo); err != nil {
		return err
	}
	p.DeadlineDays = 0
	if f.DeadlineDays != "" {
		if p.DeadlineDays, err = strconv.Atoi(f.DeadlineDays); err != nil {
			return huiqi.FieldErrorf("deadline_days", "兑现时限应为整数天数")
		}
	}
	wan := func(name, s string) (*huiqi.Money, error) {
		if s == "" {
			return nil, nil
		}
		if !wanPattern.MatchString(s) {
			return nil, huiqi.FieldErrorf(name, "金额应为以万元计的非负数，如 300 或 12.5")
		}
		m, err := huiqi.ParseMoney(s + "e4")
		if err != nil {
			return nil, huiqi.FieldErrorf(name, "金额最多精确到分")
		}
		return &m, nil
	}
	if p.Budget, err = wan("budget", f.Budget); err != nil {
		return err
	}
	switch f.AmountKind {
	case "fixed":
		m, err := wan("benefit.amount.fixed", f.Fixed)
		if err != nil {
			return err
		} else if m == nil {
			return huiqi.FieldErrorf("benefit.amount.fixed", "请填写定额金额")
		}
		p.Benefit.Amount = &policies.Amount{Fixed: m}
	case "rate":
		n, err := policies.ParseDecimal(f.Rate)
		if err != nil {
			return huiqi.FieldErrorf("benefit.amount.rate", "比例应为百分数，如 0.3 表示 0.3%%")
		}
		rate := policies.Rate(n / 100)
		cap, err := wan("benefit.amount.cap", f.Cap)
		if err != nil {
			return err
		}
		floor, err := wan("benefit.amount.floor", f.Floor)
		if err != nil {
			return err
		}
		p.Benefit.Amount = &policies.Amount{Rate: &rate, Of: f.Of, Cap: cap, Floor: floor}
	}
	var all []*policies.Condition
	for i, row := range f.Rows {
		path := "eligibility.all[" + strconv.Itoa(i) + "]"
		v, err := ruleValue(path, row)
		if err != nil {
			return err
		}
		all = append(all, &policies.Condition{Field: row.Field, Op: row.Op, Value: v, Label: row.Label})
	}
	// Conditions nested deeper stay as the YAML has them, after the rows.
	if e := p.Eligibility; e != nil {
		switch {
		case len(e.All) > 0:
			for _, c := range e.All {
				if !formLeaf(c) {
					all = append(all, c)
				}
			}
		case !formLeaf(e):
			all = append(all, e)
		}
	}
	p.Eligibility = &policies.Condition{All: all}
	return nil
}

// formFieldOf names the form field an error path belongs to: the row of a
// top-level condition, or a field of the form; "" for the YAML's own.
func formFieldOf(path string, rows int) string {
	if rest, ok := strings.CutPrefix(path, "eligibility.all["); ok {
		if i, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, ']'), 0)]); err == nil && i < rows {
			return "row-" + strconv.Itoa(i)
		}
		return ""
	}
	switch path {
	case "title", "valid_from", "valid_to", "mode", "deadline_days", "budget":
		return path
	case "benefit.amount.fixed", "benefit.amount.rate", "benefit.amount.cap", "benefit.amount.floor", "benefit.amount.of":
		return strings.TrimPrefix(path, "benefit.amount.")
	}
	return ""
}

// condRowView is a condition row with what its template needs.
type condRowView struct {
	Index   int
	Row     condRow
	Fields  []huiqi.Field
	Ops     []option
	Invalid bool
}

func condRowOf(p editorPage, i int, row condRow) condRowView {
	return condRowView{Index: i, Row: row, Fields: p.Fields, Ops: p.Ops, Invalid: p.FormField == "row-"+strconv.Itoa(i)}
}
