-- 003_applications: applications (申报 and 免申即享 offers) and their events,
-- the record the redemption clock (申兑时限) is computed from and that
-- officials are audited on.
--
-- An application ties one enterprise to one policy version. The policy's
-- title, department and clock settings are copied from that version when the
-- application opens: a published version never changes, and the copies let
-- the audit lists filter by department and compute clocks without reading a
-- policy document per row.
--
-- AUTOINCREMENT keeps ids from ever being reused and records the highest id
-- handed out in sqlite_sequence, so that verification can tell an
-- application removed as a whole (row and events) from one never created:
-- ids run 1, 2, … without gaps because nothing is ever deleted.
CREATE TABLE applications (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	policy_id        TEXT NOT NULL,
	policy_version   INTEGER NOT NULL CHECK (policy_version >= 1),
	policy_title     TEXT NOT NULL,
	department       TEXT NOT NULL,
	credit_code      TEXT NOT NULL,
	deadline_days    INTEGER NOT NULL,
	target_days      INTEGER NOT NULL,
	working_days     INTEGER NOT NULL DEFAULT 0, -- 1: clock counts working days
	-- The rest is derived from the events and kept here for filters and the
	-- budget check; verification recomputes every one of them.
	state            TEXT NOT NULL,
	amount_approved  INTEGER, -- fen, of the last approve event
	amount_disbursed INTEGER, -- fen, of the disburse event
	events           INTEGER NOT NULL, -- number of events: a removed last event shows
	head_hash        TEXT NOT NULL,    -- hash of the last event
	opened_at        TEXT NOT NULL,    -- time of the first event
	updated_at       TEXT NOT NULL     -- time of the last event
);
-- At most one open application per enterprise and policy: a second
-- one is a constraint violation, whatever races to insert it.
CREATE UNIQUE INDEX applications_open ON applications (credit_code, policy_id)
	WHERE state NOT IN ('disbursed', 'rejected', 'withdrawn');
CREATE INDEX applications_enterprise ON applications (credit_code, id);
CREATE INDEX applications_policy ON applications (policy_id, state);
CREATE INDEX applications_department ON applications (department, id);

-- Events, append-only and hash-chained (huiqi.Event.ComputeHash). at is
-- stored to the nanosecond, because the hash covers it.
CREATE TABLE application_events (
	application_id INTEGER NOT NULL REFERENCES applications (id),
	seq            INTEGER NOT NULL CHECK (seq >= 1),
	type           TEXT NOT NULL,
	at             TEXT NOT NULL,
	actor          TEXT NOT NULL,
	reason         TEXT NOT NULL DEFAULT '',
	note           TEXT NOT NULL DEFAULT '',
	amount         INTEGER, -- fen
	prev_hash      TEXT NOT NULL,
	hash           TEXT NOT NULL,
	PRIMARY KEY (application_id, seq)
) WITHOUT ROWID;

-- The database itself refuses to change history. Whoever holds the file can
-- drop these triggers; the hash chain is what still tells on them then.
CREATE TRIGGER application_events_no_update BEFORE UPDATE ON application_events
BEGIN
	SELECT RAISE(ABORT, 'application_events is append-only: events are never updated');
END;
CREATE TRIGGER application_events_no_delete BEFORE DELETE ON application_events
BEGIN
	SELECT RAISE(ABORT, 'application_events is append-only: events are never deleted');
END;
-- An application is never deleted and never changes whom or what it is for;
-- only its derived columns move with its events.
CREATE TRIGGER applications_no_delete BEFORE DELETE ON applications
BEGIN
	SELECT RAISE(ABORT, 'applications are never deleted');
END;
CREATE TRIGGER applications_fixed_identity
BEFORE UPDATE OF id, policy_id, policy_version, policy_title, department, credit_code,
	deadline_days, target_days, working_days, opened_at ON applications
BEGIN
	SELECT RAISE(ABORT, 'an application''s identity never changes');
END;
