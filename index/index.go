// Package index is huiqi's accelerator: bleve indexes derived from SQLite
// that serve Chinese full-text search over published policies and the
// rules' text conditions (words in a business scope or the main products)
// from policy to enterprises: the enterprises whose texts a policy may
// accept. Every other condition is the matcher's columns' to decide, and
// from enterprise to policies the matcher searches a profile's texts
// faster than bleve percolates them (BENCHMARKS.md). Candidates are always
// a superset of the enterprises eligible, so that the evaluator (package
// matcher), run on them, decides exactly what it decides on everything:
// the index is never the judge. It is the only importer of bleve.
package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// Internal keys of every bleve index.
var (
	keyMapping = []byte("huiqi.mapping_version")
	keySeq     = []byte("huiqi.seq")
)

// The indexes, by folder name under the index directory.
const (
	nameSearch      = "policies"
	nameEnterprises = "enterprises"
)

// retired are folders of indexes earlier versions kept: the rule index
// (percolation), which Open deletes.
var retired = []string{"rules", "rules.rebuild"}

// batchSize bounds the documents of one bleve batch: large enough to
// amortise a segment per batch, small enough to bound memory.
const batchSize = 2000

// Index holds huiqi's two bleve indexes: policy search and the profiles'
// texts (policy → enterprises). Each one
// is derived from SQLite, records the last SQLite change it has applied
// (Seq) and is rebuilt when missing, corrupt or built under another
// MappingVersion. It is safe for concurrent use; Rebuild swaps indexes
// under readers without blocking them for the build.
type Index struct {
	dir string // "" for memory-only indexes

	mu          sync.RWMutex
	search      bleve.Index
	enterprises bleve.Index

	// Recreated lists the indexes that Open had to create empty (missing,
	// corrupt or of another mapping version); their Seq is 0, which tells
	// the owner to Rebuild from SQLite. A successful Rebuild clears it.
	Recreated []string
}

type spec struct {
	name    string
	mapping func() (mapping.IndexMapping, error)
}

var specs = []spec{
	{nameSearch, func() (mapping.IndexMapping, error) { return policyMapping(searchAnalyzer) }},
	{nameEnterprises, func() (mapping.IndexMapping, error) { return enterpriseMapping(), nil }},
}

// Open opens the indexes in dir, creating the folder and any missing index.
// An index that fails to open (corrupt) or carries another MappingVersion is
// deleted and created empty, and listed in Recreated. Errors are internal.
func Open(dir string) (*Index, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create index folder: %w", err)
	}
	for _, name := range retired {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return nil, fmt.Errorf("remove retired index %s: %w", name, err)
		}
	}
	ix := &Index{dir: dir}
	for _, s := range specs {
		idx, created, err := openOne(filepath.Join(dir, s.name), s)
		if err != nil {
			ix.Close()
			return nil, err
		}
		if created {
			ix.Recreated = append(ix.Recreated, s.name)
		}
		ix.set(s.name, idx)
	}
	return ix, nil
}

// OpenMem returns empty memory-only indexes, for tests and other throwaway
// use: nothing is written to disk and nothing survives Close. Errors are
// internal.
func OpenMem() (*Index, error) {
	ix := &Index{}
	for _, s := range specs {
		idx, err := create("", s)
		if err != nil {
			ix.Close()
			return nil, err
		}
		ix.set(s.name, idx)
	}
	return ix, nil
}

func (ix *Index) set(name string, idx bleve.Index) {
	switch name {
	case nameSearch:
		ix.search = idx
	default:
		ix.enterprises = idx
	}
}

func (ix *Index) all() []bleve.Index {
	return []bleve.Index{ix.search, ix.enterprises}
}

func openOne(path string, s spec) (idx bleve.Index, created bool, err error) {
	idx, err = bleve.Open(path)
	if err == nil {
		v, gerr := idx.GetInternal(keyMapping)
		if gerr == nil && string(v) == MappingVersion {
			return idx, false, nil
		}
		idx.Close()
	}
	// Missing, unreadable or stale: the index is derived, so start afresh.
	if err := os.RemoveAll(path); err != nil {
		return nil, false, fmt.Errorf("remove stale index %s: %w", s.name, err)
	}
	idx, err = create(path, s)
	return idx, true, err
}

// create makes an empty index at path ("" for memory) stamped with the
// mapping version and seq 0.
func create(path string, s spec) (bleve.Index, error) {
	m, err := s.mapping()
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", s.name, err)
	}
	var idx bleve.Index
	if path == "" {
		idx, err = bleve.NewMemOnly(m)
	} else {
		idx, err = bleve.New(path, m)
	}
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", s.name, err)
	}
	if err := idx.SetInternal(keyMapping, []byte(MappingVersion)); err != nil {
		idx.Close()
		return nil, fmt.Errorf("stamp index %s: %w", s.name, err)
	}
	return idx, nil
}

// Close closes every index. Errors are internal.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var errs []error
	for _, idx := range ix.all() {
		if idx != nil {
			errs = append(errs, idx.Close())
		}
	}
	ix.search, ix.enterprises = nil, nil
	return errors.Join(errs...)
}

// Seq returns the sequence number of the last SQLite change every index has
// applied: the smaller of the two, so that catching up from it misses
// nothing. 0 means an index is new and needs a Rebuild. Errors are internal.
func (ix *Index) Seq() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var seq uint64
	for i, idx := range ix.all() {
		v, err := idx.GetInternal(keySeq)
		if err != nil {
			return 0, fmt.Errorf("read seq: %w", err)
		}
		var s uint64
		if len(v) == 8 {
			s = binary.BigEndian.Uint64(v)
		}
		if i == 0 || s < seq {
			seq = s
		}
	}
	return seq, nil
}

// SetSeq records that every change of SQLite up to seq has been applied.
// Errors are internal.
func (ix *Index) SetSeq(seq uint64) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return setSeq(ix.all(), seq)
}

func setSeq(idxs []bleve.Index, seq uint64) error {
	v := binary.BigEndian.AppendUint64(nil, seq)
	for _, idx := range idxs {
		if err := idx.SetInternal(keySeq, v); err != nil {
			return fmt.Errorf("write seq: %w", err)
		}
	}
	return nil
}

// Counts are the documents of each index, for readiness checks: an index
// with fewer documents than SQLite has rows is still catching up.
type Counts struct {
	Policies    uint64 `json:"policies"`    // searchable published policies
	Enterprises uint64 `json:"enterprises"` // enterprise profiles
}

// Counts returns the document count of each index. Errors are internal.
func (ix *Index) Counts() (Counts, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var c Counts
	var err error
	if c.Policies, err = ix.search.DocCount(); err != nil {
		return c, fmt.Errorf("count policies: %w", err)
	}
	if c.Enterprises, err = ix.enterprises.DocCount(); err != nil {
		return c, fmt.Errorf("count enterprises: %w", err)
	}
	return c, nil
}

// searchable reports whether a policy belongs in the indexes: published,
// or not yet given a status (a policy straight from a file).
func searchable(p *policies.Policy) bool {
	return p.Status == "" || p.Status == policies.StatusPublished
}

// PutPolicy indexes the current version of a policy for search, replacing any earlier version. A draft or withdrawn policy is
// removed instead. The policy must be validated (its leaves typed). Errors
// are internal.
func (ix *Index) PutPolicy(p *policies.Policy) error {
	if !searchable(p) {
		return ix.RemovePolicy(p.ID)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return putPolicies(ix.search, []*policies.Policy{p})
}

// putPolicies indexes the searchable policies of pols in one batch per
// index: one segment each, rather than one per policy to be merged later.
func putPolicies(search bleve.Index, pols []*policies.Policy) error {
	sb := search.NewBatch()
	for _, p := range pols {
		if !searchable(p) {
			continue
		}
		if p.Eligibility == nil {
			return fmt.Errorf("index policy %s: no eligibility (not validated)", p.ID)
		}
		if err := sb.Index(p.ID, searchDoc(p)); err != nil {
			return fmt.Errorf("index policy %s: %w", p.ID, err)
		}
	}
	if err := search.Batch(sb); err != nil {
		return fmt.Errorf("index policies: %w", err)
	}
	return nil
}

// RemovePolicy removes a policy from search. Removing an
// absent policy is no error. Errors are internal.
func (ix *Index) RemovePolicy(id string) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if err := ix.search.Delete(id); err != nil {
		return fmt.Errorf("remove policy %s: %w", id, err)
	}
	return nil
}

// PutEnterprises indexes profiles in batches, replacing earlier versions.
// Errors are internal.
func (ix *Index) PutEnterprises(es []*huiqi.Enterprise) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return putEnterprises(ix.enterprises, es)
}

func putEnterprises(idx bleve.Index, es []*huiqi.Enterprise) error {
	// One profile per code, the last one, as one batch would keep: the
	// sub-batches below are applied concurrently, in no set order.
	seen := make(map[string]int, len(es))
	dup := false
	for i, e := range es {
		if _, ok := seen[e.CreditCode]; ok {
			dup = true
		}
		seen[e.CreditCode] = i
	}
	if dup {
		kept := make([]*huiqi.Enterprise, 0, len(seen))
		for i, e := range es {
			if seen[e.CreditCode] == i {
				kept = append(kept, e)
			}
		}
		es = kept
	}
	// Building a batch's segment runs on the calling goroutine only, and
	// dominates indexing: sub-batches on every core build theirs at once.
	workers := max(1, runtime.GOMAXPROCS(0))
	for len(es) > 0 {
		n := min(len(es), batchSize)
		per := (n + workers - 1) / workers
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for w := range workers {
			part := es[min(w*per, n):min((w+1)*per, n)]
			if len(part) == 0 {
				continue
			}
			wg.Go(func() { errs[w] = putBatch(idx, part) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		es = es[n:]
	}
	return nil
}

func putBatch(idx bleve.Index, es []*huiqi.Enterprise) error {
	b := idx.NewBatch()
	for _, e := range es {
		if err := b.Index(e.CreditCode, enterpriseDoc(e)); err != nil {
			return fmt.Errorf("index enterprise %s: %w", e.CreditCode, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("index enterprises: %w", err)
	}
	return nil
}

// Rebuild replaces both indexes with ones built from the given
// published policies and every enterprise of profiles, as read from SQLite.
// The new indexes are built beside the old ones, which keep serving until
// the swap. Their Seq is 0 until the caller records with SetSeq the SQLite
// change the rebuild read up to; changes put while Rebuild runs go to the
// old indexes and are lost, so the caller applies every change after that
// one. The enterprises go through the batches of PutEnterprises, which
// beat bleve's offline builder. Errors are internal, or the iterator's.
func (ix *Index) Rebuild(ctx context.Context, pols []*policies.Policy, profiles iter.Seq2[*huiqi.Enterprise, error]) (err error) {
	fresh := map[string]bleve.Index{}
	defer func() {
		if err != nil {
			for name, idx := range fresh {
				idx.Close()
				if ix.dir != "" {
					os.RemoveAll(ix.buildPath(name))
				}
			}
		}
	}()
	for _, s := range specs {
		path := ""
		if ix.dir != "" {
			path = ix.buildPath(s.name)
			if err := os.RemoveAll(path); err != nil {
				return fmt.Errorf("clear rebuild folder: %w", err)
			}
		}
		idx, err := create(path, s)
		if err != nil {
			return err
		}
		fresh[s.name] = idx
	}
	if err := putPolicies(fresh[nameSearch], pols); err != nil {
		return err
	}
	batch := make([]*huiqi.Enterprise, 0, rebuildBatch)
	for e, err := range profiles {
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return err
		}
		if batch = append(batch, e); len(batch) == rebuildBatch {
			if err := putEnterprises(fresh[nameEnterprises], batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := putEnterprises(fresh[nameEnterprises], batch); err != nil {
		return err
	}
	return ix.swap(fresh)
}

// rebuildBatch is the profiles Rebuild puts at a time, in batches of
// batchSize split across the cores as PutEnterprises does.
const rebuildBatch = 10 * batchSize

func (ix *Index) buildPath(name string) string { return filepath.Join(ix.dir, name+".rebuild") }

// swap puts freshly built indexes in place of the current ones. On disk
// the built folder is closed, renamed over the old one and reopened, so
// that the folder names stay those Open expects.
func (ix *Index) swap(fresh map[string]bleve.Index) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, s := range specs {
		old := map[string]bleve.Index{nameSearch: ix.search, nameEnterprises: ix.enterprises}[s.name]
		idx := fresh[s.name]
		if ix.dir != "" {
			if err := idx.Close(); err != nil {
				return fmt.Errorf("close rebuilt %s: %w", s.name, err)
			}
			if old != nil {
				old.Close()
			}
			path := filepath.Join(ix.dir, s.name)
			if err := os.RemoveAll(path); err != nil {
				return fmt.Errorf("remove old %s: %w", s.name, err)
			}
			if err := os.Rename(ix.buildPath(s.name), path); err != nil {
				return fmt.Errorf("move rebuilt %s: %w", s.name, err)
			}
			var err error
			if idx, err = bleve.Open(path); err != nil {
				return fmt.Errorf("reopen rebuilt %s: %w", s.name, err)
			}
		} else if old != nil {
			old.Close()
		}
		ix.set(s.name, idx)
	}
	ix.Recreated = nil
	return nil
}
