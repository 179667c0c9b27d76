-- ratchat profile schema, version 9.
--
-- The durable event log (issue 13). Triggers write an event row in the
-- same transaction as the change it reports, so that a crash can lose
-- neither: a consumer that reads the log from its cursor misses nothing.
-- seq is AUTOINCREMENT, so a sequence number is never used twice, even
-- after the newest events were pruned.
--
-- An event holds ids and a time only, and a sealed copy of what the
-- reader needs as it was then: for the events of a message, the
-- message's status (sealed under the message's own row id, table
-- "messages", column "status": it opens only as that message's status);
-- for a contact inserted or changed, its trust byte (state, verified,
-- held; sealed as contacts.trust of that row), so that a request reads
-- as a request after it was accepted. Nothing in the log is plaintext about
-- a person or a message beyond what the messages and contacts tables
-- show in the clear already (row ids, which conversation). at is Unix
-- milliseconds (for retention). type (see store.EventType):
--   1 message inserted, 2 status changed, 3 record changed (edit,
--   delete for everyone, reaction, file progress), 4 contact inserted,
--   5 contact changed (trust, state, name, address, identity),
--   6 contact deleted, 7 identity key changed, 8 group state changed,
--   9 message deleted (here, expired, or with its conversation).
-- When a message or contact row goes, its events keep their ids and
-- time but lose their sealed copies (set NULL; secure_delete zeroes the
-- freed bytes), so no copy of a deleted row outlives it.
--
-- event_log has one row: paused = 1 while a backup is restored, so that
-- the restored history does not become a million new events (the log
-- is not part of backups: a restored profile starts an empty log).
--
-- event_consumers are the consumers' cursors, by the blind index of
-- their name; the name is sealed (its row id for the associated data is
-- the index's first 8 bytes); acked is the last sequence number the
-- consumer acknowledged, which never moves back.
CREATE TABLE events (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	type         INTEGER NOT NULL CHECK (type BETWEEN 1 AND 9),
	conversation INTEGER NOT NULL,
	message      INTEGER NOT NULL DEFAULT 0,
	status       BLOB,
	at           INTEGER NOT NULL
);
CREATE INDEX events_message ON events (message) WHERE message <> 0;
CREATE INDEX events_contact ON events (conversation) WHERE message = 0;

CREATE TABLE event_log (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1))
);
INSERT INTO event_log (id, paused) VALUES (1, 0);

CREATE TABLE event_consumers (
	name_index BLOB PRIMARY KEY CHECK (length(name_index) = 32),
	name       BLOB NOT NULL,
	acked      INTEGER NOT NULL DEFAULT 0 CHECK (acked >= 0)
);

CREATE TRIGGER events_message_insert AFTER INSERT ON messages
	WHEN (SELECT paused FROM event_log) = 0
	BEGIN INSERT INTO events (type, conversation, message, status, at)
		VALUES (1, NEW.conversation, NEW.id, NEW.status, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)); END;
CREATE TRIGGER events_message_status AFTER UPDATE OF status ON messages
	WHEN (SELECT paused FROM event_log) = 0 AND NEW.status IS NOT OLD.status
	BEGIN INSERT INTO events (type, conversation, message, status, at)
		VALUES (2, NEW.conversation, NEW.id, NEW.status, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)); END;
CREATE TRIGGER events_message_record AFTER UPDATE OF record ON messages
	WHEN (SELECT paused FROM event_log) = 0 AND NEW.record IS NOT OLD.record
	BEGIN INSERT INTO events (type, conversation, message, status, at)
		VALUES (3, NEW.conversation, NEW.id, NEW.status, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)); END;
CREATE TRIGGER events_message_moved AFTER UPDATE OF conversation ON messages
	WHEN NEW.conversation IS NOT OLD.conversation
	BEGIN UPDATE events SET conversation = NEW.conversation WHERE message = NEW.id AND message <> 0; END;
CREATE TRIGGER events_message_delete AFTER DELETE ON messages
	BEGIN
		UPDATE events SET status = NULL WHERE message = OLD.id AND message <> 0 AND status IS NOT NULL;
		INSERT INTO events (type, conversation, message, status, at)
			SELECT 9, OLD.conversation, OLD.id, NULL, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
			WHERE (SELECT paused FROM event_log) = 0;
	END;
CREATE TRIGGER events_contact_insert AFTER INSERT ON contacts
	WHEN (SELECT paused FROM event_log) = 0
	BEGIN INSERT INTO events (type, conversation, status, at)
		VALUES (4, NEW.id, NEW.trust, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)); END;
CREATE TRIGGER events_contact_update AFTER UPDATE OF trust, identity, name, address ON contacts
	WHEN (SELECT paused FROM event_log) = 0 AND (NEW.trust IS NOT OLD.trust OR NEW.identity IS NOT OLD.identity
		OR NEW.name IS NOT OLD.name OR NEW.address IS NOT OLD.address)
	BEGIN INSERT INTO events (type, conversation, status, at)
		VALUES (5, NEW.id, NEW.trust, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)); END;
CREATE TRIGGER events_contact_delete AFTER DELETE ON contacts
	BEGIN
		UPDATE events SET status = NULL WHERE conversation = OLD.id AND message = 0 AND status IS NOT NULL;
		INSERT INTO events (type, conversation, at)
			SELECT 6, OLD.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
			WHERE (SELECT paused FROM event_log) = 0;
	END;
CREATE TRIGGER events_identity_change AFTER INSERT ON identity_history
	WHEN (SELECT paused FROM event_log) = 0
	BEGIN INSERT INTO events (type, conversation, at)
		VALUES (7, NEW.contact, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)); END;
CREATE TRIGGER events_group_state AFTER UPDATE OF latest ON groups
	WHEN (SELECT paused FROM event_log) = 0 AND NEW.latest IS NOT NULL AND NEW.latest IS NOT OLD.latest
	BEGIN INSERT INTO events (type, conversation, at)
		VALUES (8, NEW.conversation, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)); END;
