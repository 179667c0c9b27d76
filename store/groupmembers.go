package store

import (
	"context"
	"fmt"
	"strings"

	"ratchat/keys"
)

// ContactsByIdentity is [Store.ContactByIdentity] for many keys at once
// (the members of a group, on every message sent to it): a query per
// batch of keys instead of one per key. It returns the contacts found, by
// identity key; a key without a contact is absent from the map.
func (s *Store) ContactsByIdentity(ctx context.Context, ids []keys.PublicKey) (map[keys.PublicKey]Contact, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	out := make(map[keys.PublicKey]Contact, len(ids))
	err = batches(len(ids), func(start, size int) error {
		args := make([]any, size)
		for i := range args {
			args[i] = s.identityIndex(ids[start+i])
		}
		rows, err := q.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE identity_index IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", size), ", ")+`)`, args...)
		if err != nil {
			return fmt.Errorf("store: reading contacts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := s.scanContact(rows)
			if err != nil {
				return err
			}
			out[c.Identity] = c
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: reading contacts: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ContactsByID returns the rows of the given ids that exist, read a batch
// at a time: the outbox reads every contact a pass delivers to at once,
// not one query a contact.
func (s *Store) ContactsByID(ctx context.Context, ids []ContactID) (map[ContactID]Contact, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	out := make(map[ContactID]Contact, len(ids))
	err = batches(len(ids), func(start, size int) error {
		args := make([]any, size)
		for i := range args {
			args[i] = ids[start+i]
		}
		rows, err := q.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", size), ", ")+`)`, args...)
		if err != nil {
			return fmt.Errorf("store: reading contacts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := s.scanContact(rows)
			if err != nil {
				return err
			}
			out[c.ID] = c
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: reading contacts: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
