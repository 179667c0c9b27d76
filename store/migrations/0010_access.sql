-- ratchat profile schema, version 10.
--
-- API tokens, roles and agents' assignments (issue 13): filled by the access work.
SELECT 1;
