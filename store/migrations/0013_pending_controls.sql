-- ratchat profile schema, version 13.
--
-- Control messages (a deposit token, a timer, a receipt, a group update...)
-- whose session state is committed and whose effect is not applied yet. A
-- message is committed with its sender's session state, and the session
-- then drops it as a duplicate if it comes again; so what it says is kept
-- here in the same transaction, applied after, and deleted once applied:
-- an effect cut short (a store error, the process killed) is applied again
-- at the next connection to the home, not lost. body is sealed: the
-- message's decrypted content and what applying it needs.
CREATE TABLE pending_controls (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	contact  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	body     BLOB NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0 -- applications that failed
);
