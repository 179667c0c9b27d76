-- Schema version 1 of a ratchat home's mailbox database.
CREATE TABLE meta (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;

-- One row per owner.
CREATE TABLE mailboxes (
	owner         BLOB PRIMARY KEY CHECK (length(owner) = 32),
	created_ms    INTEGER NOT NULL,
	signed_prekey BLOB,
	last_resort   BLOB
) WITHOUT ROWID;

-- AUTOINCREMENT: an id is never reused, so a late Ack can never delete a
-- newer envelope.
CREATE TABLE envelopes (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	owner       BLOB NOT NULL REFERENCES mailboxes (owner),
	received_ms INTEGER NOT NULL,
	size        INTEGER NOT NULL CHECK (size = length(body)),
	body        BLOB NOT NULL
);
CREATE INDEX envelopes_owner ON envelopes (owner, id);
CREATE INDEX envelopes_received ON envelopes (received_ms);

CREATE TABLE one_time_prekeys (
	owner  BLOB NOT NULL REFERENCES mailboxes (owner),
	id     INTEGER NOT NULL CHECK (id BETWEEN 0 AND 4294967295),
	record BLOB NOT NULL,
	PRIMARY KEY (owner, id)
) WITHOUT ROWID;

CREATE TABLE kem_prekeys (
	owner  BLOB NOT NULL REFERENCES mailboxes (owner),
	id     INTEGER NOT NULL CHECK (id BETWEEN 0 AND 4294967295),
	record BLOB NOT NULL,
	PRIMARY KEY (owner, id)
) WITHOUT ROWID;
