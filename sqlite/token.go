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
// HUIQI_ADMIN_TOKEN environment variable becomes an admin token. It returns
// EInvalid for an empty secret.
func (db *DB) EnsureToken(ctx context.Context, secret string, t *huiqi.Token) error {
	if secret == "" {
		return huiqi.Errorf(huiqi.EInvalid, "令牌不能为空")
	}
	h := hashSecret(secret)
	var stored *huiqi.Token
	if err := db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, role, department, credit_code, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
			h, t.Role, t.Department, t.CreditCode, formatTime(db.now())); err != nil {
			return err
		}
		var err error
		stored, err = scanToken(tx.QueryRowContext(ctx, `SELECT id, role, department, credit_code FROM tokens WHERE hash = ?`, h))
		return err
	}); err != nil {
		return fmt.Errorf("ensure token: %w", err)
	}
	*t = *stored
	return nil
}

// FindToken returns the token whose secret this is. It returns
// EUnauthorized for an unknown secret.
func (db *DB) FindToken(ctx context.Context, secret string) (*huiqi.Token, error) {
	// The lookup is by hash, so its timing tells nothing about stored
	// secrets.
	t, err := scanToken(db.read.QueryRowContext(ctx, `SELECT id, role, department, credit_code FROM tokens WHERE hash = ?`, hashSecret(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, huiqi.Errorf(huiqi.EUnauthorized, "令牌无效")
	} else if err != nil {
		return nil, fmt.Errorf("find token: %w", err)
	}
	return t, nil
}

func (db *DB) insertToken(ctx context.Context, hash string, t *huiqi.Token) (int64, error) {
	var id int64
	err := db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, role, department, credit_code, created_at) VALUES (?, ?, ?, ?, ?)`,
			hash, t.Role, t.Department, t.CreditCode, formatTime(db.now()))
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	return id, err
}

func scanToken(row *sql.Row) (*huiqi.Token, error) {
	var t huiqi.Token
	if err := row.Scan(&t.ID, &t.Role, &t.Department, &t.CreditCode); err != nil {
		return nil, err
	}
	return &t, nil
}

// hashSecret returns the hex SHA-256 of a token secret, the form it is
// stored in. A secret has 256 random bits, so an unsalted fast hash is
// enough: there is nothing to guess.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
