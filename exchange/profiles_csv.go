package exchange

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
)

// CSVSource reads profiles from CSV with a header row naming profile
// fields; tags are separated by ';' within their cell, empty cells are
// absent values.
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
			return nil, huiqi.FieldErrorf(header[i], "CSV 表头中的未知字段 %q", header[i])
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
		}
	}
	var e huiqi.Enterprise
	if err := huiqi.DecodeValue(generic, &e); err != nil {
		return s.line, nil, err
	}
	return s.line, &e, nil
}
