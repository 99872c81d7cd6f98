package huiqi

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// FiscalYears holds an enterprise's closed fiscal years by four-digit year
// ("2025"). In JSON it is an object keyed by year, as a map would be. In
// memory it is a short slice sorted by key, each year's figures flat: a Go
// map of three years with a pointer per figure cost about 900 bytes a
// profile, most of a province's heap, and as many objects for the
// collector to trace. The zero value holds no year.
//
// Like a map, a copy of a FiscalYears shares its years: Set on one may
// show in the other.
type FiscalYears struct {
	years []yearFigures // sorted by key, keys unique
}

// yearFigures is one year's figures in YearlyFigures order; bit i of has
// says whether figure i is known.
type yearFigures struct {
	key string
	has uint8
	v   [numYearly]int64
}

const numYearly = 8

// FiscalYearsOf returns the years of m.
func FiscalYearsOf(m map[string]FiscalYear) FiscalYears {
	var f FiscalYears
	for k, y := range m {
		f.Set(k, y)
	}
	return f
}

// Len returns the number of years held.
func (f FiscalYears) Len() int { return len(f.years) }

// IsZero reports whether no year is held; JSON omits the field then.
func (f FiscalYears) IsZero() bool { return len(f.years) == 0 }

// Keys returns the years held, in ascending order.
func (f FiscalYears) Keys() []string {
	keys := make([]string, len(f.years))
	for i, y := range f.years {
		keys[i] = y.key
	}
	return keys
}

func (f FiscalYears) find(key string) (int, bool) {
	return slices.BinarySearchFunc(f.years, key, func(y yearFigures, k string) int { return strings.Compare(y.key, k) })
}

// Get returns the figures of the year key.
func (f FiscalYears) Get(key string) (FiscalYear, bool) {
	i, ok := f.find(key)
	if !ok {
		return FiscalYear{}, false
	}
	return f.years[i].fiscalYear(), true
}

// Set stores the figures of the year key, replacing any held.
func (f *FiscalYears) Set(key string, y FiscalYear) {
	f.put(packYear(key, y))
}

func (f *FiscalYears) put(y yearFigures) {
	if i, ok := f.find(y.key); ok {
		f.years[i] = y
	} else {
		f.years = slices.Insert(f.years, i, y)
	}
}

// Delete removes the year key.
func (f *FiscalYears) Delete(key string) {
	if i, ok := f.find(key); ok {
		f.years = slices.Delete(slices.Clone(f.years), i, i+1)
	}
}

// Equal reports whether f and g hold the same years with the same figures.
func (f FiscalYears) Equal(g FiscalYears) bool { return slices.Equal(f.years, g.years) }

// figure returns the yearly figure named by its JSON name of the year key.
func (f FiscalYears) figure(key, name string) (int64, bool) {
	i, ok := f.find(key)
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

func packYear(key string, fy FiscalYear) yearFigures {
	y := yearFigures{key: internYear(key)}
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

// yearKeys are the keys of the years a profile can hold, shared by every
// profile instead of a string each.
var yearKeys = func() map[string]string {
	m := map[string]string{}
	for y := MinYear; y < 2200; y++ {
		k := strconv.Itoa(y)
		m[k] = k
	}
	return m
}()

func internYear(key string) string {
	if k, ok := yearKeys[key]; ok {
		return k
	}
	return key
}

// yearKey returns the key of a year.
func yearKey(year int) string {
	if year >= MinYear && year < 2200 {
		return yearKeys[strconv.Itoa(year)]
	}
	return strconv.Itoa(year)
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
		b = appendJSONString(b, y.key)
		b = append(b, ':', '{')
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

// UnmarshalJSON reads an object keyed by year, as into a
// map[string]FiscalYear: years are added to those held, null clears.
func (f *FiscalYears) UnmarshalJSON(b []byte) error {
	var m map[string]FiscalYear
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m == nil {
		*f = FiscalYears{}
		return nil
	}
	if f.years == nil {
		f.years = []yearFigures{} // an empty object is an empty, non-nil map
	}
	for k, y := range m {
		f.Set(k, y)
	}
	return nil
}
