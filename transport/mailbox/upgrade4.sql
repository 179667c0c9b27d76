-- Schema version 4: deposit tokens. An owner registers the tokens it
-- hands out (only their hashes are kept: a leaked database gives no
-- deposit rights); each envelope records the quota it counts against:
-- the token's hash for a contact token, 32 zero bytes for the owner's
-- request tokens (which share one quota), NULL for an envelope stored
-- before tokens (or by a caller that checks none).
CREATE TABLE tokens (
	owner BLOB NOT NULL REFERENCES mailboxes (owner),
	hash  BLOB NOT NULL CHECK (length(hash) = 32),
	kind  INTEGER NOT NULL CHECK (kind IN (1, 2)),
	PRIMARY KEY (owner, hash)
) WITHOUT ROWID;
ALTER TABLE envelopes ADD COLUMN quota BLOB CHECK (quota IS NULL OR length(quota) = 32);
