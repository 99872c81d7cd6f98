package storetest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/storetest"
)

func TestStore_CreateToken(t *testing.T) { forEachStore(t, testCreateToken) }

func testCreateToken(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
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
	}
}

func TestStore_FindToken(t *testing.T) { forEachStore(t, testFindToken) }

func testFindToken(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	if _, err := db.CreateToken(ctx, &huiqi.Token{Role: huiqi.RoleAuditor}); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"", "hq_unknown", "913505007173546744"} {
		_, err := db.FindToken(ctx, secret)
		wantCode(t, err, huiqi.EUnauthorized)
	}
}

func TestStore_EnsureToken(t *testing.T) { forEachStore(t, testEnsureToken) }

func testEnsureToken(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
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
func TestStore_TokenExpiryAndRevocation(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testTokenExpiryAndRevocation(t, b)
		})
	}
}

func testTokenExpiryAndRevocation(t *testing.T, b storetest.Backend) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, huiqi.Shanghai)
	db := b.Open(t, func() time.Time { return now })
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
	out, _ := json.Marshal(list)
	if strings.Contains(string(out), secret) || strings.Contains(string(out), "hash") {
		t.Errorf("Tokens() as JSON shows a secret or hash: %s", out)
	}
}

// A changed HUIQI_ADMIN_TOKEN revokes the token of the previous value.
func TestStore_EnsureTokenRotation(t *testing.T) { forEachStore(t, testEnsureTokenRotation) }

func testEnsureTokenRotation(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
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
