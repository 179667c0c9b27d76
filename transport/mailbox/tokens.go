package mailbox

import (
	"database/sql"
	"fmt"
	"time"

	"ratchat/keys"
)

// TokenHash is the hash of a deposit token, as the store keeps it. The
// store never sees a token itself: the caller hashes it (see
// transport's token hash), so that a leaked database gives no deposit
// rights.
type TokenHash [32]byte

// TokenKind says which quota a token's deposits count against.
type TokenKind uint8

// The token kinds. Values are stored; never reuse one.
const (
	// TokenRequest is the token of an owner's invite: all request tokens
	// of a mailbox share one small quota, so that requests can never
	// crowd out contacts.
	TokenRequest TokenKind = 1
	// TokenContact is the token an owner gave one contact: it has a quota
	// of its own.
	TokenContact TokenKind = 2
)

// Token is one token an owner registers.
type Token struct {
	Hash TokenHash
	Kind TokenKind
}

const tableTokens = "tokens"

// requestQuota is the quota column of envelopes deposited with a request
// token: the zero hash, which no token hashes to in practice.
var requestQuota TokenHash

// quotaKey names one token quota of one mailbox.
type quotaKey struct {
	owner keys.PublicKey
	quota TokenHash
}

// AddTokens registers tokens for owner's mailbox; adding one again
// changes its kind. It fails with [ErrUnknownMailbox], or [ErrQuota] if
// owner would hold more than [Options.MaxTokens].
func (s *Store) AddTokens(owner keys.PublicKey, tokens []Token) error {
	for _, t := range tokens {
		if t.Kind != TokenRequest && t.Kind != TokenContact {
			return fmt.Errorf("mailbox: token kind %d", t.Kind)
		}
	}
	return s.write(func(tx *sql.Tx) error {
		have, err := s.ownerTokens(tx, owner)
		if err != nil {
			return err
		}
		fresh := 0
		for _, t := range tokens {
			if _, ok := have[t.Hash]; !ok {
				fresh++
			}
		}
		if len(have)+fresh > s.opts.MaxTokens {
			return fmt.Errorf("%w: more than %d tokens", ErrQuota, s.opts.MaxTokens)
		}
		for _, t := range tokens {
			if _, err := s.exec(tx, `INSERT INTO tokens (owner, hash, kind) VALUES (?, ?, ?)
				ON CONFLICT (owner, hash) DO UPDATE SET kind = excluded.kind`, owner[:], t.Hash[:], t.Kind); err != nil {
				return fmt.Errorf("mailbox: adding token: %w", err)
			}
		}
		for _, t := range tokens { // only once every row is written
			have[t.Hash] = t.Kind
		}
		return nil
	})
}

// RevokeTokens removes tokens from owner's mailbox: later deposits with
// them fail with [ErrUnknownToken]. Envelopes already stored stay.
// Unknown hashes are ignored.
func (s *Store) RevokeTokens(owner keys.PublicKey, hashes []TokenHash) error {
	return s.write(func(tx *sql.Tx) error {
		have, err := s.ownerTokens(tx, owner)
		if err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := s.exec(tx, `DELETE FROM tokens WHERE owner = ? AND hash = ?`, owner[:], h[:]); err != nil {
				return fmt.Errorf("mailbox: revoking token: %w", err)
			}
		}
		for _, h := range hashes {
			delete(have, h)
		}
		return nil
	})
}

// ownerTokens returns owner's tokens from the cache, reading them on a
// miss (writer only). It fails with [ErrUnknownMailbox].
func (s *Store) ownerTokens(tx *sql.Tx, owner keys.PublicKey) (map[TokenHash]TokenKind, error) {
	if m, ok := s.tokens[owner]; ok {
		return m, nil
	}
	if _, err := s.mailboxUsage(tx, owner); err != nil {
		return nil, err
	}
	st, err := s.prepared(`SELECT hash, kind FROM tokens WHERE owner = ?`)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Stmt(st).Query(owner[:])
	if err != nil {
		return nil, fmt.Errorf("mailbox: reading tokens: %w", err)
	}
	defer rows.Close()
	m := map[TokenHash]TokenKind{}
	for rows.Next() {
		var h []byte
		var k TokenKind
		if err := rows.Scan(&h, &k); err != nil {
			return nil, fmt.Errorf("mailbox: reading tokens: %w", err)
		}
		m[TokenHash(h)] = k
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mailbox: reading tokens: %w", err)
	}
	s.tokens[owner] = m
	return m, nil
}

// DepositTokenAsync is [Store.DepositAsync] for a deposit made with a
// token: the writer checks that owner registered the token
// ([ErrUnknownToken] if not) and counts the envelope against the token's
// quota ([ErrTokenQuota] once full) as well as the mailbox's.
//
// A positive lifetime makes the envelope expire at now plus lifetime:
// [Store.Pending] never returns it from then on (by [Options.Now]), and
// [Store.Expire] deletes it. 0 is none.
func (s *Store) DepositTokenAsync(owner keys.PublicKey, token TokenHash, body []byte, now time.Time, lifetime time.Duration, done func(DepositResult)) {
	o := &op{kind: opDeposit, owner: owner, body: body, received: now.UnixMilli(), token: &token}
	if lifetime > 0 {
		o.expires = now.Add(lifetime).UnixMilli()
	}
	o.finish = func(err error) {
		if err != nil {
			done(DepositResult{Err: err})
			return
		}
		done(DepositResult{ID: o.id})
	}
	s.enqueue(o)
}

// DepositToken is [Store.DepositTokenAsync], waiting for the result.
func (s *Store) DepositToken(owner keys.PublicKey, token TokenHash, body []byte, now time.Time, lifetime time.Duration) (uint64, error) {
	out := make(chan DepositResult, 1)
	s.DepositTokenAsync(owner, token, body, now, lifetime, func(r DepositResult) { out <- r })
	r := <-out
	return r.ID, r.Err
}

// tokenQuota checks a token deposit (writer only): it returns the quota
// it counts against and that quota's usage, or the deposit's own error
// (nil usage) for an unknown token or a full quota.
func (s *Store) tokenQuota(tx *sql.Tx, o *op) (*TokenHash, *usage, error) {
	have, err := s.ownerTokens(tx, o.owner)
	if err != nil {
		return nil, nil, err
	}
	kind, ok := have[*o.token]
	if !ok {
		return nil, nil, ErrUnknownToken
	}
	q, maxN, maxB := *o.token, int64(s.opts.MaxContactEnvelopes), s.opts.MaxContactBytes
	if kind == TokenRequest {
		q, maxN, maxB = requestQuota, int64(s.opts.MaxRequestEnvelopes), s.opts.MaxRequestBytes
	}
	u, err := s.quotaUsage(tx, quotaKey{o.owner, q})
	if err != nil {
		return nil, nil, err
	}
	if u.count+1 > maxN || u.bytes+int64(len(o.body)) > maxB {
		if kind == TokenRequest {
			return nil, nil, ErrRequestQuota
		}
		return nil, nil, ErrTokenQuota
	}
	return &q, u, nil
}

// quotaUsage returns one token quota's usage from the cache, reading it
// on a miss (writer only).
func (s *Store) quotaUsage(tx *sql.Tx, k quotaKey) (*usage, error) {
	if u, ok := s.quotas[k]; ok {
		return u, nil
	}
	u := &usage{}
	err := s.queryRow(tx, `SELECT count(*), coalesce(sum(size), 0) FROM envelopes WHERE owner = ? AND quota = ?`,
		k.owner[:], k.quota[:]).Scan(&u.count, &u.bytes)
	if err != nil {
		return nil, fmt.Errorf("mailbox: reading token usage: %w", err)
	}
	s.quotas[k] = u
	return u, nil
}
