-- Schema version 5: per-envelope lifetimes (disappearing messages). An
-- envelope deposited with a lifetime has expires_ms, the millisecond
-- (since 1970) from which it is never delivered and the next sweep
-- deletes it; NULL for none. The index holds only those that have one,
-- so deposits without a lifetime cost it nothing.
ALTER TABLE envelopes ADD COLUMN expires_ms INTEGER;
CREATE INDEX envelopes_expires ON envelopes (expires_ms) WHERE expires_ms IS NOT NULL;
