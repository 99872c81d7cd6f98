package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// Baseline is the way a city's IT vendor would match policies, kept to
// measure huiqi against (huiqi-bench): every profile a row of plain columns
// in SQLite, an index on each column rules filter on, and each policy's
// scope and eligibility compiled into one SQL WHERE clause. It lives in its
// own database file, apart from huiqi's schema.
type Baseline struct {
	db *sql.DB
}

// baselineSchema is the vendor's table: one column per profile field, the
// effective scale and the derived flag stored, NULL for a missing value,
// tags in a table of their own, and single-column indexes.
const baselineSchema = `
CREATE TABLE enterprises (
	id                    INTEGER PRIMARY KEY,
	credit_code           TEXT NOT NULL UNIQUE,
	name                  TEXT,
	region                TEXT,
	industry              TEXT,
	scale                 TEXT,
	tax_credit            TEXT,
	founded_on            TEXT,
	employees             INTEGER,
	revenue               INTEGER,
	total_assets          INTEGER,
	rd_expense            INTEGER,
	tax_paid              INTEGER,
	registered_capital    INTEGER,
	dishonest             INTEGER NOT NULL,
	above_designated_size INTEGER
);
CREATE TABLE enterprise_tags (
	tag           TEXT NOT NULL,
	enterprise_id INTEGER NOT NULL,
	PRIMARY KEY (tag, enterprise_id)
) WITHOUT ROWID;
CREATE INDEX enterprises_region ON enterprises (region);
CREATE INDEX enterprises_industry ON enterprises (industry);
CREATE INDEX enterprises_scale ON enterprises (scale);
CREATE INDEX enterprises_tax_credit ON enterprises (tax_credit);
CREATE INDEX enterprises_founded_on ON enterprises (founded_on);
CREATE INDEX enterprises_employees ON enterprises (employees);
CREATE INDEX enterprises_revenue ON enterprises (revenue);
CREATE INDEX enterprises_total_assets ON enterprises (total_assets);
CREATE INDEX enterprises_rd_expense ON enterprises (rd_expense);
`

// OpenBaseline creates the baseline database at path, which must not
// exist, and loads es into it. Errors are internal.
func OpenBaseline(ctx context.Context, path string, es []*huiqi.Enterprise) (*Baseline, error) {
	db, err := sql.Open("sqlite3", path+"?_journal_mode=WAL&_synchronous=OFF")
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	// One connection: the comparison is one query at a time, as huiqi's is.
	db.SetMaxOpenConns(1)
	b := &Baseline{db: db}
	if err := b.load(ctx, es); err != nil {
		db.Close()
		return nil, fmt.Errorf("baseline: %w", err)
	}
	return b, nil
}

// Close closes the baseline database. Errors are internal.
func (b *Baseline) Close() error { return b.db.Close() }

func (b *Baseline) load(ctx context.Context, es []*huiqi.Enterprise) error {
	if _, err := b.db.ExecContext(ctx, baselineSchema); err != nil {
		return err
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO enterprises VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	tag, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO enterprise_tags VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer tag.Close()
	text := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	money := func(m *huiqi.Money) any {
		if m == nil {
			return nil
		}
		return int64(*m)
	}
	for i, e := range es {
		var employees any
		if e.Employees != nil {
			employees = *e.Employees
		}
		if _, err := ins.ExecContext(ctx, i+1, e.CreditCode, text(e.Name), text(e.Region), text(e.Industry),
			text(e.EffectiveScale()), text(e.TaxCredit), text(e.FoundedOn.String()), employees,
			money(e.Revenue), money(e.TotalAssets), money(e.RDExpense), money(e.TaxPaid), money(e.RegisteredCapital),
			e.Dishonest, aboveSize(e)); err != nil {
			return err
		}
		for _, t := range e.Tags {
			if _, err := tag.ExecContext(ctx, t, i+1); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Statistics for the planner, as any sensible deployment would keep.
	_, err = b.db.ExecContext(ctx, `ANALYZE`)
	return err
}

// Match returns the credit codes, sorted, of the enterprises that the
// policy's WHERE clause selects on day. Errors are internal.
func (b *Baseline) Match(ctx context.Context, p *policies.Policy, day huiqi.Date) ([]string, error) {
	where, args := BaselineWhere(p, day)
	rows, err := b.db.QueryContext(ctx, `SELECT credit_code FROM enterprises WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", p.ID, err)
	}
	defer rows.Close()
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes, rows.Err()
}

// BaselineWhere compiles a policy's validity window, scope and eligibility
// on day into the WHERE clause of the baseline table, with its arguments.
// A leaf on a missing value is NULL: SQL's three-valued logic is the rule
// language's (Kleene's), and WHERE keeps the rows where the clause is true,
// the eligible ones.
func BaselineWhere(p *policies.Policy, day huiqi.Date) (string, []any) {
	if !p.OpenOn(day) {
		return "0", nil
	}
	w := &sqlWhere{day: day}
	scope := ""
	if p.Region != "" {
		scope = "(" + w.prefix("region", p.Region) + ") AND "
	}
	return scope + w.node(p.Eligibility), w.args
}

type sqlWhere struct {
	day  huiqi.Date
	args []any
}

func (w *sqlWhere) arg(v any) string {
	w.args = append(w.args, v)
	return "?"
}

func (w *sqlWhere) node(c *policies.Condition) string {
	switch {
	case c.All != nil || c.Any != nil:
		list, op := c.All, " AND "
		if c.Any != nil {
			list, op = c.Any, " OR "
		}
		parts := make([]string, len(list))
		for i, k := range list {
			parts[i] = w.node(k)
		}
		return "(" + strings.Join(parts, op) + ")"
	case c.Not != nil:
		return "NOT " + w.node(c.Not)
	}
	return "(" + w.leaf(c) + ")"
}

// prefix is an index range for each prefix, or'ed. Text compares byte by
// byte, and no UTF-8 text holds the byte 0xff, so every value that starts
// with p lies in [p, p+"\xff").
func (w *sqlWhere) prefix(col string, prefixes ...string) string {
	parts := make([]string, len(prefixes))
	for i, p := range prefixes {
		parts[i] = col + " >= " + w.arg(p) + " AND " + col + " < " + w.arg(p+"\xff")
	}
	return strings.Join(parts, " OR ")
}

func (w *sqlWhere) leaf(c *policies.Condition) string {
	a := c.Arg
	f, _ := huiqi.LookupField(c.Field)
	switch {
	case f.Type == huiqi.TypeTags:
		sub := "SELECT enterprise_id FROM enterprise_tags WHERE tag "
		if c.Op == huiqi.OpHasAny {
			return "id IN (" + sub + "IN (" + w.list(a.Strs) + "))"
		}
		parts := make([]string, len(a.Strs))
		for i, t := range a.Strs {
			parts[i] = "id IN (" + sub + "= " + w.arg(t) + ")"
		}
		return strings.Join(parts, " AND ")
	case f.Type == huiqi.TypeBool:
		cmp := " = "
		if c.Op == huiqi.OpNe {
			cmp = " <> "
		}
		return c.Field + cmp + w.arg(a.Bool)
	case c.Field == "age_years":
		return w.age(c.Op, a.Ints)
	case c.Field == "rd_ratio":
		return w.ratio(c.Op, a.Ints)
	case f.Type == huiqi.TypeDate:
		vals := make([]any, len(a.Ints))
		for i, d := range a.Ints {
			vals[i] = huiqi.DateFromDays(int32(d)).String()
		}
		return w.compare(c.Field, c.Op, vals)
	case f.Type == huiqi.TypeInt || f.Type == huiqi.TypeMoney:
		vals := make([]any, len(a.Ints))
		for i, v := range a.Ints {
			vals[i] = v
		}
		return w.compare(c.Field, c.Op, vals)
	}
	if c.Op == huiqi.OpPrefix {
		return w.prefix(c.Field, a.Strs...)
	}
	vals := make([]any, len(a.Strs))
	for i, s := range a.Strs {
		vals[i] = s
	}
	return w.compare(c.Field, c.Op, vals)
}

func (w *sqlWhere) list(vs []string) string {
	qs := make([]string, len(vs))
	for i, v := range vs {
		qs[i] = w.arg(v)
	}
	return strings.Join(qs, ", ")
}

// compare is a leaf on a nullable column: NULL (unknown) when missing.
func (w *sqlWhere) compare(col, op string, vals []any) string {
	switch op {
	case huiqi.OpEq:
		return col + " = " + w.arg(vals[0])
	case huiqi.OpNe:
		return col + " <> " + w.arg(vals[0])
	case huiqi.OpGt:
		return col + " > " + w.arg(vals[0])
	case huiqi.OpGte:
		return col + " >= " + w.arg(vals[0])
	case huiqi.OpLt:
		return col + " < " + w.arg(vals[0])
	case huiqi.OpLte:
		return col + " <= " + w.arg(vals[0])
	case huiqi.OpBetween:
		return col + " BETWEEN " + w.arg(vals[0]) + " AND " + w.arg(vals[1])
	case huiqi.OpIn, huiqi.OpNotIn:
		qs := make([]string, len(vals))
		for i, v := range vals {
			qs[i] = w.arg(v)
		}
		not := ""
		if op == huiqi.OpNotIn {
			not = "NOT "
		}
		return col + " " + not + "IN (" + strings.Join(qs, ", ") + ")"
	}
	return "0"
}

// age compiles a leaf on age_years into founding dates: whole years as of
// the day are ⌊(day − founded)/10000⌋ with dates as yyyymmdd, so the
// vendor computes the cut-off dates in the application, as text, which
// orders like the dates even where the cut-off is no calendar date.
func (w *sqlWhere) age(op string, v []int64) string {
	at := ymdInt(w.day)
	// years a ≤ age ≤ b, as a founding date range
	rng := func(a, b int64) string {
		return "founded_on BETWEEN " + w.arg(ymdText(at-10000*b-9999)) + " AND " + w.arg(ymdText(at-10000*a))
	}
	switch op {
	case huiqi.OpEq:
		return rng(v[0], v[0])
	case huiqi.OpNe:
		return "NOT (" + rng(v[0], v[0]) + ")"
	case huiqi.OpGte:
		return "founded_on <= " + w.arg(ymdText(at-10000*v[0]))
	case huiqi.OpGt:
		return "founded_on <= " + w.arg(ymdText(at-10000*(v[0]+1)))
	case huiqi.OpLte:
		return "founded_on >= " + w.arg(ymdText(at-10000*v[0]-9999))
	case huiqi.OpLt:
		return "founded_on >= " + w.arg(ymdText(at-10000*(v[0]-1)-9999))
	case huiqi.OpBetween:
		if v[0] > v[1] {
			return "0"
		}
		return rng(v[0], v[1])
	case huiqi.OpIn, huiqi.OpNotIn:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = rng(x, x)
		}
		if op == huiqi.OpIn {
			return "(" + strings.Join(parts, " OR ") + ")"
		}
		return "NOT (" + strings.Join(parts, " OR ") + ")"
	}
	return "0"
}

// ratio compiles a leaf on rd_ratio exactly, by cross-multiplication in
// integers: rd/revenue against v millionths is rd·10⁶ against v·revenue, and
// a zero revenue is the ratio 0.
func (w *sqlWhere) ratio(op string, v []int64) string {
	lhs := "(CASE WHEN revenue = 0 THEN 0 ELSE rd_expense * 1000000 END)"
	rhs := func(x int64) string {
		return "(CASE WHEN revenue = 0 THEN " + w.arg(x) + " ELSE " + w.arg(x) + " * revenue END)"
	}
	switch op {
	case huiqi.OpEq:
		return lhs + " = " + rhs(v[0])
	case huiqi.OpNe:
		return lhs + " <> " + rhs(v[0])
	case huiqi.OpGt:
		return lhs + " > " + rhs(v[0])
	case huiqi.OpGte:
		return lhs + " >= " + rhs(v[0])
	case huiqi.OpLt:
		return lhs + " < " + rhs(v[0])
	case huiqi.OpLte:
		return lhs + " <= " + rhs(v[0])
	case huiqi.OpBetween:
		return lhs + " >= " + rhs(v[0]) + " AND " + lhs + " <= " + rhs(v[1])
	}
	return "0"
}

// aboveSize is the derived flag, NULL when unknown: an enterprise of
// sections B, C or D without revenue.
func aboveSize(e *huiqi.Enterprise) any {
	if e.Revenue == nil && e.Industry != "" && strings.ContainsRune("BCD", rune(e.Industry[0])) {
		return nil
	}
	return huiqi.AboveDesignatedSize(e.Industry, e.Revenue)
}

func ymdInt(d huiqi.Date) int64 {
	y, m, dd := d.Time().Date()
	return int64(y*10000 + int(m)*100 + dd)
}

// ymdText writes a yyyymmdd number as YYYY-MM-DD, calendar date or not.
func ymdText(v int64) string {
	return fmt.Sprintf("%04d-%02d-%02d", v/10000, v/100%100, v%100)
}
