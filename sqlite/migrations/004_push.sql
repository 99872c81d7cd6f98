-- 004_push: the outbox of 政策找企. A notification is written in the same
-- transaction as the verdict change it reports, so that a committed change is
-- never lost and never told twice. Its id only grows: it is the inbox feed's
-- cursor and every subscriber's delivery cursor.
CREATE TABLE notifications (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	credit_code TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('new_match', 'withdrawn', 'pause_notice')),
	policy_id   TEXT NOT NULL,
	version     INTEGER NOT NULL,
	title       TEXT NOT NULL,
	amount      INTEGER, -- fen
	note        TEXT NOT NULL DEFAULT '',
	application_id INTEGER,
	created_at  TEXT NOT NULL,
	-- offer_pending marks a new_match of a 免申即享 policy whose offer has not
	-- been opened yet: the offer is made after the commit and the mark cleared,
	-- so that a crash in between is caught up at the next start.
	offer_pending INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_enterprise ON notifications (credit_code, id);
CREATE INDEX notifications_offer_pending ON notifications (id) WHERE offer_pending = 1;

-- Webhook subscribers. delivered_upto is the id of the last notification
-- delivered (or given up on); deliveries go out in id order, one at a time.
CREATE TABLE webhooks (
	id              INTEGER PRIMARY KEY,
	url             TEXT NOT NULL,
	secret          TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	delivered_upto  INTEGER NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0, -- failed attempts at the next notification
	next_attempt_at TEXT NOT NULL DEFAULT '',
	first_failed_at TEXT NOT NULL DEFAULT '',
	last_error      TEXT NOT NULL DEFAULT ''
);

-- Deliveries given up on after retrying for the retry window.
CREATE TABLE webhook_dead (
	webhook_id      INTEGER NOT NULL REFERENCES webhooks (id),
	notification_id INTEGER NOT NULL,
	attempts        INTEGER NOT NULL,
	last_error      TEXT NOT NULL,
	dead_at         TEXT NOT NULL,
	PRIMARY KEY (webhook_id, notification_id)
);
