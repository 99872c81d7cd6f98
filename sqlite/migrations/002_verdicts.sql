-- 002_verdicts: the decision record. One row per eligible (policy,
-- enterprise) pair, naming the policy version and profile version it was
-- computed from, so that any past answer can be replayed and explained, and
-- so that a rematch can tell what changed.
CREATE TABLE verdicts (
	policy_id       TEXT NOT NULL,
	credit_code     TEXT NOT NULL,
	policy_version  INTEGER NOT NULL,
	profile_version INTEGER NOT NULL,
	amount          INTEGER, -- fen; NULL when the benefit has no money figure
	as_of           TEXT NOT NULL,
	computed_at     TEXT NOT NULL,
	PRIMARY KEY (policy_id, credit_code)
) WITHOUT ROWID;
CREATE INDEX verdicts_enterprise ON verdicts (credit_code, policy_id);
