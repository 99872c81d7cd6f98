package engine

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/huiqi/huiqi"
)

// Each application's events form a SHA-256 chain, which catches a changed
// or deleted event in the middle. It cannot catch a cut tail (the last
// events deleted, the application row fixed to match) nor a chain
// recomputed after a change: anyone with the database file can redo an
// unkeyed hash. A checkpoint anchors the chains outside the database: the
// count and running hash of the global event log, signed with an Ed25519
// key that lives in a file beside the database, not in it. An auditor keeps
// checkpoints; later, the log's first entries must still hash to what was
// signed.

// CheckpointMessage is the text a checkpoint's signature covers.
func CheckpointMessage(c *huiqi.Checkpoint) []byte {
	return []byte("huiqi checkpoint v1\n" + strconv.FormatInt(c.Events, 10) + "\n" + c.Head + "\n" +
		c.CreatedAt.UTC().Format(time.RFC3339Nano) + "\n")
}

// LoadSigningKey reads the Ed25519 key at path (PKCS #8 PEM), creating it
// with mode 0600 when the file does not exist.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create signing key: %w", err)
		}
		if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
			f.Close()
			return nil, fmt.Errorf("write signing key: %w", err)
		}
		return key, f.Close()
	} else if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("signing key %s: not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: not an Ed25519 key", path)
	}
	return key, nil
}

// errNoKey answers checkpoint requests of a server without a signing key.
var errNoKey = huiqi.Errorf(huiqi.EUnavailable, "未配置签名密钥，无法生成检查点")

// Checkpoint signs the event log's current head and stores it (admin).
func (e *Engine) Checkpoint(ctx context.Context) (*huiqi.Checkpoint, error) {
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return nil, err
	}
	if e.Signer == nil {
		return nil, errNoKey
	}
	st, err := e.DB.EventLog(ctx, -1)
	if err != nil {
		return nil, err
	}
	c := &huiqi.Checkpoint{CreatedAt: e.Now().Round(0), Events: st.Events, Head: st.Head,
		PublicKey: base64.StdEncoding.EncodeToString(e.Signer.Public().(ed25519.PublicKey))}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(e.Signer, CheckpointMessage(c)))
	if err := e.DB.AddCheckpoint(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Checkpoints lists the stored checkpoints, newest first (admin, auditor).
func (e *Engine) Checkpoints(ctx context.Context) ([]huiqi.Checkpoint, error) {
	if _, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleAuditor); err != nil {
		return nil, err
	}
	return e.DB.Checkpoints(ctx, 0)
}

// CheckpointVerdict is the outcome of checking the log against a
// checkpoint.
type CheckpointVerdict struct {
	OK bool `json:"ok"`
	// Events is the number of entries in the log now.
	Events int64 `json:"events"`
	// Reason says why the log does not match; empty when OK.
	Reason string `json:"reason"`
}

// VerifyCheckpoint checks the event log against a checkpoint an auditor
// kept (admin, auditor): its signature must hold, under this server's key
// when it has one, and the log's first events must be there, unchanged,
// and hash to the signed head. It returns EInvalid for a checkpoint whose
// signature does not hold.
func (e *Engine) VerifyCheckpoint(ctx context.Context, c huiqi.Checkpoint) (*CheckpointVerdict, error) {
	if _, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleAuditor); err != nil {
		return nil, err
	}
	pub, err := base64.StdEncoding.DecodeString(c.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, huiqi.FieldErrorf("public_key", "public_key 应为 base64 编码的 Ed25519 公钥")
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || !ed25519.Verify(pub, CheckpointMessage(&c), sig) {
		return nil, huiqi.FieldErrorf("signature", "检查点签名不成立：内容被改动或并非本系统签发")
	}
	if e.Signer != nil && !e.Signer.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(pub)) {
		return nil, huiqi.FieldErrorf("public_key", "检查点不是用本服务器的签名密钥签发的")
	}
	st, err := e.DB.EventLog(ctx, c.Events)
	if err != nil {
		return nil, err
	}
	v := &CheckpointVerdict{Events: st.Events}
	switch {
	case st.Events < c.Events:
		v.Reason = fmt.Sprintf("事件记录只剩 %d 项，检查点签发时已有 %d 项：末尾的事件被删除", st.Events, c.Events)
	case st.Problem != "":
		v.Reason = st.Problem
	case st.Head != c.Head:
		v.Reason = "事件记录的前 " + strconv.FormatInt(c.Events, 10) + " 项与检查点签名时不同：事件链被重新计算"
	default:
		v.OK = true
	}
	return v, nil
}

// RunCheckpoints signs a checkpoint now and every interval after, whenever
// the log has grown since the last one, until ctx is done.
func (e *Engine) RunCheckpoints(ctx context.Context, every time.Duration) {
	sys := System(ctx)
	for {
		if err := e.checkpointIfGrown(sys); err != nil && ctx.Err() == nil {
			e.Logger.Error("checkpoint", "err", err)
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (e *Engine) checkpointIfGrown(ctx context.Context) error {
	last, err := e.DB.LastCheckpoint(ctx)
	if err != nil && huiqi.ErrorCode(err) != huiqi.ENotFound {
		return err
	}
	st, err := e.DB.EventLog(ctx, 0)
	if err != nil {
		return err
	}
	if last != nil && st.Events == last.Events {
		return nil
	}
	c, err := e.Checkpoint(ctx)
	if err == nil {
		e.Logger.Info("checkpoint signed", "id", c.ID, "events", c.Events, "head", c.Head)
	}
	return err
}
