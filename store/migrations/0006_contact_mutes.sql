-- ratchat profile schema, version 6.
--
-- Muted chats: until when a contact's messages raise no notification.
-- The time (8 bytes, big-endian Unix milliseconds) is sealed under the
-- contact's id: whom the user mutes says something about a person. A row
-- goes with its contact. Mutes are not part of backups: a restored
-- profile starts with every chat notifying.
CREATE TABLE contact_mutes (
	contact INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
	until   BLOB NOT NULL CHECK (length(until) = 49)
);
