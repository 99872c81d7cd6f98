package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huiqi/huiqi"
)

// TokenPrefix starts every secret CreateToken issues, as in package sqlite:
// secret scanners and logs recognise it.
const TokenPrefix = "hq_"

// CreateToken stores a new token for t's role and binding, sets t.ID and
// returns the secret, which is not stored. Errors are internal.
func (db *DB) CreateToken(ctx context.Context, t *huiqi.Token) (secret string, err error) {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand panics rather than return short
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	expires := ""
	if !t.ExpiresAt.IsZero() {
		expires = formatTime(t.ExpiresAt)
	}
	if err := db.pool.QueryRow(ctx, `INSERT INTO tokens (hash, role, department, credit_code, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		hashSecret(secret), t.Role, t.Department, t.CreditCode, formatTime(db.now()), expires).Scan(&t.ID); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return secret, nil
}

// EnsureToken makes secret a valid token with t's role and binding unless it
// is one already, marks it as the environment's and revokes the
// environment's earlier tokens; t gets the stored token. It returns EInvalid
// for an empty secret.
func (db *DB) EnsureToken(ctx context.Context, secret string, t *huiqi.Token) error {
	if secret == "" {
		return huiqi.Errorf(huiqi.EInvalid, "令牌不能为空")
	}
	h := hashSecret(secret)
	var stored *huiqi.Token
	if err := db.update(ctx, func(tx pgx.Tx) error {
		now := formatTime(db.now())
		if _, err := tx.Exec(ctx, `INSERT INTO tokens (hash, role, department, credit_code, created_at, from_env)
			VALUES ($1, $2, $3, $4, $5, true) ON CONFLICT (hash) DO UPDATE SET from_env = true`,
			h, t.Role, t.Department, t.CreditCode, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = $1 WHERE from_env AND hash <> $2 AND revoked_at = ''`, now, h); err != nil {
			return err
		}
		var err error
		stored, _, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1`, h))
		return err
	}); err != nil {
		return fmt.Errorf("ensure token: %w", err)
	}
	*t = *stored
	return nil
}

// FindToken returns the token whose secret this is. It returns
// EUnauthorized for an unknown, revoked or expired secret.
func (db *DB) FindToken(ctx context.Context, secret string) (*huiqi.Token, error) {
	t, revoked, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1`, hashSecret(secret)))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, huiqi.Errorf(huiqi.EUnauthorized, "令牌无效")
	case err != nil:
		return nil, fmt.Errorf("find token: %w", err)
	case revoked:
		return nil, huiqi.Errorf(huiqi.EUnauthorized, "令牌已吊销")
	case !t.ExpiresAt.IsZero() && !db.now().Before(t.ExpiresAt):
		return nil, huiqi.Errorf(huiqi.EUnauthorized, "令牌已过期")
	}
	return t, nil
}

// Tokens lists every token, revoked ones included, by id. Errors are
// internal.
func (db *DB) Tokens(ctx context.Context) ([]huiqi.TokenInfo, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+`, created_at, last_used_at, from_env FROM tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	out := []huiqi.TokenInfo{}
	for rows.Next() {
		var (
			ti                              huiqi.TokenInfo
			expires, revoked, created, used string
		)
		if err := rows.Scan(&ti.ID, &ti.Role, &ti.Department, &ti.CreditCode, &expires, &revoked, &created, &used, &ti.FromEnv); err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		if ti.ExpiresAt, err = optionalTime(expires); err != nil {
			return nil, err
		}
		if ti.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		for _, f := range []struct {
			s   string
			dst **time.Time
		}{{used, &ti.LastUsedAt}, {revoked, &ti.RevokedAt}} {
			if t, err := optionalTime(f.s); err != nil {
				return nil, err
			} else if !t.IsZero() {
				*f.dst = &t
			}
		}
		out = append(out, ti)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token at once; revoking it again changes nothing.
// It returns ENotFound for an unknown id.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `UPDATE tokens SET revoked_at = CASE revoked_at WHEN '' THEN $1 ELSE revoked_at END WHERE id = $2`,
		formatTime(db.now()), id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return huiqi.Errorf(huiqi.ENotFound, "令牌 %d 不存在", id)
	}
	return nil
}

// TokenUsed records when a token was last used. Errors are internal.
func (db *DB) TokenUsed(ctx context.Context, id int64, at time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE tokens SET last_used_at = $1 WHERE id = $2`, formatTime(at), id)
	return err
}

const tokenColumns = `id, role, department, credit_code, expires_at, revoked_at`

func scanToken(row pgx.Row) (t *huiqi.Token, revoked bool, err error) {
	var (
		x                 huiqi.Token
		expires, revokeAt string
	)
	if err := row.Scan(&x.ID, &x.Role, &x.Department, &x.CreditCode, &expires, &revokeAt); err != nil {
		return nil, false, err
	}
	if x.ExpiresAt, err = optionalTime(expires); err != nil {
		return nil, false, err
	}
	return &x, revokeAt != "", nil
}

// optionalTime parses a stored time, "" being the zero time.
func optionalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseTime(s)
}

// hashSecret returns the hex SHA-256 of a token secret, the form it is
// stored in (the same as package sqlite's, so that a copied database keeps
// its tokens).
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
