-- ratchat profile schema, version 5.
--
-- Deposit tokens (docs/TRANSPORT.md). issued_tokens are the tokens this
-- profile handed out and registered at its home: its request token (the
-- invite's; contact 0) and one per contact (the contact's id), revoked
-- ones kept so that the revocation reaches the home even if it was away.
-- contact_tokens are the tokens contacts gave us to deposit at their
-- homes: the request token of their invite until they send one of their
-- own. Both sealed (kind ‖ 16-byte token) under their row id.
CREATE TABLE issued_tokens (
	id      INTEGER PRIMARY KEY,
	contact INTEGER NOT NULL,
	revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
	token   BLOB NOT NULL CHECK (length(token) = 58)
);
CREATE INDEX issued_tokens_contact ON issued_tokens (contact);

CREATE TABLE contact_tokens (
	contact INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
	token   BLOB NOT NULL CHECK (length(token) = 58)
);
