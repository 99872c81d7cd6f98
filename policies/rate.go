package policies

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/huiqi/huiqi"
)

// Rate is an exact decimal fraction in millionths (RatioScale): "0.10" is
// 100000. In JSON it is written as a decimal string and read from a string
// or a number, never through binary floating point.
type Rate int64

// ParseDecimal reads a non-negative decimal with at most six places into
// millionths.
func ParseDecimal(s string) (int64, error) {
	v, err := ParseSignedDecimal(s)
	if err == nil && v < 0 {
		return 0, huiqi.Errorf(huiqi.EInvalid, "应为非负小数，如 \"0.10\"，收到 %q", s)
	}
	return v, err
}

// ParseSignedDecimal reads a decimal with at most six places, of
// magnitude at most 1000, into millionths: a growth rate may be negative.
func ParseSignedDecimal(s string) (int64, error) {
	if !decimalSyntax.MatchString(s) {
		return 0, huiqi.Errorf(huiqi.EInvalid, "应为小数，如 \"0.10\"，收到 %q", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, huiqi.Errorf(huiqi.EInvalid, "应为小数，如 \"0.10\"，收到 %q", s)
	}
	r.Mul(r, big.NewRat(RatioScale, 1))
	if !r.IsInt() || !r.Num().IsInt64() || r.Num().Int64() > 1000*RatioScale || r.Num().Int64() < -1000*RatioScale {
		return 0, huiqi.Errorf(huiqi.EInvalid, "小数最多六位且不超过 1000: %s", s)
	}
	return r.Num().Int64(), nil
}

// decimalSyntax is a plain decimal with an optional exponent of at most four
// digits: big.Rat alone would also take "1/4" and "0x10" from a rate
// string, and spend tens of milliseconds on each "1e999999".
var decimalSyntax = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?$`)

// FormatDecimal writes millionths as a minimal decimal string: 100000 → "0.1".
func FormatDecimal(v int64) string {
	if v < 0 {
		return "-" + FormatDecimal(-v)
	}
	s := strconv.FormatInt(v/RatioScale, 10)
	if f := v % RatioScale; f != 0 {
		s += strings.TrimRight("."+strconv.FormatInt(RatioScale+f, 10)[1:], "0")
	}
	return s
}

// decimalText returns the text of a JSON string or number.
func decimalText(b []byte) (string, bool) {
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(b, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// MarshalJSON writes r as a decimal string.
func (r Rate) MarshalJSON() ([]byte, error) { return json.Marshal(FormatDecimal(int64(r))) }

// UnmarshalJSON reads a decimal string or number.
func (r *Rate) UnmarshalJSON(b []byte) error {
	s, ok := decimalText(b)
	if !ok {
		return huiqi.Errorf(huiqi.EInvalid, "比例应为小数字符串，如 \"0.10\"")
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*r = Rate(v)
	return nil
}
