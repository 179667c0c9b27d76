-- Schema version 2: expiry walks the envelopes in id order (ids increase
-- with the time received), so the index on received_ms, which cost every
-- deposit and every Ack one more B-tree write, is gone.
DROP INDEX IF EXISTS envelopes_received;
