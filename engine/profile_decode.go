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
	if exactKeys(b) && huiqi.PlainJSON(b) && json.Unmarshal(b, &en) == nil {
		return &en, nil
	}
	en = huiqi.Enterprise{}
	if err := huiqi.DecodeJSON(b, &en); err != nil {
		return nil, err
	}
	return &en, nil
}

// profileKeys are the JSON names of huiqi.Enterprise's fields.
var profileKeys = func() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeFor[huiqi.Enterprise]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}()

// exactKeys reports whether b is one JSON object whose keys are all
// profile field names as spelled, without escapes. encoding/json alone
// would also take "Name" for "name", which DecodeJSON refuses as unknown.
// Values are skipped, not checked: the decoder checks them.
func exactKeys(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	seen := make(map[string]bool, len(profileKeys)) // a key given twice takes DecodeJSON, for its error
	for i < len(b) {
		if b[i] != '"' {
			return false
		}
		end := bytes.IndexByte(b[i+1:], '"')
		if end < 0 {
			return false
		}
		key := b[i+1 : i+1+end]
		if bytes.IndexByte(key, '\\') >= 0 || !profileKeys[string(key)] || seen[string(key)] {
			return false
		}
		seen[string(key)] = true
		i = skipSpace(b, i+2+end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		if i = skipValue(b, skipSpace(b, i+1)); i < 0 {
			return false
		}
		i = skipSpace(b, i)
		switch {
		case i >= len(b):
			return false
		case b[i] == '}':
			return true
		case b[i] != ',':
			return false
		}
		i = skipSpace(b, i+1)
	}
	return false
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
