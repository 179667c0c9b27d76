-- ratchat profile schema, version 11.
--
-- The compliance archive's queue and the audit log (issue 13): filled by the archive work.
SELECT 1;
