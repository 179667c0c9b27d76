-- Schema version 3: when each owner last authenticated, so that a relay
-- can delete the mailboxes nobody has come for in its retention period.
-- Existing mailboxes count as seen at the upgrade, so that none expires
-- sooner than a full retention period after it.
ALTER TABLE mailboxes ADD COLUMN seen_ms INTEGER NOT NULL DEFAULT 0;
UPDATE mailboxes SET seen_ms = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
