package huiqi

import (
	"strings"
	"unicode/utf8"
)

// creditCodeCharset is the alphabet of GB 32100-2015; a character's value is
// its index. I, O, S, V and Z are left out so that they cannot be misread as
// 1, 0, 5, U and 2.
const creditCodeCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are 3^(i-1) mod 31 for positions i = 1..17.
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// ValidateCreditCode checks a 统一社会信用代码 (GB 32100-2015): 18 characters
// of the code's charset with a verifying check character. Lower-case letters
// are accepted and the code comes back upper-cased, the form it is stored
// in. The error is an EInvalid without field that says what is wrong,
// including the expected check character.
func ValidateCreditCode(code string) (string, error) {
	up, err := ValidateLegacyCreditCode(code)
	if err != nil {
		return "", err
	}
	// The first 17 characters are valid, so the check cannot fail.
	want, _ := CreditCodeCheckChar(up[:17])
	if up[17] != want {
		return "", Errorf(EInvalid, "统一社会信用代码校验位错误：第18位应为“%c”，实际为“%c”", want, up[17])
	}
	return up, nil
}

// ValidateLegacyCreditCode checks only the length and charset of a
// 统一社会信用代码 and returns it upper-cased. It is for early pilot codes
// issued before the check character was enforced; callers accept those only
// from an admin bulk import that marks them legacy. The error is an EInvalid
// without field.
func ValidateLegacyCreditCode(code string) (string, error) {
	up := upperASCII(code)
	// Count characters, not bytes, so that a stray full-width character is
	// reported by position rather than as a wrong length.
	if n := utf8.RuneCountInString(up); n != 18 {
		return "", Errorf(EInvalid, "统一社会信用代码应为18位，实际为%d位", n)
	}
	if err := checkCreditCodeChars(up); err != nil {
		return "", err
	}
	return up, nil
}

// CreditCodeCheckChar returns the check character (position 18) for the first
// 17 characters of a 统一社会信用代码, for generators that build valid codes.
// Lower-case letters are accepted. The error is an EInvalid without field
// when first17 is not 17 characters of the charset.
func CreditCodeCheckChar(first17 string) (byte, error) {
	up := upperASCII(first17)
	if n := utf8.RuneCountInString(up); n != 17 {
		return 0, Errorf(EInvalid, "计算校验位需要统一社会信用代码的前17位，实际为%d位", n)
	}
	if err := checkCreditCodeChars(up); err != nil {
		return 0, err
	}
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(creditCodeCharset, up[i]) * creditCodeWeights[i]
	}
	return creditCodeCharset[(31-sum%31)%31], nil
}

// checkCreditCodeChars reports the first character of s outside the charset.
func checkCreditCodeChars(s string) error {
	pos := 0
	for _, r := range s {
		pos++
		if r >= utf8.RuneSelf || strings.IndexByte(creditCodeCharset, byte(r)) < 0 {
			return Errorf(EInvalid, "统一社会信用代码第%d位“%c”不是允许的字符（数字0-9或除I、O、S、V、Z外的大写字母）", pos, r)
		}
	}
	return nil
}

// upperASCII upper-cases only a-z: a code is ASCII, and leaving every other
// character as typed lets the error name it as the user sees it.
func upperASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}
