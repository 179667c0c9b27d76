package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"
)

// Table and column of muted chats, part of the sealed field's associated
// data.
const (
	tableMutes = "contact_mutes"
	colUntil   = "until"
)

// SetMute mutes a contact's chat until the given time; the zero time
// unmutes it.
func (s *Store) SetMute(ctx context.Context, id ContactID, until time.Time) error {
	return s.write(ctx, func(tx querier) error {
		if until.IsZero() {
			_, err := tx.ExecContext(ctx, `DELETE FROM contact_mutes WHERE contact = ?`, id)
			return wrapMute(err)
		}
		if _, err := s.contact(ctx, tx, id); err != nil {
			return err
		}
		ct, err := s.c.seal(tableMutes, colUntil, int64(id), binary.BigEndian.AppendUint64(nil, uint64(until.UnixMilli())))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO contact_mutes (contact, until) VALUES (?, ?)
			ON CONFLICT (contact) DO UPDATE SET until = excluded.until`, id, ct)
		return wrapMute(err)
	})
}

// Mutes returns, for each muted contact, until when it is muted (times
// already past included: the caller compares with its clock).
func (s *Store) Mutes(ctx context.Context) (map[ContactID]time.Time, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT contact, until FROM contact_mutes`)
	if err != nil {
		return nil, wrapMute(err)
	}
	defer rows.Close()
	out := map[ContactID]time.Time{}
	for rows.Next() {
		var id ContactID
		var ct []byte
		if err := rows.Scan(&id, &ct); err != nil {
			return nil, wrapMute(err)
		}
		pt, err := s.c.open(tableMutes, colUntil, int64(id), ct)
		if err != nil {
			return nil, err
		}
		if len(pt) != 8 {
			return nil, ErrCorrupt
		}
		out[id] = time.UnixMilli(int64(binary.BigEndian.Uint64(pt)))
	}
	return out, wrapMute(rows.Err())
}

// wrapMute prefixes a database error.
func wrapMute(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: mutes: %w", err)
}
