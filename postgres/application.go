package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/huiqi/huiqi"
)

// lockEventLog takes the events lock (see lockEvents) for the rest of tx.
func lockEventLog(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockEvents)
	return err
}

// CreateApplication stores a new application with its first events and sets
// a's ID, State, Events and derived fields. It returns EInvalid or EConflict
// from huiqi.Application.Apply, and EConflict when the enterprise already
// has an open application for the policy (the partial unique index holds
// across replicas). Nothing is stored on error.
func (db *DB) CreateApplication(ctx context.Context, a *huiqi.ApplicationRecord, events []huiqi.Event) error {
	if err := db.update(ctx, func(tx pgx.Tx) error {
		if err := lockEventLog(ctx, tx); err != nil {
			return err
		}
		if err := insertApplication(ctx, tx, a, events); err != nil {
			return err
		}
		return db.logPayouts(ctx, tx, a)
	}); err != nil {
		return wrapInternal("create application", err)
	}
	return nil
}

// ImportApplications stores applications with their events in one
// transaction, each under its own savepoint, so that one that fails is left
// out and the others are kept. It returns one error per item, nil for those
// stored, with the codes of CreateApplication. An internal error stores
// nothing and is returned as err.
func (db *DB) ImportApplications(ctx context.Context, items []huiqi.ImportedApplication) (errs []error, err error) {
	err = db.update(ctx, func(tx pgx.Tx) error {
		if err := lockEventLog(ctx, tx); err != nil {
			return err
		}
		errs = make([]error, len(items))
		for i, it := range items {
			sp, err := tx.Begin(ctx) // a savepoint
			if err != nil {
				return err
			}
			ierr := insertApplication(ctx, sp, it.Application, it.Events)
			var domain *huiqi.Error
			if ierr != nil && !errors.As(ierr, &domain) {
				sp.Rollback(ctx)
				return ierr
			}
			if ierr != nil {
				errs[i] = ierr
				if err := sp.Rollback(ctx); err != nil {
					return err
				}
				continue
			}
			if err := sp.Commit(ctx); err != nil {
				return err
			}
		}
		var stored []*huiqi.ApplicationRecord
		for i, it := range items {
			if errs[i] == nil {
				stored = append(stored, it.Application)
			}
		}
		return db.logPayouts(ctx, tx, stored...)
	})
	if err != nil {
		return nil, fmt.Errorf("import applications: %w", err)
	}
	return errs, nil
}

// insertApplication writes a new application and its events inside tx.
func insertApplication(ctx context.Context, tx pgx.Tx, a *huiqi.ApplicationRecord, events []huiqi.Event) error {
	if len(events) == 0 {
		return huiqi.FieldErrorf("events", "申请至少需要一个事件")
	}
	// A dry run without the id finds bad events before anything is written,
	// and gives the final state that the open-application index judges.
	dry := huiqi.Application{}
	for i, e := range events {
		if err := dry.Apply(e); err != nil {
			return huiqi.WithPrefix(huiqi.IndexPath("events", i), err)
		}
	}
	// The id comes from the counter in the same statement, so that a
	// refused duplicate rolls both back.
	var id int64
	err := tx.QueryRow(ctx, `WITH n AS (`+nextApplicationID+`)
		INSERT INTO applications
		(id, policy_id, policy_version, policy_title, department, credit_code, deadline_days, target_days, working_days,
		 state, events, head_hash, opened_at, updated_at)
		SELECT n.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, $12 FROM n
		RETURNING id`,
		a.PolicyID, a.PolicyVersion, a.PolicyTitle, a.Department, a.CreditCode, a.DeadlineDays, a.TargetDays, a.WorkingDays,
		dry.State, len(events), formatTime(events[0].At), formatTime(events[len(events)-1].At)).Scan(&id)
	if isConflict(err) {
		return huiqi.Errorf(huiqi.EConflict, "企业 %s 已有一个未办结的政策 %q 申请，不能重复申请", a.CreditCode, a.PolicyID)
	} else if err != nil {
		return err
	}
	r := huiqi.Application{ID: id}
	for _, e := range events {
		if err := r.Apply(e); err != nil {
			return err // the dry run passed: the id changes only the hashes
		}
	}
	c := *a
	c.Application = r
	c.Derive()
	// The events and the derived columns in one round trip.
	var b pgx.Batch
	for _, e := range r.Events {
		queueEvent(&b, id, e)
	}
	b.Queue(`UPDATE applications SET amount_approved = $1, amount_disbursed = $2, head_hash = $3 WHERE id = $4`,
		nullMoney(c.AmountApproved), nullMoney(c.AmountDisbursed), c.HeadHash, id)
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return err
	}
	*a = c
	return nil
}

// logPayouts appends the disbursed applications among as to the change
// log: once-only policies exclude their enterprises in every replica.
func (db *DB) logPayouts(ctx context.Context, tx pgx.Tx, as ...*huiqi.ApplicationRecord) error {
	var keys []string
	for _, a := range as {
		if a.State == huiqi.StateDisbursed {
			keys = append(keys, strconv.FormatInt(a.ID, 10))
		}
	}
	return db.logChanges(ctx, tx, huiqi.ChangePayout, keys)
}

// nextApplicationID counts the application ids handed out; rolled back
// with a refused insert, it leaves no gap.
const nextApplicationID = `INSERT INTO meta (key, value) VALUES ('application_id', '1')
	ON CONFLICT (key) DO UPDATE SET value = (CAST(meta.value AS BIGINT) + 1)::text
	RETURNING CAST(value AS BIGINT) AS id`

const insertEventSQL = `INSERT INTO application_events
	(application_id, seq, type, at, actor, reason, note, amount, prev_hash, hash)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// queueEvent queues the insert of an event of a new application.
func queueEvent(b *pgx.Batch, appID int64, e huiqi.Event) {
	b.Queue(insertEventSQL, appID, e.Seq, e.Type, formatTime(e.At), e.Actor, e.Reason, e.Note, nullMoney(e.Amount), e.PrevHash, e.Hash)
}

func insertEvent(ctx context.Context, tx pgx.Tx, appID int64, e huiqi.Event) error {
	_, err := tx.Exec(ctx, insertEventSQL,
		appID, e.Seq, e.Type, formatTime(e.At), e.Actor, e.Reason, e.Note, nullMoney(e.Amount), e.PrevHash, e.Hash)
	if isConflict(err) {
		// The row lock serialises appends, so this is the backstop that
		// makes a second event with the same number impossible regardless.
		return huiqi.Errorf(huiqi.EConflict, "申请 %d 的第 %d 个事件已被并发写入，请重试", appID, e.Seq)
	}
	return err
}

// eventTx is the transaction in which an event is appended: it holds the
// events lock and the application's row lock.
type eventTx struct {
	ctx context.Context
	tx  pgx.Tx
	now time.Time
}

// CommittedAmount returns the money a policy has committed over all its
// versions, leaving out the application except. Errors are internal.
func (t *eventTx) CommittedAmount(policyID string, except int64) (huiqi.Money, error) {
	var sum int64
	err := t.tx.QueryRow(t.ctx, `SELECT COALESCE(SUM(CASE state
			WHEN 'approved' THEN COALESCE(amount_approved, 0)
			WHEN 'disbursed' THEN COALESCE(amount_disbursed, 0) END), 0)::bigint
		FROM applications WHERE policy_id = $1 AND state IN ('approved', 'disbursed') AND id <> $2`, policyID, except).Scan(&sum)
	if err != nil {
		return 0, fmt.Errorf("committed amount of %s: %w", policyID, err)
	}
	return huiqi.Money(sum), nil
}

// SetApprovalEstimate records the estimate an approval of the application
// is measured against. Errors are internal.
func (t *eventTx) SetApprovalEstimate(id int64, estimate *huiqi.Money) error {
	if _, err := t.tx.Exec(t.ctx, `UPDATE applications SET approval_estimate = $1 WHERE id = $2`, nullMoney(estimate), id); err != nil {
		return fmt.Errorf("approval estimate of %d: %w", id, err)
	}
	return nil
}

// PaidApplications returns the applications of an enterprise now approved or
// disbursed, leaving out except, in id order. Errors are internal.
func (t *eventTx) PaidApplications(creditCode string, except int64) ([]huiqi.Paid, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT id, policy_id, state, updated_at FROM applications
		WHERE credit_code = $1 AND state IN ('approved', 'disbursed') AND id <> $2 ORDER BY id`, creditCode, except)
	if err != nil {
		return nil, fmt.Errorf("paid applications of %s: %w", creditCode, err)
	}
	defer rows.Close()
	var out []huiqi.Paid
	for rows.Next() {
		var p huiqi.Paid
		var at string
		if err := rows.Scan(&p.ID, &p.PolicyID, &p.State, &at); err != nil {
			return nil, fmt.Errorf("paid applications of %s: %w", creditCode, err)
		}
		p.At = storedTime(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Notify writes notifications in the event's transaction.
func (t *eventTx) Notify(ns []huiqi.Notification) error {
	return insertNotifications(t.ctx, t.tx, t.now, ns)
}

// AppendEvent appends the event that build returns to the application with
// the id and returns the application as stored after it. The transaction
// takes the events lock, then the application's row (SELECT … FOR UPDATE),
// then reads it, builds the event, applies it and writes it: two racing
// events, from any replicas, are applied one after the other and the second
// sees the first, and the budget and exclusivity checks of the builder see
// every approval committed before. hook, when not nil, runs after the event
// is written, in the same transaction. It returns ENotFound for an unknown
// id, the errors of build and of huiqi.Application.Apply (EInvalid,
// EConflict); nothing is stored on error.
func (db *DB) AppendEvent(ctx context.Context, id int64, build huiqi.EventBuilder, hook huiqi.EventHook) (*huiqi.ApplicationRecord, error) {
	var out *huiqi.ApplicationRecord
	err := db.update(ctx, func(tx pgx.Tx) error {
		if err := lockEventLog(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM applications WHERE id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		a, err := findApplication(ctx, tx, id)
		if err != nil {
			return err
		}
		etx := &eventTx{ctx: ctx, tx: tx, now: db.now()}
		e, err := build(etx, a)
		if err != nil {
			return err
		}
		if err := a.Apply(e); err != nil {
			return err
		}
		e = a.Events[len(a.Events)-1]
		if err := insertEvent(ctx, tx, id, e); err != nil {
			return err
		}
		a.Derive()
		if _, err := tx.Exec(ctx, `UPDATE applications SET state = $1, amount_approved = $2, amount_disbursed = $3,
			events = $4, head_hash = $5, updated_at = $6 WHERE id = $7`,
			a.State, nullMoney(a.AmountApproved), nullMoney(a.AmountDisbursed), a.EventCount, a.HeadHash, formatTime(a.UpdatedAt), id); err != nil {
			return err
		}
		if hook != nil {
			if err := hook(etx, a, e); err != nil {
				return err
			}
		}
		out = a
		return db.logPayouts(ctx, tx, a)
	})
	if err != nil {
		return nil, wrapInternal("append event", err)
	}
	return out, nil
}

// FindApplication returns the application with the id, with its events, or
// ENotFound.
func (db *DB) FindApplication(ctx context.Context, id int64) (*huiqi.ApplicationRecord, error) {
	var a *huiqi.ApplicationRecord
	err := db.view(ctx, func(tx pgx.Tx) error {
		var err error
		a, err = findApplication(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, wrapInternal("find application", err)
	}
	return a, nil
}

// FindOpenApplication returns the open application of an enterprise for a
// policy, or ENotFound.
func (db *DB) FindOpenApplication(ctx context.Context, creditCode, policyID string) (*huiqi.ApplicationRecord, error) {
	var a *huiqi.ApplicationRecord
	err := db.view(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM applications WHERE credit_code = $1 AND policy_id = $2
			AND state NOT IN ('disbursed', 'rejected', 'withdrawn')`, creditCode, policyID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return huiqi.Errorf(huiqi.ENotFound, "企业 %s 没有未办结的政策 %q 申请", creditCode, policyID)
		} else if err != nil {
			return err
		}
		a, err = findApplication(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, wrapInternal("find open application", err)
	}
	return a, nil
}

func findApplication(ctx context.Context, tx pgx.Tx, id int64) (*huiqi.ApplicationRecord, error) {
	w := &where{}
	w.add("a.id = ?", id)
	var found *huiqi.ApplicationRecord
	if err := forEachApplication(ctx, tx, w, "", false, func(a *huiqi.ApplicationRecord) error { found = a; return nil }); err != nil {
		return nil, err
	}
	if found == nil {
		return nil, huiqi.Errorf(huiqi.ENotFound, "未找到编号为 %d 的申请", id)
	}
	return found, nil
}

// states holds the valid values of ApplicationFilter.State.
var states = map[string]bool{
	huiqi.StateSubmitted: true, huiqi.StateOffered: true, huiqi.StateAccepted: true, huiqi.StatePaused: true,
	huiqi.StateApproved: true, huiqi.StateDisbursed: true, huiqi.StateRejected: true, huiqi.StateWithdrawn: true,
}

// applicationWhere returns the conditions of f on applications a.
func applicationWhere(f huiqi.ApplicationFilter) (*where, error) {
	var w where
	if f.CreditCode != "" {
		w.add("a.credit_code = ?", f.CreditCode)
	}
	if f.PolicyID != "" {
		w.add("a.policy_id = ?", f.PolicyID)
	}
	if f.State != "" {
		if !states[f.State] {
			return nil, huiqi.FieldErrorf("state", "申请状态应为 submitted、offered、accepted、paused、approved、disbursed、rejected、withdrawn 之一，收到 %q", f.State)
		}
		w.add("a.state = ?", f.State)
	}
	if f.Department != "" {
		w.add("a.department = ?", f.Department)
	}
	return &w, nil
}

// ListApplications returns a page of the applications that pass f, in id
// order, with their events; the number of all that pass f; and the id to
// pass as AfterID for the next page, 0 on the last page. It returns EInvalid
// for a bad state or limit.
func (db *DB) ListApplications(ctx context.Context, f huiqi.ApplicationFilter) (items []*huiqi.ApplicationRecord, total int, nextID int64, err error) {
	limit, err := huiqi.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, 0, err
	}
	w, err := applicationWhere(f)
	if err != nil {
		return nil, 0, 0, err
	}
	err = db.view(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM applications a`+w.String(), w.args...).Scan(&total); err != nil {
			return err
		}
		w.add("a.id > ?", f.AfterID)
		// One row beyond the page tells that there is a next page.
		return forEachApplication(ctx, tx, w, " LIMIT "+w.next(limit+1), false, func(a *huiqi.ApplicationRecord) error {
			items = append(items, a)
			return nil
		})
	})
	if err != nil {
		return nil, 0, 0, wrapInternal("list applications", err)
	}
	if len(items) > limit {
		items = items[:limit]
		nextID = items[limit-1].ID
	}
	return items, total, nextID, nil
}

// ForEachApplication calls fn with every application that passes f, with
// its events, in id order, from one snapshot, and stops at the first error
// fn returns, which it returns. With clockOnly set, events carry only what
// the clock and the audit figures read. It returns EInvalid for a bad state;
// other errors are internal.
func (db *DB) ForEachApplication(ctx context.Context, f huiqi.ApplicationFilter, clockOnly bool, fn func(*huiqi.ApplicationRecord) error) error {
	w, err := applicationWhere(f)
	if err != nil {
		return err
	}
	if f.AfterID > 0 {
		w.add("a.id > ?", f.AfterID)
	}
	var fnErr error
	err = db.view(ctx, func(tx pgx.Tx) error {
		return forEachApplication(ctx, tx, w, "", clockOnly, func(a *huiqi.ApplicationRecord) error {
			fnErr = fn(a)
			return fnErr
		})
	})
	if err != nil && fnErr == nil {
		return wrapInternal("list applications", err)
	}
	return err
}

// forEachApplication streams the applications that pass w, a condition on
// applications a, in id order with at most the rows limit allows, each
// with its events. The events of all of them are read in one query after
// the applications, and merged.
func forEachApplication(ctx context.Context, tx pgx.Tx, w *where, limit string, clockOnly bool, fn func(*huiqi.ApplicationRecord) error) error {
	rows, err := tx.Query(ctx, `SELECT `+applicationColumns+` FROM applications a`+w.String()+` ORDER BY a.id`+limit, w.args...)
	if err != nil {
		return err
	}
	var apps []*huiqi.ApplicationRecord
	for rows.Next() {
		var r appRow
		if err := rows.Scan(r.dest()...); err != nil {
			rows.Close()
			return err
		}
		apps = append(apps, r.application())
	}
	if rows.Close(); rows.Err() != nil {
		return rows.Err()
	}
	if len(apps) == 0 {
		return nil
	}
	ids := make([]int64, len(apps))
	byID := make(map[int64]*huiqi.ApplicationRecord, len(apps))
	for i, a := range apps {
		ids[i], byID[a.ID] = a.ID, a
	}
	cols := eventColumns
	if clockOnly {
		cols = clockEventColumns
	}
	rows, err = tx.Query(ctx, `SELECT e.application_id, `+cols+` FROM application_events e
		WHERE e.application_id = ANY($1) ORDER BY e.application_id, e.seq`, ids)
	if err != nil {
		return err
	}
	for rows.Next() {
		var appID int64
		var r eventRow
		if err := rows.Scan(append([]any{&appID}, r.dest()...)...); err != nil {
			rows.Close()
			return err
		}
		a := byID[appID]
		a.Events = append(a.Events, r.event())
	}
	if rows.Close(); rows.Err() != nil {
		return rows.Err()
	}
	for _, a := range apps {
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// The columns that appRow and eventRow read.
const (
	applicationColumns = `a.id, a.policy_id, a.policy_version, a.policy_title, a.department, a.credit_code,
		a.deadline_days, a.target_days, a.working_days, a.state, a.amount_approved, a.amount_disbursed, a.events,
		a.head_hash, a.opened_at, a.updated_at, a.approval_estimate`
	eventColumns = `e.seq, e.type, e.at, e.actor, e.reason, e.note, e.amount, e.prev_hash, e.hash`
	// clockEventColumns leave out the text the clock never reads; the
	// reason stays, for a review's outcome.
	clockEventColumns = `e.seq, e.type, e.at, '', e.reason, '', e.amount, '', ''`
)

type appRow struct {
	a                             huiqi.ApplicationRecord
	approved, disbursed, estimate *int64
	openedAt, updatedAt           string
}

func (r *appRow) dest() []any {
	return []any{&r.a.ID, &r.a.PolicyID, &r.a.PolicyVersion, &r.a.PolicyTitle, &r.a.Department, &r.a.CreditCode,
		&r.a.DeadlineDays, &r.a.TargetDays, &r.a.WorkingDays, &r.a.State, &r.approved, &r.disbursed, &r.a.EventCount,
		&r.a.HeadHash, &r.openedAt, &r.updatedAt, &r.estimate}
}

func (r *appRow) application() *huiqi.ApplicationRecord {
	a := r.a
	a.AmountApproved, a.AmountDisbursed = storedMoney(r.approved), storedMoney(r.disbursed)
	a.ApprovalEstimate = storedMoney(r.estimate)
	a.OpenedAt, a.UpdatedAt = storedTime(r.openedAt), storedTime(r.updatedAt)
	return &a
}

type eventRow struct {
	seq                                          int
	amount                                       *int64
	typ, at, actor, reason, note, prevHash, hash string
}

func (r *eventRow) dest() []any {
	return []any{&r.seq, &r.typ, &r.at, &r.actor, &r.reason, &r.note, &r.amount, &r.prevHash, &r.hash}
}

func (r *eventRow) event() huiqi.Event {
	return huiqi.Event{
		Seq: r.seq, Type: r.typ, At: storedTime(r.at), Actor: r.actor, Reason: r.reason, Note: r.note,
		Amount: storedMoney(r.amount), PrevHash: r.prevHash, Hash: r.hash,
	}
}

// MatchedCounts returns, for every policy with a stored eligible pair, how
// many enterprises are eligible. Errors are internal.
func (db *DB) MatchedCounts(ctx context.Context) ([]huiqi.PolicyCount, error) {
	return db.policyCounts(ctx, `SELECT policy_id, COUNT(*) AS n FROM verdicts GROUP BY policy_id`)
}

// PushedCounts returns, for every policy, how many enterprises had been
// sent a new-match notification of it before the time. Errors are internal.
func (db *DB) PushedCounts(ctx context.Context, before time.Time) ([]huiqi.PolicyCount, error) {
	return db.policyCounts(ctx, `SELECT policy_id, COUNT(DISTINCT credit_code) AS n FROM notifications
		WHERE kind = 'new_match' AND created_at < $1 GROUP BY policy_id`, formatTime(before))
}

func (db *DB) policyCounts(ctx context.Context, counts string, args ...any) ([]huiqi.PolicyCount, error) {
	rows, err := db.pool.Query(ctx, `SELECT c.policy_id, p.department, p.title, c.n
		FROM (`+counts+`) c
		JOIN policy_versions p ON p.id = c.policy_id
			AND p.version = (SELECT MAX(version) FROM policy_versions WHERE id = c.policy_id)
		ORDER BY c.policy_id COLLATE "C"`, args...)
	if err != nil {
		return nil, fmt.Errorf("policy counts: %w", err)
	}
	defer rows.Close()
	var out []huiqi.PolicyCount
	for rows.Next() {
		var c huiqi.PolicyCount
		if err := rows.Scan(&c.PolicyID, &c.Department, &c.Title, &c.Count); err != nil {
			return nil, fmt.Errorf("policy counts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("policy counts: %w", err)
	}
	return out, nil
}

// guardTriggers are the triggers that refuse changes of history.
var guardTriggers = []string{
	"application_events_no_update", "application_events_no_delete",
	"applications_no_delete", "applications_fixed_identity",
}

// ScanChains reads the facts verification needs and then calls fn with every
// application and its events in id order, all from one snapshot. It stops
// at the first error fn returns, which it returns with the facts; other
// errors are internal.
func (db *DB) ScanChains(ctx context.Context, fn func(*huiqi.ApplicationRecord) error) (huiqi.ChainFacts, error) {
	var facts huiqi.ChainFacts
	var fnErr error
	err := db.view(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'application_id'`).Scan(&facts.LastID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'`)
		if err != nil {
			return err
		}
		present := map[string]bool{}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return err
			}
			present[name] = true
		}
		if rows.Close(); rows.Err() != nil {
			return rows.Err()
		}
		for _, name := range guardTriggers {
			if !present[name] {
				facts.MissingGuards = append(facts.MissingGuards, name)
			}
		}
		var orphan [2]int64
		err = tx.QueryRow(ctx, `SELECT e.application_id, MIN(e.seq) FROM application_events e
			WHERE NOT EXISTS (SELECT 1 FROM applications a WHERE a.id = e.application_id)
			GROUP BY e.application_id ORDER BY e.application_id LIMIT 1`).Scan(&orphan[0], &orphan[1])
		if err == nil {
			facts.Orphan = &orphan
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return forEachApplication(ctx, tx, &where{}, "", false, func(a *huiqi.ApplicationRecord) error {
			fnErr = fn(a)
			return fnErr
		})
	})
	if err != nil && fnErr == nil {
		return facts, wrapInternal("scan event chains", err)
	}
	return facts, err
}

// ApplicationCount returns the number of applications. Errors are internal.
func (db *DB) ApplicationCount(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM applications`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count applications: %w", err)
	}
	return n, nil
}

// Payouts returns every disbursed application in id order. Errors are
// internal.
func (db *DB) Payouts(ctx context.Context) ([]huiqi.Payout, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, policy_id, credit_code, updated_at FROM applications
		WHERE state = 'disbursed' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("payouts: %w", err)
	}
	defer rows.Close()
	var out []huiqi.Payout
	for rows.Next() {
		var p huiqi.Payout
		var at string
		if err := rows.Scan(&p.ApplicationID, &p.PolicyID, &p.CreditCode, &at); err != nil {
			return nil, fmt.Errorf("payouts: %w", err)
		}
		p.At = storedTime(at)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("payouts: %w", err)
	}
	return out, nil
}
