package transport

import (
	"context"
	"fmt"
	"slices"
	"time"

	"ratchat/keys"
)

// Ping checks that the home answers.
func (c *Conn) Ping(ctx context.Context) error {
	m, err := c.roundTrip(ctx, &Ping{})
	if err != nil {
		return err
	}
	if _, ok := m.(*Pong); !ok {
		return c.unexpected(m)
	}
	return nil
}

// Deposit stores a sealed envelope in recipient's mailbox at this home,
// with a deposit token the recipient handed out, and returns its id once
// the home has it on disk. Refusals are [*RefusedError]s:
// CodeTokenRequired (a zero token), CodeTokenRefused (a token the
// recipient never registered, or revoked), CodeUnknownRecipient,
// CodeQuotaExceeded, CodeRateLimited...
func (c *Conn) Deposit(ctx context.Context, recipient keys.PublicKey, token Token, envelope []byte) (uint64, error) {
	return c.DepositWithLifetime(ctx, recipient, token, envelope, 0)
}

// DepositWithLifetime is [Conn.Deposit] for an envelope that the home
// deletes, undelivered, if recipient has not fetched it within lifetime
// of its storing (whole seconds, [MinLifetime] to [MaxLifetime]; 0 for
// none, which is Deposit). A lifetime that is not whole seconds or out of
// bounds fails with [ErrMalformed] before anything is sent. A home from
// before lifetimes refuses such a deposit as malformed (and closes the
// connection) rather than keeping it longer.
func (c *Conn) DepositWithLifetime(ctx context.Context, recipient keys.PublicKey, token Token, envelope []byte, lifetime time.Duration) (uint64, error) {
	m, err := c.roundTrip(ctx, &Deposit{Recipient: recipient, Token: token, Lifetime: lifetime, Envelope: envelope})
	if err != nil {
		return 0, err
	}
	s, ok := m.(*Stored)
	if !ok {
		return 0, c.unexpected(m)
	}
	return s.ID, nil
}

// FetchBundle asks the home for a prekey bundle of owner, and checks it:
// it must be owner's, with valid signatures and a KEM prekey (so the
// session is post-quantum), else [ErrBadBundle]. It does not check that
// owner is who the caller thinks: that is what safety numbers are for.
func (c *Conn) FetchBundle(ctx context.Context, owner keys.PublicKey) (*BundleReply, error) {
	m, err := c.roundTrip(ctx, &FetchBundle{Identity: owner})
	if err != nil {
		return nil, err
	}
	r, ok := m.(*BundleReply)
	if !ok {
		return nil, c.unexpected(m)
	}
	if !r.Bundle.Identity.Equal(owner) {
		return nil, fmt.Errorf("%w: bundle of another identity", ErrBadBundle)
	}
	if r.Bundle.KEMPreKey == nil {
		return nil, fmt.Errorf("%w: no KEM prekey", ErrBadBundle)
	}
	if err := r.Bundle.Verify(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadBundle, err)
	}
	return r, nil
}

// UploadPreKeys publishes the owner's prekeys (owner only).
func (c *Conn) UploadPreKeys(ctx context.Context, u *UploadPreKeys) error {
	return c.expectOK(ctx, u)
}

// PreKeyCounts returns how many one-time prekeys the owner has left at
// its home (owner only).
func (c *Conn) PreKeyCounts(ctx context.Context) (PreKeyCounts, error) {
	m, err := c.roundTrip(ctx, &CountPreKeys{})
	if err != nil {
		return PreKeyCounts{}, err
	}
	r, ok := m.(*PreKeyCounts)
	if !ok {
		return PreKeyCounts{}, c.unexpected(m)
	}
	return *r, nil
}

// Fetch asks the home to push the owner's mailbox on [Conn.Deliveries]
// (owner only).
func (c *Conn) Fetch(ctx context.Context) error {
	return c.expectOK(ctx, &Fetch{})
}

// Ack tells the home to delete these envelopes (owner only): call it once
// they are safely stored. Ids may come in any order and be repeated; they
// are sent sorted, in as many messages as needed.
func (c *Conn) Ack(ctx context.Context, ids ...uint64) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	ids = slices.DeleteFunc(ids, func(id uint64) bool { return id == 0 })
	for chunk := range slices.Chunk(ids, MaxAckIDs) {
		if err := c.expectOK(ctx, &Ack{IDs: chunk}); err != nil {
			return err
		}
	}
	return nil
}

// AddTokens registers deposit tokens of the owner's mailbox (owner only),
// in messages of up to [MaxTokensPerMessage]. Adding a token again is
// harmless.
func (c *Conn) AddTokens(ctx context.Context, entries []TokenEntry) error {
	return c.tokens(ctx, TokensAdd, entries)
}

// RevokeTokens revokes deposit tokens of the owner's mailbox (owner
// only): the home refuses later deposits with them (CodeTokenRefused).
// Revoking an unknown token is harmless.
func (c *Conn) RevokeTokens(ctx context.Context, tokens []Token) error {
	entries := make([]TokenEntry, len(tokens))
	for i, t := range tokens {
		entries[i] = TokenEntry{Kind: TokenContact, Token: t} // the kind is not used
	}
	return c.tokens(ctx, TokensRevoke, entries)
}

func (c *Conn) tokens(ctx context.Context, op TokenOp, entries []TokenEntry) error {
	for len(entries) > 0 {
		n := min(len(entries), MaxTokensPerMessage)
		m, err := c.roundTrip(ctx, &Tokens{Op: op, Entries: entries[:n]})
		if err != nil {
			return err
		}
		if _, ok := m.(*OK); !ok {
			return c.unexpected(m)
		}
		entries = entries[n:]
	}
	return nil
}
