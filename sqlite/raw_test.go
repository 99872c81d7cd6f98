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
	"github.com/huiqi/huiqi/storetest"
)

// Tests of what SQLite really stores, read beside the store; the store's
// behaviour is tested against every store in package storetest.

func TestDB_ApplicationTriggers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "huiqi.db")
	db := MustOpenDBAt(t, path)
	if err := db.CreateApplication(ctx, storetest.NewApplication("p-award", 1), []huiqi.Event{storetest.AppEvent(huiqi.EventSubmit, 3)}); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	for _, s := range []string{
		`UPDATE application_events SET note = 'x'`,
		`DELETE FROM application_events`,
		`DELETE FROM applications`,
		`UPDATE applications SET policy_version = 2`,
		`UPDATE applications SET credit_code = 'X'`,
	} {
		if _, err := raw.Exec(s); err == nil {
			t.Errorf("%s: allowed, want refused", s)
		}
	}
	// The derived columns move with the events.
	if _, err := raw.Exec(`UPDATE applications SET updated_at = updated_at`); err != nil {
		t.Fatalf("updating a derived column: %v", err)
	}
}

// Only the hash of a token is stored.
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
