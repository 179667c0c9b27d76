-- ratchat profile schema, version 12.
--
-- Webhooks and their dead letters (issue 13). A webhook's URL and secret
-- are sealed (the URL may name the business's systems, the secret signs
-- every delivery). Its delivery cursor is the event log's consumer
-- "webhook:<id>" (0009), not a column here; the head_* columns keep the
-- retry state of the event at the head of its queue, so that a restart
-- neither forgets how long that event has failed nor resets its backoff.
CREATE TABLE webhooks (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	url           BLOB NOT NULL,
	secret        BLOB NOT NULL,
	created       INTEGER NOT NULL,
	head_seq      INTEGER NOT NULL DEFAULT 0, -- the event failing now (0: none)
	head_since    INTEGER NOT NULL DEFAULT 0, -- its first failure, unix ns
	head_attempts INTEGER NOT NULL DEFAULT 0  -- its attempts so far
);

-- Events a webhook gave up on after the maximum age, with the body that was
-- posted (sealed: it holds the message's text), until the operator replays
-- or the webhook is removed. replay = 1 queues the letter for delivery.
CREATE TABLE webhook_dead (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	webhook   INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	event_seq INTEGER NOT NULL,
	body      BLOB NOT NULL,
	error     BLOB NOT NULL,
	first_try INTEGER NOT NULL,
	dead_at   INTEGER NOT NULL,
	attempts  INTEGER NOT NULL,
	replay    INTEGER NOT NULL DEFAULT 0 CHECK (replay IN (0, 1))
);
CREATE INDEX webhook_dead_by_hook ON webhook_dead (webhook, replay, id);
