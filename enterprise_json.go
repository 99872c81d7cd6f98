package huiqi

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// enterpriseJSON is Enterprise without its JSON methods: encoding/json's
// own decoding of the struct, which UnmarshalJSON falls back to.
type enterpriseJSON Enterprise

// UnmarshalJSON decodes a profile exactly as encoding/json decodes the
// struct, only several times faster: loading a province's profiles at
// start is mostly this. Every profile huiqi writes (field names as
// spelled, values of their types, no null, no escape) takes a hand-written
// path that allocates the profile's strings and figures only, and shares
// the strings of the closed vocabularies (regions, industries, tags, …)
// between profiles; anything else, an error above all, is left to
// encoding/json, so that answers and errors stay its own. It also checks
// the syntax of what it reads, so that it may be called directly on stored
// bytes, without json.Unmarshal's separate validating pass. A struct that
// embeds Enterprise and has fields of its own must not be decoded from JSON:
// this method, promoted, would decode it as a profile alone.
func (e *Enterprise) UnmarshalJSON(b []byte) error {
	d := jsonReader{b: b}
	c := *e
	if d.enterprise(&c) && d.end() {
		*e = c
		return nil
	}
	return json.Unmarshal(b, (*enterpriseJSON)(e))
}

// jsonReader reads the JSON forms the fast path knows; any other form
// makes a method return false, and the caller leaves the input to
// encoding/json.
type jsonReader struct {
	b []byte
	i int
}

func (d *jsonReader) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// end reports whether nothing but space is left.
func (d *jsonReader) end() bool {
	d.space()
	return d.i == len(d.b)
}

// consume skips space and the byte c, or reports false.
func (d *jsonReader) consume(c byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// peek skips space and returns the next byte, or 0.
func (d *jsonReader) peek() byte {
	d.space()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// rawString returns the bytes of a string without escapes or control
// characters, valid UTF-8, quotes excluded.
func (d *jsonReader) rawString() ([]byte, bool) {
	if !d.consume('"') {
		return nil, false
	}
	start, ascii := d.i, true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		d.i++
	}
	return nil, false
}

func (d *jsonReader) str() (string, bool) {
	s, ok := d.rawString()
	return string(s), ok
}

// word reads a string of a closed vocabulary, shared between profiles.
func (d *jsonReader) word() (string, bool) {
	s, ok := d.rawString()
	if w, known := vocabulary()[string(s)]; known {
		return w, ok
	}
	return string(s), ok
}

// number returns a JSON number literal.
func (d *jsonReader) number() ([]byte, bool) {
	d.space()
	b, i := d.b, d.i
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if !digits() {
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	lit := b[d.i:i]
	d.i = i
	return lit, true
}

func (d *jsonReader) int64() (int64, bool) {
	lit, ok := d.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	return n, err == nil
}

func (d *jsonReader) money() (Money, bool) {
	lit, ok := d.number()
	if !ok {
		return 0, false
	}
	if m, ok := parsePlainMoney(string(lit)); ok { // no copy of lit
		return m, true
	}
	m, err := ParseMoney(string(lit))
	return m, err == nil
}

func (d *jsonReader) bool() (bool, bool) {
	d.space()
	switch {
	case len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "true":
		d.i += 4
		return true, true
	case len(d.b)-d.i >= 5 && string(d.b[d.i:d.i+5]) == "false":
		d.i += 5
		return false, true
	}
	return false, false
}

func (d *jsonReader) date() (Date, bool) {
	s, ok := d.rawString()
	if !ok {
		return Date{}, false
	}
	return parseDateBytes(s)
}

// parseDateBytes parses YYYY-MM-DD as ParseDate does, without time.Parse.
func parseDateBytes(s []byte) (Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, false
	}
	num := func(b []byte) int {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, m, day := num(s[:4]), num(s[5:7]), num(s[8:])
	if y < MinYear || m < 1 || m > 12 || day < 1 || day > daysIn(time.Month(m), y) {
		return Date{}, false
	}
	return NewDate(y, time.Month(m), day), true
}

func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int((m-1)%7%2)
}

// object reads an object, calling field with each key; the value is
// field's to read.
func (d *jsonReader) object(field func(key []byte) bool) bool {
	if !d.consume('{') {
		return false
	}
	if d.consume('}') {
		return true
	}
	for {
		key, ok := d.rawString()
		if !ok || !d.consume(':') || !field(key) {
			return false
		}
		if d.consume('}') {
			return true
		}
		if !d.consume(',') {
			return false
		}
	}
}

// member reads the separator before the nth member of an object (from 0)
// and the member's key and colon; more is false at the object's end.
func (d *jsonReader) member(n int) (key []byte, more, ok bool) {
	if d.consume('}') {
		return nil, false, true
	}
	if n > 0 && !d.consume(',') {
		return nil, false, false
	}
	key, ok = d.rawString()
	return key, true, ok && d.consume(':')
}

// array reads an array, calling item for each element.
func (d *jsonReader) array(item func() bool) bool {
	if !d.consume('[') {
		return false
	}
	if d.consume(']') {
		return true
	}
	for {
		if !item() {
			return false
		}
		if d.consume(']') {
			return true
		}
		if !d.consume(',') {
			return false
		}
	}
}

// figures holds a profile's top-level figures, one allocation for all.
type figures struct {
	employees int64
	money     [5]Money
}

func (d *jsonReader) enterprise(e *Enterprise) bool {
	var figs *figures
	fig := func() *figures {
		if figs == nil {
			figs = &figures{}
		}
		return figs
	}
	moneyField := func(p **Money, slot int) bool {
		m, ok := d.money()
		if ok {
			f := fig()
			f.money[slot] = m
			*p = &f.money[slot]
		}
		return ok
	}
	return d.object(func(key []byte) bool {
		if d.peek() == 'n' {
			return false // null: encoding/json's rules per type
		}
		var ok bool
		switch string(key) {
		case "credit_code":
			e.CreditCode, ok = d.str()
		case "name":
			e.Name, ok = d.str()
		case "region":
			e.Region, ok = d.word()
		case "industry":
			e.Industry, ok = d.word()
		case "founded_on":
			e.FoundedOn, ok = d.date()
		case "employees":
			var n int64
			if n, ok = d.int64(); ok {
				f := fig()
				f.employees = n
				e.Employees = &f.employees
			}
		case "revenue":
			ok = moneyField(&e.Revenue, 0)
		case "total_assets":
			ok = moneyField(&e.TotalAssets, 1)
		case "rd_expense":
			ok = moneyField(&e.RDExpense, 2)
		case "tax_paid":
			ok = moneyField(&e.TaxPaid, 3)
		case "registered_capital":
			ok = moneyField(&e.RegisteredCapital, 4)
		case "tax_credit":
			e.TaxCredit, ok = d.word()
		case "tags":
			e.Tags, ok = d.words()
		case "dishonest":
			e.Dishonest, ok = d.bool()
		case "scale":
			e.Scale, ok = d.word()
		case "business_scope":
			e.BusinessScope, ok = d.str()
		case "main_products":
			e.MainProducts, ok = d.str()
		case "fiscal_years":
			ok = d.fiscalYears(&e.FiscalYears)
		case "qualifications":
			e.Qualifications, ok = d.qualifications()
		case "incidents":
			e.Incidents, ok = d.incidents()
		case "legacy_code":
			e.LegacyCode, ok = d.bool()
		case "version":
			var n int64
			n, ok = d.int64()
			e.Version = int(n)
			ok = ok && int64(e.Version) == n
		case "updated_at":
			start := d.i
			if _, ok = d.rawString(); ok {
				var t time.Time
				ok = t.UnmarshalJSON(d.b[start:d.i]) == nil
				e.UpdatedAt = t
			}
		}
		return ok // an unknown key, or one spelled otherwise, is false
	})
}

// words reads an array of vocabulary words; [] is an empty, non-nil slice,
// as encoding/json makes it.
func (d *jsonReader) words() ([]string, bool) {
	var buf [16]string
	ws := buf[:0]
	ok := d.array(func() bool {
		w, ok := d.word()
		ws = append(ws, w)
		return ok
	})
	return append(make([]string, 0, len(ws)), ws...), ok
}

func (d *jsonReader) fiscalYears(f *FiscalYears) bool {
	// Loops rather than object's callbacks, which would move buf to the heap.
	var buf [4]yearFigures
	years := buf[:0]
	if !d.consume('{') {
		return false
	}
	for n := 0; ; n++ {
		key, more, ok := d.member(n)
		if !ok {
			return false
		} else if !more {
			break
		}
		year, ok := parseYearKey(key)
		if !ok {
			return false // encoding/json's path gives the error
		}
		y := yearFigures{year: uint16(year)}
		if !d.consume('{') {
			return false
		}
		for m := 0; ; m++ {
			name, more, ok := d.member(m)
			if !ok {
				return false
			} else if !more {
				break
			}
			k := yearlyIndex(string(name))
			if k < 0 || d.peek() == 'n' {
				return false
			}
			var v int64
			if k == employeesIndex {
				v, ok = d.int64()
			} else {
				var m Money
				m, ok = d.money()
				v = int64(m)
			}
			if !ok {
				return false
			}
			y.has |= 1 << k
			y.v[k] = v
		}
		if n := len(years); n > 0 && years[n-1].year >= y.year {
			return false // out of order or given twice: left to the general path
		}
		years = append(years, y)
	}
	if f.years == nil {
		f.years = append(make([]yearFigures, 0, len(years)), years...)
		return true
	}
	// Years already held stay, as in a map decoded into.
	g := FiscalYears{years: append([]yearFigures(nil), f.years...)}
	for i := range years {
		g.put(years[i])
	}
	*f = g
	return true
}

func (d *jsonReader) qualifications() ([]Qualification, bool) {
	qs := []Qualification{}
	ok := d.array(func() bool {
		var q Qualification
		qs = append(qs, q)
		return d.object(func(key []byte) bool {
			if d.peek() == 'n' {
				return false
			}
			var ok bool
			switch string(key) {
			case "tag":
				q.Tag, ok = d.word()
			case "granted_on":
				q.GrantedOn, ok = d.date()
			case "expires_on":
				q.ExpiresOn, ok = d.date()
			}
			qs[len(qs)-1] = q
			return ok
		})
	})
	return qs, ok
}

func (d *jsonReader) incidents() ([]Incident, bool) {
	ins := []Incident{}
	ok := d.array(func() bool {
		var in Incident
		ins = append(ins, in)
		return d.object(func(key []byte) bool {
			if d.peek() == 'n' {
				return false
			}
			var ok bool
			switch string(key) {
			case "kind":
				in.Kind, ok = d.word()
			case "level":
				in.Level, ok = d.word()
			case "on":
				in.On, ok = d.date()
			}
			ins[len(ins)-1] = in
			return ok
		})
	})
	return ins, ok
}

// vocabulary holds the words of the closed vocabularies a profile uses,
// so that two million profiles share one copy of each.
// It is built on first use: the vocabularies are read by an init function.
var vocabulary = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	add := func(w string) { m[w] = w }
	for _, r := range regions {
		add(r.Code)
	}
	for code := range industries {
		add(code)
	}
	for _, t := range tags {
		add(t.Tag)
	}
	for _, w := range Scales {
		add(w)
	}
	for _, w := range TaxCredits {
		add(w)
	}
	for w := range IncidentKinds {
		add(w)
	}
	for _, w := range IncidentLevels {
		add(w)
	}
	return m
})

// appendMoney appends m as Money's JSON: a number of yuan with the
// decimals it needs.
func appendMoney(b []byte, m Money) []byte {
	if m < 0 {
		b = append(b, '-')
		m = -m
	}
	b = strconv.AppendInt(b, int64(m/100), 10)
	switch f := int64(m % 100); {
	case f == 0:
	case f%10 == 0:
		b = append(b, '.', byte('0'+f/10))
	default:
		b = append(b, '.', byte('0'+f/10), byte('0'+f%10))
	}
	return b
}

// htmlSafe marks the ASCII bytes encoding/json writes unescaped in a
// string: not a control character, quote, backslash, <, > or &.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string exactly as encoding/json does
// (HTML characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced by
// U+FFFD), with a quick path for the three-byte characters Chinese text is
// made of, where encoding/json decodes every rune.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		// E1–EC and EE–EF lead three-byte characters whose continuation
		// bytes may be any of 80–BF (E0 and ED restrict the second); of
		// them only E2 80 A8 and E2 80 A9 are escaped.
		if c >= 0xE1 && c <= 0xEF && c != 0xED && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 &&
			(c != 0xE2 || s[i+1] != 0x80 || s[i+2]&^1 != 0xA8) {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendJSON appends the profile's JSON to b: the bytes json.Marshal
// writes, several times faster, without reflection and without
// json.Marshal's second pass over its output. The stores write every
// profile this way. (It is not a MarshalJSON method: that would be
// promoted to a struct embedding Enterprise, such as the API's view of a
// profile, and drop the struct's own fields.)
func (e *Enterprise) AppendJSON(b []byte) ([]byte, error) {
	str := func(key, v string) {
		b = append(b, key...)
		b = AppendJSONString(b, v)
	}
	money := func(key string, m *Money) {
		if m != nil {
			b = append(b, key...)
			b = appendMoney(b, *m)
		}
	}
	str(`{"credit_code":`, e.CreditCode)
	str(`,"name":`, e.Name)
	str(`,"region":`, e.Region)
	str(`,"industry":`, e.Industry)
	b = appendDate(append(b, `,"founded_on":`...), e.FoundedOn)
	if e.Employees != nil {
		b = strconv.AppendInt(append(b, `,"employees":`...), *e.Employees, 10)
	}
	money(`,"revenue":`, e.Revenue)
	money(`,"total_assets":`, e.TotalAssets)
	money(`,"rd_expense":`, e.RDExpense)
	money(`,"tax_paid":`, e.TaxPaid)
	money(`,"registered_capital":`, e.RegisteredCapital)
	if e.TaxCredit != "" {
		str(`,"tax_credit":`, e.TaxCredit)
	}
	b = append(b, `,"tags":`...)
	if e.Tags == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range e.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, t)
		}
		b = append(b, ']')
	}
	b = strconv.AppendBool(append(b, `,"dishonest":`...), e.Dishonest)
	if e.Scale != "" {
		str(`,"scale":`, e.Scale)
	}
	if e.BusinessScope != "" {
		str(`,"business_scope":`, e.BusinessScope)
	}
	if e.MainProducts != "" {
		str(`,"main_products":`, e.MainProducts)
	}
	if !e.FiscalYears.IsZero() {
		b = e.FiscalYears.appendJSON(append(b, `,"fiscal_years":`...))
	}
	if len(e.Qualifications) > 0 {
		b = append(b, `,"qualifications":[`...)
		for i, q := range e.Qualifications {
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"tag":`, q.Tag)
			b = appendDate(append(b, `,"granted_on":`...), q.GrantedOn)
			if !q.ExpiresOn.IsZero() {
				b = appendDate(append(b, `,"expires_on":`...), q.ExpiresOn)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(e.Incidents) > 0 {
		b = append(b, `,"incidents":[`...)
		for i, in := range e.Incidents {
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"kind":`, in.Kind)
			str(`,"level":`, in.Level)
			b = appendDate(append(b, `,"on":`...), in.On)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if e.LegacyCode {
		b = append(b, `,"legacy_code":true`...)
	}
	if e.Version != 0 {
		b = strconv.AppendInt(append(b, `,"version":`...), int64(e.Version), 10)
	}
	if !e.UpdatedAt.IsZero() {
		t, err := e.UpdatedAt.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"updated_at":`...), t...)
	}
	return append(b, '}'), nil
}

// appendDate appends d as Date's JSON.
func appendDate(b []byte, d Date) []byte {
	if d.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = time.Unix(int64(d.days)*86400, 0).UTC().AppendFormat(b, time.DateOnly)
	return append(b, '"')
}
