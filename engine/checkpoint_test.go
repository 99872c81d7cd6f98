package engine_test

import (
	"crypto/ed25519"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/engine"
)

// checkpointWorld is appWorld with a signing key and three applications: 1
// disbursed (6 events), 2 paused (3), 3 submitted (1).
func checkpointWorld(t *testing.T) (*appWorld, *sql.DB) {
	t.Helper()
	w := newAppWorld(t)
	key, err := engine.LoadSigningKey(filepath.Join(t.TempDir(), "signing.key"))
	if err != nil {
		t.Fatal(err)
	}
	w.Signer = key
	w.policy(t, "p-a", appDeptA, nil)
	w.history(t, "p-a", 0, "submit 2025-03-03", "accept 2025-03-04", "pause expert_review 2025-03-05",
		"resume 2025-03-10", "approve 2025-03-20", "disburse 2025-03-25")
	w.history(t, "p-a", 1, "submit 2025-03-03", "accept 2025-03-04", "pause hearing 2025-03-05")
	w.submit(t, appEnterprise(2), "p-a", 2)
	return w, appRaw(t, w.Path)
}

// cutTail deletes application 1's last event and fixes its row to match,
// so that its own chain verifies.
func cutTail(t *testing.T, w *appWorld, d *sql.DB) {
	t.Helper()
	a, err := w.FindApplication(appAdmin, 1, huiqi.Date{})
	if err != nil {
		t.Fatal(err)
	}
	prev := a.Events[len(a.Events)-2]
	appExec(t, d, appDropGuards,
		`DELETE FROM application_events WHERE application_id = 1 AND seq = 6`,
		`UPDATE applications SET state = 'approved', amount_disbursed = NULL, events = 5, head_hash = '`+prev.Hash+`',
			updated_at = (SELECT at FROM application_events WHERE application_id = 1 AND seq = 5) WHERE id = 1`)
}

// recompute changes application 1's third event and recomputes the chain
// from there, so that its own chain verifies.
func recompute(t *testing.T, w *appWorld, d *sql.DB) {
	t.Helper()
	a, err := w.FindApplication(appAdmin, 1, huiqi.Date{})
	if err != nil {
		t.Fatal(err)
	}
	appExec(t, d, appDropGuards)
	prev := a.Events[1].Hash
	for i := 2; i < len(a.Events); i++ {
		ev := a.Events[i]
		if i == 2 {
			ev.Note = "补写的说明"
		}
		h := huiqi.Event{Seq: ev.Seq, Type: ev.Type, At: ev.At, Actor: ev.Actor, Reason: ev.Reason, Note: ev.Note, Amount: ev.Amount}.ComputeHash(1, prev)
		if _, err := d.Exec(`UPDATE application_events SET note = ?, prev_hash = ?, hash = ? WHERE application_id = 1 AND seq = ?`, ev.Note, prev, h, ev.Seq); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
	appExec(t, d, `UPDATE applications SET head_hash = '`+prev+`' WHERE id = 1`)
}

func verifyCheckpoint(t *testing.T, w *appWorld, c huiqi.Checkpoint) *engine.CheckpointVerdict {
	t.Helper()
	v, err := w.VerifyCheckpoint(appAuditor, c)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The chain alone cannot tell a cut tail or a recomputed chain from an
// honest one; a checkpoint the auditor kept can.
func TestCheckpoint(t *testing.T) {
	t.Run("Honest", func(t *testing.T) {
		w, _ := checkpointWorld(t)
		c, err := w.Checkpoint(appAdmin)
		if err != nil || c.Events != 10 {
			t.Fatalf("Checkpoint() = %+v, %v, want 10 events", c, err)
		}
		w.do(t, appOfficialA, 2, engine.EventInput{Type: huiqi.EventResume}) // the log grows: still fine
		if v := verifyCheckpoint(t, w, *c); !v.OK || v.Events != 11 {
			t.Errorf("VerifyCheckpoint() = %+v, want ok over 11 events", v)
		}
		list, err := w.Checkpoints(appAuditor)
		if err != nil || len(list) != 1 || list[0].Head != c.Head {
			t.Errorf("Checkpoints() = %+v, %v, want the one", list, err)
		}
	})
	for _, tt := range []struct {
		name   string
		tamper func(*testing.T, *appWorld, *sql.DB)
		reason string
		guard  string // the event log's trigger reported missing, if dropped
	}{
		{"CutTail", cutTail, "删除", ""},
		{"CutTailAndLog", func(t *testing.T, w *appWorld, d *sql.DB) {
			cutTail(t, w, d)
			appExec(t, d, `DROP TRIGGER event_log_no_delete`, `DELETE FROM event_log WHERE application_id = 1 AND seq = 6`)
		}, "", "event_log_no_delete"},
		{"Recomputed", recompute, "改动", ""},
		{"RecomputedAndLog", func(t *testing.T, w *appWorld, d *sql.DB) {
			recompute(t, w, d)
			appExec(t, d, `DROP TRIGGER event_log_no_update`,
				`UPDATE event_log SET hash = (SELECT e.hash FROM application_events e WHERE e.application_id = event_log.application_id AND e.seq = event_log.seq)`)
		}, "重新计算", "event_log_no_update"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, d := checkpointWorld(t)
			c, err := w.Checkpoint(appAdmin)
			if err != nil {
				t.Fatal(err)
			}
			tt.tamper(t, w, d)
			v0, err := w.VerifyChain(appAuditor)
			if err != nil || !v0.OK {
				t.Fatalf("VerifyChain() = %+v, %v: the tampering should pass the chains alone", v0, err)
			}
			if tt.guard != "" && !slices.Contains(v0.MissingGuards, tt.guard) {
				t.Errorf("VerifyChain() reports missing guards %v, want %s among them", v0.MissingGuards, tt.guard)
			}
			v := verifyCheckpoint(t, w, *c)
			if v.OK || !strings.Contains(v.Reason, tt.reason) {
				t.Errorf("VerifyCheckpoint() after %s = %+v, want it caught (%q)", tt.name, v, tt.reason)
			}
		})
	}
	t.Run("ForgedCheckpoint", func(t *testing.T) {
		w, _ := checkpointWorld(t)
		c, err := w.Checkpoint(appAdmin)
		if err != nil {
			t.Fatal(err)
		}
		forged := *c
		forged.Events--
		if _, err := w.VerifyCheckpoint(appAuditor, forged); huiqi.ErrorField(err) != "signature" {
			t.Errorf("VerifyCheckpoint(forged) = %v, want the signature refused", err)
		}
		_, other, _ := ed25519.GenerateKey(nil)
		w.Signer = other
		if _, err := w.VerifyCheckpoint(appAuditor, *c); huiqi.ErrorField(err) != "public_key" {
			t.Errorf("VerifyCheckpoint() under another key = %v, want public_key refused", err)
		}
	})
	t.Run("Roles", func(t *testing.T) {
		w, _ := checkpointWorld(t)
		if _, err := w.Checkpoint(appAuditor); huiqi.ErrorCode(err) != huiqi.EForbidden {
			t.Errorf("Checkpoint(auditor) = %v, want EForbidden", err)
		}
		if _, err := w.Checkpoints(appOfficialA); huiqi.ErrorCode(err) != huiqi.EForbidden {
			t.Errorf("Checkpoints(official) = %v, want EForbidden", err)
		}
		w.Signer = nil
		if _, err := w.Checkpoint(appAdmin); huiqi.ErrorCode(err) != huiqi.EUnavailable {
			t.Errorf("Checkpoint() without a key = %v, want EUnavailable", err)
		}
	})
}

// The key file is made with mode 0600 and read back as the same key.
func TestLoadSigningKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.key")
	k1, err := engine.LoadSigningKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	k2, err := engine.LoadSigningKey(path)
	if err != nil || !k1.Equal(k2) {
		t.Errorf("LoadSigningKey() again = %v, want the same key", err)
	}
}
