package huiqi

import (
	"context"
	"time"
)

// Roles a token may carry.
const (
	RoleAdmin      = "admin"      // everything, issues tokens
	RoleOfficial   = "official"   // one department: its policies, matches, applications and figures
	RoleAuditor    = "auditor"    // reads everything, writes nothing
	RoleEnterprise = "enterprise" // one credit code: its own profile, matches, notifications, applications
)

// Token is an API credential. The secret itself is shown once at creation
// and stored only as a hash.
type Token struct {
	ID         int64  `json:"id"`
	Role       string `json:"role"`
	Department string `json:"department,omitempty"`
	CreditCode string `json:"credit_code,omitempty"`
	// ExpiresAt, when set, is when the token stops working.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Validate checks that the token's binding fits its role: an official is
// bound to a department, an enterprise to a credit code, the others to
// nothing.
func (t *Token) Validate() error {
	switch t.Role {
	case RoleAdmin, RoleAuditor:
		if t.Department != "" || t.CreditCode != "" {
			return FieldErrorf("role", "%s 令牌不绑定部门或企业", t.Role)
		}
	case RoleOfficial:
		if t.Department == "" {
			return FieldErrorf("department", "官员令牌必须绑定部门")
		} else if t.CreditCode != "" {
			return FieldErrorf("credit_code", "官员令牌不绑定企业")
		}
	case RoleEnterprise:
		code, err := ValidateCreditCode(t.CreditCode)
		if err != nil {
			return WithPrefix("credit_code", err)
		} else if t.Department != "" {
			return FieldErrorf("department", "企业令牌不绑定部门")
		}
		t.CreditCode = code
	default:
		return FieldErrorf("role", "角色应为 admin、official、auditor、enterprise 之一，收到 %q", t.Role)
	}
	return nil
}

// Actor names who did something, for event logs: "admin", "auditor",
// "official:<department>" or "enterprise:<credit code>".
func (t *Token) Actor() string {
	switch t.Role {
	case RoleOfficial:
		return "official:" + t.Department
	case RoleEnterprise:
		return "enterprise:" + t.CreditCode
	}
	return t.Role
}

type tokenKey struct{}

// NewContextWithToken returns a context carrying the caller's token.
func NewContextWithToken(ctx context.Context, t *Token) context.Context {
	return context.WithValue(ctx, tokenKey{}, t)
}

// TokenFromContext returns the caller's token, or nil for an anonymous caller.
func TokenFromContext(ctx context.Context) *Token {
	t, _ := ctx.Value(tokenKey{}).(*Token)
	return t
}

// RoleFromContext returns the caller's role, or "" for an anonymous caller.
func RoleFromContext(ctx context.Context) string {
	if t := TokenFromContext(ctx); t != nil {
		return t.Role
	}
	return ""
}
