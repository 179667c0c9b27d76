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
// did; either way it records now as when the owner was last seen (see
// [Store.ExpireMailboxes]). A home registers an owner each time it
// authenticates. It fails with [ErrFull] when a new mailbox would exceed
// [Options.MaxMailboxes].
func (s *Store) Register(owner keys.PublicKey, now time.Time) (created bool, err error) {
	return s.RegisterWith(owner, now, nil)
}

// RegisterWith is [Store.Register], but before creating a mailbox (and
// only then) it calls mayCreate, whose error refuses the registration and
// is returned as it is. A home uses it to rate-limit registrations without
// charging owners that already have a mailbox. mayCreate runs in the
// writer goroutine: it must be quick and must not call the store.
func (s *Store) RegisterWith(owner keys.PublicKey, now time.Time, mayCreate func() error) (created bool, err error) {
	err = s.write(func(tx *sql.Tx) error {
		created = false
		res, err := s.exec(tx, `UPDATE mailboxes SET seen_ms = ? WHERE owner = ?`, now.UnixMilli(), owner[:])
		if err != nil {
			return fmt.Errorf("mailbox: registering: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		if s.opts.MaxMailboxes > 0 {
			t, err := s.loadTotals(tx)
			if err != nil {
				return err
			}
			if t.mailboxes >= s.opts.MaxMailboxes {
				return ErrFull
			}
		}
		if mayCreate != nil {
			if err := mayCreate(); err != nil {
				return err
			}
		}
		_, err = s.exec(tx, `INSERT INTO mailboxes (owner, created_ms, seen_ms) VALUES (?, ?, ?)`,
			owner[:], now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return fmt.Errorf("mailbox: registering: %w", err)
		}
		created = true
		if s.totals.known {
			s.totals.mailboxes++
		}
		return nil
	})
	return created, err
}

// ExpireMailboxes deletes the mailboxes whose owners were last seen (see
// [Store.Register]) before cutoff, with their envelopes and prekeys, and
// returns how many mailboxes and envelopes went, and the envelopes' bytes.
// The owners in keep (those connected now) count as seen at now first.
// Why: a mailbox nobody comes for would otherwise hold its quota of the
// home's disk for ever, and an open relay's registrations cost nothing.
func (s *Store) ExpireMailboxes(cutoff time.Time, keep []keys.PublicKey, now time.Time) (mailboxes, envelopes int, size int64, err error) {
	err = s.write(func(tx *sql.Tx) error {
		mailboxes, envelopes, size = 0, 0, 0
		for _, o := range keep {
			if _, err := s.exec(tx, `UPDATE mailboxes SET seen_ms = ? WHERE owner = ?`, now.UnixMilli(), o[:]); err != nil {
				return fmt.Errorf("mailbox: expiring mailboxes: %w", err)
			}
		}
		ms := cutoff.UnixMilli()
		rows, err := tx.Query(`DELETE FROM envelopes WHERE owner IN
			(SELECT owner FROM mailboxes WHERE seen_ms < ?) RETURNING size`, ms)
		if err != nil {
			return fmt.Errorf("mailbox: expiring mailboxes: %w", err)
		}
		for rows.Next() {
			var sz int64
			if err := rows.Scan(&sz); err != nil {
				rows.Close()
				return fmt.Errorf("mailbox: expiring mailboxes: %w", err)
			}
			envelopes++
			size += sz
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("mailbox: expiring mailboxes: %w", err)
		}
		for _, table := range []string{tableOneTime, tableKEM, tableTokens} {
			if _, err := tx.Exec(`DELETE FROM `+table+` WHERE owner IN
				(SELECT owner FROM mailboxes WHERE seen_ms < ?)`, ms); err != nil {
				return fmt.Errorf("mailbox: expiring mailboxes: %w", err)
			}
		}
		res, err := tx.Exec(`DELETE FROM mailboxes WHERE seen_ms < ?`, ms)
		if err != nil {
			return fmt.Errorf("mailbox: expiring mailboxes: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("mailbox: expiring mailboxes: %w", err)
		}
		mailboxes = int(n)
		if mailboxes > 0 {
			clear(s.usage) // simpler than finding the owners: expiry is rare
			clear(s.quotas)
			clear(s.tokens)
		}
		if s.totals.known {
			s.totals.mailboxes -= mailboxes
			s.totals.bytes -= size
		}
		return nil
	})
	return mailboxes, envelopes, size, err
}

// totals are a home's envelope bytes and number of mailboxes.
type totals struct {
	known     bool
	bytes     int64
	mailboxes int
}

// loadTotals returns the totals, counting them from the database in the
// writer's transaction if they are not known.
func (s *Store) loadTotals(tx *sql.Tx) (*totals, error) {
	if s.totals.known {
		return &s.totals, nil
	}
	err := s.queryRow(tx, `SELECT (SELECT coalesce(sum(size), 0) FROM envelopes),
		(SELECT count(*) FROM mailboxes)`).Scan(&s.totals.bytes, &s.totals.mailboxes)
	if err != nil {
		return nil, fmt.Errorf("mailbox: counting totals: %w", err)
	}
	s.totals.known = true
	return &s.totals, nil
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
