package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Tables and column of deposit tokens, part of every sealed field's
// associated data.
const (
	tableIssuedTokens  = "issued_tokens"
	tableContactTokens = "contact_tokens"
	colToken           = "token"
)

// DepositTokenSize is the length of a deposit token.
const DepositTokenSize = 16

// DepositToken is a deposit token: one this profile handed out
// ([Store.IssueToken]) or one a contact gave us ([Store.SetContactToken]).
// Kind is transport's token kind (request or contact), kept as is.
type DepositToken struct {
	Contact ContactID // 0 for our request token
	Kind    uint8
	Token   [DepositTokenSize]byte
	Revoked bool // issued tokens only
}

// IssueToken records a token we hand out: our request token (contact 0)
// or a contact's.
func (s *Store) IssueToken(ctx context.Context, t DepositToken) error {
	return s.write(ctx, func(tx querier) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM issued_tokens`).Scan(&id); err != nil {
			return fmt.Errorf("store: issuing token: %w", err)
		}
		ct, err := s.c.seal(tableIssuedTokens, colToken, id, append([]byte{t.Kind}, t.Token[:]...))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO issued_tokens (id, contact, revoked, token) VALUES (?, ?, 0, ?)`,
			id, t.Contact, ct)
		if isGroupRefusal(err) {
			return ErrIsGroup
		}
		if err != nil {
			return fmt.Errorf("store: issuing token: %w", err)
		}
		return nil
	})
}

// IssuedTokens returns every token we handed out, revoked ones included,
// oldest first.
func (s *Store) IssuedTokens(ctx context.Context) ([]DepositToken, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, contact, revoked, token FROM issued_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: reading tokens: %w", err)
	}
	defer rows.Close()
	var out []DepositToken
	for rows.Next() {
		var id int64
		var t DepositToken
		var ct []byte
		if err := rows.Scan(&id, &t.Contact, &t.Revoked, &ct); err != nil {
			return nil, fmt.Errorf("store: reading tokens: %w", err)
		}
		if err := s.openToken(tableIssuedTokens, id, ct, &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading tokens: %w", err)
	}
	return out, nil
}

// RevokeIssued marks every token we gave contact revoked, and returns
// them.
func (s *Store) RevokeIssued(ctx context.Context, contact ContactID) ([]DepositToken, error) {
	err := s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `UPDATE issued_tokens SET revoked = 1 WHERE contact = ?`, contact); err != nil {
			return fmt.Errorf("store: revoking tokens: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	all, err := s.IssuedTokens(ctx)
	if err != nil {
		return nil, err
	}
	var out []DepositToken
	for _, t := range all {
		if t.Contact == contact {
			out = append(out, t)
		}
	}
	return out, nil
}

// SetContactToken stores the token a contact gave us (or its invite's
// request token), replacing the one it had.
func (s *Store) SetContactToken(ctx context.Context, t DepositToken) error {
	ct, err := s.c.seal(tableContactTokens, colToken, int64(t.Contact), append([]byte{t.Kind}, t.Token[:]...))
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO contact_tokens (contact, token) VALUES (?, ?)
			ON CONFLICT (contact) DO UPDATE SET token = excluded.token`, t.Contact, ct)
		if isGroupRefusal(err) {
			return ErrIsGroup
		}
		if err != nil {
			return fmt.Errorf("store: storing token: %w", err)
		}
		return nil
	})
}

// ContactToken returns the token to deposit with at contact's home, or
// [ErrNotFound].
func (s *Store) ContactToken(ctx context.Context, contact ContactID) (DepositToken, error) {
	q, err := s.reader()
	if err != nil {
		return DepositToken{}, err
	}
	var ct []byte
	err = q.QueryRowContext(ctx, `SELECT token FROM contact_tokens WHERE contact = ?`, contact).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return DepositToken{}, ErrNotFound
	}
	if err != nil {
		return DepositToken{}, fmt.Errorf("store: reading token: %w", err)
	}
	t := DepositToken{Contact: contact}
	return t, s.openToken(tableContactTokens, int64(contact), ct, &t)
}

// openToken opens a sealed kind ‖ token into t.
func (s *Store) openToken(table string, row int64, ct []byte, t *DepositToken) error {
	pt, err := s.c.open(table, colToken, row, ct)
	if err != nil {
		return err
	}
	if len(pt) != 1+DepositTokenSize {
		return ErrCorrupt
	}
	t.Kind = pt[0]
	copy(t.Token[:], pt[1:])
	return nil
}

// Roles of a deposit-token backup record.
const (
	tokenIssued  = 1 // one we handed out
	tokenGivenUs = 2 // one a contact gave us
)

// exportTokens writes a record per deposit token, so that a restored
// profile can still deposit at its contacts' homes and revoke what it
// handed out.
func (s *Store) exportTokens(ctx context.Context, tx querier, rw *recordWriter) error {
	for _, q := range []struct {
		role  uint64
		table string
		query string
	}{
		{tokenIssued, tableIssuedTokens, `SELECT id, contact, revoked, token FROM issued_tokens ORDER BY id`},
		{tokenGivenUs, tableContactTokens, `SELECT contact, contact, 0, token FROM contact_tokens ORDER BY contact`},
	} {
		rows, err := tx.QueryContext(ctx, q.query)
		if err != nil {
			return fmt.Errorf("store: exporting tokens: %w", err)
		}
		var all []DepositToken
		for rows.Next() {
			var row int64
			var t DepositToken
			var ct []byte
			if err := rows.Scan(&row, &t.Contact, &t.Revoked, &ct); err != nil {
				rows.Close()
				return fmt.Errorf("store: exporting tokens: %w", err)
			}
			if err := s.openToken(q.table, row, ct, &t); err != nil {
				rows.Close()
				return err
			}
			all = append(all, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: exporting tokens: %w", err)
		}
		for _, t := range all {
			var e encoder
			e.uvarint(q.role)
			e.uvarint(uint64(t.Contact))
			e.uvarint(uint64(t.Kind))
			e.bytes(t.Token[:])
			e.bool(t.Revoked)
			if err := rw.write(recDepositToken, &e); err != nil {
				return err
			}
		}
	}
	return nil
}

// restoreToken applies a deposit-token record.
func (s *Store) restoreToken(ctx context.Context, tx querier, d *decoder) error {
	role, contact, kind, token, revoked := d.uvarint(), d.uvarint(), d.uvarint(), d.bytes(), d.bool()
	if err := d.done(); err != nil {
		return err
	}
	if len(token) != DepositTokenSize || kind == 0 || kind > 255 || contact > 1<<62 {
		return ErrBackupCorrupt
	}
	pt := append([]byte{byte(kind)}, token...)
	switch role {
	case tokenIssued:
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM issued_tokens`).Scan(&id); err != nil {
			return err
		}
		ct, err := s.c.seal(tableIssuedTokens, colToken, id, pt)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO issued_tokens (id, contact, revoked, token) VALUES (?, ?, ?, ?)`,
			id, contact, revoked, ct)
		return err
	case tokenGivenUs:
		ct, err := s.c.seal(tableContactTokens, colToken, int64(contact), pt)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO contact_tokens (contact, token) VALUES (?, ?)`, contact, ct)
		return err
	}
	return ErrBackupCorrupt
}
