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
	out := make(map[keys.PublicKey]Contact, len(ids))
	err := s.contactsWhere(ctx, "identity_index", len(ids),
		func(i int) any { return s.identityIndex(ids[i]) },
		func(c Contact) { out[c.Identity] = c })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ContactsByID returns the rows of the given ids that exist, read a batch
// at a time: the outbox reads every contact a pass delivers to at once,
// not one query a contact.
func (s *Store) ContactsByID(ctx context.Context, ids []ContactID) (map[ContactID]Contact, error) {
	out := make(map[ContactID]Contact, len(ids))
	err := s.contactsWhere(ctx, "id", len(ids),
		func(i int) any { return ids[i] },
		func(c Contact) { out[c.ID] = c })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// contactsWhere reads the contact rows whose column is one of n values
// (value(i) gives the i-th), a batch of values a query, and hands each
// row found to found.
func (s *Store) contactsWhere(ctx context.Context, column string, n int, value func(int) any, found func(Contact)) error {
	q, err := s.reader()
	if err != nil {
		return err
	}
	return batches(n, func(start, size int) error {
		args := make([]any, size)
		for i := range args {
			args[i] = value(start + i)
		}
		rows, err := q.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE `+column+` IN (`+
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
			found(c)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: reading contacts: %w", err)
		}
		return nil
	})
}
