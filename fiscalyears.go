package huiqi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// FiscalYears holds an enterprise's closed fiscal years by year. In JSON
// it is an object keyed by four-digit year ("2025"), as a map would be; a
// key of any other form is a decoding error naming it. In memory it is a
// short slice sorted by year, each year's figures flat and without a
// pointer: a Go map of three years with a pointer per figure cost about
// 900 bytes a profile, most of a province's heap, and as many objects for
// the collector to trace. The zero value holds no year.
//
// Like a map, a copy of a FiscalYears shares its years: Set on one may
// show in the other.
type FiscalYears struct {
	years []yearFigures // sorted by year, years unique
}

// yearFigures is one year's figures in YearlyFigures order; bit i of has
// says whether figure i is known.
type yearFigures struct {
	year uint16
	has  uint8
	v    [numYearly]int64
}

const numYearly = 8

// FiscalYearsOf returns the years of m.
func FiscalYearsOf(m map[int]FiscalYear) FiscalYears {
	var f FiscalYears
	for y, fy := range m {
		f.Set(y, fy)
	}
	return f
}

// Len returns the number of years held.
func (f FiscalYears) Len() int { return len(f.years) }

// IsZero reports whether no year is held; JSON omits the field then.
func (f FiscalYears) IsZero() bool { return len(f.years) == 0 }

// Years returns the years held, in ascending order.
func (f FiscalYears) Years() []int {
	years := make([]int, len(f.years))
	for i, y := range f.years {
		years[i] = int(y.year)
	}
	return years
}

// Latest returns the latest year held.
func (f FiscalYears) Latest() (int, bool) {
	if len(f.years) == 0 {
		return 0, false
	}
	return int(f.years[len(f.years)-1].year), true
}

func (f FiscalYears) find(year int) (int, bool) {
	return slices.BinarySearchFunc(f.years, year, func(y yearFigures, year int) int { return int(y.year) - year })
}

// Get returns the figures of the year.
func (f FiscalYears) Get(year int) (FiscalYear, bool) {
	i, ok := f.find(year)
	if !ok {
		return FiscalYear{}, false
	}
	return f.years[i].fiscalYear(), true
}

// Set stores the figures of the year, replacing any held. The year must
// have four digits.
func (f *FiscalYears) Set(year int, y FiscalYear) {
	if year < 1000 || year > 9999 {
		panic(fmt.Sprintf("huiqi: fiscal year %d has not four digits", year))
	}
	f.put(packYear(year, y))
}

func (f *FiscalYears) put(y yearFigures) {
	if i, ok := f.find(int(y.year)); ok {
		f.years[i] = y
	} else {
		f.years = slices.Insert(f.years, i, y)
	}
}

// Delete removes the year.
func (f *FiscalYears) Delete(year int) {
	if i, ok := f.find(year); ok {
		f.years = slices.Delete(slices.Clone(f.years), i, i+1)
	}
}

// Equal reports whether f and g hold the same years with the same figures.
func (f FiscalYears) Equal(g FiscalYears) bool { return slices.Equal(f.years, g.years) }

// figure returns the yearly figure named by its JSON name of the year.
func (f FiscalYears) figure(year int, name string) (int64, bool) {
	i, ok := f.find(year)
	if !ok {
		return 0, false
	}
	k := yearlyIndex(name)
	if k < 0 || f.years[i].has&(1<<k) == 0 {
		return 0, false
	}
	return f.years[i].v[k], true
}

// yearlyIndex returns the position of a figure in YearlyFigures, or -1.
func yearlyIndex(name string) int {
	switch name {
	case "revenue":
		return 0
	case "tax_paid":
		return 1
	case "rd_expense":
		return 2
	case "total_assets":
		return 3
	case "employees":
		return 4
	case "output_value":
		return 5
	case "import_export":
		return 6
	case "equipment_investment":
		return 7
	}
	return -1
}

const employeesIndex = 4

// moneys returns pointers to y's money figures in YearlyFigures order,
// nil at employees.
func (y *FiscalYear) moneys() [numYearly]**Money {
	return [numYearly]**Money{&y.Revenue, &y.TaxPaid, &y.RDExpense, &y.TotalAssets, nil, &y.OutputValue, &y.ImportExport, &y.EquipmentInvestment}
}

func packYear(year int, fy FiscalYear) yearFigures {
	y := yearFigures{year: uint16(year)}
	for i, m := range fy.moneys() {
		if i == employeesIndex {
			if fy.Employees != nil {
				y.has |= 1 << i
				y.v[i] = *fy.Employees
			}
		} else if *m != nil {
			y.has |= 1 << i
			y.v[i] = int64(**m)
		}
	}
	return y
}

// fiscalYear returns the figures as a FiscalYear, whose pointers point into
// one fresh copy.
func (y *yearFigures) fiscalYear() FiscalYear {
	var fy FiscalYear
	if y.has == 0 {
		return fy
	}
	v := y.v
	for i, m := range fy.moneys() {
		if y.has&(1<<i) == 0 {
			continue
		}
		if i == employeesIndex {
			fy.Employees = &v[i]
		} else {
			*m = (*Money)(&v[i])
		}
	}
	return fy
}

// parseYearKey reads a key of fiscal_years: four digits, the first not 0.
func parseYearKey(key []byte) (int, bool) {
	if len(key) != 4 || key[0] < '1' || key[0] > '9' {
		return 0, false
	}
	year := 0
	for _, c := range key {
		if c < '0' || c > '9' {
			return 0, false
		}
		year = year*10 + int(c-'0')
	}
	return year, true
}

// yearKeyError is the error of a key of fiscal_years that is no year.
func yearKeyError(key string) error {
	return FieldErrorf(key, "会计年度应为四位年份，如 \"2025\"，收到 %q", key)
}

// MarshalJSON writes the years as an object keyed by year, each year's
// figures as FiscalYear's JSON: what a map[string]FiscalYear gives.
func (f FiscalYears) MarshalJSON() ([]byte, error) {
	if f.years == nil {
		return []byte("null"), nil
	}
	return f.appendJSON(make([]byte, 0, 64+100*len(f.years))), nil
}

func (f FiscalYears) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, y := range f.years {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(y.year), 10)
		b = append(b, '"', ':', '{')
		first := true
		for k := range numYearly {
			if y.has&(1<<k) == 0 {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, '"')
			b = append(b, YearlyFigures[k]...)
			b = append(b, '"', ':')
			if k == employeesIndex {
				b = strconv.AppendInt(b, y.v[k], 10)
			} else {
				b = appendMoney(b, Money(y.v[k]))
			}
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// UnmarshalJSON reads an object keyed by four-digit year, as into a
// map[string]FiscalYear: years are added to those held, null clears. A key
// that is no year is an error naming it.
func (f *FiscalYears) UnmarshalJSON(b []byte) error {
	var m map[string]FiscalYear
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m == nil {
		*f = FiscalYears{}
		return nil
	}
	g := FiscalYears{years: slices.Clone(f.years)}
	if g.years == nil {
		g.years = []yearFigures{} // an empty object is an empty, non-nil map
	}
	for k, y := range m {
		year, ok := parseYearKey([]byte(k))
		if !ok {
			return yearKeyError(k)
		}
		g.put(packYear(year, y))
	}
	*f = g
	return nil
}
