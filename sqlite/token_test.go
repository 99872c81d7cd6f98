package sqlite_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
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
