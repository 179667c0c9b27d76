package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// The durable event log (migration 0009): SQLite triggers on messages,
// contacts, identity_history and groups append a row to events in the
// same transaction as the change they report, so that no crash can keep
// a change and lose its event, or the reverse. Consumers keep their
// cursor (the last sequence number they acknowledged) in
// event_consumers. The log and the cursors are not part of backups.

const (
	tableEventConsumers = "event_consumers"
	colConsumerName     = "name"
)

// EventType says what an event of the log reports. The trigger that
// writes it sees only ciphertext, so the type is coarse: chat opens the
// row it names to tell a message received from one sent, or a request
// from a contact.
type EventType uint8

// The event types, as the triggers of migration 0009 write them.
const (
	EventMessageNew     EventType = 1 // a message row was inserted
	EventStatus         EventType = 2 // a message's status changed
	EventMessageChanged EventType = 3 // a message's record changed: edit, deletion for everyone, reaction, file progress
	EventContactNew     EventType = 4 // a contact row was inserted (a contact, a request, a group)
	EventContactChanged EventType = 5 // a contact's trust, state, name, address or identity changed
	EventContactRemoved EventType = 6 // a contact row was deleted
	EventKeyChange      EventType = 7 // a contact's identity key changed
	EventGroupChanged   EventType = 8 // a group's state changed (members, admins, name)
	EventMessageRemoved EventType = 9 // a message row was deleted (here, expired, or with its chat)
)

// String names the type, for logs.
func (t EventType) String() string {
	names := [...]string{"", "message inserted", "status changed", "message changed", "contact inserted",
		"contact changed", "contact removed", "key changed", "group changed", "message removed"}
	if int(t) < len(names) && t != 0 {
		return names[t]
	}
	return fmt.Sprintf("event type %d", uint8(t))
}

// EventRecord is one event of the log.
type EventRecord struct {
	// Seq is its sequence number: increasing, never reused.
	Seq  int64
	Type EventType
	// Conv is the conversation (contact row) it is about.
	Conv ContactID
	// Message is the message's row (its Seq), 0 for a contact's event.
	Message int64
	// Status is the message's status when the event was written, for
	// the events of a message whose row still exists (HasStatus).
	Status    Status
	HasStatus bool
	// State is, for a contact inserted or changed whose row still
	// exists, its state when the event was written (HasState).
	State    ContactState
	HasState bool
	// At is when the event was written (millisecond precision).
	At time.Time
}

// Bounds of the event log.
const (
	// MaxEventBatch bounds n of [Store.EventsAfter].
	MaxEventBatch = 10_000
	// MaxConsumerName bounds a consumer's name, in bytes.
	MaxConsumerName = 200
	// EventRetention is how long an event acknowledged by every consumer
	// is kept.
	EventRetention = 7 * 24 * time.Hour
	// eventPruneBatch bounds the rows one PruneEvents call deletes, so
	// that pruning never holds the write lock for long.
	eventPruneBatch = 1000
)

// EventsAfter returns up to n events with a sequence number above after,
// in order.
func (s *Store) EventsAfter(ctx context.Context, after int64, n int) ([]EventRecord, error) {
	if n <= 0 || n > MaxEventBatch || after < 0 {
		return nil, fmt.Errorf("%w: events after %d, n %d", ErrInvalidArgument, after, n)
	}
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT seq, type, conversation, message, status, at
		FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, n)
	if err != nil {
		return nil, fmt.Errorf("store: reading events: %w", err)
	}
	defer rows.Close()
	var out []EventRecord
	for rows.Next() {
		e, err := s.scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading events: %w", err)
	}
	return out, nil
}

// scanEvent reads one event row and opens its status copy.
func (s *Store) scanEvent(sc interface{ Scan(...any) error }) (EventRecord, error) {
	var e EventRecord
	var typ, at int64
	var st []byte
	if err := sc.Scan(&e.Seq, &typ, &e.Conv, &e.Message, &st, &at); err != nil {
		return e, fmt.Errorf("store: reading events: %w", err)
	}
	if typ < int64(EventMessageNew) || typ > int64(EventMessageRemoved) {
		return e, fmt.Errorf("%w: event %d has type %d", ErrCorrupt, e.Seq, typ)
	}
	e.Type, e.At = EventType(typ), time.UnixMilli(at)
	switch {
	case st == nil:
	case e.Type == EventContactNew || e.Type == EventContactChanged:
		pt, err := s.c.open(tableContacts, colTrust, int64(e.Conv), st)
		if err != nil {
			return e, err
		}
		if len(pt) != 1 || pt[0]&^trustKnown != 0 || ContactState(pt[0]>>trustStateShift&3) > StateRemoved {
			return e, fmt.Errorf("%w: event %d", ErrCorrupt, e.Seq)
		}
		e.State, e.HasState = ContactState(pt[0]>>trustStateShift&3), true
	case e.Message != 0:
		pt, err := s.c.open(tableMessages, colStatus, e.Message, st)
		if err != nil {
			return e, err
		}
		if e.Status, _, _, err = decodeStatus(pt); err != nil {
			return e, err
		}
		e.HasStatus = true
	default:
		return e, fmt.Errorf("%w: event %d has a copy it should not", ErrCorrupt, e.Seq)
	}
	return e, nil
}

// LastEventSeq returns the sequence number of the newest event (0 when
// the log was always empty). It never goes back: pruning keeps the
// AUTOINCREMENT counter.
func (s *Store) LastEventSeq(ctx context.Context) (int64, error) {
	q, err := s.reader()
	if err != nil {
		return 0, err
	}
	// Why a cache: every commit wakes every waiter (an SSE stream, a long
	// poll), and each asks for the newest event; between two commits the
	// answer cannot change, so one query serves them all. The count is
	// read before the query, so a cached answer is never older than the
	// commits it is tagged with.
	commits := s.commits.Load()
	if c := s.events.last.Load(); c != nil && c.commits == commits {
		return int64(c.seq), nil
	}
	seq, err := lastEventSeq(ctx, q)
	if err != nil {
		return 0, err
	}
	s.events.last.Store(&lastSeq{commits: commits, seq: uint64(seq)})
	return seq, nil
}

// lastSeq is the newest event's sequence number after a count of commits.
type lastSeq struct{ commits, seq uint64 }

// lastEventSeq is LastEventSeq on q.
func lastEventSeq(ctx context.Context, q querier) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)`).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: reading events: %w", err)
	}
	return seq, nil
}

// checkConsumer checks a consumer's name: 1 to MaxConsumerName bytes of
// UTF-8.
func checkConsumer(name string) error {
	if name == "" || len(name) > MaxConsumerName || !utf8.ValidString(name) {
		return fmt.Errorf("%w: consumer name of %d bytes (1 to %d of UTF-8)", ErrInvalidArgument, len(name), MaxConsumerName)
	}
	return nil
}

// consumerIndex is the blind index of a consumer's name, under the
// settings' blind-index key in a domain of its own (two parts, where a
// setting's index has one: the two can never collide).
func (s *Store) consumerIndex(name string) []byte {
	return s.c.blind(s.keys.blindSetting, []byte("event consumer"), []byte(name))
}

// consumerRow is the row id a consumer's sealed name is bound to: the
// first 8 bytes of its index, so that a name cannot be moved to another
// consumer's row.
func consumerRow(idx []byte) int64 { return int64(binary.BigEndian.Uint64(idx[:8]) >> 1) }

// EventCursor returns the last sequence number the consumer acknowledged,
// 0 for a consumer never seen.
func (s *Store) EventCursor(ctx context.Context, consumer string) (int64, error) {
	if err := checkConsumer(consumer); err != nil {
		return 0, err
	}
	q, err := s.reader()
	if err != nil {
		return 0, err
	}
	var acked int64
	err = q.QueryRowContext(ctx, `SELECT acked FROM event_consumers WHERE name_index = ?`, s.consumerIndex(consumer)).Scan(&acked)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: reading event cursor: %w", err)
	}
	return acked, nil
}

// AckEvents records that the consumer has handled every event up to seq.
// A cursor never moves back: an ack below it changes nothing. An ack past
// the newest event fails with [ErrInvalidArgument] (it would skip events
// not written yet).
func (s *Store) AckEvents(ctx context.Context, consumer string, seq int64) error {
	if err := checkConsumer(consumer); err != nil {
		return err
	}
	if seq < 0 {
		return fmt.Errorf("%w: ack %d", ErrInvalidArgument, seq)
	}
	idx := s.consumerIndex(consumer)
	name, err := s.c.seal(tableEventConsumers, colConsumerName, consumerRow(idx), []byte(consumer))
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx querier) error {
		last, err := lastEventSeq(ctx, tx)
		if err != nil {
			return err
		}
		if seq > last {
			return fmt.Errorf("%w: ack %d past the newest event %d", ErrInvalidArgument, seq, last)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO event_consumers (name_index, name, acked) VALUES (?, ?, ?)
			ON CONFLICT (name_index) DO UPDATE SET acked = max(acked, excluded.acked)`, idx, name, seq)
		if err != nil {
			return fmt.Errorf("store: writing event cursor: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if now := s.now().UnixNano(); now-s.events.pruned.Load() >= int64(pruneEvery) {
		s.events.pruned.Store(now)
		_, err = s.PruneEvents(ctx)
	}
	return err
}

// EventConsumers returns every consumer's cursor, by name.
func (s *Store) EventConsumers(ctx context.Context) (map[string]int64, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT name_index, name, acked FROM event_consumers`)
	if err != nil {
		return nil, fmt.Errorf("store: reading event cursors: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var idx, ct []byte
		var acked int64
		if err := rows.Scan(&idx, &ct, &acked); err != nil {
			return nil, fmt.Errorf("store: reading event cursors: %w", err)
		}
		if len(idx) != blindIndexSize {
			return nil, ErrCorrupt
		}
		name, err := s.c.open(tableEventConsumers, colConsumerName, consumerRow(idx), ct)
		if err != nil {
			return nil, err
		}
		out[string(name)] = acked
	}
	return out, rows.Err()
}

// RemoveEventConsumer forgets a consumer's cursor (a removed webhook's):
// it no longer holds events back from pruning.
func (s *Store) RemoveEventConsumer(ctx context.Context, consumer string) error {
	if err := checkConsumer(consumer); err != nil {
		return err
	}
	return s.write(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM event_consumers WHERE name_index = ?`, s.consumerIndex(consumer))
		if err != nil {
			return fmt.Errorf("store: removing event cursor: %w", err)
		}
		return nil
	})
}

// PruneEvents deletes up to a batch of the oldest events that every
// consumer acknowledged and that are older than [EventRetention] at now,
// and returns how many it deleted. With no consumer, every event older
// than the retention goes.
func (s *Store) PruneEvents(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-EventRetention).UnixMilli()
	var n int64
	err := s.write(ctx, func(tx querier) error {
		// The oldest batch of acknowledged events, then those of it past
		// the retention: at grows with seq, so this walks the primary key
		// only, and the log needs no index on at (one less page written
		// by every commit that writes an event).
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE seq IN (SELECT seq FROM events
			WHERE seq <= coalesce((SELECT min(acked) FROM event_consumers), 9223372036854775807)
			ORDER BY seq LIMIT ?) AND at < ?`, eventPruneBatch, cutoff)
		if err != nil {
			return fmt.Errorf("store: pruning events: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// pauseEvents stops (paused) or restarts the triggers of the event log,
// inside a transaction: a restore pauses them while it inserts the
// backup's rows.
func pauseEvents(ctx context.Context, tx querier, paused bool) error {
	v := 0
	if paused {
		v = 1
	}
	if _, err := tx.ExecContext(ctx, `UPDATE event_log SET paused = ?`, v); err != nil {
		return fmt.Errorf("store: event log: %w", err)
	}
	return nil
}

// eventLog is the store's in-memory state of the event log.
type eventLog struct {
	bell commitBell
	// pruned is when AckEvents last pruned (Unix nanoseconds).
	pruned atomic.Int64
	// last caches LastEventSeq's answer between two commits.
	last atomic.Pointer[lastSeq]
}

// pruneEvery is how often at most AckEvents prunes the log.
const pruneEvery = time.Hour

// commitBell wakes those waiting for the next commit.
type commitBell struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed at the next ring.
func (b *commitBell) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

// ring wakes every waiter.
func (b *commitBell) ring() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// Committed returns a channel closed when the next write transaction
// commits. Take it before reading what a commit would change (say
// [Store.LastEventSeq]), then wait on it: a commit in between closes it,
// so no change is missed and no one polls.
func (s *Store) Committed() <-chan struct{} { return s.events.bell.wait() }
