package matcher

import (
	"encoding/json"
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/huiqi/huiqi"
)

// AppendJSON appends r as encoding/json writes it (json.Marshal: the same
// fields in the same order, the same escapes, byte for byte) and returns
// the extended buffer. An enterprise's answer holds hundreds of verdicts
// and near misses, and encoding/json spent more time on it, by reflection,
// than the matching did; this writes the same bytes by appending. A value
// encoding/json would refuse (an invalid number in an actual value) is the
// error json.Marshal gives.
func (r *Result) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"as_of":`...)
	b, err := appendMarshal(b, r.AsOf)
	if err != nil {
		return b, err
	}
	b = append(b, `,"eligible":`...)
	if r.Eligible == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Eligible {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = r.Eligible[i].appendJSON(b); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"near_misses":`...)
	if r.NearMisses == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.NearMisses {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = r.NearMisses[i].appendJSON(b); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"undetermined":`...)
	if r.Undetermined == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Undetermined {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = r.Undetermined[i].appendJSON(b); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"settle":`...)
	if r.Settle == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, s := range r.Settle {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"field":`...)
			b = huiqi.AppendJSONString(b, s.Field)
			b = append(b, `,"label":`...)
			b = huiqi.AppendJSONString(b, s.Label)
			b = append(b, `,"policies":`...)
			b = strconv.AppendInt(b, int64(s.Policies), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

func (v *Verdict) appendJSON(b []byte) ([]byte, error) {
	b = appendHead(b, v.PolicyID, v.Version, v.Title)
	b = append(b, `,"department":`...)
	b = huiqi.AppendJSONString(b, v.Department)
	b = append(b, `,"mode":`...)
	b = huiqi.AppendJSONString(b, v.Mode)
	b = append(b, `,"kind":`...)
	b = huiqi.AppendJSONString(b, v.Kind)
	if v.ExclusiveGroup != "" {
		b = append(b, `,"exclusive_group":`...)
		b = huiqi.AppendJSONString(b, v.ExclusiveGroup)
	}
	b = append(b, `,"state":`...)
	b = huiqi.AppendJSONString(b, v.State)
	b = append(b, `,"eligible":`...)
	b = strconv.AppendBool(b, v.Eligible)
	b = append(b, `,"amount":`...)
	b, err := appendMoney(b, v.Amount)
	if err != nil {
		return b, err
	}
	b = append(b, `,"recommended":`...)
	b = strconv.AppendBool(b, v.Recommended)
	b = append(b, `,"conditions":`...)
	if b, err = appendChecks(b, v.Conditions); err != nil {
		return b, err
	}
	if len(v.Missing) > 0 {
		b = append(b, `,"missing":`...)
		b = appendStrings(b, v.Missing)
	}
	if len(v.Review) > 0 {
		b = append(b, `,"review":`...)
		b = appendStrings(b, v.Review)
	}
	return append(b, '}'), nil
}

func (u *Undetermined) appendJSON(b []byte) ([]byte, error) {
	b = appendHead(b, u.PolicyID, u.Version, u.Title)
	b = append(b, `,"amount":`...)
	b, err := appendMoney(b, u.Amount)
	if err != nil {
		return b, err
	}
	b = append(b, `,"missing":`...)
	b = appendStrings(b, u.Missing)
	if len(u.Review) > 0 {
		b = append(b, `,"review":`...)
		b = appendStrings(b, u.Review)
	}
	b = append(b, `,"unknown":`...)
	if b, err = appendChecks(b, u.Unknown); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

func (n *NearMiss) appendJSON(b []byte) ([]byte, error) {
	b = appendHead(b, n.PolicyID, n.Version, n.Title)
	b = append(b, `,"missing":`...)
	b, err := n.Missing.appendJSON(b)
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendHead opens the object of a policy's verdict with the fields every
// kind of verdict starts with.
func appendHead(b []byte, id string, version int, title string) []byte {
	b, _ = appendRemembered(b, policyHead, title, id, "", nil, version, func(b []byte) ([]byte, error) {
		b = append(b, `{"policy_id":`...)
		b = huiqi.AppendJSONString(b, id)
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(version), 10)
		b = append(b, `,"title":`...)
		return huiqi.AppendJSONString(b, title), nil
	})
	return b
}

func appendChecks(b []byte, cs []Check) ([]byte, error) {
	if cs == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	var err error
	for i := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = cs[i].appendJSON(b); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func (c *Check) appendJSON(b []byte) ([]byte, error) {
	b, err := appendRemembered(b, checkHead, c.Label, c.Field, c.Op, c.Required, 0, func(b []byte) ([]byte, error) {
		b = append(b, `{"label":`...)
		b = huiqi.AppendJSONString(b, c.Label)
		b = append(b, `,"field":`...)
		b = huiqi.AppendJSONString(b, c.Field)
		b = append(b, `,"op":`...)
		b = huiqi.AppendJSONString(b, c.Op)
		b = append(b, `,"required":`...)
		return appendRaw(b, c.Required)
	})
	if err != nil {
		return b, err
	}
	b = append(b, `,"actual":`...)
	if b, err = appendAny(b, c.Actual); err != nil {
		return b, err
	}
	b = append(b, `,"pass":`...)
	if c.Pass == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendBool(b, *c.Pass)
	}
	if c.Negated {
		b = append(b, `,"negated":true`...)
	}
	if c.Gap != "" {
		b = append(b, `,"gap":`...)
		b = huiqi.AppendJSONString(b, c.Gap)
	}
	return append(b, '}'), nil
}

func appendMoney(b []byte, m *huiqi.Money) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	return appendAny(b, *m)
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = huiqi.AppendJSONString(b, s)
	}
	return append(b, ']')
}

// appendAny writes an actual value: the few types a profile's values take
// directly, anything else as json.Marshal does.
func appendAny(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return huiqi.AppendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case huiqi.Money:
		// Money.MarshalJSON, checked as encoding/json checks it: the
		// smallest int64 has no positive counterpart to write.
		if t := v.String(); validNumber(t) {
			return append(b, t...), nil
		}
	case json.Number:
		if v == "" {
			return append(b, '0'), nil // as encoding/json writes it
		}
		if validNumber(string(v)) {
			return append(b, v...), nil
		}
	case []string:
		return appendStrings(b, v), nil
	}
	return appendMarshal(b, v)
}

// validNumber reports whether s is a JSON number: the grammar of
// encoding/json's own check, which refuses anything else.
func validNumber(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = skipDigits(s[1:])
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && isDigit(s[1]) {
		s = skipDigits(s[2:])
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
		}
		if s == "" || !isDigit(s[0]) {
			return false
		}
		s = skipDigits(s)
	}
	return s == ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func skipDigits(s string) string {
	for s != "" && isDigit(s[0]) {
		s = s[1:]
	}
	return s
}

// appendRaw writes a condition's required value, which encoding/json
// checks, compacts and escapes: written as it is when it is valid and
// there is nothing to compact or escape, which is how a validated policy
// holds it.
func appendRaw(b []byte, m json.RawMessage) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	for _, c := range m {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return appendMarshal(b, m)
		}
	}
	if !json.Valid(m) {
		return appendMarshal(b, m) // the error json.Marshal gives
	}
	return append(b, m...), nil
}

// appendMarshal writes v with encoding/json itself.
func appendMarshal(b []byte, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, data...), nil
}

// heads remembers the JSON of the parts of answers that repeat from one
// answer to the next: a check's label, field, operator and required value,
// and a policy's id, version and title. Written once, a part is copied
// after: those texts are Chinese, and to escape them costs a decoding of
// every character. A part is found by where its label or title lies (the
// text of a compiled policy, shared by all its answers), in a set of two
// slots, and used only when every value it was written for equals the one
// to write, so that it is never wrong, only missed; a new part takes the
// first slot of its set and moves the older to the second, pushing out
// the oldest. A part holds its label or title, so that the place it is
// found by cannot become another text's.
var heads [1 << headBits]atomic.Pointer[head]

// headBits sizes heads for the 2,000 policies of a city's catalogue, about
// ten thousand parts, with room: a megabyte of slots. The parts of a
// province's 20,000 policies outnumber them, and some are written afresh.
const headBits = 17

// head is one remembered part: its kind, the values it was written for,
// and the JSON.
type head struct {
	kind      headKind
	key, a, b string
	raw       json.RawMessage
	n         int
	json      []byte
}

type headKind uint8

const (
	checkHead  headKind = iota + 1 // label, field, op, required
	policyHead                     // title, policy id, version
)

// appendRemembered appends the part of the values given, written by
// write when heads does not hold it already.
func appendRemembered(b []byte, kind headKind, key, a, c string, raw json.RawMessage, n int, write func([]byte) ([]byte, error)) ([]byte, error) {
	at := uint64(uintptr(unsafe.Pointer(unsafe.StringData(key))))
	set := (at * 0x9E3779B97F4A7C15 >> (64 - headBits)) &^ 1 // Fibonacci hashing
	for i := set; i < set+2; i++ {
		if h := heads[i].Load(); h != nil && h.kind == kind && h.key == key && h.a == a && h.b == c && h.n == n &&
			(h.raw == nil) == (raw == nil) && string(h.raw) == string(raw) {
			return append(b, h.json...), nil
		}
	}
	start := len(b)
	b, err := write(b)
	if err != nil {
		return b, err
	}
	heads[set+1].Store(heads[set].Load())
	heads[set].Store(&head{kind: kind, key: key, a: a, b: c, raw: raw, n: n, json: append([]byte(nil), b[start:]...)})
	return b, nil
}
