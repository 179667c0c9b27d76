package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Table and column of sender keys, part of the sealed field's associated
// data.
const (
	tableSenderKeys = "sender_keys"
	colSenderKey    = "record"
)

// SaveSenderKey stores the sender key record (session/'s serialization)
// of a member of group conv, replacing the one it had; member 0 is ours.
// It fails with [ErrNotGroup] if conv is not a group or member is one,
// and with [ErrNotFound] for an unknown member.
func (s *Store) SaveSenderKey(ctx context.Context, conv, member ContactID, record []byte) error {
	return s.write(ctx, func(tx querier) error {
		if err := requireGroup(ctx, tx, conv); err != nil {
			return err
		}
		if member != 0 {
			if err := requireMember(ctx, tx, conv, member); err != nil {
				return err
			}
		}
		return s.putSenderKey(ctx, tx, conv, member, record)
	})
}

// senderKeyMember is the member column of a sender key: ours is stored
// under the group's own id, so that the column can reference contacts.
func senderKeyMember(conv, member ContactID) ContactID {
	if member == 0 {
		return conv
	}
	return member
}

// putSenderKey is SaveSenderKey inside a transaction, once conv and
// member are checked. The record is sealed under its row id, which an
// update keeps.
func (s *Store) putSenderKey(ctx context.Context, tx querier, conv, member ContactID, record []byte) error {
	member = senderKeyMember(conv, member)
	var row int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM sender_keys WHERE conversation = ? AND member = ?`,
		conv, member).Scan(&row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if row, err = nextID(ctx, tx, tableSenderKeys); err != nil {
			return err
		}
		ct, err := s.c.seal(tableSenderKeys, colSenderKey, row, record)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sender_keys (id, conversation, member, record) VALUES (?, ?, ?, ?)`,
			row, conv, member, ct)
		if isForeignKeyViolation(err) {
			return fmt.Errorf("%w: member %d", ErrNotFound, member)
		}
		if err != nil {
			return fmt.Errorf("store: writing sender key: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("store: reading sender key: %w", err)
	}
	ct, err := s.c.seal(tableSenderKeys, colSenderKey, row, record)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sender_keys SET record = ? WHERE id = ?`, ct, row); err != nil {
		return fmt.Errorf("store: writing sender key: %w", err)
	}
	return nil
}

// SenderKey returns the sender key record of a member of group conv
// (member 0: ours), or [ErrNotFound].
func (s *Store) SenderKey(ctx context.Context, conv, member ContactID) ([]byte, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	var row int64
	var ct []byte
	err = q.QueryRowContext(ctx, `SELECT id, record FROM sender_keys WHERE conversation = ? AND member = ?`,
		conv, senderKeyMember(conv, member)).Scan(&row, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading sender key: %w", err)
	}
	return s.c.open(tableSenderKeys, colSenderKey, row, ct)
}

// DeleteSenderKeys deletes every sender key record of group conv, ours
// too (after a member was removed, every member starts a new key).
func (s *Store) DeleteSenderKeys(ctx context.Context, conv ContactID) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sender_keys WHERE conversation = ?`, conv); err != nil {
			return fmt.Errorf("store: deleting sender keys: %w", err)
		}
		return nil
	})
}
