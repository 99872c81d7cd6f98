package main_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
