package engine

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/huiqi/huiqi"
)

// decodeProfile decodes one profile as huiqi.DecodeJSON does, strict
// errors with field paths included. DecodeJSON decodes a line three times
// over (into generic values, which it checks, and back through JSON into the
// struct), most of a bulk import's decoding; a line that decodes directly,
// with nothing but the profile's own field names, exactly spelled, gives the
// same profile in one pass. Any other line, a bad one above all, takes
// DecodeJSON, for its error.
func decodeProfile(b []byte) (*huiqi.Enterprise, error) {
	var en huiqi.Enterprise
	// UnmarshalJSON checks the syntax as it reads: json.Unmarshal would
	// first scan the line once more only to validate it.
	if exactKeys(b) && huiqi.PlainJSON(b) && en.UnmarshalJSON(b) == nil {
		return &en, nil
	}
	en = huiqi.Enterprise{}
	if err := huiqi.DecodeJSON(b, &en); err != nil {
		return nil, err
	}
	return &en, nil
}

// shape is what the one-pass decoder lets through at a place in a line:
// an object with exactly these keys (each with its bit, for telling a key
// given twice, and the shape of its value, nil for a value the decoder
// checks alone), an object with any keys (a map, each value of shape
// elem), or an array of elem.
type shape struct {
	keys  map[string]shapeKey
	isMap bool
	isArr bool
	elem  *shape
}

type shapeKey struct {
	bit   uint64
	value *shape
}

// structShape is the shape of a struct type's JSON: its field names as
// spelled, nested structs, maps and slices of structs followed.
func structShape(t reflect.Type) *shape {
	s := &shape{keys: map[string]shapeKey{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if len(s.keys) == 64 {
			panic("engine: a profile object with more than 64 fields needs a wider key set in matchShape")
		}
		s.keys[name] = shapeKey{bit: 1 << len(s.keys), value: valueShape(f.Type)}
	}
	return s
}

func valueShape(t reflect.Type) *shape {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	t = huiqi.JSONShape(t)
	switch {
	case t.Kind() == reflect.Struct && !reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()):
		return structShape(t)
	case t.Kind() == reflect.Map:
		if e := valueShape(t.Elem()); e != nil {
			return &shape{isMap: true, elem: e}
		}
	case t.Kind() == reflect.Slice:
		if e := valueShape(t.Elem()); e != nil {
			return &shape{isArr: true, elem: e}
		}
	}
	return nil
}

// profileShape is the shape of huiqi.Enterprise.
var profileShape = structShape(reflect.TypeFor[huiqi.Enterprise]())

// exactKeys reports whether b is one JSON object whose keys, and those of
// every nested object the profile holds (fiscal years, qualifications,
// incidents), are field names as spelled, without escapes, none twice.
// encoding/json alone would also take "Name" for "name" and ignore an
// unknown key inside a fiscal year, both of which DecodeJSON refuses.
// Other values are skipped, not checked: the decoder checks them.
func exactKeys(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i, ok := matchShape(b, i, profileShape)
	return ok && skipSpace(b, i) == len(b)
}

// matchShape checks the value at b[i] against s and returns the index
// just past it.
func matchShape(b []byte, i int, s *shape) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	if s == nil || b[i] == 'n' { // null leaves the zero value in both decoders
		j := skipValue(b, i)
		return j, j >= 0
	}
	if s.isArr {
		if b[i] != '[' {
			return i, false
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for i < len(b) {
			var ok bool
			if i, ok = matchShape(b, i, s.elem); !ok {
				return i, false
			}
			i = skipSpace(b, i)
			switch {
			case i >= len(b):
				return i, false
			case b[i] == ']':
				return i + 1, true
			case b[i] != ',':
				return i, false
			}
			i = skipSpace(b, i+1)
		}
		return i, false
	}
	if b[i] != '{' {
		return i, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	// A key given twice takes DecodeJSON, for its error. Struct keys are
	// told apart by their bits; a map's keys (fiscal years, a handful) by
	// comparing them, in an array that stays on the stack.
	var seen uint64
	var mapKeys [8][]byte
	seenKeys := mapKeys[:0]
	for i < len(b) {
		if b[i] != '"' {
			return i, false
		}
		end := bytes.IndexByte(b[i+1:], '"')
		if end < 0 {
			return i, false
		}
		key := b[i+1 : i+1+end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return i, false
		}
		var child *shape
		if s.isMap {
			for _, k := range seenKeys {
				if bytes.Equal(k, key) {
					return i, false
				}
			}
			seenKeys = append(seenKeys, key)
			child = s.elem
		} else {
			k, known := s.keys[string(key)] // no allocation: the conversion is only looked up
			if !known || seen&k.bit != 0 {
				return i, false
			}
			seen |= k.bit
			child = k.value
		}
		i = skipSpace(b, i+2+end)
		if i >= len(b) || b[i] != ':' {
			return i, false
		}
		var ok bool
		if i, ok = matchShape(b, skipSpace(b, i+1), child); !ok {
			return i, false
		}
		i = skipSpace(b, i)
		switch {
		case i >= len(b):
			return i, false
		case b[i] == '}':
			return i + 1, true
		case b[i] != ',':
			return i, false
		}
		i = skipSpace(b, i+1)
	}
	return i, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the value at b[i], or -1.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			i++
			for i < len(b) && b[i] != '"' {
				if b[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(b) {
				return -1
			}
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				return i // the end of the enclosing object
			}
			depth--
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
		if depth == 0 && i < len(b) && (b[i] == ',' || b[i] == '}') {
			return i
		}
	}
	return -1
}
