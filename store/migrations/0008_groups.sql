-- ratchat profile schema, version 8.
--
-- Groups. A group conversation is a row of contacts (so that history,
-- read markers, mutes, timers, search and exports work unchanged): its
-- sealed identity column holds the 32-byte group id, its identity_index
-- is a blind index in a domain of its own ("group"), so that no group id
-- can ever match a person's key, and bit 6 of the sealed trust byte marks
-- it. An older build would read bit 6 as corruption; the version step
-- keeps it from opening the profile (ErrSchemaTooNew).
--
-- groups has one row per group conversation: the latest state, sealed
-- (uvarint version ‖ the signed state, which names every member: who is
-- in a group says something about people). NULL until the first state
-- is stored. group_history keeps the last 1,000 versions of the state,
-- sealed the same way under their own row id, in the order they were
-- applied (which is version order), so that a member who missed versions
-- can be sent them.
CREATE TABLE groups (
	conversation INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
	latest       BLOB
);

CREATE TABLE group_history (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	conversation INTEGER NOT NULL REFERENCES groups (conversation) ON DELETE CASCADE,
	state        BLOB NOT NULL
);
CREATE INDEX group_history_conversation ON group_history (conversation, id);

-- Sender key records (session/'s serialization), one per (group, member);
-- our own is the row whose member is the group itself. Sealed under
-- their row id. Like sessions they are ratchet state: never exported.
CREATE TABLE sender_keys (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	conversation INTEGER NOT NULL REFERENCES groups (conversation) ON DELETE CASCADE,
	member       INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	record       BLOB NOT NULL,
	UNIQUE (conversation, member)
);
CREATE INDEX sender_keys_member ON sender_keys (member);

-- Group messages that arrived before their sender's key (or before the
-- version that makes their sender a member), waiting for it across
-- restarts, in arrival order (the row id). payload is sealed under the
-- row id: uvarint received (Unix ns) ‖ a stranger byte ‖ the opened
-- SenderKeyMessage. A row goes with its group and with its member.
CREATE TABLE group_pending (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	conversation INTEGER NOT NULL REFERENCES groups (conversation) ON DELETE CASCADE,
	member       INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	payload      BLOB NOT NULL
);
CREATE INDEX group_pending_member ON group_pending (member, conversation, id);
CREATE INDEX group_pending_conversation ON group_pending (conversation);

-- Where a message to a group is for each member: the status, when it was
-- set and when it reached each status, sealed (as messages.status) under
-- the row id. The message row's own status is the summary: the least
-- advanced member's. A row goes with its message and with its member.
CREATE TABLE member_receipts (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	message INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
	member  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	status  BLOB NOT NULL,
	UNIQUE (message, member)
);
CREATE INDEX member_receipts_member ON member_receipts (member);

-- How many members of a message to a group are at each status (queued,
-- sent, delivered, read, failed: five uvarints), sealed under the message
-- id, so that a member's status change updates the summary in constant
-- time instead of opening every member's status. NULL (or no row): to be
-- counted again from member_receipts at the next change. A member's
-- status that goes with its member (a deleted contact, a merged request)
-- leaves the counts wrong, so the trigger marks them NULL; they go with
-- their message.
CREATE TABLE member_tallies (
	message INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
	counts  BLOB
);
CREATE TRIGGER member_receipts_gone AFTER DELETE ON member_receipts
	BEGIN UPDATE member_tallies SET counts = NULL WHERE message = OLD.message; END;

-- A group has no pairwise session and no deposit token: whatever code
-- path tried to give it one is a bug, refused here rather than trusted.
CREATE TRIGGER sessions_not_group BEFORE INSERT ON sessions
	WHEN EXISTS (SELECT 1 FROM groups WHERE conversation = NEW.contact)
	BEGIN SELECT RAISE(ABORT, 'store: not for a group'); END;
CREATE TRIGGER sessions_not_group_update BEFORE UPDATE OF contact ON sessions
	WHEN EXISTS (SELECT 1 FROM groups WHERE conversation = NEW.contact)
	BEGIN SELECT RAISE(ABORT, 'store: not for a group'); END;
CREATE TRIGGER contact_tokens_not_group BEFORE INSERT ON contact_tokens
	WHEN EXISTS (SELECT 1 FROM groups WHERE conversation = NEW.contact)
	BEGIN SELECT RAISE(ABORT, 'store: not for a group'); END;
CREATE TRIGGER contact_tokens_not_group_update BEFORE UPDATE OF contact ON contact_tokens
	WHEN EXISTS (SELECT 1 FROM groups WHERE conversation = NEW.contact)
	BEGIN SELECT RAISE(ABORT, 'store: not for a group'); END;
CREATE TRIGGER issued_tokens_not_group BEFORE INSERT ON issued_tokens
	WHEN EXISTS (SELECT 1 FROM groups WHERE conversation = NEW.contact)
	BEGIN SELECT RAISE(ABORT, 'store: not for a group'); END;
CREATE TRIGGER issued_tokens_not_group_update BEFORE UPDATE OF contact ON issued_tokens
	WHEN EXISTS (SELECT 1 FROM groups WHERE conversation = NEW.contact)
	BEGIN SELECT RAISE(ABORT, 'store: not for a group'); END;
