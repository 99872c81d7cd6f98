package sqlite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/huiqi/huiqi"
)

// TokenPrefix starts every secret CreateToken issues, so that a leaked token
// is recognisable by secret scanners and in logs.
const TokenPrefix = "hq_"

// CreateToken stores a new token for t's role and binding, sets t.ID and
// returns the secret, which is not stored and cannot be shown again. The
// binding is stored as given: validation is the caller's. Errors are
// internal.
func (db *DB) CreateToken(ctx context.Context, t *huiqi.Token) (secret string, err error) {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand panics rather than return short
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	id, err := db.insertToken(ctx, hashSecret(secret), t)
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	t.ID = id
	return secret, nil
}

// EnsureToken makes secret a valid token with t's role and binding, stored
// hashed, unless it is one already; either way t gets the stored token's ID,
// role and binding, since an existing token is kept as it is. It is how the
// HUIQI_ADMIN_TOKEN environment variable becomes an admin token: the token
// is marked as the variable's, and the variable's earlier tokens are
// revoked, so that changing the variable retires the old secret. It returns
// EInvalid for an empty secret.
func (db *DB) EnsureToken(ctx context.Context, secret string, t *huiqi.Token) error {
	if secret == "" {
		return huiqi.Errorf(huiqi.EInvalid, "令牌不能为空")
	}
	h := hashSecret(secret)
	var stored *huiqi.Token
	if err := db.update(ctx, func(tx *sql.Tx) error {
		now := formatTime(db.now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, role, department, credit_code, created_at, from_env)
			VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (hash) DO UPDATE SET from_env = 1`,
			h, t.Role, t.Department, t.CreditCode, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE from_env = 1 AND hash != ? AND revoked_at = ''`, now, h); err != nil {
			return err
		}
		var err error
		stored, _, err = scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, h))
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
	// The lookup is by hash, so its timing tells nothing about stored
	// secrets.
	t, revoked, err := scanToken(db.read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hashSecret(secret)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
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
	rows, err := db.read.QueryContext(ctx, `SELECT `+tokenColumns+`, created_at, last_used_at, from_env FROM tokens ORDER BY id`)
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
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = CASE revoked_at WHEN '' THEN ? ELSE revoked_at END WHERE id = ?`,
			formatTime(db.now()), id)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return huiqi.Errorf(huiqi.ENotFound, "令牌 %d 不存在", id)
		}
		return nil
	})
}

// TokenUsed records when a token was last used. Errors are internal.
func (db *DB) TokenUsed(ctx context.Context, id int64, at time.Time) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, formatTime(at), id)
		return err
	})
}

func (db *DB) insertToken(ctx context.Context, hash string, t *huiqi.Token) (int64, error) {
	var id int64
	err := db.update(ctx, func(tx *sql.Tx) error {
		expires := ""
		if !t.ExpiresAt.IsZero() {
			expires = formatTime(t.ExpiresAt)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, role, department, credit_code, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			hash, t.Role, t.Department, t.CreditCode, formatTime(db.now()), expires)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	return id, err
}

const tokenColumns = `id, role, department, credit_code, expires_at, revoked_at`

func scanToken(row *sql.Row) (t *huiqi.Token, revoked bool, err error) {
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

// optionalTime parses a stored time, ” being the zero time.
func optionalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseTime(s)
}

// hashSecret returns the hex SHA-256 of a token secret, the form it is
// stored in. A secret has 256 random bits, so an unsalted fast hash is
// enough: there is nothing to guess.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
