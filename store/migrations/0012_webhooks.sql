-- ratchat profile schema, version 12.
--
-- Webhooks and their dead letters (issue 13): filled by the webhooks work.
SELECT 1;
