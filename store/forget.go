package store

import (
	"context"
	"fmt"
)

// Forget marks a contact removed (StateRemoved) and deletes what let us
// write to it or it to us, keeping its history: its outbox, its session,
// the token we deposit with at its home and its control messages not yet
// applied go, in one transaction. The row stays under its identity key's
// blind index, with the messages, so that the history can still be read,
// searched and exported, and so that the sender's next message arrives as
// a request in the same chat. For a group (we left it), its state and state
// history, sender keys, member statuses and queued deliveries go too.
func (s *Store) Forget(ctx context.Context, id ContactID) error {
	return s.write(ctx, func(tx querier) error {
		c, err := s.contact(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM outbox WHERE contact = ?`,
			`DELETE FROM sessions WHERE contact = ?`,
			`DELETE FROM contact_tokens WHERE contact = ?`,
			`DELETE FROM pending_controls WHERE contact = ?`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, id); err != nil {
				return fmt.Errorf("store: removing contact: %w", err)
			}
		}
		if c.IsGroup() {
			if err := forgetGroup(ctx, tx, id); err != nil {
				return err
			}
		}
		c.State = StateRemoved
		return s.rewriteContact(ctx, tx, c)
	})
}
