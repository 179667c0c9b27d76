package mailbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"ratchat/keys"
)

// metaHomeKey names the home's identity key in the meta table.
const metaHomeKey = "home_identity"

// Register creates owner's mailbox if it has none, and reports whether it
// did. A home registers an owner when it first authenticates.
func (s *Store) Register(owner keys.PublicKey, now time.Time) (created bool, err error) {
	err = s.write(func(tx *sql.Tx) error {
		res, err := s.exec(tx, `INSERT INTO mailboxes (owner, created_ms) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			owner[:], now.UnixMilli())
		if err != nil {
			return fmt.Errorf("mailbox: registering: %w", err)
		}
		n, err := res.RowsAffected()
		created = n == 1
		return err
	})
	return created, err
}

// Registered reports whether owner has a mailbox here.
func (s *Store) Registered(ctx context.Context, owner keys.PublicKey) (bool, error) {
	db, err := s.reader()
	if err != nil {
		return false, err
	}
	var one int
	err = db.QueryRowContext(ctx, `SELECT 1 FROM mailboxes WHERE owner = ?`, owner[:]).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mailbox: reading mailbox: %w", err)
	}
	return true, nil
}

// HomeIdentity returns the identity key this home presents to clients,
// generating it from rand (and storing it) the first time. A relay's
// identity only names it in owners' authentication signatures, so that a
// signature made for one relay is useless at another: its private half is
// never needed and not kept.
func (s *Store) HomeIdentity(ctx context.Context, rand io.Reader) (keys.PublicKey, error) {
	v, err := s.meta(ctx, metaHomeKey)
	if err != nil {
		return keys.PublicKey{}, err
	}
	if v != nil {
		return keys.NewPublicKey(v)
	}
	kp, err := keys.GenerateKeyPair(rand)
	if err != nil {
		return keys.PublicKey{}, err
	}
	err = s.write(func(tx *sql.Tx) error {
		_, err := s.exec(tx, `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			metaHomeKey, kp.Public[:])
		return err
	})
	if err != nil {
		return keys.PublicKey{}, fmt.Errorf("mailbox: storing home identity: %w", err)
	}
	// Read back: a concurrent first call may have stored its own key.
	return s.HomeIdentity(ctx, rand)
}
