-- 005_payouts_calendar: what an approval was measured against, and the
-- statutory calendar as data.
--
-- approval_estimate is the estimate the policy version gave the enterprise
-- when the application was approved. It is not derived from the events (the
-- profile may change later), so it is kept here: an approved amount above it
-- is flagged in the audit lists.
ALTER TABLE applications ADD COLUMN approval_estimate INTEGER; -- fen

-- The years of the statutory calendar an operator added or corrected
-- (huiqi calendar import, PUT /v1/calendar/{year}). A row replaces the
-- embedded year of the same number. document is the year as JSON: its public
-- holidays (off) and its 调休 working days (worked).
CREATE TABLE calendar_years (
	year       INTEGER PRIMARY KEY,
	document   TEXT NOT NULL,
	source     TEXT NOT NULL,
	actor      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
-- Every change of a year, kept for good: who set which document and when.
CREATE TABLE calendar_changes (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	year       INTEGER NOT NULL,
	document   TEXT NOT NULL,
	source     TEXT NOT NULL,
	actor      TEXT NOT NULL,
	at         TEXT NOT NULL
);
