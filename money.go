package huiqi

import (
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// Money is an amount in fen (分), the unit every computation uses. In JSON it
// is a number of yuan with at most two decimals; no binary floating point is
// involved on the way in or out.
type Money int64

// Yuan is one yuan in fen.
const Yuan Money = 100

// ParseMoney reads a decimal number of yuan, such as "1234.5" or "2e5", with at
// most two decimals. The error is an EInvalid without field.
func ParseMoney(s string) (Money, error) {
	if m, ok := parsePlainMoney(s); ok {
		return m, nil
	}
	if !decimalSyntax.MatchString(s) {
		return 0, Errorf(EInvalid, "金额应为数字（元）: %q", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, Errorf(EInvalid, "金额应为数字（元）: %q", s)
	}
	r.Mul(r, big.NewRat(100, 1))
	if !r.IsInt() {
		return 0, Errorf(EInvalid, "金额最多两位小数: %s", s)
	}
	n := r.Num()
	if !n.IsInt64() || n.Int64() > maxMoney || n.Int64() < -maxMoney {
		return 0, Errorf(EInvalid, "金额超出范围: %s", s)
	}
	return Money(n.Int64()), nil
}

// parsePlainMoney reads the form nearly every amount takes, up to 13
// digits with at most two decimals ("1234", "12.5"), without the regular
// expression and big.Rat of the general path, which dominate a bulk import;
// it reports false for anything else, which the general path then decides.
// 13 digits of yuan stay below maxMoney.
func parsePlainMoney(s string) (Money, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if len(whole) == 0 || len(whole) > 13 || len(frac) > 2 || (dot && len(frac) == 0) {
		return 0, false
	}
	var m int64
	for i := 0; i < len(whole); i++ {
		c := whole[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		m = m*10 + int64(c-'0')
	}
	for i := range 2 {
		m *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			m += int64(c - '0')
		}
	}
	return Money(m), true
}

// decimalSyntax is a plain decimal with an optional exponent of at most four
// digits. big.Rat alone would also take fractions ("1/4") and hex ("0x10"),
// and would spend tens of milliseconds on each "1e999999" before the range
// check refused it.
var decimalSyntax = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?$`)

// maxMoney bounds amounts to 10^15 fen (ten trillion yuan) so that a rate
// multiplication on them cannot overflow 128-bit intermediate arithmetic.
const maxMoney = 1_000_000_000_000_000

// String formats m in yuan with the decimals it needs: "200000", "12.5", "0.01".
func (m Money) String() string {
	neg := m < 0
	if neg {
		m = -m
	}
	s := strconv.FormatInt(int64(m/100), 10)
	if f := int64(m % 100); f != 0 {
		s += strings.TrimRight("."+strconv.FormatInt(100+f, 10)[1:], "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// MarshalJSON writes m as a JSON number of yuan.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON reads a JSON number of yuan with at most two decimals.
func (m *Money) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "" || s[0] == '"' || s == "true" || s == "false" || s == "null" || s[0] == '[' || s[0] == '{' {
		return invalidValue("金额应为数字（元）", reflect.TypeFor[Money]())
	}
	v, err := ParseMoney(s)
	if err != nil {
		return invalidValue(ErrorMessage(err), reflect.TypeFor[Money]())
	}
	*m = v
	return nil
}
