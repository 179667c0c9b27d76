-- ratchat profile schema, version 2.
--
-- History rows gained a kind (text, file, or a line the messenger wrote:
-- key changed, verified, session reset, timer, decryption failed), kept
-- inside the sealed message record; the Go step of this migration moves
-- the system lines and file marks that the old interface adapter kept in
-- per-contact settings ("app.meta.N") into the history.
--
-- A contact's read marker: the sequence number of the newest message the
-- user has seen, sealed (8 bytes) with the contact id as row id. Unread
-- counts are the incoming messages after it.
CREATE TABLE read_markers (
	contact INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
	marker  BLOB NOT NULL CHECK (length(marker) = 49)
);
