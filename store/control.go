package store

import (
	"context"
	"fmt"
)

// CommitControl stores, in one transaction, the session state after
// decrypting a control message, the deletion of the prekeys it used, and
// pending, what applying the message needs (nil for one with no lasting
// effect, such as typing). It returns pending's id, for
// [Store.ControlApplied] once applied; until then [Store.PendingControls]
// lists it.
func (s *Store) CommitControl(ctx context.Context, contact ContactID, session []byte, used []PreKeyRef, pending []byte) (int64, error) {
	var id int64
	err := s.write(ctx, func(tx querier) error {
		if err := s.putSession(ctx, tx, contact, session); err != nil {
			return err
		}
		for _, ref := range used {
			if err := deletePreKey(ctx, tx, ref); err != nil {
				return err
			}
		}
		if pending == nil {
			return nil
		}
		var err error
		id, err = s.addPendingControl(ctx, tx, contact, pending)
		return err
	})
	return id, err
}

// CommitControlSent stores, in one transaction, the session state after
// encrypting a message that is not part of the history and the outbox item
// that delivers it, as [Store.CommitSent] does for a message. It returns
// the outbox item's id.
func (s *Store) CommitControlSent(ctx context.Context, contact ContactID, session, payload []byte) (int64, error) {
	var item int64
	err := s.write(ctx, func(tx querier) error {
		if err := s.putSession(ctx, tx, contact, session); err != nil {
			return err
		}
		var err error
		item, err = s.enqueue(ctx, tx, OutboxItem{Contact: contact, Payload: payload})
		return err
	})
	return item, err
}

// MessageBySeq returns the message with local sequence number seq, or
// [ErrNotFound].
func (s *Store) MessageBySeq(ctx context.Context, seq int64) (Message, error) {
	q, err := s.reader()
	if err != nil {
		return Message{}, err
	}
	return s.scanMessage(q.QueryRowContext(ctx, `SELECT `+messageColumns+` WHERE m.id = ?`, seq))
}

// DeleteSetting removes the named setting; a missing one is not an error.
func (s *Store) DeleteSetting(ctx context.Context, name string) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE name_index = ?`, s.settingIndex(name)); err != nil {
			return fmt.Errorf("store: deleting setting: %w", err)
		}
		return nil
	})
}
