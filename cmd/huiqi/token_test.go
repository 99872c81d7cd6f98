package main_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// huiqi token list shows the folder's tokens with their expiry and no
// secret; huiqi token revoke ends one, and a server on the folder refuses
// it from the next request on.
func TestCLI_TokenListRevoke(t *testing.T) {
	t.Setenv("HUIQI_ADMIN_TOKEN", adminToken)
	dir := t.TempDir()
	s := MustRunServe(t, dir, "--demo=false")
	before := time.Now()
	secret, _, err := runCLI(t, "token", "create", "--data", dir, "--role", "auditor", "--expires-in", "720h")
	after := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.TrimSpace(secret)
	if code, body := s.Do(t, "GET", "/v1/audit/stats", secret, ""); code != http.StatusOK {
		t.Fatalf("the new token: GET /v1/audit/stats = %d %s", code, body)
	}

	out, _, err := runCLI(t, "token", "list", "--data", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, secret) {
		t.Fatal("huiqi token list shows a secret")
	}
	var tokens []struct {
		ID        int64      `json:"id"`
		Role      string     `json:"role"`
		ExpiresAt time.Time  `json:"expires_at"`
		RevokedAt *time.Time `json:"revoked_at"`
	}
	if err := json.Unmarshal([]byte(out), &tokens); err != nil {
		t.Fatalf("huiqi token list --json: %v\n%s", err, out)
	}
	var id int64
	for _, tk := range tokens {
		if tk.Role == "auditor" {
			id = tk.ID
			// The command runs on the real clock.
			if tk.ExpiresAt.Before(before.Add(720*time.Hour).Truncate(time.Second)) || tk.ExpiresAt.After(after.Add(720*time.Hour)) {
				t.Errorf("expires at %s, want 720 h after it was made (%s)", tk.ExpiresAt, before)
			}
		}
	}
	if id == 0 {
		t.Fatalf("huiqi token list lacks the auditor token:\n%s", out)
	}
	table, _, err := runCLI(t, "token", "list", "--data", dir)
	if err != nil || !strings.Contains(table, "HUIQI_ADMIN_TOKEN") || !strings.Contains(table, "auditor") {
		t.Errorf("huiqi token list = %v:\n%s", err, table)
	}

	if out, _, err := runCLI(t, "token", "revoke", "--data", dir, strconv.FormatInt(id, 10)); err != nil || !strings.Contains(out, "revoked token "+strconv.FormatInt(id, 10)) {
		t.Fatalf("huiqi token revoke %d = %v: %s", id, err, out)
	}
	if code, _ := s.Do(t, "GET", "/v1/audit/stats", secret, ""); code != http.StatusUnauthorized {
		t.Errorf("the revoked token: GET /v1/audit/stats = %d, want 401", code)
	}
	if _, _, err := runCLI(t, "token", "revoke", "--data", dir, "x"); err == nil {
		t.Error("huiqi token revoke x = nil error")
	}
}
