package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"ratchat/keys"
)

// MergeRequestInto folds message request into contact, in one transaction:
// the user compared safety numbers made with the request's key and found
// that the request is the contact on a new key (a reinstall).
//
//   - the request's messages move to the contact's conversation (a message
//     whose id the contact's conversation holds already is dropped); the
//     read marker is set so that the messages read on either side stay
//     read and the unread stay unread (merge_marker.go);
//   - the contact takes newIdentity, which must be the request's key, and
//     the change is appended to its identity history; it is verified (the
//     numbers were just compared) and not held;
//   - the contact takes the request's address if it has one;
//   - the request's session and deposit token become the contact's,
//     replacing the old ones, and so do its control messages not yet
//     applied;
//   - in groups, the request's sender keys, member statuses, rows and
//     reactions become the contact's (merge_group.go);
//   - the request row is deleted.
//
// It fails with [ErrInvalidArgument] if request is not in [StateRequest],
// contact is not in [StateContact], or newIdentity is not the request's key.
func (s *Store) MergeRequestInto(ctx context.Context, request, contact ContactID, newIdentity keys.PublicKey) error {
	return s.write(ctx, func(tx querier) error {
		req, err := s.person(ctx, tx, request)
		if err != nil {
			return err
		}
		c, err := s.person(ctx, tx, contact)
		if err != nil {
			return err
		}
		switch {
		case request == contact:
			return fmt.Errorf("%w: merging a contact into itself", ErrInvalidArgument)
		case req.State != StateRequest || c.State != StateContact:
			return fmt.Errorf("%w: merge wants a request and a contact", ErrInvalidArgument)
		case !req.Identity.Equal(newIdentity):
			return fmt.Errorf("%w: the new key is not the request's", ErrInvalidArgument)
		}
		span, err := s.contactSpan(ctx, tx, contact)
		if err != nil {
			return err
		}
		if err := s.moveMessages(ctx, tx, request, contact, &span); err != nil {
			return err
		}
		if err := s.writeMarker(ctx, tx, contact, span.marker()); err != nil {
			return err
		}
		// The old session was made with the old key: it goes, whether or
		// not the request has one to replace it.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE contact = ?`, contact); err != nil {
			return fmt.Errorf("store: merging sessions: %w", err)
		}
		if err := s.moveSealed(ctx, tx, tableSessions, colState, request, contact); err != nil {
			return err
		}
		if err := s.moveSealed(ctx, tx, tableContactTokens, colToken, request, contact); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE issued_tokens SET contact = ? WHERE contact = ?`, contact, request); err != nil {
			return fmt.Errorf("store: merging tokens: %w", err)
		}
		// Sealed by their own row, not the contact's: they move as they are.
		if _, err := tx.ExecContext(ctx, `UPDATE pending_controls SET contact = ? WHERE contact = ?`, contact, request); err != nil {
			return fmt.Errorf("store: merging control messages: %w", err)
		}
		if err := s.moveGroupMember(ctx, tx, request, contact); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE id = ?`, request); err != nil {
			return fmt.Errorf("store: merging: deleting request: %w", err)
		}
		if !c.Identity.Equal(newIdentity) {
			ch := IdentityChange{Old: c.Identity, New: newIdentity, At: s.now()}
			if err := s.addIdentityChange(ctx, tx, contact, ch); err != nil {
				return err
			}
		}
		c.Identity, c.Verified, c.Held = newIdentity, true, false
		if req.Address != "" {
			c.Address = req.Address
		}
		return s.rewriteContact(ctx, tx, c)
	})
}

// moveMessages moves every message of conversation from into to,
// recomputing each blind index; a message whose id to holds already is
// deleted. Records stay sealed under their row id, which does not change.
// Each incoming message moved is added to span, read or not as from's read
// marker says (merge_marker.go).
func (s *Store) moveMessages(ctx context.Context, tx querier, from, to ContactID, span *readSpan) error {
	marker, err := s.readMarker(ctx, tx, from)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, record FROM messages WHERE conversation = ? ORDER BY id`, from)
	if err != nil {
		return fmt.Errorf("store: merging messages: %w", err)
	}
	type move struct {
		row      int64
		id       MessageID
		incoming bool
	}
	var moves []move
	for rows.Next() {
		var row int64
		var rec []byte
		if err := rows.Scan(&row, &rec); err != nil {
			rows.Close()
			return fmt.Errorf("store: merging messages: %w", err)
		}
		pt, err := s.c.open(tableMessages, colRecord, row, rec)
		if err != nil {
			rows.Close()
			return err
		}
		var m Message
		if err := m.decodeRecord(pt); err != nil {
			rows.Close()
			return err
		}
		moves = append(moves, move{row, m.ID, m.Direction == Incoming})
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("store: merging messages: %w", err)
	}
	rows.Close()
	for _, mv := range moves {
		idx := s.messageIndex(to, mv.id)
		var dup int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE conversation = ? AND msgid_index = ?`, to, idx).Scan(&dup)
		switch {
		case err == nil:
			_, err = tx.ExecContext(ctx, `DELETE FROM messages WHERE id = ?`, mv.row)
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `UPDATE messages SET conversation = ?, msgid_index = ? WHERE id = ?`, to, idx, mv.row)
			if mv.incoming {
				span.add(mv.row, mv.row <= marker)
			}
		}
		if err != nil {
			return fmt.Errorf("store: merging messages: %w", err)
		}
	}
	return nil
}

// moveSealed re-seals the per-contact row of table (keyed by contact, its
// column sealed under the contact id) from one contact to another,
// replacing to's row. Nothing happens if from has no row; a NULL (reset)
// value moves as NULL.
func (s *Store) moveSealed(ctx context.Context, tx querier, table, col string, from, to ContactID) error {
	var ct []byte
	err := tx.QueryRowContext(ctx, `SELECT `+col+` FROM `+table+` WHERE contact = ?`, from).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: merging %s: %w", table, err)
	}
	var moved []byte
	if ct != nil {
		pt, err := s.c.open(table, col, int64(from), ct)
		if err != nil {
			return err
		}
		if moved, err = s.c.seal(table, col, int64(to), pt); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE contact = ?`, from); err != nil {
		return fmt.Errorf("store: merging %s: %w", table, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO `+table+` (contact, `+col+`) VALUES (?, ?)
		ON CONFLICT (contact) DO UPDATE SET `+col+` = excluded.`+col, to, moved)
	if err != nil {
		return fmt.Errorf("store: merging %s: %w", table, err)
	}
	return nil
}
