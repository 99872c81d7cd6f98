package huiqi

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestParsePlainMoney checks the fast path of ParseMoney against exact
// decimal arithmetic on random strings of digits and dots, and that it
// leaves every other form to the general path.
func TestParsePlainMoney(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const chars = "0123456789.-e+ "
	for range 200_000 {
		var b strings.Builder
		for range 1 + r.IntN(18) {
			if r.IntN(6) == 0 {
				b.WriteByte(chars[r.IntN(len(chars))])
			} else {
				b.WriteByte('0' + byte(r.IntN(10)))
			}
		}
		s := b.String()
		got, ok := parsePlainMoney(s)
		if !ok {
			continue
		}
		want, valid := new(big.Rat).SetString(s)
		if !valid || !decimalSyntax.MatchString(s) {
			t.Fatalf("parsePlainMoney(%q) = %d, want it left to the general path", s, got)
		}
		want.Mul(want, big.NewRat(100, 1))
		if !want.IsInt() || !want.Num().IsInt64() || want.Num().Int64() != int64(got) || int64(got) > maxMoney {
			t.Fatalf("parsePlainMoney(%q) = %d, want %s", s, got, want.RatString())
		}
	}
	for _, s := range []string{"", ".", "1.", ".5", "1.234", "-1", "1e2", "12345678901234", "1,000"} {
		if m, ok := parsePlainMoney(s); ok {
			t.Errorf("parsePlainMoney(%q) = %d, true; want false", s, m)
		}
	}
}
