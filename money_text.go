package huiqi

import "strconv"

// Text writes m the way every page and document shows an amount: under
// 1万元 in 元 with two decimals ("800.00元"), from 1万元 up in 万元 rounded
// half up to the hundred yuan with trailing zeros dropped ("94.37万元",
// "100万元"). It works on the integer fen, so no float artefact can appear;
// the exact figure stays available in yuan through String.
func (m Money) Text() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	const wan = 10000 * Yuan
	if m < wan {
		return sign + strconv.FormatInt(int64(m/Yuan), 10) + "." + strconv.FormatInt(int64(100+m%Yuan), 10)[1:] + "元"
	}
	// Hundreds of yuan, rounded half up: the last two digits are the 万's decimals.
	h := int64((m + 50*Yuan) / (100 * Yuan))
	s := strconv.FormatInt(h/100, 10)
	switch frac := h % 100; {
	case frac == 0:
	case frac%10 == 0:
		s += "." + strconv.FormatInt(frac/10, 10)
	default:
		s += "." + strconv.FormatInt(100+frac, 10)[1:]
	}
	return sign + s + "万元"
}
