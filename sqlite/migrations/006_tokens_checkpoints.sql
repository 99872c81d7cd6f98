-- 006_tokens_checkpoints: tokens that expire, are revoked and show when they
-- were last used; and signed checkpoints of the event chains.

-- expires_at, last_used_at and revoked_at are RFC 3339 times, '' for none.
-- from_env marks the token HUIQI_ADMIN_TOKEN made, so that a changed
-- variable revokes the token of the previous value.
ALTER TABLE tokens ADD COLUMN expires_at   TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN last_used_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN revoked_at   TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN from_env     INTEGER NOT NULL DEFAULT 0;

-- event_log puts every application event, as it is appended, in one global
-- order: pos. Each application's chain is ordered by its own seq only, so
-- without it a checkpoint of "the first N events" would have no meaning. A
-- checkpoint signs the count and a running hash over the log's first N
-- entries and the events' hashes; a cut tail (events deleted, the
-- application row fixed up) or a chain recomputed after a change no longer
-- hashes to what was signed.
CREATE TABLE event_log (
	pos            INTEGER PRIMARY KEY AUTOINCREMENT,
	application_id INTEGER NOT NULL,
	seq            INTEGER NOT NULL,
	hash           TEXT NOT NULL
);
INSERT INTO event_log (application_id, seq, hash)
	SELECT application_id, seq, hash FROM application_events ORDER BY application_id, seq;
CREATE TRIGGER application_events_logged AFTER INSERT ON application_events
BEGIN
	INSERT INTO event_log (application_id, seq, hash) VALUES (NEW.application_id, NEW.seq, NEW.hash);
END;
CREATE TRIGGER event_log_no_update BEFORE UPDATE ON event_log
BEGIN
	SELECT RAISE(ABORT, 'event_log is append-only');
END;
CREATE TRIGGER event_log_no_delete BEFORE DELETE ON event_log
BEGIN
	SELECT RAISE(ABORT, 'event_log is append-only');
END;

-- Signed checkpoints: the log's count and running hash at a moment, signed
-- with an Ed25519 key kept outside the database. The signature is what
-- counts; auditors keep copies outside huiqi.
CREATE TABLE checkpoints (
	id         INTEGER PRIMARY KEY,
	created_at TEXT NOT NULL,
	events     INTEGER NOT NULL,
	head       TEXT NOT NULL,
	public_key TEXT NOT NULL, -- base64
	signature  TEXT NOT NULL  -- base64
);
