package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Table and column names of sessions.
const (
	tableSessions = "sessions"
	colState      = "state"
)

// SessionStore holds the ratchet state of each contact's session, an
// opaque blob that session/ serializes.
type SessionStore interface {
	// Session returns the state; ErrNotFound if none, ErrSessionReset if a
	// restore dropped it.
	Session(ctx context.Context, contact ContactID) ([]byte, error)
	// PutSession stores a new state, replacing the old one.
	PutSession(ctx context.Context, contact ContactID, state []byte) error
	// DeleteSession forgets a contact's session.
	DeleteSession(ctx context.Context, contact ContactID) error
	// SessionResets lists the contacts whose session must be started afresh.
	SessionResets(ctx context.Context) ([]ContactID, error)
}

var _ SessionStore = (*Store)(nil)

// Session returns a contact's ratchet state. It fails with [ErrNotFound]
// if there is none and with [ErrSessionReset] if a restore dropped it.
func (s *Store) Session(ctx context.Context, contact ContactID) ([]byte, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	var ct []byte
	err = q.QueryRowContext(ctx, `SELECT state FROM sessions WHERE contact = ?`, contact).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading session: %w", err)
	}
	if ct == nil {
		return nil, ErrSessionReset
	}
	return s.c.open(tableSessions, colState, int64(contact), ct)
}

// PutSession stores a contact's new ratchet state (and clears any reset
// mark). The state is sealed under the contact's row id: a session blob
// moved to another contact fails to open.
func (s *Store) PutSession(ctx context.Context, contact ContactID, state []byte) error {
	return s.write(ctx, func(tx querier) error { return s.putSession(ctx, tx, contact, state) })
}

// putSession is PutSession inside a transaction.
func (s *Store) putSession(ctx context.Context, tx querier, contact ContactID, state []byte) error {
	ct, err := s.c.seal(tableSessions, colState, int64(contact), state)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sessions (contact, state) VALUES (?, ?)
		ON CONFLICT (contact) DO UPDATE SET state = excluded.state`, contact, ct)
	if isGroupRefusal(err) {
		return ErrIsGroup
	}
	if err != nil {
		return fmt.Errorf("store: writing session: %w", err)
	}
	return nil
}

// DeleteSession forgets a contact's session.
func (s *Store) DeleteSession(ctx context.Context, contact ContactID) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE contact = ?`, contact); err != nil {
			return fmt.Errorf("store: deleting session: %w", err)
		}
		return nil
	})
}

// SessionResets returns the contacts whose session a restore dropped: the
// messenger starts a fresh session with each (ratchet state is never
// restored, because reusing it would reuse message keys).
func (s *Store) SessionResets(ctx context.Context) ([]ContactID, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT contact FROM sessions WHERE state IS NULL ORDER BY contact`)
	if err != nil {
		return nil, fmt.Errorf("store: reading sessions: %w", err)
	}
	defer rows.Close()
	var out []ContactID
	for rows.Next() {
		var id ContactID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: reading sessions: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// markSessionsForReset marks every person's session to be reset (a group
// has none). ("WHERE" is also SQLite's required disambiguation of an
// upsert from a SELECT.)
func markSessionsForReset(ctx context.Context, tx querier) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (contact, state) SELECT id, NULL FROM contacts
		WHERE id NOT IN (SELECT conversation FROM groups)
		ON CONFLICT (contact) DO UPDATE SET state = NULL`)
	if err != nil {
		return fmt.Errorf("store: marking sessions: %w", err)
	}
	return nil
}
