package engine

import (
	"context"

	"github.com/huiqi/huiqi"
)

// CreateToken issues a token (admin) and returns its secret, shown once.
// It returns EInvalid when the binding does not fit the role.
func (e *Engine) CreateToken(ctx context.Context, t *huiqi.Token) (string, error) {
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return "", err
	}
	if err := t.Validate(); err != nil {
		return "", err
	}
	return e.DB.CreateToken(ctx, t)
}

// Authenticate returns the token whose secret is given, or EUnauthorized.
func (e *Engine) Authenticate(ctx context.Context, secret string) (*huiqi.Token, error) {
	return e.DB.FindToken(ctx, secret)
}

// EnsureAdminToken makes secret a valid admin token (HUIQI_ADMIN_TOKEN).
func (e *Engine) EnsureAdminToken(ctx context.Context, secret string) error {
	if len(secret) < 16 {
		return huiqi.Errorf(huiqi.EInvalid, "HUIQI_ADMIN_TOKEN must be at least 16 characters")
	}
	return e.DB.EnsureToken(ctx, secret, &huiqi.Token{Role: huiqi.RoleAdmin})
}

// System is the context of huiqi acting on its own behalf (loading the demo
// catalogue, daily passes): an admin with no secret.
func System(ctx context.Context) context.Context {
	return huiqi.NewContextWithToken(ctx, &huiqi.Token{Role: huiqi.RoleAdmin})
}
