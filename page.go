package huiqi

import (
	"encoding/base64"
	"strconv"
)

// Page sizes, the same for every list: the API's, the store's, the
// matches' and the search's. A list asked for no size gets DefaultLimit; a
// size over MaxLimit is refused rather than cut, so that a client never
// mistakes a shortened page for the last one.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// PageLimit returns the page size for a requested limit: DefaultLimit for
// 0, the limit itself from 1 to MaxLimit. Anything else is EInvalid naming
// the field limit.
func PageLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 0 || limit > MaxLimit:
		return 0, limitError()
	}
	return limit, nil
}

// ParseLimit reads the limit of a query string: 0 (the default) when
// absent, else an integer from 1 to MaxLimit, or EInvalid naming limit.
func ParseLimit(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, limitError()
	}
	_, err = PageLimit(n)
	return n, err
}

// limitError is new each time: a caller may prefix its field path.
func limitError() error { return FieldErrorf("limit", "limit 应为 1 至 %d 的整数", MaxLimit) }

// EncodeCursor makes the cursor of a page whose last key is key. Cursors are
// base64url-encoded so that clients treat them as opaque rather than build
// them.
func EncodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// DecodeCursor returns the key of a cursor EncodeCursor made, or EInvalid.
func DecodeCursor(cursor string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) == 0 {
		return "", FieldErrorf("after", "分页游标无效")
	}
	return string(b), nil
}

// EnterpriseFilter selects current profiles for ListEnterprises. Empty fields
// select everything.
type EnterpriseFilter struct {
	Region   string // region code prefix: "3505" is all of Quanzhou
	Industry string // GB/T 4754-2017 code prefix: "C19" takes C1952
	Scale    string // effective scale: large, medium, small or micro
	Tag      string // the profile carries this tag

	Limit int    // page size, as PageLimit reads it
	After string // the next cursor of the previous page
}

// PolicyFilter selects policies, by their latest version, for ListPolicies.
// Empty fields select everything.
type PolicyFilter struct {
	Status     string // draft, published or withdrawn
	Department string // exactly this department
	Mode       string // apply or auto
	Kind       string // benefit kind, such as subsidy
	// Region keeps the policies whose scope covers this region code: an
	// enterprise in 350582 (晋江市) can get the policies scoped to 350582,
	// to 3505 (all of Quanzhou) and those without a scope.
	Region string
	// VisibleTo, when set, keeps only what an official of that department
	// may see: published policies, and the department's own in any status.
	VisibleTo string

	Limit int    // page size, as PageLimit reads it
	After string // the next cursor of the previous page
}
