package main_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/huiqi/huiqi"
	main "github.com/huiqi/huiqi/cmd/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/policies"
	"github.com/huiqi/huiqi/sqlite"
)

// huiqi audit verify --checkpoint catches a cut tail that the chains alone
// pass: the last event of an application deleted and its row fixed up.
func TestAuditVerify_Checkpoint(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := sqlite.NewDB(filepath.Join(dir, "huiqi.db"))
	db.Now = func() time.Time { return testNow } // the catalogue's policies are open on it
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	eng := engine.New(db)
	eng.Now = db.Now
	sys := engine.System(ctx)
	today := eng.Today()
	catalogue, err := policies.Catalogue(today)
	if err != nil {
		t.Fatal(err)
	}
	ents := demo.Enterprises(20, 1, today)
	if _, err := eng.LoadDemo(ctx, catalogue, ents); err != nil {
		t.Fatal(err)
	}
	var app *engine.Application
	for _, p := range catalogue {
		if app, err = eng.SubmitApplication(sys, engine.ApplicationInput{PolicyID: p.ID, CreditCode: ents[0].CreditCode}); err == nil {
			break
		}
	}
	if app == nil {
		t.Fatalf("no application could be submitted: %v", err)
	}
	if _, err := eng.AddEvent(sys, app.ID, engine.EventInput{Type: huiqi.EventAccept}); err != nil {
		t.Fatal(err)
	}
	if eng.Signer, err = engine.LoadSigningKey(filepath.Join(dir, "signing.key")); err != nil {
		t.Fatal(err)
	}
	cp, err := eng.Checkpoint(sys)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	file := filepath.Join(t.TempDir(), "checkpoints.json")
	b, _ := json.Marshal(map[string]any{"items": []*huiqi.Checkpoint{cp}})
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func() (string, error) {
		var out, errOut bytes.Buffer
		err := main.Run(ctx, []string{"audit", "verify", "--data", dir, "--checkpoint", file}, &out, &errOut)
		return out.String(), err
	}
	if out, err := run(); err != nil || !strings.Contains(out, "ok: checkpoint") {
		t.Fatalf("audit verify --checkpoint before tampering = %v:\n%s", err, out)
	}

	raw, err := sql.Open("sqlite3", filepath.Join(dir, "huiqi.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`DROP TRIGGER application_events_no_delete`,
		`DELETE FROM application_events WHERE application_id = ? AND seq = 2`,
		`UPDATE applications SET state = 'submitted', events = 1,
			head_hash = (SELECT hash FROM application_events WHERE application_id = ?1 AND seq = 1),
			updated_at = opened_at WHERE id = ?1`,
	} {
		var args []any
		if strings.Contains(s, "?") {
			args = append(args, app.ID)
		}
		if _, err := raw.Exec(s, args...); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	raw.Close()
	out, err := run()
	if !errors.Is(err, main.ErrChainBroken) || !strings.Contains(out, "intact\n") || !strings.Contains(out, "BROKEN since checkpoint") {
		t.Errorf("audit verify --checkpoint after a cut tail = %v:\n%s\nwant the chains intact and the checkpoint broken", err, out)
	}
}

// serve signs checkpoints with the key named by HUIQI_SIGNING_KEY, kept
// outside the data folder and made with mode 0600: one at start, then one
// on schedule whenever the event log has grown.
func TestServe_ScheduledCheckpoints(t *testing.T) {
	t.Setenv("HUIQI_ADMIN_TOKEN", adminToken)
	keyPath := filepath.Join(t.TempDir(), "keys", "huiqi.key")
	if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HUIQI_SIGNING_KEY", keyPath)
	dir := t.TempDir()
	s := MustRunServe(t, dir, "--checkpoint-every", "20ms")
	type checkpoints struct {
		Items []huiqi.Checkpoint `json:"items"`
	}
	// waitFor polls the list until it satisfies ok; the bound only guards
	// against a hang.
	waitFor := func(what string, ok func([]huiqi.Checkpoint) bool) []huiqi.Checkpoint {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			var list checkpoints
			s.MustJSON(t, "GET", "/v1/audit/checkpoints", adminToken, "", http.StatusOK, &list)
			if ok(list.Items) {
				return list.Items
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s: %+v", what, list.Items)
			}
		}
	}
	first := waitFor("checkpoint at start", func(l []huiqi.Checkpoint) bool { return len(l) > 0 })[0]
	fi, err := os.Stat(keyPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %s: %v, %v; want mode 0600", keyPath, fi, err)
	}
	if fileExists(t, filepath.Join(dir, "signing.key")) {
		t.Error("a key was made in the data folder although HUIQI_SIGNING_KEY names another")
	}
	key, err := engine.LoadSigningKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if want := base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)); first.PublicKey != want {
		t.Errorf("checkpoint signed with %s, want the key of HUIQI_SIGNING_KEY (%s)", first.PublicKey, want)
	}

	// The log grows by one event: the next round signs it.
	var offered struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	s.MustJSON(t, "GET", "/v1/applications?state=offered&limit=1", adminToken, "", http.StatusOK, &offered)
	if len(offered.Items) == 0 {
		t.Fatal("the demo opened no offer")
	}
	s.MustJSON(t, "POST", fmt.Sprintf("/v1/applications/%d/events", offered.Items[0].ID), adminToken, `{"type": "reject", "note": "企业已注销"}`, http.StatusCreated, nil)
	waitFor("checkpoint after the log grew", func(l []huiqi.Checkpoint) bool { return l[0].Events == first.Events+1 })
}

func fileExists(tb testing.TB, path string) bool {
	tb.Helper()
	_, err := os.Stat(path)
	return err == nil
}
