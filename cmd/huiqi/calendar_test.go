package main_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI_Calendar(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "2028.json")
	doc := `{"year": 2028, "source": "国务院办公厅关于2028年部分节假日安排的通知", "off": ["2028-01-01", "2028-01-02", "2028-01-03"]}`
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := runCLI(t, "calendar", "import", "--data", dir, file)
	if err != nil || !strings.Contains(stdout, "2028: 3 holidays") {
		t.Fatalf("calendar import = %q, %v", stdout, err)
	}
	// The year survives: a later command reads it back.
	stdout, _, err = runCLI(t, "calendar", "list", "--data", dir)
	if err != nil || !strings.Contains(stdout, "2028  operator") || !strings.Contains(stdout, "2027  embedded") {
		t.Fatalf("calendar list = %q, %v", stdout, err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"year": 2029, "source": "s", "off": ["2029-01-01"], "work": ["2029-01-02"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, "calendar", "import", "--data", dir, bad); err == nil || !strings.Contains(err.Error(), "work[0]") {
		t.Fatalf("calendar import of a worked weekday = %v, want an error naming work[0]", err)
	}
	if _, stderr, err := runCLI(t, "calendar", "import", "-h"); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr, "Usage: huiqi calendar import") {
		t.Fatalf("calendar import -h = %v, %q", err, stderr)
	}
}

func TestCLI_Rematch(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, err := runCLI(t, "rematch", "--data", dir)
	if err != nil || !strings.Contains(stdout, "rematched 0 policies") {
		t.Fatalf("rematch = %q, %q, %v", stdout, stderr, err)
	}
	if _, stderr, err := runCLI(t, "rematch", "-h"); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr, "Usage: huiqi rematch") {
		t.Fatalf("rematch -h = %v, %q", err, stderr)
	}
}

// A command that takes a subcommand names them when given none.
func TestCLI_SubcommandMissing(t *testing.T) {
	for cmd, want := range map[string]string{"token": "create, list, revoke", "import": "enterprises, policies, applications", "calendar": "import, list"} {
		_, _, err := runCLI(t, cmd)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("huiqi %s = %v, want an error naming %s", cmd, err, want)
		}
	}
}
