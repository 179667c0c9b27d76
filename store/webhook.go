package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tables and columns of webhooks, part of every sealed field's associated
// data.
const (
	tableWebhooks    = "webhooks"
	tableWebhookDead = "webhook_dead"
	colWebhookURL    = "url"
	colWebhookSecret = "secret"
	colDeadBody      = "body"
	colDeadError     = "error"
)

// Bounds of what a webhook row holds: a URL and a secret longer than these
// are refused ([ErrInvalidArgument]), as a body or an error past theirs.
const (
	MaxWebhookURL    = 2048
	MaxWebhookSecret = 256
	MaxDeadBody      = 1 << 20
	maxDeadError     = 1024
)

// Webhook is a URL that every event of the profile is posted to (package
// webhook delivers them), with the secret that signs each delivery.
type Webhook struct {
	ID      int64
	URL     string
	Secret  string
	Created time.Time
	// Head is the retry state of the event at the head of the webhook's
	// queue, while it fails.
	Head WebhookHead
}

// WebhookHead is the retry state of the event a webhook is failing to
// deliver: which event, since when, how many attempts. The zero value:
// nothing is failing.
type WebhookHead struct {
	Seq      int64
	Since    time.Time
	Attempts int
}

// DeadLetter is an event a webhook gave up on: the body it posted, the
// last error, and whether the operator asked for a replay.
type DeadLetter struct {
	ID       int64
	Webhook  int64
	EventSeq int64
	Body     []byte
	Error    string
	FirstTry time.Time
	DeadAt   time.Time
	Attempts int
	Replay   bool
}

// AddWebhook stores a webhook and returns it with its id.
func (s *Store) AddWebhook(ctx context.Context, url, secret string) (Webhook, error) {
	if url == "" || len(url) > MaxWebhookURL || secret == "" || len(secret) > MaxWebhookSecret {
		return Webhook{}, fmt.Errorf("%w: webhook url or secret empty or too long", ErrInvalidArgument)
	}
	h := Webhook{URL: url, Secret: secret, Created: s.now()}
	err := s.write(ctx, func(tx querier) error {
		id, err := nextID(ctx, tx, tableWebhooks)
		if err != nil {
			return err
		}
		u, err := s.c.seal(tableWebhooks, colWebhookURL, id, []byte(url))
		if err != nil {
			return err
		}
		sec, err := s.c.seal(tableWebhooks, colWebhookSecret, id, []byte(secret))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhooks (id, url, secret, created) VALUES (?, ?, ?, ?)`,
			id, u, sec, unixNano(h.Created)); err != nil {
			return fmt.Errorf("store: adding webhook: %w", err)
		}
		h.ID = id
		return nil
	})
	return h, err
}

// Webhooks returns every webhook, oldest first.
func (s *Store) Webhooks(ctx context.Context) ([]Webhook, error) {
	return s.queryWebhooks(ctx, `SELECT id, url, secret, created, head_seq, head_since, head_attempts
		FROM webhooks ORDER BY id`)
}

// Webhook returns webhook id, or [ErrNotFound].
func (s *Store) Webhook(ctx context.Context, id int64) (Webhook, error) {
	hs, err := s.queryWebhooks(ctx, `SELECT id, url, secret, created, head_seq, head_since, head_attempts
		FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return Webhook{}, err
	}
	if len(hs) == 0 {
		return Webhook{}, ErrNotFound
	}
	return hs[0], nil
}

// queryWebhooks reads and opens the webhook rows a query selects.
func (s *Store) queryWebhooks(ctx context.Context, query string, args ...any) ([]Webhook, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reading webhooks: %w", err)
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		var h Webhook
		var u, sec []byte
		var created, since int64
		if err := rows.Scan(&h.ID, &u, &sec, &created, &h.Head.Seq, &since, &h.Head.Attempts); err != nil {
			return nil, fmt.Errorf("store: reading webhooks: %w", err)
		}
		if u, err = s.c.open(tableWebhooks, colWebhookURL, h.ID, u); err != nil {
			return nil, err
		}
		if sec, err = s.c.open(tableWebhooks, colWebhookSecret, h.ID, sec); err != nil {
			return nil, err
		}
		h.URL, h.Secret = string(u), string(sec)
		h.Created, h.Head.Since = fromUnixNano(created), fromUnixNano(since)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading webhooks: %w", err)
	}
	return out, nil
}

// RemoveWebhook deletes webhook id and its dead letters, or returns
// [ErrNotFound].
func (s *Store) RemoveWebhook(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_dead WHERE webhook = ?`, id); err != nil {
			return fmt.Errorf("store: removing webhook: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: removing webhook: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(ErrNotFound, err)
		}
		return nil
	})
}

// SetWebhookHead records the retry state of webhook id's head event (the
// zero value: nothing failing).
func (s *Store) SetWebhookHead(ctx context.Context, id int64, h WebhookHead) error {
	return s.write(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhooks SET head_seq = ?, head_since = ?, head_attempts = ? WHERE id = ?`,
			h.Seq, unixNano(h.Since), h.Attempts, id)
		if err != nil {
			return fmt.Errorf("store: webhook retry state: %w", err)
		}
		return nil
	})
}

// AddDeadLetter stores a letter a webhook gave up on, and clears the
// webhook's head state in the same transaction. It returns the letter's id.
func (s *Store) AddDeadLetter(ctx context.Context, d DeadLetter) (int64, error) {
	if len(d.Body) > MaxDeadBody {
		return 0, fmt.Errorf("%w: dead letter body of %d bytes", ErrInvalidArgument, len(d.Body))
	}
	if len(d.Error) > maxDeadError {
		d.Error = d.Error[:maxDeadError]
	}
	var id int64
	err := s.write(ctx, func(tx querier) error {
		var err error
		if id, err = nextID(ctx, tx, tableWebhookDead); err != nil {
			return err
		}
		body, err := s.c.seal(tableWebhookDead, colDeadBody, id, d.Body)
		if err != nil {
			return err
		}
		msg, err := s.c.seal(tableWebhookDead, colDeadError, id, []byte(d.Error))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_dead
			(id, webhook, event_seq, body, error, first_try, dead_at, attempts, replay)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`,
			id, d.Webhook, d.EventSeq, body, msg, unixNano(d.FirstTry), unixNano(d.DeadAt), d.Attempts); err != nil {
			return fmt.Errorf("store: adding dead letter: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhooks SET head_seq = 0, head_since = 0, head_attempts = 0 WHERE id = ?`, d.Webhook)
		if err != nil {
			return fmt.Errorf("store: adding dead letter: %w", err)
		}
		return nil
	})
	return id, err
}

// DeadLetters returns the dead letters of webhook (0: of every webhook),
// oldest first; with replaying, only those queued for a replay.
func (s *Store) DeadLetters(ctx context.Context, webhook int64, replaying bool) ([]DeadLetter, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, webhook, event_seq, body, error, first_try, dead_at, attempts, replay
		FROM webhook_dead WHERE (? = 0 OR webhook = ?) AND (? = 0 OR replay = 1) ORDER BY id`,
		webhook, webhook, replaying)
	if err != nil {
		return nil, fmt.Errorf("store: reading dead letters: %w", err)
	}
	out, err := scanAll(rows, func(r *sql.Rows) (DeadLetter, error) { return s.scanDeadLetter(r) })
	if err != nil {
		return nil, fmt.Errorf("store: reading dead letters: %w", err)
	}
	return out, nil
}

// scanDeadLetter reads and opens one dead letter row.
func (s *Store) scanDeadLetter(sc interface{ Scan(...any) error }) (DeadLetter, error) {
	var d DeadLetter
	var body, msg []byte
	var first, dead int64
	if err := sc.Scan(&d.ID, &d.Webhook, &d.EventSeq, &body, &msg, &first, &dead, &d.Attempts, &d.Replay); err != nil {
		return d, fmt.Errorf("store: reading dead letters: %w", err)
	}
	var err error
	if d.Body, err = s.c.open(tableWebhookDead, colDeadBody, d.ID, body); err != nil {
		return d, err
	}
	if msg, err = s.c.open(tableWebhookDead, colDeadError, d.ID, msg); err != nil {
		return d, err
	}
	d.Error, d.FirstTry, d.DeadAt = string(msg), fromUnixNano(first), fromUnixNano(dead)
	return d, nil
}

// ReplayDeadLetters queues dead letters for a replay: letter id, or with
// id 0 every letter of webhook (0: of every webhook). It returns how many
// were queued; none for an id that does not exist is [ErrNotFound].
func (s *Store) ReplayDeadLetters(ctx context.Context, webhook, id int64) (int, error) {
	var n int64
	err := s.write(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_dead SET replay = 1
			WHERE (? = 0 OR id = ?) AND (? = 0 OR webhook = ?)`, id, id, webhook, webhook)
		if err != nil {
			return fmt.Errorf("store: replaying dead letters: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("store: replaying dead letters: %w", err)
		}
		if n == 0 && id != 0 {
			return ErrNotFound
		}
		return nil
	})
	return int(n), err
}

// DeleteDeadLetter deletes a letter once its replay was delivered.
func (s *Store) DeleteDeadLetter(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_dead WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: deleting dead letter: %w", err)
		}
		return nil
	})
}

// ReplayFailed puts a letter whose replay failed back on the dead list,
// with the new error and one more attempt.
func (s *Store) ReplayFailed(ctx context.Context, id int64, reason string) error {
	if len(reason) > maxDeadError {
		reason = reason[:maxDeadError]
	}
	msg, err := s.c.seal(tableWebhookDead, colDeadError, id, []byte(reason))
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_dead SET replay = 0, error = ?, attempts = attempts + 1,
			dead_at = ? WHERE id = ?`, msg, unixNano(s.now()), id)
		if err != nil {
			return fmt.Errorf("store: dead letter: %w", err)
		}
		return nil
	})
}

// OutboxDepth returns how many items wait in the outbox. (It lives here,
// beside the other reads the metrics make, rather than in outbox.go.)
func (s *Store) OutboxDepth(ctx context.Context) (int64, error) {
	q, err := s.reader()
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: outbox depth: %w", err)
	}
	return n, nil
}
