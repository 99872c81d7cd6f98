-- 001_init: enterprise profiles with their version history, policy versions,
-- API tokens and a key/value meta table.
--
-- Times are TEXT in UTC, RFC 3339 with nine fixed decimals, so that they sort
-- as text and read well in the sqlite3 shell. Documents are the JSON of the
-- domain structs without the fields the store sets (version, status,
-- updated_at), so that "unchanged" is a byte comparison.

-- The current profile of each enterprise. region, industry and scale (the
-- effective scale: given or derived) are copies of document fields kept as
-- columns so that list filters use an index instead of parsing JSON.
--
-- id is assigned in insertion order and is what the version and tag rows
-- refer to: a bulk import then appends to every index but the one on
-- credit_code. Keyed by credit code, whose order is random with respect to
-- insertion, each of them would take a random page write per profile, which
-- makes an import of a few hundred thousand profiles I/O bound.
CREATE TABLE enterprises (
	id          INTEGER PRIMARY KEY,
	credit_code TEXT NOT NULL,
	version     INTEGER NOT NULL CHECK (version >= 1),
	region      TEXT NOT NULL,
	industry    TEXT NOT NULL,
	scale       TEXT NOT NULL DEFAULT '',
	document    TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
-- Named, unlike a UNIQUE column's index, so that a list query can ask for it.
CREATE UNIQUE INDEX enterprises_credit_code ON enterprises (credit_code);
CREATE INDEX enterprises_region ON enterprises (region);
CREATE INDEX enterprises_industry ON enterprises (industry);
CREATE INDEX enterprises_scale ON enterprises (scale);

-- Every version of every profile, the current one included, so that a stored
-- verdict that names a profile version can be replayed.
CREATE TABLE enterprise_versions (
	enterprise_id INTEGER NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
	version       INTEGER NOT NULL CHECK (version >= 1),
	document      TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	PRIMARY KEY (enterprise_id, version)
);

-- The tags of the current profile, one row each, so that the tag filter is an
-- index lookup (json_each over every document would scan the table).
CREATE TABLE enterprise_tags (
	enterprise_id INTEGER NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
	tag           TEXT NOT NULL,
	PRIMARY KEY (enterprise_id, tag)
) WITHOUT ROWID;
CREATE INDEX enterprise_tags_tag ON enterprise_tags (tag, enterprise_id);

-- Every version of every policy. Only the highest version of an id is
-- current; older rows keep the status they had when they were replaced.
-- department, title, mode, kind (benefit kind) and region (scope prefix) are
-- copies of document fields for list filters.
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

-- API tokens. Only the hex SHA-256 of the secret is kept: a stolen database
-- file does not yield usable tokens.
CREATE TABLE tokens (
	id          INTEGER PRIMARY KEY,
	hash        TEXT NOT NULL UNIQUE,
	role        TEXT NOT NULL,
	department  TEXT NOT NULL DEFAULT '',
	credit_code TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL
);

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
