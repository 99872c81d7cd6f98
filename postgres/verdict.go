package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/huiqi/huiqi"
)

// ReplacePolicyVerdicts makes vs the eligible pairs of the policy, in one
// transaction with the notifications notify makes of the difference, and
// returns the difference from what was stored.
func (db *DB) ReplacePolicyVerdicts(ctx context.Context, policyID string, vs []huiqi.Verdict, notify huiqi.Notifier) (huiqi.VerdictDiff, error) {
	return db.replaceVerdicts(ctx, "policy_id = $1", policyID, vs, notify)
}

// ReplaceEnterpriseVerdicts makes vs the eligible pairs of the given
// enterprises, in one transaction with their notifications, and returns the
// difference from what was stored.
func (db *DB) ReplaceEnterpriseVerdicts(ctx context.Context, codes []string, vs []huiqi.Verdict, notify huiqi.Notifier) (huiqi.VerdictDiff, error) {
	return db.replaceVerdicts(ctx, "credit_code = ANY($1)", codes, vs, notify)
}

// replaceVerdicts replaces the pairs in scope. The pairs in scope are read
// FOR UPDATE, and the notification lock is taken before them, so that two
// replicas replacing overlapping scopes compute their differences one after
// the other: a change is told once.
func (db *DB) replaceVerdicts(ctx context.Context, scope string, arg any, vs []huiqi.Verdict, notify huiqi.Notifier) (huiqi.VerdictDiff, error) {
	var diff huiqi.VerdictDiff
	nowTime := db.now()
	now := formatTime(nowTime)
	err := db.update(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockNotify); err != nil {
			return err
		}
		old, err := queryVerdicts(ctx, tx, scope, true, arg)
		if err != nil {
			return err
		}
		stored := make(map[[2]string]huiqi.Verdict, len(old))
		for _, v := range old {
			stored[[2]string{v.PolicyID, v.CreditCode}] = v
		}
		var b pgx.Batch
		for _, v := range vs {
			key := [2]string{v.PolicyID, v.CreditCode}
			prev, had := stored[key]
			delete(stored, key)
			if !had {
				diff.Added = append(diff.Added, v)
			} else if prev.PolicyVersion == v.PolicyVersion && prev.ProfileVersion == v.ProfileVersion && equalAmount(prev.Amount, v.Amount) {
				continue // the record stands as it is
			}
			b.Queue(`INSERT INTO verdicts
				(policy_id, credit_code, policy_version, profile_version, amount, as_of, computed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (policy_id, credit_code) DO UPDATE SET policy_version = excluded.policy_version,
					profile_version = excluded.profile_version, amount = excluded.amount,
					as_of = excluded.as_of, computed_at = excluded.computed_at`,
				v.PolicyID, v.CreditCode, v.PolicyVersion, v.ProfileVersion, nullMoney(v.Amount), v.AsOf.String(), now)
		}
		for _, v := range stored {
			b.Queue(`DELETE FROM verdicts WHERE policy_id = $1 AND credit_code = $2`, v.PolicyID, v.CreditCode)
			diff.Removed = append(diff.Removed, v)
		}
		if b.Len() > 0 {
			if err := tx.SendBatch(ctx, &b).Close(); err != nil {
				return err
			}
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
	err := db.view(ctx, func(tx pgx.Tx) error {
		var err error
		vs, err = queryVerdicts(ctx, tx, "credit_code = $1", false, code)
		return err
	})
	return vs, err
}

// PolicyVerdictCount returns how many enterprises are recorded eligible for
// a policy.
func (db *DB) PolicyVerdictCount(ctx context.Context, policyID string) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM verdicts WHERE policy_id = $1`, policyID).Scan(&n)
	return n, err
}

// queryVerdicts reads the pairs in scope, a condition on $1, locked until
// the transaction ends when lock is set.
func queryVerdicts(ctx context.Context, tx pgx.Tx, scope string, forUpdate bool, arg any) ([]huiqi.Verdict, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE"
	}
	rows, err := tx.Query(ctx, `SELECT policy_id, credit_code, policy_version, profile_version, amount, as_of
		FROM verdicts WHERE `+scope+` ORDER BY policy_id COLLATE "C", credit_code COLLATE "C"`+lock, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []huiqi.Verdict
	for rows.Next() {
		var (
			v      huiqi.Verdict
			amount *int64
			asOf   string
		)
		if err := rows.Scan(&v.PolicyID, &v.CreditCode, &v.PolicyVersion, &v.ProfileVersion, &amount, &asOf); err != nil {
			return nil, err
		}
		v.Amount = storedMoney(amount)
		if v.AsOf, err = huiqi.ParseDate(asOf); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func equalAmount(a, b *huiqi.Money) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
