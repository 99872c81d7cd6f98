package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/huiqi/huiqi"
)

// CreateApplication stores a new application with its first events, in
// order, and sets a's ID, State, Events and derived fields. The events are
// applied by huiqi.Application.Apply, which checks their order and sets
// their sequence numbers and hashes. It returns EInvalid or EConflict from
// Apply, and EConflict when the enterprise already has an open application
// for the policy. Nothing is stored on error.
func (db *DB) CreateApplication(ctx context.Context, a *huiqi.ApplicationRecord, events []huiqi.Event) error {
	if err := db.update(ctx, func(tx *sql.Tx) error {
		return insertApplication(ctx, tx, a, events)
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
	err = db.update(ctx, func(tx *sql.Tx) error {
		errs = make([]error, len(items)) // a retried transaction starts over
		for i, it := range items {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT import_application`); err != nil {
				return err
			}
			ierr := insertApplication(ctx, tx, it.Application, it.Events)
			var domain *huiqi.Error
			if ierr != nil && !errors.As(ierr, &domain) {
				return ierr
			}
			if ierr != nil {
				errs[i] = ierr
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO import_application`); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE import_application`); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import applications: %w", err)
	}
	return errs, nil
}

// insertApplication writes a new application and its events inside tx.
func insertApplication(ctx context.Context, tx *sql.Tx, a *huiqi.ApplicationRecord, events []huiqi.Event) error {
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
	res, err := tx.ExecContext(ctx, `INSERT INTO applications
		(policy_id, policy_version, policy_title, department, credit_code, deadline_days, target_days, working_days,
		 state, events, head_hash, opened_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`,
		a.PolicyID, a.PolicyVersion, a.PolicyTitle, a.Department, a.CreditCode, a.DeadlineDays, a.TargetDays, a.WorkingDays,
		dry.State, len(events), formatTime(events[0].At), formatTime(events[len(events)-1].At))
	if isConflict(err) {
		return huiqi.Errorf(huiqi.EConflict, "企业 %s 已有一个未办结的政策 %q 申请，不能重复申请", a.CreditCode, a.PolicyID)
	} else if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	r := huiqi.Application{ID: id}
	for _, e := range events {
		if err := r.Apply(e); err != nil {
			return err // the dry run passed: the id changes only the hashes
		}
	}
	stmt, err := tx.PrepareContext(ctx, insertEventSQL)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, e := range r.Events {
		if err := insertEvent(ctx, stmt, id, e); err != nil {
			return err
		}
	}
	c := *a
	c.Application = r
	c.Derive()
	if _, err := tx.ExecContext(ctx, `UPDATE applications SET amount_approved = ?, amount_disbursed = ?, head_hash = ? WHERE id = ?`,
		nullMoney(c.AmountApproved), nullMoney(c.AmountDisbursed), c.HeadHash, id); err != nil {
		return err
	}
	*a = c
	return nil
}

const insertEventSQL = `INSERT INTO application_events
	(application_id, seq, type, at, actor, reason, note, amount, prev_hash, hash)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func insertEvent(ctx context.Context, stmt *sql.Stmt, appID int64, e huiqi.Event) error {
	_, err := stmt.ExecContext(ctx, appID, e.Seq, e.Type, formatTime(e.At), e.Actor, e.Reason, e.Note,
		nullMoney(e.Amount), e.PrevHash, e.Hash)
	if isConflict(err) {
		// The write pool serializes appends, so this is the backstop that
		// makes a second event with the same number impossible regardless.
		return huiqi.Errorf(huiqi.EConflict, "申请 %d 的第 %d 个事件已被并发写入，请重试", appID, e.Seq)
	}
	return err
}

// eventTx is the write transaction in which an event is appended;
// SQLite runs one such transaction at a time.
type eventTx struct {
	ctx context.Context
	tx  *sql.Tx
	now time.Time // the store's time, for rows written beside the event
}

// CommittedAmount returns the money a policy has committed, over all its
// versions: what is approved on applications now approved, and what was
// paid on those disbursed, leaving out the application except. Read inside
// the write transaction, it cannot miss an approval racing this one. Errors
// are internal.
func (t *eventTx) CommittedAmount(policyID string, except int64) (huiqi.Money, error) {
	var sum int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT COALESCE(SUM(CASE state
			WHEN 'approved' THEN COALESCE(amount_approved, 0)
			WHEN 'disbursed' THEN COALESCE(amount_disbursed, 0) END), 0)
		FROM applications WHERE policy_id = ? AND state IN ('approved', 'disbursed') AND id <> ?`, policyID, except).Scan(&sum)
	if err != nil {
		return 0, fmt.Errorf("committed amount of %s: %w", policyID, err)
	}
	return huiqi.Money(sum), nil
}

// SetApprovalEstimate records the estimate an approval of the application
// is measured against, in the approval's transaction. Errors are internal.
func (t *eventTx) SetApprovalEstimate(id int64, estimate *huiqi.Money) error {
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE applications SET approval_estimate = ? WHERE id = ?`, nullMoney(estimate), id); err != nil {
		return fmt.Errorf("approval estimate of %d: %w", id, err)
	}
	return nil
}

// PaidApplications returns the applications of an enterprise now approved or
// disbursed, leaving out except, in id order. Read inside the write
// transaction, it cannot miss an approval racing this one. Errors are
// internal.
func (t *eventTx) PaidApplications(creditCode string, except int64) ([]huiqi.Paid, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, policy_id, state, updated_at FROM applications
		WHERE credit_code = ? AND state IN ('approved', 'disbursed') AND id <> ? ORDER BY id`, creditCode, except)
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

// AppendEvent appends the event that build returns to the application with
// the id and returns the application as stored after it. Reading the
// application, building the event, applying it to the state machine and
// writing it happen in one write transaction, and write transactions run
// one at a time: two racing events are applied one after the other, and the
// second sees the first. hook, when not nil, runs after the event is
// written, in the same transaction. It returns ENotFound for an unknown id,
// the errors of build and of huiqi.Application.Apply (EInvalid, EConflict);
// nothing is stored on error.
func (db *DB) AppendEvent(ctx context.Context, id int64, build huiqi.EventBuilder, hook huiqi.EventHook) (*huiqi.ApplicationRecord, error) {
	var out *huiqi.ApplicationRecord
	err := db.update(ctx, func(tx *sql.Tx) error {
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
		stmt, err := tx.PrepareContext(ctx, insertEventSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		if err := insertEvent(ctx, stmt, id, e); err != nil {
			return err
		}
		a.Derive()
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET state = ?, amount_approved = ?, amount_disbursed = ?,
			events = ?, head_hash = ?, updated_at = ? WHERE id = ?`,
			a.State, nullMoney(a.AmountApproved), nullMoney(a.AmountDisbursed), a.EventCount, a.HeadHash, formatTime(a.UpdatedAt), id); err != nil {
			return err
		}
		if hook != nil {
			if err := hook(etx, a, e); err != nil {
				return err
			}
		}
		out = a
		return nil
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
	err := db.view(ctx, func(tx *sql.Tx) error {
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
	err := db.view(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM applications WHERE credit_code = ? AND policy_id = ?
			AND state NOT IN ('disbursed', 'rejected', 'withdrawn')`, creditCode, policyID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
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

func findApplication(ctx context.Context, tx *sql.Tx, id int64) (*huiqi.ApplicationRecord, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+applicationColumns+`, `+eventColumns+`
		FROM applications a LEFT JOIN application_events e ON e.application_id = a.id
		WHERE a.id = ? ORDER BY e.seq`, id)
	if err != nil {
		return nil, err
	}
	var found *huiqi.ApplicationRecord
	if err := scanApplications(rows, func(a *huiqi.ApplicationRecord) error { found = a; return nil }); err != nil {
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

// applicationWhere returns the conditions of f on applications.
func applicationWhere(f huiqi.ApplicationFilter) (*where, error) {
	var w where
	if f.CreditCode != "" {
		w.add("credit_code = ?", f.CreditCode)
	}
	if f.PolicyID != "" {
		w.add("policy_id = ?", f.PolicyID)
	}
	if f.State != "" {
		if !states[f.State] {
			return nil, huiqi.FieldErrorf("state", "申请状态应为 submitted、offered、accepted、paused、approved、disbursed、rejected、withdrawn 之一，收到 %q", f.State)
		}
		w.add("state = ?", f.State)
	}
	if f.Department != "" {
		w.add("department = ?", f.Department)
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
	err = db.view(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM applications`+w.String(), w.args...).Scan(&total); err != nil {
			return err
		}
		w.add("id > ?", f.AfterID)
		// One row beyond the page tells that there is a next page.
		rows, err := tx.QueryContext(ctx, `SELECT `+applicationColumns+`, `+eventColumns+`
			FROM (SELECT * FROM applications`+w.String()+` ORDER BY id LIMIT ?) a
			LEFT JOIN application_events e ON e.application_id = a.id
			ORDER BY a.id, e.seq`, append(w.args, limit+1)...)
		if err != nil {
			return err
		}
		return scanApplications(rows, func(a *huiqi.ApplicationRecord) error {
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
// its events, in id order, from one snapshot of the database, and stops at
// the first error fn returns, which it returns. With clockOnly set, events
// carry only what the clock and the audit figures read (sequence number,
// type, time, reason and amount), which makes a scan of every application about
// twice as fast. It returns EInvalid for a bad state; other errors are
// internal. fn may use the DB.
func (db *DB) ForEachApplication(ctx context.Context, f huiqi.ApplicationFilter, clockOnly bool, fn func(*huiqi.ApplicationRecord) error) error {
	w, err := applicationWhere(f)
	if err != nil {
		return err
	}
	if f.AfterID > 0 {
		w.add("id > ?", f.AfterID)
	}
	if err := db.view(ctx, func(tx *sql.Tx) error {
		return forEachApplication(ctx, tx, w, clockOnly, fn)
	}); err != nil {
		return wrapInternal("list applications", err)
	}
	return nil
}

// forEachApplication streams the applications that pass w, a condition on
// the applications table, with their events. Two queries in id order are
// merged rather than one join, which would repeat an application's columns
// on every one of its events.
func forEachApplication(ctx context.Context, tx *sql.Tx, w *where, clockOnly bool, fn func(*huiqi.ApplicationRecord) error) error {
	apps, err := tx.QueryContext(ctx, `SELECT `+applicationColumns+` FROM applications a`+w.String()+` ORDER BY a.id`, w.args...)
	if err != nil {
		return err
	}
	defer apps.Close()
	cols := eventColumns
	if clockOnly {
		cols = clockEventColumns
	}
	q := `SELECT e.application_id, ` + cols + ` FROM application_events e`
	if len(w.conds) > 0 {
		q += ` WHERE e.application_id IN (SELECT id FROM applications` + w.String() + `)`
	}
	events, err := tx.QueryContext(ctx, q+` ORDER BY e.application_id, e.seq`, w.args...)
	if err != nil {
		return err
	}
	defer events.Close()

	var ar appRow
	var er eventRow
	appDest, eventDest := ar.dest(), append([]any{&er.appID}, er.dest()...)
	pending := false // er holds an event read but not yet placed
	for apps.Next() {
		if err := apps.Scan(appDest...); err != nil {
			return err
		}
		a := ar.application()
		for {
			if !pending {
				if !events.Next() {
					break
				}
				if err := events.Scan(eventDest...); err != nil {
					return err
				}
				pending = true
			}
			if er.appID > a.ID {
				break
			}
			if er.appID == a.ID {
				a.Events = append(a.Events, er.event())
			}
			// An event of an id below a.ID belongs to no application
			// (tampering); ScanChains reports it, the others skip it.
			pending = false
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	if err := apps.Err(); err != nil {
		return err
	}
	return events.Err()
}

// lenient reads an INTEGER column so that a value of another type, which
// only a hand edit of the file brings about, reads as −1 instead of failing
// the scan: verification rejects −1 wherever it appears (a negative amount,
// a sequence number out of line), and the audit still shows the application.
func lenient(col string) string {
	return "CASE WHEN typeof(" + col + ") IN ('integer', 'null') THEN " + col + " ELSE -1 END"
}

// The columns that appRow and eventRow read.
var (
	applicationColumns = strings.Join([]string{"a.id", "a.policy_id", lenient("a.policy_version"), "a.policy_title",
		"a.department", "a.credit_code", lenient("a.deadline_days"), lenient("a.target_days"), lenient("a.working_days"),
		"a.state", lenient("a.amount_approved"), lenient("a.amount_disbursed"), lenient("a.events"), "a.head_hash",
		"a.opened_at", "a.updated_at", lenient("a.approval_estimate")}, ", ")
	eventColumns = strings.Join([]string{lenient("e.seq"), "e.type", "e.at", "e.actor", "e.reason", "e.note",
		lenient("e.amount"), "e.prev_hash", "e.hash"}, ", ")
	// clockEventColumns leave out the text the clock never reads; the
	// reason stays, for a review's outcome.
	clockEventColumns = strings.Join([]string{lenient("e.seq"), "e.type", "e.at", "''", "e.reason", "''",
		lenient("e.amount"), "''", "''"}, ", ")
)

// appRow receives applicationColumns; it is reused from row to row.
type appRow struct {
	a                                         huiqi.ApplicationRecord
	version, deadline, target, working, count int64
	approved, disbursed, estimate             sql.NullInt64
	openedAt, updatedAt                       string
}

func (r *appRow) dest() []any {
	return []any{&r.a.ID, &r.a.PolicyID, &r.version, &r.a.PolicyTitle, &r.a.Department, &r.a.CreditCode,
		&r.deadline, &r.target, &r.working, &r.a.State, &r.approved, &r.disbursed, &r.count, &r.a.HeadHash,
		&r.openedAt, &r.updatedAt, &r.estimate}
}

// application returns a new Application of the row just scanned.
func (r *appRow) application() *huiqi.ApplicationRecord {
	a := r.a
	a.PolicyVersion, a.DeadlineDays, a.TargetDays = int(r.version), int(r.deadline), int(r.target)
	a.WorkingDays = r.working != 0
	a.AmountApproved, a.AmountDisbursed = storedMoney(r.approved), storedMoney(r.disbursed)
	a.ApprovalEstimate = storedMoney(r.estimate)
	a.EventCount = int(r.count)
	a.OpenedAt, a.UpdatedAt = storedTime(r.openedAt), storedTime(r.updatedAt)
	return &a
}

// eventRow receives eventColumns (NULL when an application has none, which
// only tampering brings about); it is reused from row to row.
type eventRow struct {
	appID                                        int64
	seq, amount                                  sql.NullInt64
	typ, at, actor, reason, note, prevHash, hash string
}

func (r *eventRow) dest() []any {
	return []any{&r.seq, &r.typ, &r.at, &r.actor, &r.reason, &r.note, &r.amount, &r.prevHash, &r.hash}
}

func (r *eventRow) event() huiqi.Event {
	return huiqi.Event{
		Seq: int(r.seq.Int64), Type: r.typ, At: storedTime(r.at), Actor: r.actor, Reason: r.reason, Note: r.note,
		Amount: storedMoney(r.amount), PrevHash: r.prevHash, Hash: r.hash,
	}
}

// scanApplications reads and closes rows of applicationColumns and
// eventColumns of a left join, ordered by application and sequence number,
// and calls fn with each application once its events are read.
func scanApplications(rows *sql.Rows, fn func(*huiqi.ApplicationRecord) error) error {
	defer rows.Close()
	var (
		ar  appRow
		er  eventRow
		cur *huiqi.ApplicationRecord
	)
	// The event columns of a left join are NULL for an application without
	// events, so they are scanned into nullable strings here.
	var typ, at, actor, reason, note, prevHash, hash sql.NullString
	dest := append(ar.dest(), &er.seq, &typ, &at, &actor, &reason, &note, &er.amount, &prevHash, &hash)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if cur == nil || cur.ID != ar.a.ID {
			if cur != nil {
				if err := fn(cur); err != nil {
					return err
				}
			}
			cur = ar.application()
		}
		if !er.seq.Valid {
			continue // no events
		}
		er.typ, er.at, er.actor, er.reason, er.note = typ.String, at.String, actor.String, reason.String, note.String
		er.prevHash, er.hash = prevHash.String, hash.String
		cur.Events = append(cur.Events, er.event())
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if cur != nil {
		return fn(cur)
	}
	return nil
}

// storedMoney reads a nullable fen column read through lenient.
func storedMoney(v sql.NullInt64) *huiqi.Money {
	if !v.Valid {
		return nil
	}
	m := huiqi.Money(v.Int64)
	return &m
}

// storedTime reads a stored time; one that does not parse (a hand edit)
// reads as the zero time, which no valid event carries.
func storedTime(s string) time.Time {
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// MatchedCounts returns, for every policy with a stored eligible pair, how
// many enterprises are eligible: the "matched" stage of the audit funnel.
// The decision record holds the current verdicts only, so the counts are
// today's. Errors are internal.
func (db *DB) MatchedCounts(ctx context.Context) ([]huiqi.PolicyCount, error) {
	return db.policyCounts(ctx, `SELECT policy_id, COUNT(*) AS n FROM verdicts GROUP BY policy_id`)
}

// PushedCounts returns, for every policy, how many enterprises had been
// sent a new-match notification of it before the time: the "pushed" stage
// of the audit funnel. Notifications are kept for good, so the counts can be
// taken as of any date. Errors are internal.
func (db *DB) PushedCounts(ctx context.Context, before time.Time) ([]huiqi.PolicyCount, error) {
	return db.policyCounts(ctx, `SELECT policy_id, COUNT(DISTINCT credit_code) AS n FROM notifications
		WHERE kind = 'new_match' AND created_at < ? GROUP BY policy_id`, formatTime(before))
}

// policyCounts runs counts, a query of (policy_id, n), and adds the
// department and title of each policy's latest version.
func (db *DB) policyCounts(ctx context.Context, counts string, args ...any) ([]huiqi.PolicyCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT c.policy_id, p.department, p.title, c.n
		FROM (`+counts+`) c
		JOIN policy_versions p ON p.id = c.policy_id
			AND p.version = (SELECT MAX(version) FROM policy_versions WHERE id = c.policy_id)
		ORDER BY c.policy_id`, args...)
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

// guardTriggers are the triggers that refuse changes (migration 003) and
// keep the global event log whole (006): one gone is a sign of tampering
// even where the chains and checkpoints still verify.
var guardTriggers = []string{
	"application_events_no_update", "application_events_no_delete",
	"applications_no_delete", "applications_fixed_identity",
	"application_events_logged", "event_log_no_update", "event_log_no_delete",
}

// ScanChains reads the facts verification needs and then calls fn with every
// application and its events in id order, all from one snapshot. It stops
// at the first error fn returns, which it returns with the facts; other
// errors are internal.
func (db *DB) ScanChains(ctx context.Context, fn func(*huiqi.ApplicationRecord) error) (huiqi.ChainFacts, error) {
	var facts huiqi.ChainFacts
	err := db.view(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'applications'`).Scan(&facts.LastID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'trigger'`)
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
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, name := range guardTriggers {
			if !present[name] {
				facts.MissingGuards = append(facts.MissingGuards, name)
			}
		}
		var orphan [2]int64
		err = tx.QueryRowContext(ctx, `SELECT e.application_id, MIN(e.seq) FROM application_events e
			WHERE NOT EXISTS (SELECT 1 FROM applications a WHERE a.id = e.application_id)
			GROUP BY e.application_id ORDER BY e.application_id LIMIT 1`).Scan(&orphan[0], &orphan[1])
		if err == nil {
			facts.Orphan = &orphan
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return forEachApplication(ctx, tx, &where{}, false, fn)
	})
	if err != nil {
		// The facts were read before fn ran: a caller that stopped the
		// scan still gets them.
		return facts, wrapInternal("scan event chains", err)
	}
	return facts, nil
}

// ApplicationCount returns the number of applications. Errors are internal.
func (db *DB) ApplicationCount(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM applications`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count applications: %w", err)
	}
	return n, nil
}

// Notify writes notifications in the event's transaction, so that a notice
// commits with the event it reports or not at all.
func (t *eventTx) Notify(ns []huiqi.Notification) error {
	return insertNotifications(t.ctx, t.tx, t.now, ns)
}

// Payouts returns every disbursed application in id order: what once-only
// policies exclude. Errors are internal.
func (db *DB) Payouts(ctx context.Context) ([]huiqi.Payout, error) {
	// A disbursement stops the application, so its last event is the payout.
	rows, err := db.read.QueryContext(ctx, `SELECT id, policy_id, credit_code, updated_at FROM applications
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
