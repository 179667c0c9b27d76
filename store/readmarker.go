package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
)

// Table and column of the read markers.
const (
	tableReadMarkers = "read_markers"
	colMarker        = "marker"
)

// MaxUnreadScan bounds how many rows [Store.Unread] reads: a count at the
// bound means "at least this many".
const MaxUnreadScan = 1000

// ReadMarker returns the sequence number of the newest message of a
// conversation that the user has seen; 0 when none has been.
func (s *Store) ReadMarker(ctx context.Context, conv ContactID) (int64, error) {
	q, err := s.reader()
	if err != nil {
		return 0, err
	}
	return s.readMarker(ctx, q, conv)
}

func (s *Store) readMarker(ctx context.Context, q querier, conv ContactID) (int64, error) {
	var ct []byte
	err := q.QueryRowContext(ctx, `SELECT marker FROM read_markers WHERE contact = ?`, conv).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: reading read marker: %w", err)
	}
	pt, err := s.c.open(tableReadMarkers, colMarker, int64(conv), ct)
	if err != nil {
		return 0, err
	}
	if len(pt) != 8 {
		return 0, ErrCorrupt
	}
	return int64(binary.BigEndian.Uint64(pt)), nil
}

// AdvanceReadMarker moves a conversation's read marker forward to seq (it
// never moves back) and returns the marker it had before.
func (s *Store) AdvanceReadMarker(ctx context.Context, conv ContactID, seq int64) (int64, error) {
	var old int64
	err := s.write(ctx, func(tx querier) error {
		var err error
		if old, err = s.readMarker(ctx, tx, conv); err != nil || seq <= old {
			return err
		}
		return s.writeMarker(ctx, tx, conv, seq)
	})
	return old, err
}

// Unread counts the messages a contact wrote after the conversation's read
// marker, reading at most [MaxUnreadScan] rows.
func (s *Store) Unread(ctx context.Context, conv ContactID) (int, error) {
	marker, err := s.ReadMarker(ctx, conv)
	if err != nil {
		return 0, err
	}
	msgs, err := s.After(ctx, conv, marker, MaxUnreadScan)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range msgs {
		if m.Direction == Incoming {
			n++
		}
	}
	return n, nil
}

// After returns up to n messages of a conversation with a sequence number
// above seq, oldest first.
func (s *Store) After(ctx context.Context, conv ContactID, seq int64, n int) ([]Message, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+messageColumns+`
		WHERE m.conversation = ? AND m.id > ? ORDER BY m.id LIMIT ?`, conv, seq, n)
	if err != nil {
		return nil, fmt.Errorf("store: reading messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := s.scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading messages: %w", err)
	}
	return out, nil
}

// UpdateFile replaces the file details of a [KindFile] row (its progress,
// state and saved path) and returns the row as it is now.
func (s *Store) UpdateFile(ctx context.Context, conv ContactID, id MessageID, f FileInfo) (Message, error) {
	var m Message
	err := s.write(ctx, func(tx querier) error {
		var err error
		m, err = s.scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+`
			WHERE m.conversation = ? AND m.msgid_index = ?`, conv, s.messageIndex(conv, id)))
		if err != nil {
			return err
		}
		if m.Kind != KindFile {
			return fmt.Errorf("%w: message is not a file", ErrInvalidArgument)
		}
		m.File = &f
		return s.rewriteRecord(ctx, tx, &m)
	})
	return m, err
}

// rewriteRecord seals m's record anew and writes it over its row.
func (s *Store) rewriteRecord(ctx context.Context, tx querier, m *Message) error {
	rec, err := s.c.seal(tableMessages, colRecord, m.Seq, m.encodeRecord())
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET record = ? WHERE id = ?`, rec, m.Seq); err != nil {
		return fmt.Errorf("store: writing message: %w", err)
	}
	return nil
}
