package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huiqi/huiqi"
)

// CreateEnterprise stores a new profile as version 1 and sets e.Version and
// e.UpdatedAt. It returns EConflict when a profile with the credit code
// exists: the unique index catches it, whichever replica inserts first.
func (db *DB) CreateEnterprise(ctx context.Context, e *huiqi.Enterprise) error {
	doc, err := enterpriseDocument(e)
	if err != nil {
		return err
	}
	now := db.now()
	if err := db.update(ctx, func(tx pgx.Tx) error {
		w := &enterpriseWriter{tx: tx, now: formatTime(now)}
		w.insert(e, doc)
		if _, err := w.flush(ctx); err != nil {
			return err
		}
		return db.logChanges(ctx, tx, huiqi.ChangeEnterprise, []string{e.CreditCode})
	}); isConflict(err) {
		return huiqi.Errorf(huiqi.EConflict, "统一社会信用代码为 %s 的企业画像已存在", e.CreditCode)
	} else if err != nil {
		return fmt.Errorf("create enterprise: %w", err)
	}
	e.Version, e.UpdatedAt = 1, now
	return nil
}

// UpdateEnterprise replaces a profile with e as its next version and sets
// e.Version and e.UpdatedAt; an unchanged document writes nothing and gives
// e the stored version and time. The profile's row is locked, so that two
// replicas updating it at once make two versions. It returns ENotFound when
// no profile has the credit code.
func (db *DB) UpdateEnterprise(ctx context.Context, e *huiqi.Enterprise) error {
	doc, err := enterpriseDocument(e)
	if err != nil {
		return err
	}
	now := db.now()
	var cur current
	if err := db.update(ctx, func(tx pgx.Tx) error {
		w := &enterpriseWriter{tx: tx, now: formatTime(now)}
		curs, err := w.currents(ctx, []string{e.CreditCode})
		if err != nil {
			return err
		}
		cur = curs[e.CreditCode]
		if !cur.found {
			return huiqi.Errorf(huiqi.ENotFound, "未找到统一社会信用代码为 %s 的企业", e.CreditCode)
		} else if cur.document == doc {
			return nil
		}
		if err := w.replace(ctx, e, doc, cur); err != nil {
			return err
		}
		return db.logChanges(ctx, tx, huiqi.ChangeEnterprise, []string{e.CreditCode})
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
// code becomes version 1, a changed profile its next version, an unchanged
// one is left as stored. It returns the new and changed profiles, in batch
// order; every profile gets its stored Version and UpdatedAt. Errors are
// internal, and on error nothing of the batch is stored.
//
// The stored profiles of the batch are locked before they are compared. A
// new code that another replica inserts meanwhile breaks the unique index;
// the batch is then tried again, and finds that profile stored.
func (db *DB) PutEnterprises(ctx context.Context, es []*huiqi.Enterprise) (changed []*huiqi.Enterprise, err error) {
	if len(es) == 0 {
		return nil, nil
	}
	docs, err := enterpriseDocuments(es)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		changed, err = db.putEnterprises(ctx, es, docs)
		if !isConflict(err) || attempt == 2 {
			return changed, err
		}
	}
}

func (db *DB) putEnterprises(ctx context.Context, es []*huiqi.Enterprise, docs []string) (changed []*huiqi.Enterprise, err error) {
	now := db.now()
	versions := make([]int, len(es))
	stored := make([]current, len(es))
	if err := db.update(ctx, func(tx pgx.Tx) error {
		w := &enterpriseWriter{tx: tx, now: formatTime(now)}
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
				w.insert(e, docs[i])
				versions[i] = 1
			case cur.document != docs[i]:
				if cur.id == 0 {
					// Inserted earlier in this batch and still buffered.
					ids, err := w.flush(ctx)
					if err != nil {
						return err
					}
					cur.id = ids[e.CreditCode]
				}
				if err := w.replace(ctx, e, docs[i], cur); err != nil {
					return err
				}
				versions[i] = cur.version + 1
			default:
				stored[i] = cur
				continue
			}
			curs[e.CreditCode] = current{found: true, id: cur.id, version: versions[i], document: docs[i], updatedAt: w.now}
		}
		if _, err := w.flush(ctx); err != nil {
			return err
		}
		var keys []string
		for i, e := range es {
			if versions[i] != 0 {
				keys = append(keys, e.CreditCode)
			}
		}
		return db.logChanges(ctx, tx, huiqi.ChangeEnterprise, keys)
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
	err := db.pool.QueryRow(ctx, `SELECT version, document, updated_at FROM enterprises WHERE credit_code = $1`, code).
		Scan(&version, &doc, &updatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到统一社会信用代码为 %s 的企业", code)
	} else if err != nil {
		return nil, fmt.Errorf("find enterprise: %w", err)
	}
	return decodeEnterprise(version, doc, updatedAt)
}

// FindEnterpriseVersion returns a version of a profile as it was stored. It
// returns ENotFound when the profile or the version does not exist.
func (db *DB) FindEnterpriseVersion(ctx context.Context, code string, version int) (*huiqi.Enterprise, error) {
	var doc, createdAt string
	err := db.pool.QueryRow(ctx, `SELECT v.document, v.created_at FROM enterprise_versions v
		JOIN enterprises e ON e.id = v.enterprise_id WHERE e.credit_code = $1 AND v.version = $2`, code, version).
		Scan(&doc, &createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到统一社会信用代码为 %s 的企业的第 %d 版画像", code, version)
	} else if err != nil {
		return nil, fmt.Errorf("find enterprise version: %w", err)
	}
	return decodeEnterprise(version, doc, createdAt)
}

// ListEnterprises returns a page of the current profiles that pass f, in
// credit code order, with the number of all that pass f and the cursor of the
// next page ("" on the last page). It returns EInvalid for a bad scale,
// limit or cursor.
func (db *DB) ListEnterprises(ctx context.Context, f huiqi.EnterpriseFilter) (items []*huiqi.Enterprise, total int, next string, err error) {
	limit, err := huiqi.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	if f.Scale != "" && !slices.Contains(huiqi.Scales, f.Scale) {
		return nil, 0, "", huiqi.FieldErrorf("scale", "企业规模应为 large、medium、small、micro 之一，收到 %q", f.Scale)
	}
	var after string
	if f.After != "" {
		if after, err = huiqi.DecodeCursor(f.After); err != nil {
			return nil, 0, "", err
		}
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
		w.add("scale = ?", f.Scale)
	}
	if f.Tag != "" {
		w.add("id IN (SELECT enterprise_id FROM enterprise_tags WHERE tag = ?)", f.Tag)
	}
	err = db.view(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM enterprises`+w.String(), w.args...).Scan(&total); err != nil {
			return err
		}
		if after != "" {
			w.add(`credit_code COLLATE "C" > ?`, after)
		}
		rows, err := tx.Query(ctx, `SELECT version, document, updated_at FROM enterprises`+w.String()+
			` ORDER BY credit_code COLLATE "C" LIMIT `+w.next(limit+1), w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var version int
			var doc, updatedAt string
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
	if len(items) > limit {
		items = items[:limit]
		next = huiqi.EncodeCursor(items[limit-1].CreditCode)
	}
	return items, total, next, nil
}

// ForEachEnterprise calls fn with every current profile and its place in
// credit code order (0, 1, …), from one snapshot, and stops at the first
// error fn returns, which it returns. Other errors are internal. The
// profiles come in code order here.
func (db *DB) ForEachEnterprise(ctx context.Context, fn func(place int, e *huiqi.Enterprise) error) error {
	var fnErr error
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT version, document, updated_at FROM enterprises ORDER BY credit_code COLLATE "C"`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for place := 0; rows.Next(); place++ {
			// pgx notices a cancelled context only when it next waits on
			// the network; rows already received would all be handed on.
			if err := ctx.Err(); err != nil {
				return err
			}
			var version int
			var doc, updatedAt string
			if err := rows.Scan(&version, &doc, &updatedAt); err != nil {
				return err
			}
			e, err := decodeEnterprise(version, doc, updatedAt)
			if err != nil {
				return err
			}
			if fnErr = fn(place, e); fnErr != nil {
				return fnErr
			}
		}
		return rows.Err()
	})
	if err != nil && fnErr == nil {
		return fmt.Errorf("list enterprises: %w", err)
	}
	return err
}

// EnterpriseCount returns the number of profiles. Errors are internal.
func (db *DB) EnterpriseCount(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM enterprises`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count enterprises: %w", err)
	}
	return n, nil
}

// enterpriseDocument returns the stored form of e, as package sqlite makes
// it: its JSON without the fields the store sets, and with absent tags
// written as [].
func enterpriseDocument(e *huiqi.Enterprise) (string, error) {
	c := *e
	c.Version, c.UpdatedAt = 0, time.Time{}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	// AppendJSON writes what json.Marshal would, a tenth of its cost.
	b, err := c.AppendJSON(make([]byte, 0, 1024))
	if err != nil {
		return "", fmt.Errorf("marshal enterprise %s: %w", e.CreditCode, err)
	}
	return string(b), nil
}

func enterpriseDocuments(es []*huiqi.Enterprise) ([]string, error) {
	docs := make([]string, len(es))
	for i, e := range es {
		var err error
		if docs[i], err = enterpriseDocument(e); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

func decodeEnterprise(version int, doc, updatedAt string) (*huiqi.Enterprise, error) {
	e := &huiqi.Enterprise{}
	// Called directly, without json.Unmarshal's separate syntax scan: the
	// decoder checks what it reads (see sqlite's decodeEnterprise).
	if err := e.UnmarshalJSON([]byte(doc)); err != nil {
		return nil, fmt.Errorf("decode stored enterprise: %w", err)
	}
	t, err := parseTime(updatedAt)
	if err != nil {
		return nil, err
	}
	e.Version, e.UpdatedAt = version, t
	return e, nil
}

// current is the stored state of a profile as a writer sees it; id is 0 for
// a profile inserted in this transaction and not yet flushed.
type current struct {
	found     bool
	id        int64
	version   int
	document  string
	updatedAt string
}

func setStored(e *huiqi.Enterprise, cur current) error {
	t, err := parseTime(cur.updatedAt)
	if err != nil {
		return err
	}
	e.Version, e.UpdatedAt = cur.version, t
	return nil
}

// enterpriseWriter writes profiles within one transaction; new profiles
// are buffered and inserted together, a statement per table.
type enterpriseWriter struct {
	tx  pgx.Tx
	now string

	codes, regions, industries, scales, docs []string
	tags                                     [][]string
}

// currents locks and returns the stored state of the profiles with the
// given codes; absent codes are missing from the map.
func (w *enterpriseWriter) currents(ctx context.Context, codes []string) (map[string]current, error) {
	m := make(map[string]current, len(codes))
	rows, err := w.tx.Query(ctx, `SELECT credit_code, id, version, document, updated_at FROM enterprises
		WHERE credit_code = ANY($1) ORDER BY id FOR UPDATE`, codes)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		cur := current{found: true}
		if err := rows.Scan(&code, &cur.id, &cur.version, &cur.document, &cur.updatedAt); err != nil {
			return nil, err
		}
		m[code] = cur
	}
	return m, rows.Err()
}

// insert buffers a new profile, stored as version 1 at the next flush.
func (w *enterpriseWriter) insert(e *huiqi.Enterprise, doc string) {
	w.codes = append(w.codes, e.CreditCode)
	w.regions = append(w.regions, e.Region)
	w.industries = append(w.industries, e.Industry)
	w.scales = append(w.scales, e.EffectiveScale())
	w.docs = append(w.docs, doc)
	w.tags = append(w.tags, e.Tags)
}

// flush inserts the buffered profiles with their first versions and tags
// and returns their ids by credit code.
func (w *enterpriseWriter) flush(ctx context.Context) (map[string]int64, error) {
	if len(w.codes) == 0 {
		return nil, nil
	}
	rows, err := w.tx.Query(ctx, `INSERT INTO enterprises (credit_code, version, region, industry, scale, document, updated_at)
		SELECT c, 1, r, i, s, d, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t (c, r, i, s, d)
		RETURNING id, credit_code`, w.codes, w.regions, w.industries, w.scales, w.docs, w.now)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]int64, len(w.codes))
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			rows.Close()
			return nil, err
		}
		ids[code] = id
	}
	if rows.Close(); rows.Err() != nil {
		return nil, rows.Err()
	}
	idList := make([]int64, len(w.codes))
	var tagIDs []int64
	var tags []string
	for i, c := range w.codes {
		idList[i] = ids[c]
		for _, t := range w.tags[i] {
			tagIDs, tags = append(tagIDs, ids[c]), append(tags, t)
		}
	}
	if _, err := w.tx.Exec(ctx, `INSERT INTO enterprise_versions (enterprise_id, version, document, created_at)
		SELECT id, 1, d, $3 FROM unnest($1::bigint[], $2::text[]) AS t (id, d)`, idList, w.docs, w.now); err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		// A tag listed twice is one tag.
		if _, err := w.tx.Exec(ctx, `INSERT INTO enterprise_tags (enterprise_id, tag)
			SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING`, tagIDs, tags); err != nil {
			return nil, err
		}
	}
	w.codes, w.regions, w.industries, w.scales, w.docs, w.tags = nil, nil, nil, nil, nil, nil
	return ids, nil
}

// replace stores doc as the next version of the stored profile cur.
func (w *enterpriseWriter) replace(ctx context.Context, e *huiqi.Enterprise, doc string, cur current) error {
	version := cur.version + 1
	var b pgx.Batch
	b.Queue(`UPDATE enterprises SET version = $1, region = $2, industry = $3, scale = $4, document = $5, updated_at = $6 WHERE id = $7`,
		version, e.Region, e.Industry, e.EffectiveScale(), doc, w.now, cur.id)
	b.Queue(`INSERT INTO enterprise_versions (enterprise_id, version, document, created_at) VALUES ($1, $2, $3, $4)`,
		cur.id, version, doc, w.now)
	b.Queue(`DELETE FROM enterprise_tags WHERE enterprise_id = $1`, cur.id)
	if len(e.Tags) > 0 {
		b.Queue(`INSERT INTO enterprise_tags (enterprise_id, tag) SELECT $1, t FROM unnest($2::text[]) AS t ON CONFLICT DO NOTHING`,
			cur.id, e.Tags)
	}
	return w.tx.SendBatch(ctx, &b).Close()
}

// FindEnterprises returns the current profiles with the codes, in credit
// code order; codes without one are left out. Errors are internal.
func (db *DB) FindEnterprises(ctx context.Context, codes []string) ([]*huiqi.Enterprise, error) {
	rows, err := db.pool.Query(ctx, `SELECT version, document, updated_at FROM enterprises
		WHERE credit_code = ANY($1) ORDER BY credit_code COLLATE "C"`, codes)
	if err != nil {
		return nil, fmt.Errorf("find enterprises: %w", err)
	}
	defer rows.Close()
	var out []*huiqi.Enterprise
	for rows.Next() {
		var version int
		var doc, updatedAt string
		if err := rows.Scan(&version, &doc, &updatedAt); err != nil {
			return nil, fmt.Errorf("find enterprises: %w", err)
		}
		e, err := decodeEnterprise(version, doc, updatedAt)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
