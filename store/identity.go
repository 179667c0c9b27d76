package store

import (
	"context"
	"fmt"

	"ratchat/keys"
)

// UpdateContact changes the name and address of contact c.ID, and nothing
// else. The identity key, the verified mark and the hold are changed only
// by [Store.ChangeIdentity], [Store.SetVerified] and [Store.AcceptIdentity].
//
// Why: those are security decisions; a stale copy of a contact written
// back for a rename must never verify it or release a hold.
func (s *Store) UpdateContact(ctx context.Context, c Contact) error {
	return s.write(ctx, func(tx querier) error {
		old, err := s.contact(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		old.Name, old.Address = c.Name, c.Address
		return s.rewriteContact(ctx, tx, old)
	})
}

// SetVerified sets or clears the verified mark of a contact.
func (s *Store) SetVerified(ctx context.Context, id ContactID, verified bool) error {
	return s.write(ctx, func(tx querier) error {
		c, err := s.person(ctx, tx, id)
		if err != nil {
			return err
		}
		c.Verified = verified
		return s.rewriteContact(ctx, tx, c)
	})
}

// ChangeIdentity replaces a contact's identity key, clears its verified
// mark, holds sending to it (see [Contact.Held]) and appends the change to
// its history, all in one transaction, so that no crash can leave a new,
// unverified key that is not held. It fails with [ErrContactExists] if
// another contact has the new key.
func (s *Store) ChangeIdentity(ctx context.Context, id ContactID, identity keys.PublicKey) error {
	return s.write(ctx, func(tx querier) error {
		c, err := s.person(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Identity.Equal(identity) {
			return nil
		}
		if err := s.addIdentityChange(ctx, tx, id, IdentityChange{Old: c.Identity, New: identity, At: s.now()}); err != nil {
			return err
		}
		c.Identity, c.Verified, c.Held = identity, false, true
		return s.rewriteContact(ctx, tx, c)
	})
}

// AcceptIdentity releases a contact held since its identity key changed:
// the user has seen the change, and sending may resume.
func (s *Store) AcceptIdentity(ctx context.Context, id ContactID) error {
	return s.write(ctx, func(tx querier) error {
		c, err := s.person(ctx, tx, id)
		if err != nil {
			return err
		}
		c.Held = false
		return s.rewriteContact(ctx, tx, c)
	})
}

// rewriteContact re-seals every field of c (fresh nonces) and its index.
func (s *Store) rewriteContact(ctx context.Context, tx querier, c Contact) error {
	f, err := s.sealContact(int64(c.ID), c)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE contacts SET identity_index = ?, identity = ?, name = ?, address = ?,
		trust = ? WHERE id = ?`, s.contactIndex(c), f[0], f[1], f[2], f[3], c.ID)
	if isUniqueViolation(err) {
		return ErrContactExists
	}
	if err != nil {
		return fmt.Errorf("store: writing contact: %w", err)
	}
	return nil
}

// addIdentityChange appends a change to a contact's identity history.
func (s *Store) addIdentityChange(ctx context.Context, tx querier, id ContactID, ch IdentityChange) error {
	row, err := nextID(ctx, tx, tableHistory)
	if err != nil {
		return err
	}
	var e encoder
	e.bytes(ch.Old[:])
	e.bytes(ch.New[:])
	e.time(ch.At)
	ct, err := s.c.seal(tableHistory, colChange, row, e.b)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO identity_history (id, contact, change) VALUES (?, ?, ?)`, row, id, ct)
	if err != nil {
		return fmt.Errorf("store: writing identity history: %w", err)
	}
	return nil
}

// IdentityHistory returns the identity-key changes of a contact, oldest
// first.
func (s *Store) IdentityHistory(ctx context.Context, id ContactID) ([]IdentityChange, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	return s.identityHistory(ctx, q, id)
}

// identityHistory is IdentityHistory on q.
func (s *Store) identityHistory(ctx context.Context, q querier, id ContactID) ([]IdentityChange, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, change FROM identity_history WHERE contact = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: reading identity history: %w", err)
	}
	defer rows.Close()
	var out []IdentityChange
	for rows.Next() {
		var row int64
		var ct []byte
		if err := rows.Scan(&row, &ct); err != nil {
			return nil, fmt.Errorf("store: reading identity history: %w", err)
		}
		pt, err := s.c.open(tableHistory, colChange, row, ct)
		if err != nil {
			return nil, err
		}
		var ch IdentityChange
		d := newDecoder(pt)
		d.fixed(ch.Old[:])
		d.fixed(ch.New[:])
		ch.At = d.time()
		if err := d.done(); err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, rows.Err()
}

// DeleteContact deletes a contact; its session, identity history,
// messages, outbox items, attachments and timers go with it (foreign keys
// cascade, and secure_delete overwrites the freed bytes). For a group
// conversation, its state and history, sender keys and member statuses
// go too; for a person, its sender keys and statuses in every group.
func (s *Store) DeleteContact(ctx context.Context, id ContactID) error {
	return s.write(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: deleting contact: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// SetContactState accepts a request (StateContact), marks a contact a
// request, or blocks and unblocks it, changing nothing else. Blocking
// through [Store.Block] also deletes the history.
func (s *Store) SetContactState(ctx context.Context, id ContactID, state ContactState) error {
	return s.write(ctx, func(tx querier) error {
		c, err := s.contact(ctx, tx, id)
		if err != nil {
			return err
		}
		c.State = state
		return s.rewriteContact(ctx, tx, c)
	})
}

// SetFilesPolicy sets whether a contact's file offers download by
// themselves, changing nothing else.
func (s *Store) SetFilesPolicy(ctx context.Context, id ContactID, p FilesPolicy) error {
	return s.write(ctx, func(tx querier) error {
		c, err := s.contact(ctx, tx, id)
		if err != nil {
			return err
		}
		c.Files = p
		return s.rewriteContact(ctx, tx, c)
	})
}

// Block marks a contact blocked and deletes its messages (with their
// attachments and timers), its outbox, its session, its read marker and
// its control messages not yet applied, in one transaction. The row stays, under its identity key's blind
// index, so that the sender's later envelopes are recognised and dropped.
//
// Why keep the row: deleting it would make a blocked sender "someone new"
// again, a fresh request on its next message.
func (s *Store) Block(ctx context.Context, id ContactID) error {
	return s.write(ctx, func(tx querier) error {
		c, err := s.person(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM outbox WHERE contact = ?`,
			`DELETE FROM messages WHERE conversation = ?`,
			`DELETE FROM sessions WHERE contact = ?`,
			`DELETE FROM read_markers WHERE contact = ?`,
			`DELETE FROM pending_controls WHERE contact = ?`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, id); err != nil {
				return fmt.Errorf("store: blocking: %w", err)
			}
		}
		c.State = StateBlocked
		return s.rewriteContact(ctx, tx, c)
	})
}
