package sqlite_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/sqlite"
)

func TestDB_CreateToken(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "huiqi.db")
	db := MustOpenDBAt(t, path)
	tokens := []*huiqi.Token{
		{Role: huiqi.RoleAdmin},
		{Role: huiqi.RoleOfficial, Department: "晋江市科技局"},
		{Role: huiqi.RoleEnterprise, CreditCode: "913505007173546744"},
	}
	seen := map[string]bool{}
	for _, tok := range tokens {
		secret, err := db.CreateToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "hq_") || len(secret) < 40 || seen[secret] {
			t.Fatalf("CreateToken() secret = %q, want a new hq_ secret of 32 random bytes", secret)
		}
		seen[secret] = true
		if tok.ID == 0 {
			t.Fatal("CreateToken() left ID 0")
		}
		got, err := db.FindToken(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tok, got); diff != "" {
			t.Fatalf("FindToken (-want +got):\n%s", diff)
		}

		// Only the hash is stored.
		var hash string
		var n int
		raw := rawDB(t, path)
		if err := raw.QueryRow(`SELECT hash FROM tokens WHERE id = ?`, tok.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(secret))
		if want := hex.EncodeToString(sum[:]); hash != want {
			t.Fatalf("stored hash = %q, want %q", hash, want)
		}
		if err := raw.QueryRow(`SELECT COUNT(*) FROM tokens WHERE instr(hash || role || department || credit_code || created_at, ?) > 0`,
			secret[3:]).Scan(&n); err != nil {
			t.Fatal(err)
		} else if n != 0 {
			t.Fatal("the secret is stored in the tokens table")
		}
	}
}

func TestDB_FindToken(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, err := db.CreateToken(ctx, &huiqi.Token{Role: huiqi.RoleAuditor}); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"", "hq_unknown", "913505007173546744"} {
		_, err := db.FindToken(ctx, secret)
		wantCode(t, err, huiqi.EUnauthorized)
	}
}

func TestDB_EnsureToken(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	const secret = "my-admin-token-from-env"
	admin := &huiqi.Token{Role: huiqi.RoleAdmin}
	if err := db.EnsureToken(ctx, secret, admin); err != nil {
		t.Fatal(err)
	} else if admin.ID == 0 {
		t.Fatal("EnsureToken() left ID 0")
	}
	// Again, as at every start: the stored token is kept as it is.
	again := &huiqi.Token{Role: huiqi.RoleAuditor}
	if err := db.EnsureToken(ctx, secret, again); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(admin, again); diff != "" {
		t.Fatalf("second EnsureToken (-want +got):\n%s", diff)
	}
	got, err := db.FindToken(ctx, secret)
	if err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(admin, got); diff != "" {
		t.Fatalf("FindToken (-want +got):\n%s", diff)
	}
	err = db.EnsureToken(ctx, "", &huiqi.Token{Role: huiqi.RoleAdmin})
	wantCode(t, err, huiqi.EInvalid)
}

// A token with an expiry works until then and is refused from then on; a
// revoked token is refused at once; the list shows neither secret nor hash.
func TestDB_TokenExpiryAndRevocation(t *testing.T) {
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "huiqi.db"))
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, huiqi.Shanghai)
	db.Now = func() time.Time { return now }
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	expiring := &huiqi.Token{Role: huiqi.RoleAuditor, ExpiresAt: now.Add(time.Hour)}
	secret, err := db.CreateToken(ctx, expiring)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindToken(ctx, secret); err != nil {
		t.Fatalf("FindToken() before expiry = %v", err)
	}
	now = now.Add(time.Hour)
	if _, err := db.FindToken(ctx, secret); huiqi.ErrorCode(err) != huiqi.EUnauthorized || !strings.Contains(huiqi.ErrorMessage(err), "过期") {
		t.Errorf("FindToken() at expiry = %v, want EUnauthorized, expired", err)
	}

	lasting := &huiqi.Token{Role: huiqi.RoleAdmin}
	secret, err = db.CreateToken(ctx, lasting)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.TokenUsed(ctx, lasting.ID, now); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeToken(ctx, lasting.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindToken(ctx, secret); huiqi.ErrorCode(err) != huiqi.EUnauthorized || !strings.Contains(huiqi.ErrorMessage(err), "吊销") {
		t.Errorf("FindToken() after revocation = %v, want EUnauthorized, revoked", err)
	}
	if err := db.RevokeToken(ctx, 999); huiqi.ErrorCode(err) != huiqi.ENotFound {
		t.Errorf("RevokeToken(999) = %v, want ENotFound", err)
	}
	list, err := db.Tokens(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("Tokens() = %+v, %v, want two", list, err)
	}
	if l := list[1]; l.RevokedAt == nil || l.LastUsedAt == nil || !l.LastUsedAt.Equal(now) || list[0].LastUsedAt != nil || !list[0].ExpiresAt.Equal(now) {
		t.Errorf("Tokens() = %+v, want the second revoked and used at %v, the first never used, expiring", list, now)
	}
	b, _ := json.Marshal(list)
	if strings.Contains(string(b), secret) || strings.Contains(string(b), "hash") {
		t.Errorf("Tokens() as JSON shows a secret or hash: %s", b)
	}
}

// A changed HUIQI_ADMIN_TOKEN revokes the token of the previous value.
func TestDB_EnsureTokenRotation(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDBAt(t, filepath.Join(t.TempDir(), "huiqi.db"))
	const first, second = "first-admin-secret-0123456789", "second-admin-secret-0123456789"
	other, err := db.CreateToken(ctx, &huiqi.Token{Role: huiqi.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{first, first, second} {
		if err := db.EnsureToken(ctx, s, &huiqi.Token{Role: huiqi.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.FindToken(ctx, first); huiqi.ErrorCode(err) != huiqi.EUnauthorized {
		t.Errorf("FindToken(previous HUIQI_ADMIN_TOKEN) = %v, want it revoked", err)
	}
	for _, s := range []string{second, other} {
		if _, err := db.FindToken(ctx, s); err != nil {
			t.Errorf("FindToken() of a current token = %v", err)
		}
	}
}
