-- ratchat profile schema, version 1.
--
-- Every BLOB column other than the key ring and the blind indexes holds an
-- XChaCha20-Poly1305 ciphertext: version (1) || nonce (24) || data || tag (16),
-- sealed with the table, column and row id as associated data. The only
-- plaintext columns are row ids, foreign keys, ordering and blind indexes.
-- Fixed-size fields are checked: a sealed 32-byte key is 73 bytes.

-- The key ring: Argon2id parameters and salt, and the wrapped data key.
CREATE TABLE keyring (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	kdf_time    INTEGER NOT NULL,
	kdf_memory  INTEGER NOT NULL,
	kdf_threads INTEGER NOT NULL,
	salt        BLOB NOT NULL CHECK (length(salt) = 32),
	wrapped     BLOB NOT NULL CHECK (length(wrapped) = 72)
);

-- The profile's own identity (public || private, sealed: 64 + 41 bytes),
-- display name and home address. One row.
CREATE TABLE profile (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	identity BLOB CHECK (identity IS NULL OR length(identity) = 105),
	name     BLOB,
	address  BLOB
);
INSERT INTO profile (id) VALUES (1);

-- Settings, looked up by the blind index of their name.
CREATE TABLE settings (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name_index BLOB NOT NULL UNIQUE CHECK (length(name_index) = 32),
	name       BLOB NOT NULL,
	value      BLOB NOT NULL
);

-- Contacts, looked up by the blind index of their identity key.
CREATE TABLE contacts (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	identity_index BLOB NOT NULL UNIQUE CHECK (length(identity_index) = 32),
	identity       BLOB NOT NULL CHECK (length(identity) = 73),
	name           BLOB NOT NULL,
	address        BLOB NOT NULL,
	trust          BLOB NOT NULL -- flags: verified, held (a changed key not yet accepted)
);

-- Every identity-key change of a contact: old key, new key, time.
CREATE TABLE identity_history (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	contact INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	change  BLOB NOT NULL
);
CREATE INDEX identity_history_contact ON identity_history (contact, id);

-- Ratchet state per contact; a NULL state marks a session to be reset
-- (after a restore: ratchet state is never restored).
CREATE TABLE sessions (
	contact INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
	state   BLOB
);

-- Our prekeys: kind 1 signed, 2 one-time, 3 KEM. Used one-time keys are deleted.
CREATE TABLE prekeys (
	kind   INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
	id     INTEGER NOT NULL CHECK (id BETWEEN 0 AND 4294967295),
	record BLOB NOT NULL,
	PRIMARY KEY (kind, id)
) WITHOUT ROWID;

-- Messages. id is the local sequence and the sort order within a
-- conversation; msgid_index is the blind index of (conversation, message id),
-- unique so that a redelivered message is stored once. record holds message
-- id, direction, times and body; status is apart because it changes.
CREATE TABLE messages (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	conversation INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	msgid_index  BLOB NOT NULL CHECK (length(msgid_index) = 32),
	record       BLOB NOT NULL,
	status       BLOB NOT NULL
);
CREATE UNIQUE INDEX messages_msgid ON messages (conversation, msgid_index);
CREATE INDEX messages_page ON messages (conversation, id);

-- Messages waiting to be delivered, with their retry bookkeeping.
CREATE TABLE outbox (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	contact  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	message  INTEGER REFERENCES messages (id) ON DELETE CASCADE,
	payload  BLOB NOT NULL,
	schedule BLOB NOT NULL
);
CREATE INDEX outbox_message ON outbox (message);

-- Attachments of messages: metadata and content, each sealed.
CREATE TABLE attachments (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	message INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
	meta    BLOB NOT NULL,
	data    BLOB NOT NULL
);
CREATE INDEX attachments_message ON attachments (message);

-- Disappearing-message timers: the expiry time is sealed, so the table
-- says which messages disappear but not when.
CREATE TABLE timers (
	message INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
	expires BLOB NOT NULL
);
