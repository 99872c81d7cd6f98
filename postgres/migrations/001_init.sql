-- 001_init: the schema of the SQLite store, in PostgreSQL's types, with the
-- same guarantees. Times are TEXT in UTC, RFC 3339 with nine fixed
-- decimals, exactly as SQLite keeps them: they sort as text, an event's
-- hash covers its time to the nanosecond, and a copy from SQLite is
-- byte-for-byte. Documents are the JSON text of the domain structs, so that
-- "unchanged" is a text comparison.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE enterprises (
	id          BIGSERIAL PRIMARY KEY,
	credit_code TEXT NOT NULL,
	version     INTEGER NOT NULL CHECK (version >= 1),
	region      TEXT NOT NULL,
	industry    TEXT NOT NULL,
	scale       TEXT NOT NULL DEFAULT '',
	document    TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
-- C collation: credit codes, regions and industry codes compare byte-wise,
-- as in SQLite, so that pages and prefix ranges agree between the stores.
CREATE UNIQUE INDEX enterprises_credit_code ON enterprises (credit_code COLLATE "C");
CREATE INDEX enterprises_region ON enterprises (region COLLATE "C");
CREATE INDEX enterprises_industry ON enterprises (industry COLLATE "C");
CREATE INDEX enterprises_scale ON enterprises (scale);

CREATE TABLE enterprise_versions (
	enterprise_id BIGINT NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
	version       INTEGER NOT NULL CHECK (version >= 1),
	document      TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	PRIMARY KEY (enterprise_id, version)
);

CREATE TABLE enterprise_tags (
	enterprise_id BIGINT NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
	tag           TEXT NOT NULL,
	PRIMARY KEY (enterprise_id, tag)
);
CREATE INDEX enterprise_tags_tag ON enterprise_tags (tag, enterprise_id);

CREATE TABLE policy_versions (
	id         TEXT NOT NULL,
	version    INTEGER NOT NULL CHECK (version >= 1),
	status     TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
	department TEXT NOT NULL,
	title      TEXT NOT NULL,
	mode       TEXT NOT NULL DEFAULT '',
	kind       TEXT NOT NULL DEFAULT '',
	region     TEXT NOT NULL DEFAULT '',
	document   TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (id, version)
);
CREATE INDEX policy_versions_status ON policy_versions (status, id);

CREATE TABLE tokens (
	id           BIGSERIAL PRIMARY KEY,
	hash         TEXT NOT NULL UNIQUE,
	role         TEXT NOT NULL,
	department   TEXT NOT NULL DEFAULT '',
	credit_code  TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL DEFAULT '',
	last_used_at TEXT NOT NULL DEFAULT '',
	revoked_at   TEXT NOT NULL DEFAULT '',
	from_env     BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE verdicts (
	policy_id       TEXT NOT NULL,
	credit_code     TEXT NOT NULL,
	policy_version  INTEGER NOT NULL,
	profile_version INTEGER NOT NULL,
	amount          BIGINT, -- fen
	as_of           TEXT NOT NULL,
	computed_at     TEXT NOT NULL,
	PRIMARY KEY (policy_id, credit_code)
);
CREATE INDEX verdicts_enterprise ON verdicts (credit_code, policy_id);

-- Ids are handed out by the counter meta.application_id in the inserting
-- transaction, not by a sequence: a sequence is not transactional and a
-- refused duplicate would leave a gap. Nothing is deleted, so every id up
-- to the counter exists (verification checks).
CREATE TABLE applications (
	id                BIGINT PRIMARY KEY,
	policy_id         TEXT NOT NULL,
	policy_version    INTEGER NOT NULL CHECK (policy_version >= 1),
	policy_title      TEXT NOT NULL,
	department        TEXT NOT NULL,
	credit_code       TEXT NOT NULL,
	deadline_days     INTEGER NOT NULL,
	target_days       INTEGER NOT NULL,
	working_days      BOOLEAN NOT NULL DEFAULT false,
	state             TEXT NOT NULL,
	amount_approved   BIGINT,
	amount_disbursed  BIGINT,
	events            INTEGER NOT NULL,
	head_hash         TEXT NOT NULL,
	opened_at         TEXT NOT NULL,
	updated_at        TEXT NOT NULL,
	approval_estimate BIGINT
);
-- At most one open application per enterprise and policy, whichever
-- replica races to insert it.
CREATE UNIQUE INDEX applications_open ON applications (credit_code, policy_id)
	WHERE state NOT IN ('disbursed', 'rejected', 'withdrawn');
CREATE INDEX applications_enterprise ON applications (credit_code, id);
CREATE INDEX applications_policy ON applications (policy_id, state);
CREATE INDEX applications_department ON applications (department, id);

CREATE TABLE application_events (
	application_id BIGINT NOT NULL REFERENCES applications (id),
	seq            INTEGER NOT NULL CHECK (seq >= 1),
	type           TEXT NOT NULL,
	at             TEXT NOT NULL,
	actor          TEXT NOT NULL,
	reason         TEXT NOT NULL DEFAULT '',
	note           TEXT NOT NULL DEFAULT '',
	amount         BIGINT,
	prev_hash      TEXT NOT NULL,
	hash           TEXT NOT NULL,
	PRIMARY KEY (application_id, seq)
);

-- The database refuses to change history. Whoever owns the schema can drop
-- these triggers; the hash chain is what still tells on them then.
CREATE FUNCTION huiqi_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER application_events_no_update BEFORE UPDATE ON application_events
	FOR EACH ROW EXECUTE FUNCTION huiqi_refuse('application_events is append-only: events are never updated');
CREATE TRIGGER application_events_no_delete BEFORE DELETE ON application_events
	FOR EACH ROW EXECUTE FUNCTION huiqi_refuse('application_events is append-only: events are never deleted');
CREATE TRIGGER applications_no_delete BEFORE DELETE ON applications
	FOR EACH ROW EXECUTE FUNCTION huiqi_refuse('applications are never deleted');
CREATE TRIGGER applications_fixed_identity
	BEFORE UPDATE OF id, policy_id, policy_version, policy_title, department, credit_code,
		deadline_days, target_days, working_days, opened_at ON applications
	FOR EACH ROW EXECUTE FUNCTION huiqi_refuse('an application''s identity never changes');

-- The global order of events, for signed checkpoints. Appends of events are
-- serialised by a lock (see AppendEvent), so pos follows commit order.
CREATE TABLE event_log (
	pos            BIGSERIAL PRIMARY KEY,
	application_id BIGINT NOT NULL,
	seq            INTEGER NOT NULL,
	hash           TEXT NOT NULL
);
CREATE FUNCTION huiqi_log_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO event_log (application_id, seq, hash) VALUES (NEW.application_id, NEW.seq, NEW.hash);
	RETURN NULL;
END $$;
CREATE TRIGGER application_events_logged AFTER INSERT ON application_events
	FOR EACH ROW EXECUTE FUNCTION huiqi_log_event();
CREATE TRIGGER event_log_no_update BEFORE UPDATE ON event_log
	FOR EACH ROW EXECUTE FUNCTION huiqi_refuse('event_log is append-only');
CREATE TRIGGER event_log_no_delete BEFORE DELETE ON event_log
	FOR EACH ROW EXECUTE FUNCTION huiqi_refuse('event_log is append-only');

CREATE TABLE checkpoints (
	id         BIGSERIAL PRIMARY KEY,
	created_at TEXT NOT NULL,
	events     BIGINT NOT NULL,
	head       TEXT NOT NULL,
	public_key TEXT NOT NULL,
	signature  TEXT NOT NULL
);

CREATE TABLE notifications (
	id             BIGSERIAL PRIMARY KEY,
	credit_code    TEXT NOT NULL,
	kind           TEXT NOT NULL CHECK (kind IN ('new_match', 'withdrawn', 'pause_notice')),
	policy_id      TEXT NOT NULL,
	version        INTEGER NOT NULL,
	title          TEXT NOT NULL,
	amount         BIGINT,
	note           TEXT NOT NULL DEFAULT '',
	application_id BIGINT,
	created_at     TEXT NOT NULL,
	offer_pending  BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX notifications_enterprise ON notifications (credit_code, id);
CREATE INDEX notifications_offer_pending ON notifications (id) WHERE offer_pending;

CREATE TABLE webhooks (
	id              BIGSERIAL PRIMARY KEY,
	url             TEXT NOT NULL,
	secret          TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	delivered_upto  BIGINT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL DEFAULT '',
	first_failed_at TEXT NOT NULL DEFAULT '',
	last_error      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE webhook_dead (
	webhook_id      BIGINT NOT NULL REFERENCES webhooks (id),
	notification_id BIGINT NOT NULL,
	attempts        INTEGER NOT NULL,
	last_error      TEXT NOT NULL,
	dead_at         TEXT NOT NULL,
	PRIMARY KEY (webhook_id, notification_id)
);

CREATE TABLE calendar_years (
	year       INTEGER PRIMARY KEY,
	document   TEXT NOT NULL,
	source     TEXT NOT NULL,
	actor      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE TABLE calendar_changes (
	id       BIGSERIAL PRIMARY KEY,
	year     INTEGER NOT NULL,
	document TEXT NOT NULL,
	source   TEXT NOT NULL,
	actor    TEXT NOT NULL,
	at       TEXT NOT NULL
);
