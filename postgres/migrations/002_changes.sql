-- 002_changes: the change log replicas follow. Every transaction that
-- changes what a replica's matcher or indexes hold (a profile, a policy's
-- published version, a payout, the calendar) appends a row here, under a
-- lock held to its commit, so that ids become visible in order: a replica
-- that has applied every change up to an id has missed none below it.
-- origin names the replica that wrote it, which need not apply it again.
CREATE TABLE changes (
	id     BIGSERIAL PRIMARY KEY,
	origin TEXT NOT NULL,
	kind   TEXT NOT NULL CHECK (kind IN ('enterprise', 'policy', 'payout', 'calendar')),
	key    TEXT NOT NULL
);

-- Replicas LISTEN to wake early; the notice only wakes, polling alone is
-- correct (PostgreSQL-family databases without LISTEN poll).
CREATE FUNCTION huiqi_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('huiqi_changes', '');
	RETURN NULL;
END $$;
CREATE TRIGGER changes_notify AFTER INSERT ON changes
	FOR EACH STATEMENT EXECUTE FUNCTION huiqi_notify_changes();

-- New notifications wake the replica that delivers webhooks, whichever
-- replica wrote them.
CREATE TRIGGER notifications_notify AFTER INSERT ON notifications
	FOR EACH STATEMENT EXECUTE FUNCTION huiqi_notify_changes();
