package huiqi_test

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/huiqi/huiqi"
)

// creditCodeVector is one line of testdata/credit-codes.tsv.
type creditCodeVector struct {
	code  string
	valid bool
	note  string
}

// readCreditCodeVectors reads the test vectors, skipping comments and the
// header line.
func readCreditCodeVectors(tb testing.TB) []creditCodeVector {
	tb.Helper()
	f, err := os.Open("testdata/credit-codes.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var vs []creditCodeVector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "code\t") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 || (cols[1] != "yes" && cols[1] != "no") {
			tb.Fatalf("bad vector line %q", line)
		}
		vs = append(vs, creditCodeVector{code: cols[0], valid: cols[1] == "yes", note: cols[2]})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(vs) == 0 {
		tb.Fatal("no vectors in testdata/credit-codes.tsv")
	}
	return vs
}

// creditCodeExpectedCheck finds "(6 expected)" in a vector's note.
var creditCodeExpectedCheck = regexp.MustCompile(`\((\S) expected\)`)

func TestValidateCreditCode(t *testing.T) {
	var legacy int
	for _, v := range readCreditCodeVectors(t) {
		t.Run(v.code, func(t *testing.T) {
			got, err := huiqi.ValidateCreditCode(v.code)
			if !v.valid {
				if code := huiqi.ErrorCode(err); code != huiqi.EInvalid {
					t.Fatalf("ValidateCreditCode(%q) error code = %q, want %q (%s)", v.code, code, huiqi.EInvalid, v.note)
				}
				if m := creditCodeExpectedCheck.FindStringSubmatch(v.note); m != nil {
					c, err := huiqi.CreditCodeCheckChar(v.code[:17])
					if err != nil || string(c) != m[1] {
						t.Errorf("CreditCodeCheckChar(%q) = %q, %v, want %q", v.code[:17], c, err, m[1])
					}
				}
				// A pilot code that predates the check is still 18 characters
				// of the charset: the legacy import must take it.
				if strings.Contains(v.note, "predates the check") {
					legacy++
					if got, err := huiqi.ValidateLegacyCreditCode(v.code); err != nil || got != v.code {
						t.Errorf("ValidateLegacyCreditCode(%q) = %q, %v, want %q, nil", v.code, got, err, v.code)
					}
				}
				return
			}
			if err != nil || got != v.code {
				t.Fatalf("ValidateCreditCode(%q) = %q, %v, want %q, nil (%s)", v.code, got, err, v.code, v.note)
			}
			lower := strings.ToLower(v.code)
			if got, err := huiqi.ValidateCreditCode(lower); err != nil || got != v.code {
				t.Errorf("ValidateCreditCode(%q) = %q, %v, want %q, nil", lower, got, err, v.code)
			}
			if got, err := huiqi.ValidateLegacyCreditCode(lower); err != nil || got != v.code {
				t.Errorf("ValidateLegacyCreditCode(%q) = %q, %v, want %q, nil", lower, got, err, v.code)
			}
			if c, err := huiqi.CreditCodeCheckChar(v.code[:17]); err != nil || c != v.code[17] {
				t.Errorf("CreditCodeCheckChar(%q) = %q, %v, want %q, nil", v.code[:17], c, err, v.code[17])
			}
		})
	}
	if legacy == 0 {
		t.Error("no pilot code that predates the check in testdata/credit-codes.tsv")
	}
}

func TestValidateCreditCode_Invalid(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		legacy bool // passes ValidateLegacyCreditCode
	}{
		{name: "Empty", code: ""},
		{name: "TooLong", code: "9144030019220382160"},
		{name: "LetterO", code: "91440300192203821O"},
		{name: "LetterS", code: "S14403001922038216"},
		{name: "LetterV", code: "9144030019220382V6"},
		{name: "LetterZ", code: "9144030019220382Z6"},
		{name: "FullWidthDigit", code: "９14403001922038216"},
		{name: "Space", code: "91440300 922038216"},
		{name: "InvalidUTF8", code: "9144030019220382\xff6"},
		{name: "WrongCheck", code: "914403001922038210", legacy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := huiqi.ValidateCreditCode(tt.code); huiqi.ErrorCode(err) != huiqi.EInvalid {
				t.Errorf("ValidateCreditCode(%q) = %q, %v, want EInvalid", tt.code, got, err)
			}
			got, err := huiqi.ValidateLegacyCreditCode(tt.code)
			if tt.legacy && err != nil {
				t.Errorf("ValidateLegacyCreditCode(%q) = %q, %v, want nil error", tt.code, got, err)
			} else if !tt.legacy && huiqi.ErrorCode(err) != huiqi.EInvalid {
				t.Errorf("ValidateLegacyCreditCode(%q) = %q, %v, want EInvalid", tt.code, got, err)
			}
		})
	}
}

func TestCreditCodeCheckChar(t *testing.T) {
	tests := []struct {
		name  string
		first string
		want  byte // 0 when an EInvalid error is expected
	}{
		{name: "Huawei", first: "91440300192203821", want: '6'},
		{name: "Lower", first: "9144030071526726x", want: 'G'},
		{name: "AllZero", first: "00000000000000000", want: '0'},
		{name: "Short", first: "9144030019220382"},
		{name: "Long", first: "914403001922038216"},
		{name: "BadChar", first: "9144030019220382I"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := huiqi.CreditCodeCheckChar(tt.first)
			if tt.want == 0 {
				if huiqi.ErrorCode(err) != huiqi.EInvalid {
					t.Errorf("CreditCodeCheckChar(%q) = %q, %v, want EInvalid", tt.first, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("CreditCodeCheckChar(%q) = %q, %v, want %q, nil", tt.first, got, err, tt.want)
			}
		})
	}
}

const testCreditCodeCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

func FuzzValidateCreditCode(f *testing.F) {
	for _, v := range readCreditCodeVectors(f) {
		f.Add(v.code)
		f.Add(strings.ToLower(v.code))
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, err := huiqi.ValidateCreditCode(s); err == nil {
			if len(got) != 18 || got != strings.ToUpper(got) || !strings.EqualFold(got, s) {
				t.Fatalf("ValidateCreditCode(%q) = %q, want the input as 18 upper-case characters", s, got)
			}
		} else if huiqi.ErrorCode(err) != huiqi.EInvalid {
			t.Fatalf("ValidateCreditCode(%q) error code = %q, want %q", s, huiqi.ErrorCode(err), huiqi.EInvalid)
		}
		if got, err := huiqi.ValidateLegacyCreditCode(s); err == nil && (len(got) != 18 || got != strings.ToUpper(got)) {
			t.Fatalf("ValidateLegacyCreditCode(%q) = %q, want 18 upper-case characters", s, got)
		}

		// Map the input's bytes onto 17 characters of the charset, append the
		// computed check character: the result must validate.
		var b strings.Builder
		for i := range 17 {
			c := byte(i)
			if i < len(s) {
				c = s[i]
			}
			b.WriteByte(testCreditCodeCharset[int(c)%len(testCreditCodeCharset)])
		}
		first := b.String()
		check, err := huiqi.CreditCodeCheckChar(first)
		if err != nil {
			t.Fatalf("CreditCodeCheckChar(%q) = %v", first, err)
		}
		code := first + string(check)
		if got, err := huiqi.ValidateCreditCode(code); err != nil || got != code {
			t.Fatalf("ValidateCreditCode(%q) = %q, %v, want %q, nil", code, got, err, code)
		}

		// Weights are non-zero modulo the prime 31, so changing any one
		// character must break the check.
		if len(s) > 17 {
			pos := int(s[17]) % 18
			bad := []byte(code)
			bad[pos] = testCreditCodeCharset[(strings.IndexByte(testCreditCodeCharset, bad[pos])+1+int(s[len(s)-1])%30)%31]
			if _, err := huiqi.ValidateCreditCode(string(bad)); err == nil {
				t.Fatalf("ValidateCreditCode(%q) accepted %q changed at position %d", string(bad), code, pos+1)
			}
		}
	})
}
