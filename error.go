package huiqi

import (
	"errors"
	"fmt"
)

// Error codes shared by every layer; the HTTP layer maps each to one status.
const (
	EInvalid      = "invalid_argument"  // 400
	EUnauthorized = "unauthenticated"   // 401
	EForbidden    = "permission_denied" // 403
	ENotFound     = "not_found"         // 404
	EConflict     = "conflict"          // 409
	ETooLarge     = "payload_too_large" // 413
	ETooMany      = "too_many_requests" // 429
	EInternal     = "internal"          // 500
	EUnavailable  = "unavailable"       // 503: not ready yet, such as an index rebuilding
)

// Error is a domain error: a code, a message fit for the end user (Chinese
// where an end user reads it) and, for bad input, the path of the offending
// field such as "eligibility.all[2].value".
type Error struct {
	Code    string
	Message string
	Field   string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("huiqi error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("huiqi error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns a domain error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EInvalid error that names the offending field path.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error, EInternal for any other
// non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of a domain error; any other
// error gets a generic message so that internals never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "内部错误 (internal error)"
}

// ErrorField returns the field path of a domain error, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// WithPrefix returns err with its field path placed under prefix, so that a
// validator of a nested value can report "tests[1].profile.region".
func WithPrefix(prefix string, err error) error {
	var e *Error
	if prefix == "" || !errors.As(err, &e) {
		return err
	}
	c := *e
	switch {
	case c.Field == "":
		c.Field = prefix
	case c.Field[0] == '[':
		c.Field = prefix + c.Field
	default:
		c.Field = prefix + "." + c.Field
	}
	return &c
}
