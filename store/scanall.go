package store

import (
	"context"
	"fmt"
)

// MessagesFrom returns up to n messages of every conversation with a
// sequence number above after, in sequence order: a walk over the whole
// history one page at a time (the messenger builds its in-memory search
// index from it). The walk goes up the primary key, so a page costs the
// same wherever it starts.
func (s *Store) MessagesFrom(ctx context.Context, after int64, n int) ([]Message, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, ErrInvalidArgument
	}
	rows, err := q.QueryContext(ctx, `SELECT `+messageColumns+`
		WHERE m.id > ? ORDER BY m.id LIMIT ?`, after, n)
	if err != nil {
		return nil, fmt.Errorf("store: reading messages: %w", err)
	}
	defer rows.Close()
	out := make([]Message, 0, n)
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
