package store

import (
	"context"
	"encoding/binary"
	"fmt"
)

// A conversation has one read marker: its incoming messages up to the
// marker's sequence number are read, the later ones unread. When a
// request's messages join a contact's conversation (MergeRequestInto)
// they keep their sequence numbers, so that the merged history stays in
// the order it arrived in, and the contact's marker alone would misjudge
// them: the messages the user read as a request could show unread, or
// unread ones read. The merged marker is put between the newest message
// read (on either side) and the oldest unread one. When the two sides
// interleave so that no marker can keep every message's state, an unread
// message wins: a message the user read may show unread again, but one
// the user has not seen never hides among the read ones.

// readSpan is where incoming messages stand against their read marker:
// the newest one read and the oldest one unread, 0 when there is none.
type readSpan struct{ read, unread int64 }

// add counts the incoming message seq, read or not.
func (r *readSpan) add(seq int64, read bool) {
	switch {
	case read:
		r.read = max(r.read, seq)
	case r.unread == 0 || seq < r.unread:
		r.unread = seq
	}
}

// marker returns the read marker that keeps every message counted read at
// or below it and every unread one above it, or, when no marker can, the
// one just below the oldest unread message.
func (r readSpan) marker() int64 {
	if r.unread != 0 && r.unread <= r.read {
		return r.unread - 1
	}
	return r.read
}

// contactSpan finds, in conversation conv, the newest incoming message at
// or below its read marker and the oldest above it. Each scan stops at the
// first incoming message it meets, so it reads little more than the
// messages the user wrote around the marker.
func (s *Store) contactSpan(ctx context.Context, tx querier, conv ContactID) (readSpan, error) {
	marker, err := s.readMarker(ctx, tx, conv)
	if err != nil {
		return readSpan{}, err
	}
	var span readSpan
	for _, q := range []struct {
		query string
		read  bool
	}{
		{`SELECT id, record FROM messages WHERE conversation = ? AND id <= ? ORDER BY id DESC`, true},
		{`SELECT id, record FROM messages WHERE conversation = ? AND id > ? ORDER BY id`, false},
	} {
		seq, err := s.firstIncoming(ctx, tx, q.query, conv, marker)
		if err != nil {
			return readSpan{}, err
		}
		if seq != 0 {
			span.add(seq, q.read)
		}
	}
	return span, nil
}

// firstIncoming runs query (selecting id and record) and returns the id of
// the first incoming message among its rows; 0 if none is.
func (s *Store) firstIncoming(ctx context.Context, tx querier, query string, args ...any) (int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("store: merging read markers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var row int64
		var rec []byte
		if err := rows.Scan(&row, &rec); err != nil {
			return 0, fmt.Errorf("store: merging read markers: %w", err)
		}
		pt, err := s.c.open(tableMessages, colRecord, row, rec)
		if err != nil {
			return 0, err
		}
		var m Message
		if err := m.decodeRecord(pt); err != nil {
			return 0, err
		}
		if m.Direction == Incoming {
			return row, nil
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: merging read markers: %w", err)
	}
	return 0, nil
}

// writeMarker sets a conversation's read marker to seq, forward or back.
func (s *Store) writeMarker(ctx context.Context, tx querier, conv ContactID, seq int64) error {
	var pt [8]byte
	binary.BigEndian.PutUint64(pt[:], uint64(seq))
	ct, err := s.c.seal(tableReadMarkers, colMarker, int64(conv), pt[:])
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO read_markers (contact, marker) VALUES (?, ?)
		ON CONFLICT (contact) DO UPDATE SET marker = excluded.marker`, conv, ct)
	if err != nil {
		return fmt.Errorf("store: writing read marker: %w", err)
	}
	return nil
}
