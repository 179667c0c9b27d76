-- ratchat profile schema, version 9.
--
-- The durable event log (issue 13): filled by the events work.
SELECT 1;
