package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/huiqi/huiqi"
)

// CreateEnterprise stores a new profile as version 1 and sets e.Version and
// e.UpdatedAt. It returns EConflict when a profile with the credit code
// exists. The profile is stored as given: validation is the caller's.
func (db *DB) CreateEnterprise(ctx context.Context, e *huiqi.Enterprise) error {
	doc, err := enterpriseDocument(e)
	if err != nil {
		return err
	}
	now := db.now()
	if err := db.update(ctx, func(tx *sql.Tx) error {
		w := newEnterpriseWriter(tx, now)
		defer w.close()
		if err := w.insert(ctx, e, doc); err != nil {
			return err
		}
		return w.flush(ctx)
	}); isConflict(err) {
		return huiqi.Errorf(huiqi.EConflict, "统一社会信用代码为 %s 的企业画像已存在", e.CreditCode)
	} else if err != nil {
		return fmt.Errorf("create enterprise: %w", err)
	}
	e.Version, e.UpdatedAt = 1, now
	return nil
}

// UpdateEnterprise replaces a profile with e as its next version and sets
// e.Version and e.UpdatedAt. When e's document equals the stored one nothing
// is written, and e gets the stored version and time. It returns ENotFound
// when no profile has the credit code.
func (db *DB) UpdateEnterprise(ctx context.Context, e *huiqi.Enterprise) error {
	doc, err := enterpriseDocument(e)
	if err != nil {
		return err
	}
	now := db.now()
	var cur current
	if err := db.update(ctx, func(tx *sql.Tx) error {
		w := newEnterpriseWriter(tx, now)
		defer w.close()
		if cur, err = w.current(ctx, e.CreditCode); err != nil {
			return err
		} else if !cur.found {
			return huiqi.Errorf(huiqi.ENotFound, "未找到统一社会信用代码为 %s 的企业", e.CreditCode)
		} else if cur.document == doc {
			return nil
		}
		return w.replace(ctx, e, doc, cur.version+1)
	}); err != nil {
		return wrapInternal("update enterprise", err)
	}
	if cur.document == doc {
		return setStored(e, cur)
	}
	e.Version, e.UpdatedAt = cur.version+1, now
	return nil
}

// PutEnterprises stores a batch of profiles in one transaction: a new credit
// code becomes version 1, a changed profile its next version, and an
// unchanged one is left as stored. It returns the new and changed profiles,
// in batch order; every profile of the batch gets its stored Version and
// UpdatedAt. Errors are internal, and on error nothing of the batch is
// stored.
func (db *DB) PutEnterprises(ctx context.Context, es []*huiqi.Enterprise) (changed []*huiqi.Enterprise, err error) {
	if len(es) == 0 {
		return nil, nil
	}
	// Marshal outside the transaction so that the write lock is held only
	// for the database work.
	docs := make([]string, len(es))
	for i, e := range es {
		if docs[i], err = enterpriseDocument(e); err != nil {
			return nil, err
		}
	}
	now := db.now()
	versions := make([]int, len(es))
	stored := make([]current, len(es))
	if err := db.update(ctx, func(tx *sql.Tx) error {
		w := newEnterpriseWriter(tx, now)
		defer w.close()
		codes := make([]string, len(es))
		for i, e := range es {
			codes[i] = e.CreditCode
		}
		curs, err := w.currents(ctx, codes)
		if err != nil {
			return err
		}
		for i, e := range es {
			// A code may come twice in a batch; the map follows the writes.
			cur := curs[e.CreditCode]
			switch {
			case !cur.found:
				err = w.insert(ctx, e, docs[i])
				versions[i] = 1
			case cur.document != docs[i]:
				err = w.replace(ctx, e, docs[i], cur.version+1)
				versions[i] = cur.version + 1
			default:
				stored[i] = cur
				continue
			}
			if err != nil {
				return err
			}
			curs[e.CreditCode] = current{found: true, version: versions[i], document: docs[i], updatedAt: w.now}
		}
		return w.flush(ctx)
	}); err != nil {
		return nil, fmt.Errorf("put enterprises: %w", err)
	}
	for i, e := range es {
		if versions[i] == 0 {
			if err := setStored(e, stored[i]); err != nil {
				return nil, err
			}
			continue
		}
		e.Version, e.UpdatedAt = versions[i], now
		changed = append(changed, e)
	}
	return changed, nil
}

// FindEnterprise returns the current profile with the credit code, or
// ENotFound.
func (db *DB) FindEnterprise(ctx context.Context, code string) (*huiqi.Enterprise, error) {
	var version int
	var doc, updatedAt string
	err := db.read.QueryRowContext(ctx, `SELECT version, document, updated_at FROM enterprises WHERE credit_code = ?`, code).
		Scan(&version, &doc, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到统一社会信用代码为 %s 的企业", code)
	} else if err != nil {
		return nil, fmt.Errorf("find enterprise: %w", err)
	}
	return decodeEnterprise(version, []byte(doc), updatedAt)
}

// FindEnterpriseVersion returns a version of a profile, as it was stored; its
// UpdatedAt is the time that version was stored. It returns ENotFound when
// the profile or the version does not exist.
func (db *DB) FindEnterpriseVersion(ctx context.Context, code string, version int) (*huiqi.Enterprise, error) {
	var doc, createdAt string
	err := db.read.QueryRowContext(ctx, `SELECT document, created_at FROM enterprise_versions WHERE credit_code = ? AND version = ?`, code, version).
		Scan(&doc, &createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到统一社会信用代码为 %s 的企业的第 %d 版画像", code, version)
	} else if err != nil {
		return nil, fmt.Errorf("find enterprise version: %w", err)
	}
	return decodeEnterprise(version, []byte(doc), createdAt)
}

// EnterpriseFilter selects current profiles for ListEnterprises. Empty fields
// select everything.
type EnterpriseFilter struct {
	Region   string // region code prefix: "3505" is all of Quanzhou
	Industry string // GB/T 4754-2017 code prefix: "C19" takes C1952
	Scale    string // effective scale: large, medium, small or micro
	Tag      string // the profile carries this tag

	Limit int    // page size: DefaultLimit when 0, at most MaxLimit
	After string // the next cursor of the previous page
}

// ListEnterprises returns a page of the current profiles that pass f, in
// credit code order, with the number of all that pass f and the cursor of the
// next page ("" on the last page). It returns EInvalid for a bad scale,
// limit or cursor.
func (db *DB) ListEnterprises(ctx context.Context, f EnterpriseFilter) (items []*huiqi.Enterprise, total int, next string, err error) {
	limit, err := pageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	var w where
	if f.Region != "" {
		w.prefix("region", f.Region)
	}
	if f.Industry != "" {
		// Codes are stored upper case; a typed "c19" means the same.
		w.prefix("industry", strings.ToUpper(f.Industry))
	}
	if f.Scale != "" {
		if !slices.Contains(huiqi.Scales, f.Scale) {
			return nil, 0, "", huiqi.FieldErrorf("scale", "企业规模应为 large、medium、small、micro 之一，收到 %q", f.Scale)
		}
		w.add("scale = ?", f.Scale)
	}
	if f.Tag != "" {
		w.add("credit_code IN (SELECT credit_code FROM enterprise_tags WHERE tag = ?)", f.Tag)
	}
	var after string
	if f.After != "" {
		if after, err = decodeCursor(f.After); err != nil {
			return nil, 0, "", err
		}
	}

	err = db.view(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM enterprises`+w.String(), w.args...).Scan(&total); err != nil {
			return err
		}
		page := w
		page.conds = slices.Clone(w.conds)
		page.args = slices.Clone(w.args)
		if after != "" {
			page.add("credit_code > ?", after)
		}
		rows, err := tx.QueryContext(ctx, `SELECT version, document, updated_at FROM enterprises`+page.String()+
			` ORDER BY credit_code LIMIT ?`, append(page.args, limit+1)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var version int
			var doc []byte
			var updatedAt string
			if err := rows.Scan(&version, &doc, &updatedAt); err != nil {
				return err
			}
			e, err := decodeEnterprise(version, doc, updatedAt)
			if err != nil {
				return err
			}
			items = append(items, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, "", fmt.Errorf("list enterprises: %w", err)
	}
	// One row beyond the page tells that there is a next page without a
	// second query.
	if len(items) > limit {
		items = items[:limit]
		next = encodeCursor(items[limit-1].CreditCode)
	}
	return items, total, next, nil
}

// ForEachEnterprise calls fn with every current profile in credit code
// order, from one snapshot of the database, and stops at the first error fn
// returns, which it returns. Other errors are internal. fn may use the DB.
func (db *DB) ForEachEnterprise(ctx context.Context, fn func(*huiqi.Enterprise) error) error {
	rows, err := db.read.QueryContext(ctx, `SELECT version, document, updated_at FROM enterprises ORDER BY credit_code`)
	if err != nil {
		return fmt.Errorf("list enterprises: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var version int
		var doc sql.RawBytes
		var updatedAt string
		if err := rows.Scan(&version, &doc, &updatedAt); err != nil {
			return fmt.Errorf("list enterprises: %w", err)
		}
		e, err := decodeEnterprise(version, doc, updatedAt)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list enterprises: %w", err)
	}
	return nil
}

// EnterpriseCount returns the number of profiles. Errors are internal.
func (db *DB) EnterpriseCount(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM enterprises`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count enterprises: %w", err)
	}
	return n, nil
}

// enterpriseDocument returns the stored form of e: its JSON without the
// fields the store sets, and with absent tags written as [], so that equal
// profiles have equal documents.
func enterpriseDocument(e *huiqi.Enterprise) (string, error) {
	c := *e
	c.Version, c.UpdatedAt = 0, time.Time{}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	b, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("marshal enterprise %s: %w", e.CreditCode, err)
	}
	return string(b), nil
}

// decodeEnterprise reads a stored document. Stored documents were validated
// before they were written, so decoding is not strict.
func decodeEnterprise(version int, doc []byte, updatedAt string) (*huiqi.Enterprise, error) {
	e := &huiqi.Enterprise{}
	if err := json.Unmarshal(doc, e); err != nil {
		return nil, fmt.Errorf("decode stored enterprise: %w", err)
	}
	t, err := parseTime(updatedAt)
	if err != nil {
		return nil, err
	}
	e.Version, e.UpdatedAt = version, t
	return e, nil
}

// current is the stored state of a profile as a writer sees it.
type current struct {
	found     bool
	version   int
	document  string
	updatedAt string
}

// setStored gives e the version and time of its stored, unchanged profile.
func setStored(e *huiqi.Enterprise, cur current) error {
	t, err := parseTime(cur.updatedAt)
	if err != nil {
		return err
	}
	e.Version, e.UpdatedAt = cur.version, t
	return nil
}

// wrapInternal wraps err unless it is a domain error, which must reach the
// caller as it is.
func wrapInternal(op string, err error) error {
	var e *huiqi.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// enterpriseWriter writes profiles within one transaction. The rows of new
// profiles are buffered and inserted many to a statement, and the per-row
// statements are prepared once per transaction: per-row calls through
// database/sql and cgo, more than SQLite's own work, are what would otherwise
// bound a bulk import.
type enterpriseWriter struct {
	tx    *sql.Tx
	now   string
	stmts [4]*sql.Stmt

	// Buffered inserts of new profiles, flushed in this order: versions and
	// tags refer to their profile row.
	profiles, versions, tags bulkInsert
	pending                  int // profiles buffered
}

func newEnterpriseWriter(tx *sql.Tx, now time.Time) *enterpriseWriter {
	return &enterpriseWriter{
		tx:       tx,
		now:      formatTime(now),
		profiles: bulkInsert{cols: 7, prefix: `INSERT INTO enterprises (credit_code, version, region, industry, scale, document, updated_at) VALUES `},
		versions: bulkInsert{cols: 4, prefix: `INSERT INTO enterprise_versions (credit_code, version, document, created_at) VALUES `},
		// OR IGNORE: a tag listed twice is one tag.
		tags: bulkInsert{cols: 2, prefix: `INSERT OR IGNORE INTO enterprise_tags (credit_code, tag) VALUES `},
	}
}

const (
	stmtCurrent = iota
	stmtUpdate
	stmtDeleteTags
	stmtInsertVersion
)

var enterpriseQueries = [...]string{
	stmtCurrent:       `SELECT version, document, updated_at FROM enterprises WHERE credit_code = ?`,
	stmtUpdate:        `UPDATE enterprises SET version = ?, region = ?, industry = ?, scale = ?, document = ?, updated_at = ? WHERE credit_code = ?`,
	stmtDeleteTags:    `DELETE FROM enterprise_tags WHERE credit_code = ?`,
	stmtInsertVersion: `INSERT INTO enterprise_versions (credit_code, version, document, created_at) VALUES (?, ?, ?, ?)`,
}

func (w *enterpriseWriter) stmt(ctx context.Context, i int) (*sql.Stmt, error) {
	if w.stmts[i] == nil {
		s, err := w.tx.PrepareContext(ctx, enterpriseQueries[i])
		if err != nil {
			return nil, err
		}
		w.stmts[i] = s
	}
	return w.stmts[i], nil
}

func (w *enterpriseWriter) exec(ctx context.Context, i int, args ...any) error {
	s, err := w.stmt(ctx, i)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(ctx, args...)
	return err
}

func (w *enterpriseWriter) close() {
	for _, s := range w.stmts {
		if s != nil {
			s.Close()
		}
	}
}

func (w *enterpriseWriter) current(ctx context.Context, code string) (current, error) {
	s, err := w.stmt(ctx, stmtCurrent)
	if err != nil {
		return current{}, err
	}
	cur := current{found: true}
	err = s.QueryRowContext(ctx, code).Scan(&cur.version, &cur.document, &cur.updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return current{}, nil
	}
	return cur, err
}

// currentChunk bounds the codes of one lookup query, well under SQLite's
// limit on bound parameters.
const currentChunk = 500

// currents returns the stored state of the profiles with the given codes,
// looked up many at a time; absent codes are missing from the map.
func (w *enterpriseWriter) currents(ctx context.Context, codes []string) (map[string]current, error) {
	m := make(map[string]current, len(codes))
	for len(codes) > 0 {
		n := min(len(codes), currentChunk)
		args := make([]any, n)
		for i, c := range codes[:n] {
			args[i] = c
		}
		codes = codes[n:]
		rows, err := w.tx.QueryContext(ctx, `SELECT credit_code, version, document, updated_at FROM enterprises
			WHERE credit_code IN (?`+strings.Repeat(", ?", n-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var code string
			cur := current{found: true}
			if err := rows.Scan(&code, &cur.version, &cur.document, &cur.updatedAt); err != nil {
				rows.Close()
				return nil, err
			}
			m[code] = cur
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// insert stores a new profile as version 1; the rows are buffered until
// flush.
func (w *enterpriseWriter) insert(ctx context.Context, e *huiqi.Enterprise, doc string) error {
	w.profiles.add(e.CreditCode, 1, e.Region, e.Industry, e.EffectiveScale(), doc, w.now)
	w.versions.add(e.CreditCode, 1, doc, w.now)
	for _, t := range e.Tags {
		w.tags.add(e.CreditCode, t)
	}
	if w.pending++; w.pending == bulkProfiles {
		return w.flush(ctx)
	}
	return nil
}

// replace stores doc as the given version of an existing profile.
func (w *enterpriseWriter) replace(ctx context.Context, e *huiqi.Enterprise, doc string, version int) error {
	// The profile may have been inserted earlier in this batch and still be
	// buffered.
	if err := w.flush(ctx); err != nil {
		return err
	}
	if err := w.exec(ctx, stmtUpdate, version, e.Region, e.Industry, e.EffectiveScale(), doc, w.now, e.CreditCode); err != nil {
		return err
	}
	if err := w.exec(ctx, stmtInsertVersion, e.CreditCode, version, doc, w.now); err != nil {
		return err
	}
	if err := w.exec(ctx, stmtDeleteTags, e.CreditCode); err != nil {
		return err
	}
	for _, t := range e.Tags {
		w.tags.add(e.CreditCode, t)
	}
	return w.flush(ctx)
}

// flush writes the buffered rows.
func (w *enterpriseWriter) flush(ctx context.Context) error {
	w.pending = 0
	for _, b := range []*bulkInsert{&w.profiles, &w.versions, &w.tags} {
		if err := b.flush(ctx, w.tx); err != nil {
			return err
		}
	}
	return nil
}

// bulkProfiles is the number of new profiles buffered before their rows are
// inserted: a few hundred rows of a few columns to a statement, well under
// SQLite's limit on bound parameters.
const bulkProfiles = 100

// bulkInsert buffers rows of one table and inserts them with one multi-row
// INSERT.
type bulkInsert struct {
	prefix string // INSERT … VALUES
	cols   int
	args   []any
}

func (b *bulkInsert) add(vals ...any) { b.args = append(b.args, vals...) }

func (b *bulkInsert) flush(ctx context.Context, tx *sql.Tx) error {
	if len(b.args) == 0 {
		return nil
	}
	row := "(?" + strings.Repeat(", ?", b.cols-1) + ")"
	q := b.prefix + row + strings.Repeat(", "+row, len(b.args)/b.cols-1)
	_, err := tx.ExecContext(ctx, q, b.args...)
	b.args = b.args[:0]
	return err
}
