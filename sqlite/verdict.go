package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/huiqi/huiqi"
)

// ReplacePolicyVerdicts makes vs the eligible pairs of the policy, in one
// transaction with the notifications notify makes of the difference, and
// returns the difference from what was stored.
func (db *DB) ReplacePolicyVerdicts(ctx context.Context, policyID string, vs []huiqi.Verdict, notify huiqi.Notifier) (huiqi.VerdictDiff, error) {
	return db.replaceVerdicts(ctx, "policy_id = ?", []any{policyID}, vs, notify)
}

// ReplaceEnterpriseVerdicts makes vs the eligible pairs of the given
// enterprises, in transactions of at most a few hundred enterprises each
// with their notifications, and returns the difference from what was
// stored.
func (db *DB) ReplaceEnterpriseVerdicts(ctx context.Context, codes []string, vs []huiqi.Verdict, notify huiqi.Notifier) (huiqi.VerdictDiff, error) {
	var diff huiqi.VerdictDiff
	// SQLite bounds the number of parameters of a statement; large imports
	// are replaced in chunks, each chunk's pairs with it.
	const chunk = 500
	byCode := map[string][]huiqi.Verdict{}
	for _, v := range vs {
		byCode[v.CreditCode] = append(byCode[v.CreditCode], v)
	}
	for len(codes) > 0 {
		n := min(chunk, len(codes))
		args := make([]any, n)
		var part []huiqi.Verdict
		for i, c := range codes[:n] {
			args[i] = c
			part = append(part, byCode[c]...)
		}
		d, err := db.replaceVerdicts(ctx, "credit_code IN (?"+strings.Repeat(",?", n-1)+")", args, part, notify)
		if err != nil {
			return diff, err
		}
		diff.Added = append(diff.Added, d.Added...)
		diff.Removed = append(diff.Removed, d.Removed...)
		diff.Notifications = append(diff.Notifications, d.Notifications...)
		codes = codes[n:]
	}
	return diff, nil
}

func (db *DB) replaceVerdicts(ctx context.Context, scope string, args []any, vs []huiqi.Verdict, notify huiqi.Notifier) (huiqi.VerdictDiff, error) {
	var diff huiqi.VerdictDiff
	nowTime := db.now()
	now := formatTime(nowTime)
	err := db.update(ctx, func(tx *sql.Tx) error {
		diff = huiqi.VerdictDiff{} // a retried transaction starts over
		old, err := queryVerdicts(ctx, tx, scope, args...)
		if err != nil {
			return err
		}
		stored := make(map[[2]string]huiqi.Verdict, len(old))
		for _, v := range old {
			stored[[2]string{v.PolicyID, v.CreditCode}] = v
		}
		upsert, err := tx.PrepareContext(ctx, `INSERT INTO verdicts
			(policy_id, credit_code, policy_version, profile_version, amount, as_of, computed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (policy_id, credit_code) DO UPDATE SET policy_version = excluded.policy_version,
				profile_version = excluded.profile_version, amount = excluded.amount,
				as_of = excluded.as_of, computed_at = excluded.computed_at`)
		if err != nil {
			return err
		}
		defer upsert.Close()
		for _, v := range vs {
			key := [2]string{v.PolicyID, v.CreditCode}
			prev, had := stored[key]
			delete(stored, key)
			if !had {
				diff.Added = append(diff.Added, v)
			} else if prev.PolicyVersion == v.PolicyVersion && prev.ProfileVersion == v.ProfileVersion && equalAmount(prev.Amount, v.Amount) {
				continue // the record stands as it is
			}
			if _, err := upsert.ExecContext(ctx, v.PolicyID, v.CreditCode, v.PolicyVersion, v.ProfileVersion,
				nullMoney(v.Amount), v.AsOf.String(), now); err != nil {
				return err
			}
		}
		for _, v := range stored {
			if _, err := tx.ExecContext(ctx, `DELETE FROM verdicts WHERE policy_id = ? AND credit_code = ?`, v.PolicyID, v.CreditCode); err != nil {
				return err
			}
			diff.Removed = append(diff.Removed, v)
		}
		if notify != nil {
			diff.Notifications = notify(diff)
		}
		return insertNotifications(ctx, tx, nowTime, diff.Notifications)
	})
	if err != nil {
		return huiqi.VerdictDiff{}, fmt.Errorf("replace verdicts: %w", err)
	}
	return diff, nil
}

// EnterpriseVerdicts returns the stored eligible pairs of an enterprise.
func (db *DB) EnterpriseVerdicts(ctx context.Context, code string) ([]huiqi.Verdict, error) {
	var vs []huiqi.Verdict
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		vs, err = queryVerdicts(ctx, tx, "credit_code = ?", code)
		return err
	})
	return vs, err
}

// PolicyVerdictCount returns how many enterprises are recorded eligible for
// a policy.
func (db *DB) PolicyVerdictCount(ctx context.Context, policyID string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM verdicts WHERE policy_id = ?`, policyID).Scan(&n)
	return n, err
}

func queryVerdicts(ctx context.Context, tx *sql.Tx, scope string, args ...any) ([]huiqi.Verdict, error) {
	rows, err := tx.QueryContext(ctx, `SELECT policy_id, credit_code, policy_version, profile_version, amount, as_of
		FROM verdicts WHERE `+scope+` ORDER BY policy_id, credit_code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []huiqi.Verdict
	for rows.Next() {
		var (
			v      huiqi.Verdict
			amount sql.NullInt64
			asOf   string
		)
		if err := rows.Scan(&v.PolicyID, &v.CreditCode, &v.PolicyVersion, &v.ProfileVersion, &amount, &asOf); err != nil {
			return nil, err
		}
		if amount.Valid {
			m := huiqi.Money(amount.Int64)
			v.Amount = &m
		}
		if v.AsOf, err = huiqi.ParseDate(asOf); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func nullMoney(m *huiqi.Money) any {
	if m == nil {
		return nil
	}
	return int64(*m)
}

func equalAmount(a, b *huiqi.Money) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
