package huiqi_test

import (
	"testing"

	"github.com/huiqi/huiqi"
)

func TestMoneyText(t *testing.T) {
	for _, tc := range []struct {
		name string
		fen  huiqi.Money
		want string
	}{
		{"Zero", 0, "0.00元"},
		{"OneFen", 1, "0.01元"},
		{"Small", 800_00, "800.00元"},
		{"Fen", 1234_56, "1234.56元"},
		{"JustUnderWan", 9999_99, "9999.99元"},
		{"Wan", 10000_00, "1万元"},
		{"WholeWan", 300000_00, "30万元"},
		{"OneDecimal", 125000_00, "12.5万元"},
		{"TwoDecimals", 943730_40, "94.37万元"},
		{"RoundsUp", 943750_00, "94.38万元"},
		{"RoundsHalfUp", 12345_50, "1.23万元"},
		{"RoundsToWhole", 99995_00, "10万元"},
		{"LeadingZeroDecimal", 1_050_000_00, "105万元"},
		{"ZeroTenth", 10500_00, "1.05万元"},
		{"Large", 70364773_00, "7036.48万元"},
		{"Negative", -300000_00, "-30万元"},
		{"NegativeSmall", -5_50, "-5.50元"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fen.Text(); got != tc.want {
				t.Errorf("Money(%d).Text() = %q, want %q", tc.fen, got, tc.want)
			}
		})
	}
}
