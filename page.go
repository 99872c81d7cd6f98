package huiqi

import "strconv"

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
