-- ratchat profile schema, version 11.
--
-- The compliance archive's state and queue, and the audit log (issue 13).

-- The archive's state: one row. enabled is plaintext because the triggers
-- read it; the archive key (32 bytes sealed: 73), the chain's head and
-- anchor, and the policy (retention, legal hold and its reason) are sealed
-- for (archive_state, column, 1).
CREATE TABLE archive_state (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
	key     BLOB CHECK (key IS NULL OR length(key) = 73),
	head    BLOB,
	anchor  BLOB,
	policy  BLOB
);
INSERT INTO archive_state (id) VALUES (1);

-- Message rows waiting to be appended to the archive: a copy of the row's
-- record and status as they were written (still sealed for the messages
-- row: (messages, record, message)), written by the triggers below in the
-- same transaction as the row itself, so that nothing is missed by a
-- crash. op: 1 inserted, 2 record changed (edit, deletion, reaction:
-- old_record is the record before, so the change can be named), 3 row
-- deleted here (record NULL). Drained rows are deleted (secure_delete
-- overwrites them).
CREATE TABLE archive_queue (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	op           INTEGER NOT NULL CHECK (op IN (1, 2, 3)),
	message      INTEGER NOT NULL,
	conversation INTEGER NOT NULL,
	record       BLOB,
	old_record   BLOB,
	status       BLOB
);

CREATE TRIGGER archive_insert AFTER INSERT ON messages
WHEN (SELECT enabled FROM archive_state WHERE id = 1) = 1
BEGIN
	INSERT INTO archive_queue (op, message, conversation, record, status)
	VALUES (1, NEW.id, NEW.conversation, NEW.record, NEW.status);
END;

CREATE TRIGGER archive_update AFTER UPDATE OF record ON messages
WHEN (SELECT enabled FROM archive_state WHERE id = 1) = 1 AND NEW.record IS NOT OLD.record
BEGIN
	INSERT INTO archive_queue (op, message, conversation, record, old_record, status)
	VALUES (2, NEW.id, NEW.conversation, NEW.record, OLD.record, NEW.status);
END;

CREATE TRIGGER archive_delete AFTER DELETE ON messages
WHEN (SELECT enabled FROM archive_state WHERE id = 1) = 1
BEGIN
	INSERT INTO archive_queue (op, message, conversation) VALUES (3, OLD.id, OLD.conversation);
END;

-- The audit log: each entry (time, actor, action, detail) sealed for
-- (audit, entry, id); hash chains it: SHA-256(previous hash || id as 8
-- bytes big-endian || entry). A hash of a ciphertext tells nothing.
CREATE TABLE audit (
	id    INTEGER PRIMARY KEY AUTOINCREMENT,
	entry BLOB NOT NULL,
	hash  BLOB NOT NULL CHECK (length(hash) = 32)
);

-- The audit log's head (the last entry's id and hash) and anchor (the
-- last pruned entry's), sealed for (audit_state, column, 1): deleting the
-- newest entries, or the oldest beyond the anchor, is detected.
CREATE TABLE audit_state (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	head   BLOB,
	anchor BLOB
);
INSERT INTO audit_state (id) VALUES (1);
