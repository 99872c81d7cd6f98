package engine_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/index"
	"github.com/huiqi/huiqi/sqlite"
)

// indexWorld is an engine over a SQLite file and bleve indexes in one
// folder, with its indexer running until the test ends or stop is called.
type indexWorld struct {
	*engine.Engine
	ix   *index.Index
	stop func()
}

func openIndexWorld(tb testing.TB, dir string) *indexWorld {
	tb.Helper()
	db := sqlite.NewDB(filepath.Join(dir, "huiqi.db"))
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open() = %v", err)
	}
	e := engine.New(db)
	e.Now = func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, huiqi.Shanghai) }
	e.Logger = slog.New(slog.DiscardHandler)
	if err := e.Load(context.Background()); err != nil {
		tb.Fatalf("Load() = %v", err)
	}
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		tb.Fatalf("index.Open() = %v", err)
	}
	e.AttachIndex(ix)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.RunIndexer(ctx) }()
	w := &indexWorld{Engine: e, ix: ix}
	w.stop = func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("RunIndexer() = %v", err)
		}
		ix.Close()
		db.Close()
	}
	tb.Cleanup(func() {
		if w.stop != nil {
			w.stop()
		}
	})
	return w
}

// caughtUp waits until the indexes have applied every committed change.
// Its two minutes guard against a hang, not against slowness: under -race
// on a loaded machine a catch-up of a few thousand profiles takes tens of
// seconds.
func (w *indexWorld) caughtUp(tb testing.TB) {
	tb.Helper()
	const limit = 2 * time.Minute
	deadline := time.Now().Add(limit)
	for {
		if lag, ready := w.IndexLag(); ready && lag == 0 {
			return
		}
		if time.Now().After(deadline) {
			lag, ready := w.IndexLag()
			tb.Fatalf("indexes not caught up after %v: lag %d, ready %v", limit, lag, ready)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The indexes follow every write, and after writes they missed (a
// command-line import, a crash) they are rebuilt at start and agree with
// SQLite again.
func TestEngine_IndexCatchesUp(t *testing.T) {
	dir := t.TempDir()
	ctx := engine.System(context.Background())
	w := openIndexWorld(t, dir)
	w.caughtUp(t)
	if err := w.Ready(ctx); err != nil {
		t.Fatalf("Ready() = %v", err)
	}
	doc := []byte(`{"id": "rent-relief", "title": "小微企业租金减免", "department": "泉州市财政局", "region": "3505",
		"eligibility": {"all": [{"field": "scale", "op": "in", "value": ["small", "micro"]}]},
		"benefit": {"kind": "rent_waiver"}}`)
	if _, err := w.CreatePolicy(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if _, err := w.PublishPolicy(ctx, "rent-relief"); err != nil {
		t.Fatal(err)
	}
	es := demo.Enterprises(500, 3, w.Today())
	if _, err := w.ImportEnterprises(ctx, sliceSource(es), nil); err != nil {
		t.Fatal(err)
	}
	w.caughtUp(t)
	res, err := w.SearchPolicies(ctx, index.SearchRequest{Query: "租金减免"})
	if err != nil || res.Total != 1 || res.Hits[0].ID != "rent-relief" {
		t.Fatalf("SearchPolicies(租金减免) = %+v, %v; want the published policy", res, err)
	}
	w.stop()
	w.stop = nil

	// A command-line import writes SQLite without the indexes.
	db := sqlite.NewDB(filepath.Join(dir, "huiqi.db"))
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	cli := engine.New(db)
	cli.Logger = slog.New(slog.DiscardHandler)
	if err := cli.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	more := demo.Enterprises(800, 3, w.Today())[500:]
	if _, err := cli.ImportEnterprises(ctx, sliceSource(more), nil); err != nil {
		t.Fatal(err)
	}
	db.Close()

	w = openIndexWorld(t, dir)
	w.caughtUp(t)
	counts, err := w.ix.Counts()
	if err != nil || counts.Enterprises != 800 || counts.Policies != 1 {
		t.Fatalf("after restart the indexes hold %+v, %v; want 800 enterprises and 1 policy", counts, err)
	}
}

// sliceSource yields profiles as an import source.
type sliceSourceT struct {
	es []*huiqi.Enterprise
	i  int
}

func sliceSource(es []*huiqi.Enterprise) *sliceSourceT { return &sliceSourceT{es: es} }

func (s *sliceSourceT) Next() (int, *huiqi.Enterprise, error) {
	if s.i == len(s.es) {
		return s.i, nil, io.EOF
	}
	s.i++
	e := *s.es[s.i-1]
	return s.i, &e, nil
}
