-- ratchat profile schema, version 7.
--
-- A contact the user removed but whose history was kept has state 3
-- (removed) in the 2-bit state field of the sealed trust byte (see
-- version 4): its row and messages stay, it is listed nowhere, and its
-- next message makes it a request again. No column changes; the version
-- step keeps an older build, which would read state 3 as corruption, from
-- opening the profile (ErrSchemaTooNew).
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
