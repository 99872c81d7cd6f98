package exchange

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
)

// CSVSource reads profiles from CSV with a header row naming profile
// fields; tags are separated by ';' within their cell, empty cells are
// absent values. History takes a column per figure and year, named
// FIGURE_YEAR (revenue_2024, output_value_2025); qualifications a cell of
// TAG:GRANTED_ON[:EXPIRES_ON] items and incidents one of KIND:LEVEL:ON
// items, both separated by ';' (hightech:2025-12-10:2028-12-09;
// green_factory:2024-05-01).
type CSVSource struct {
	r      *csv.Reader
	header []string
	line   int
}

// NewCSVSource reads the header row of r. It returns EInvalid for an
// unknown column.
func NewCSVSource(r io.Reader) (*CSVSource, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, huiqi.Errorf(huiqi.EInvalid, "CSV 缺少表头: %v", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // Excel's BOM
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(h)
		if _, ok := csvKinds[header[i]]; !ok {
			if _, _, ok := yearlyColumn(header[i]); !ok {
				return nil, huiqi.FieldErrorf(header[i], "CSV 表头中的未知字段 %q（历年数字的列名如 revenue_2024）", header[i])
			}
		}
	}
	return &CSVSource{r: cr, header: header, line: 1}, nil
}

// csvKinds says how each column's text becomes a JSON value.
var csvKinds = map[string]byte{
	"credit_code": 's', "name": 's', "region": 's', "industry": 's', "founded_on": 's',
	"tax_credit": 's', "scale": 's',
	"employees": 'n', "revenue": 'n', "total_assets": 'n', "rd_expense": 'n', "tax_paid": 'n', "registered_capital": 'n',
	"dishonest": 'b', "legacy_code": 'b', "tags": 't',
	"business_scope": 's', "main_products": 's',
	"qualifications": 'q', "incidents": 'i',
}

// yearlyColumn splits a history column name such as revenue_2024 into its
// figure and year.
func yearlyColumn(name string) (figure, year string, ok bool) {
	i := strings.LastIndexByte(name, '_')
	if i < 0 || len(name)-i-1 != 4 || !slices.Contains(huiqi.YearlyFigures, name[:i]) {
		return "", "", false
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return "", "", false
		}
	}
	return name[:i], name[i+1:], true
}

// csvItems splits a cell of ';'-separated items of ':'-separated parts
// into objects with the given keys (the last ones optional), naming the
// item in an error.
func csvItems(name, cell string, keys []string, required int) ([]any, error) {
	var items []any
	for _, item := range strings.Split(cell, ";") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		parts := strings.Split(item, ":")
		if len(parts) < required || len(parts) > len(keys) {
			return nil, huiqi.FieldErrorf(huiqi.IndexPath(name, len(items)), "应写作 %s，收到 %q", strings.Join(keys, ":"), item)
		}
		obj := map[string]any{}
		for k, p := range parts {
			obj[keys[k]] = strings.TrimSpace(p)
		}
		items = append(items, obj)
	}
	return items, nil
}

// Next implements engine.ProfileSource.
func (s *CSVSource) Next() (int, *huiqi.Enterprise, error) {
	record, err := s.r.Read()
	s.line++
	if errors.Is(err, io.EOF) {
		return s.line, nil, io.EOF
	} else if err != nil {
		return s.line, nil, huiqi.Errorf(huiqi.EInvalid, "CSV 格式错误: %v", err)
	}
	if len(record) != len(s.header) {
		return s.line, nil, huiqi.Errorf(huiqi.EInvalid, "该行有 %d 列，表头有 %d 列", len(record), len(s.header))
	}
	generic := map[string]any{}
	for i, cell := range record {
		cell = strings.TrimSpace(cell)
		if cell == "" {
			continue
		}
		name := s.header[i]
		if figure, year, ok := yearlyColumn(name); ok {
			years, _ := generic["fiscal_years"].(map[string]any)
			if years == nil {
				years = map[string]any{}
				generic["fiscal_years"] = years
			}
			fy, _ := years[year].(map[string]any)
			if fy == nil {
				fy = map[string]any{}
				years[year] = fy
			}
			fy[figure] = json.Number(cell)
			continue
		}
		switch csvKinds[name] {
		case 's':
			generic[name] = cell
		case 'n':
			generic[name] = json.Number(cell)
		case 'b':
			b, err := strconv.ParseBool(cell)
			if err != nil {
				return s.line, nil, huiqi.FieldErrorf(name, "%s 应为 true 或 false", name)
			}
			generic[name] = b
		case 't':
			var tags []any
			for _, t := range strings.Split(cell, ";") {
				if t = strings.TrimSpace(t); t != "" {
					tags = append(tags, t)
				}
			}
			generic[name] = tags
		case 'q', 'i':
			keys, required := []string{"tag", "granted_on", "expires_on"}, 2
			if csvKinds[name] == 'i' {
				keys, required = []string{"kind", "level", "on"}, 3
			}
			items, err := csvItems(name, cell, keys, required)
			if err != nil {
				return s.line, nil, err
			}
			generic[name] = items
		}
	}
	var e huiqi.Enterprise
	if err := huiqi.DecodeValue(generic, &e); err != nil {
		return s.line, nil, err
	}
	return s.line, &e, nil
}
