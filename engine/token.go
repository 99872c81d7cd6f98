package engine

import (
	"context"
	"time"

	"github.com/huiqi/huiqi"
)

// CreateToken issues a token (admin) and returns its secret, shown once.
// It returns EInvalid when the binding does not fit the role or the expiry
// is not in the future.
func (e *Engine) CreateToken(ctx context.Context, t *huiqi.Token) (string, error) {
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return "", err
	}
	if err := t.Validate(); err != nil {
		return "", err
	}
	if !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(e.Now()) {
		return "", huiqi.FieldErrorf("expires_at", "过期时间应在将来")
	}
	return e.DB.CreateToken(ctx, t)
}

// tokenUseInterval is how stale a token's last-used time may get: writing
// it on every request would make every read a write.
const tokenUseInterval = time.Minute

// Authenticate returns the token whose secret is given, or EUnauthorized
// for an unknown, revoked or expired one. It records the use.
//
// It asks the store on every request, by design: a token revoked by huiqi
// token revoke, another process on the same data folder, or by another
// replica on PostgreSQL (whose change log carries profiles and policies,
// not tokens) is refused from the next request on, which no cache in this
// process could promise. The lookup is one indexed row, 2–5% of the CPU of
// an enterprise's matches.
func (e *Engine) Authenticate(ctx context.Context, secret string) (*huiqi.Token, error) {
	t, err := e.DB.FindToken(ctx, secret)
	if err != nil {
		return nil, err
	}
	now := e.Now()
	if last, ok := e.tokenUse.Load(t.ID); !ok || now.Sub(last.(time.Time)) >= tokenUseInterval {
		e.tokenUse.Store(t.ID, now)
		if err := e.DB.TokenUsed(ctx, t.ID, now); err != nil {
			e.Logger.Warn("record token use", "token", t.ID, "err", err)
		}
	}
	return t, nil
}

// Tokens lists every token, without secrets, with when each was last used
// (admin).
func (e *Engine) Tokens(ctx context.Context) ([]huiqi.TokenInfo, error) {
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return nil, err
	}
	return e.DB.Tokens(ctx)
}

// RevokeToken revokes a token at once (admin): API calls and web sessions
// with it fail from the next request on. It returns ENotFound for an
// unknown id.
func (e *Engine) RevokeToken(ctx context.Context, id int64) error {
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return err
	}
	return e.DB.RevokeToken(ctx, id)
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
