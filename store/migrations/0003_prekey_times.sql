-- ratchat profile schema, version 3.
--
-- Prekey lifecycle: when a long-lived prekey (signed, last-resort KEM) was
-- made, and when any prekey stopped being offered (rotated away, or handed
-- out by the home), so that the messenger can rotate the long-lived keys
-- and delete private keys after their grace period. Sealed, 16 bytes
-- (created ‖ retired, Unix milliseconds, 0 for never) under the prekey's
-- row id; NULL for rows written before schema 3 (both times unknown). A
-- retirement time hints at when someone fetched our bundle: sealed.
ALTER TABLE prekeys ADD COLUMN times BLOB CHECK (times IS NULL OR length(times) = 57);
