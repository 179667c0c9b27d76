-- ratchat profile schema, version 10.
--
-- API tokens, roles and agents' assignments (issue 13, business mode).
--
-- access_tokens: one row per token ever made. The token itself is never
-- stored: hash is SHA-256 of its text, looked up on every HTTP request.
-- Why a plain hash and not a keyed one: a token is 32 random bytes, so its
-- hash cannot be searched backwards, and the lookup must not depend on the
-- store's keys being unlocked in another way. The agent's name and skills
-- say who works on what, so they are sealed under the row's id. A revoked
-- token keeps its row (the audit log names it) with revoked set to the time
-- (Unix ms), and never authenticates again.
CREATE TABLE access_tokens (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	hash          BLOB    NOT NULL UNIQUE CHECK (length(hash) = 32),
	role          INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),
	max_chats     INTEGER NOT NULL DEFAULT 0 CHECK (max_chats >= 0),
	created       INTEGER NOT NULL,
	revoked       INTEGER NOT NULL DEFAULT 0,
	last_assigned INTEGER NOT NULL DEFAULT 0,
	name          BLOB    NOT NULL,
	skills        BLOB    NOT NULL
);

-- assignments: the open conversations of business mode, one row per 1:1
-- conversation. agent NULL means it waits in the queue (ordered by queued,
-- Unix ms); closing a conversation deletes its row, so that the contact's
-- next message opens a new one. The skill (what the conversation is about)
-- is sealed under the conversation's id. Neither table is part of backups.
CREATE TABLE assignments (
	conversation INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
	agent        INTEGER REFERENCES access_tokens (id),
	skill        BLOB    NOT NULL,
	queued       INTEGER NOT NULL,
	assigned     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX assignments_agent ON assignments (agent, queued);
