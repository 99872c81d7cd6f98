package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/huiqi/huiqi"
	"github.com/huiqi/huiqi/policies"
)

// statusLabels name policy statuses in messages.
var statusLabels = map[string]string{
	policies.StatusDraft:     "草稿",
	policies.StatusPublished: "已发布",
	policies.StatusWithdrawn: "已撤回",
}

// CreatePolicy stores p as version 1 of a new policy, a draft, and sets
// p.Version, p.Status and p.UpdatedAt. It returns EConflict when a policy
// with the id exists, in any status.
func (db *DB) CreatePolicy(ctx context.Context, p *policies.Policy) error {
	doc, err := policyDocument(p)
	if err != nil {
		return err
	}
	now := db.now()
	// Every policy has a version 1 and versions are never deleted, so the
	// primary key on (id, version) catches an id in use.
	if err := db.update(ctx, func(tx *sql.Tx) error {
		return insertPolicyVersion(ctx, tx, p, doc, 1, policies.StatusDraft, formatTime(now))
	}); isConflict(err) {
		return huiqi.Errorf(huiqi.EConflict, "政策 %q 已存在", p.ID)
	} else if err != nil {
		return fmt.Errorf("create policy: %w", err)
	}
	p.Version, p.Status, p.UpdatedAt = 1, policies.StatusDraft, now
	return nil
}

// SavePolicy stores a change of an existing policy and sets p.Version,
// p.Status and p.UpdatedAt to what was stored. Where the change goes depends
// on the latest version: a draft is replaced in place, keeping its number; a
// published policy gets a new version, published at once, so that matches
// and applications that name the old version keep meaning what they meant; a
// withdrawn policy gets a new draft version, to be published again. A
// document equal to the latest draft or published one stores nothing. It
// returns ENotFound when no policy has the id.
func (db *DB) SavePolicy(ctx context.Context, p *policies.Policy) error {
	doc, err := policyDocument(p)
	if err != nil {
		return err
	}
	now := db.now()
	var saved *policyRow
	if err := db.update(ctx, func(tx *sql.Tx) error {
		latest, err := latestPolicy(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if latest.document == doc && latest.status != policies.StatusWithdrawn {
			saved = latest
			return nil
		}
		saved = &policyRow{version: latest.version, status: latest.status, updatedAt: formatTime(now)}
		switch latest.status {
		case policies.StatusDraft:
			_, err = tx.ExecContext(ctx, `UPDATE policy_versions
				SET department = ?, title = ?, mode = ?, kind = ?, region = ?, document = ?, updated_at = ?
				WHERE id = ? AND version = ?`,
				p.Department, p.Title, p.Mode, p.Benefit.Kind, p.Region, doc, saved.updatedAt, p.ID, latest.version)
			return err
		case policies.StatusWithdrawn:
			saved.status = policies.StatusDraft
		}
		saved.version++
		return insertPolicyVersion(ctx, tx, p, doc, saved.version, saved.status, saved.updatedAt)
	}); err != nil {
		return wrapInternal("save policy", err)
	}
	t, err := parseTime(saved.updatedAt)
	if err != nil {
		return err
	}
	p.Version, p.Status, p.UpdatedAt = saved.version, saved.status, t
	return nil
}

// SetPolicyStatus moves the latest version of a policy to status and returns
// it. Publishing takes a draft to published, and leaves a published policy
// as it is; withdrawing takes a published policy to withdrawn. It returns
// EInvalid for a status other than published or withdrawn, ENotFound when no
// policy has the id and EConflict for any other transition, such as
// withdrawing a draft or publishing a withdrawn policy (save it again to
// make a new draft).
func (db *DB) SetPolicyStatus(ctx context.Context, id, status string) (*policies.Policy, error) {
	if status != policies.StatusPublished && status != policies.StatusWithdrawn {
		return nil, huiqi.FieldErrorf("status", "政策状态只能改为 published 或 withdrawn，收到 %q", status)
	}
	now := formatTime(db.now())
	var row *policyRow
	if err := db.update(ctx, func(tx *sql.Tx) error {
		var err error
		if row, err = latestPolicy(ctx, tx, id); err != nil {
			return err
		}
		switch {
		case status == policies.StatusPublished && row.status == policies.StatusPublished:
			return nil
		case status == policies.StatusPublished && row.status == policies.StatusDraft,
			status == policies.StatusWithdrawn && row.status == policies.StatusPublished:
		default:
			return huiqi.Errorf(huiqi.EConflict, "政策 %q 当前为%s状态，不能改为%s", id, statusLabels[row.status], statusLabels[status])
		}
		row.status, row.updatedAt = status, now
		_, err = tx.ExecContext(ctx, `UPDATE policy_versions SET status = ?, updated_at = ? WHERE id = ? AND version = ?`,
			status, now, id, row.version)
		return err
	}); err != nil {
		return nil, wrapInternal("set policy status", err)
	}
	return row.policy()
}

// FindPolicy returns a version of a policy, or its latest version when
// version is 0. It returns ENotFound when the policy or the version does not
// exist.
func (db *DB) FindPolicy(ctx context.Context, id string, version int) (*policies.Policy, error) {
	var row *policyRow
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		if version == 0 {
			row, err = latestPolicy(ctx, tx, id)
			return err
		}
		row = &policyRow{version: version}
		err = tx.QueryRowContext(ctx, `SELECT status, document, updated_at FROM policy_versions WHERE id = ? AND version = ?`, id, version).
			Scan(&row.status, &row.document, &row.updatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return huiqi.Errorf(huiqi.ENotFound, "未找到政策 %q 的第 %d 版", id, version)
		}
		return err
	})
	if err != nil {
		return nil, wrapInternal("find policy", err)
	}
	return row.policy()
}

// latestOnly restricts a query on policy_versions p to the latest version of
// each policy; the primary key makes the subquery an index lookup.
const latestOnly = `p.version = (SELECT MAX(version) FROM policy_versions WHERE id = p.id)`

// ListPolicies returns a page of the latest versions of the policies that
// pass f, in id order, with the number of all that pass f and the cursor of
// the next page ("" on the last page). It returns EInvalid for a bad status,
// limit or cursor.
func (db *DB) ListPolicies(ctx context.Context, f huiqi.PolicyFilter) (items []*policies.Policy, total int, next string, err error) {
	limit, err := huiqi.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	var w where
	w.add(latestOnly)
	if f.Status != "" {
		if _, ok := statusLabels[f.Status]; !ok {
			return nil, 0, "", huiqi.FieldErrorf("status", "政策状态应为 draft、published、withdrawn 之一，收到 %q", f.Status)
		}
		w.add("p.status = ?", f.Status)
	}
	if f.Department != "" {
		w.add("p.department = ?", f.Department)
	}
	if f.VisibleTo != "" {
		w.add("(p.status = 'published' OR p.department = ?)", f.VisibleTo)
	}
	if f.Mode != "" {
		w.add("p.mode = ?", f.Mode)
	}
	if f.Kind != "" {
		w.add("p.kind = ?", f.Kind)
	}
	if f.Region != "" {
		w.add("substr(?, 1, length(p.region)) = p.region", f.Region)
	}
	var after string
	if f.After != "" {
		if after, err = huiqi.DecodeCursor(f.After); err != nil {
			return nil, 0, "", err
		}
	}

	err = db.view(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_versions p`+w.String(), w.args...).Scan(&total); err != nil {
			return err
		}
		if after != "" {
			w.add("p.id > ?", after)
		}
		rows, err := tx.QueryContext(ctx, `SELECT p.version, p.status, p.document, p.updated_at FROM policy_versions p`+w.String()+
			` ORDER BY p.id LIMIT ?`, append(w.args, limit+1)...)
		if err != nil {
			return err
		}
		items, err = scanPolicies(rows)
		return err
	})
	if err != nil {
		return nil, 0, "", wrapInternal("list policies", err)
	}
	if len(items) > limit {
		items = items[:limit]
		next = huiqi.EncodeCursor(items[limit-1].ID)
	}
	return items, total, next, nil
}

// PublishedPolicies returns the latest version of every published policy, in
// id order: the rules the matcher runs. Errors are internal.
func (db *DB) PublishedPolicies(ctx context.Context) ([]*policies.Policy, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT p.version, p.status, p.document, p.updated_at FROM policy_versions p
		WHERE `+latestOnly+` AND p.status = ? ORDER BY p.id`, policies.StatusPublished)
	if err != nil {
		return nil, fmt.Errorf("published policies: %w", err)
	}
	ps, err := scanPolicies(rows)
	if err != nil {
		return nil, fmt.Errorf("published policies: %w", err)
	}
	return ps, nil
}

// scanPolicies reads and closes rows of (version, status, document,
// updated_at).
func scanPolicies(rows *sql.Rows) ([]*policies.Policy, error) {
	defer rows.Close()
	var ps []*policies.Policy
	for rows.Next() {
		var row policyRow
		if err := rows.Scan(&row.version, &row.status, &row.document, &row.updatedAt); err != nil {
			return nil, err
		}
		p, err := row.policy()
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// policyRow is a stored policy version.
type policyRow struct {
	version   int
	status    string
	document  string
	updatedAt string
}

// policy decodes the row. Stored documents were validated before they were
// written, so decoding is not strict; the typed values of conditions (Arg)
// are not stored, and callers validate the policy again to get them.
func (r *policyRow) policy() (*policies.Policy, error) {
	p := &policies.Policy{}
	if err := json.Unmarshal([]byte(r.document), p); err != nil {
		return nil, fmt.Errorf("decode stored policy: %w", err)
	}
	t, err := parseTime(r.updatedAt)
	if err != nil {
		return nil, err
	}
	p.Version, p.Status, p.UpdatedAt = r.version, r.status, t
	return p, nil
}

// latestPolicy returns the latest version of a policy, or ENotFound.
func latestPolicy(ctx context.Context, tx *sql.Tx, id string) (*policyRow, error) {
	var r policyRow
	err := tx.QueryRowContext(ctx, `SELECT version, status, document, updated_at FROM policy_versions
		WHERE id = ? ORDER BY version DESC LIMIT 1`, id).Scan(&r.version, &r.status, &r.document, &r.updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到政策 %q", id)
	} else if err != nil {
		return nil, err
	}
	return &r, nil
}

func insertPolicyVersion(ctx context.Context, tx *sql.Tx, p *policies.Policy, doc string, version int, status, now string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO policy_versions
		(id, version, status, department, title, mode, kind, region, document, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, version, status, p.Department, p.Title, p.Mode, p.Benefit.Kind, p.Region, doc, now, now)
	return err
}

// policyDocument returns the stored form of p: its JSON without the fields
// the store sets, so that equal policies have equal documents.
func policyDocument(p *policies.Policy) (string, error) {
	c := *p
	c.Status, c.Version, c.UpdatedAt = "", 0, time.Time{}
	b, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("marshal policy %s: %w", p.ID, err)
	}
	return string(b), nil
}
