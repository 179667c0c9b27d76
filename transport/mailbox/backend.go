package mailbox

import (
	"context"
	"io"
	"time"

	"ratchat/keys"
)

// Backend is where a home keeps its owners' mailboxes, prekeys and tokens:
// the SQLite [Store] (the embedded default) or transport/jetstream's Store.
//
// Every implementation returns this package's error sentinels
// ([ErrUnknownMailbox], [ErrUnknownToken], [ErrQuota] and the two that wrap
// it, [ErrFull], [ErrNoPreKeys], [ErrClosed]), so that a home maps them to
// the wire the same way whatever the backend. The methods mean what the
// [Store] methods of the same names document.
type Backend interface {
	// Register and RegisterWith create an owner's mailbox if it has none
	// and record the visit; see [Store.RegisterWith].
	Register(owner keys.PublicKey, now time.Time) (created bool, err error)
	RegisterWith(owner keys.PublicKey, now time.Time, mayCreate func() error) (created bool, err error)
	// Registered reports whether owner has a mailbox.
	Registered(ctx context.Context, owner keys.PublicKey) (bool, error)
	// Usage returns the number and bytes of owner's envelopes, or
	// [ErrUnknownMailbox].
	Usage(ctx context.Context, owner keys.PublicKey) (count int, size int64, err error)
	// HomeIdentity returns the key the home presents, made once from rand.
	HomeIdentity(ctx context.Context, rand io.Reader) (keys.PublicKey, error)
	// DepositTokenAsync stores body for owner if the token allows it;
	// done gets the result once it is durable (or refused). It must not
	// block, and the body must not change until done. A positive lifetime
	// makes the envelope expire at now plus lifetime (0: none); the caller
	// clamps it to its retention.
	DepositTokenAsync(owner keys.PublicKey, token TokenHash, body []byte, now time.Time, lifetime time.Duration, done func(DepositResult))
	// Pending returns up to limit envelopes of owner with ids above after,
	// received at or after notBefore and not past their lifetime, in id
	// order.
	Pending(ctx context.Context, owner keys.PublicKey, after uint64, notBefore time.Time, limit int) ([]Envelope, error)
	// Ack deletes owner's envelopes with these ids and says how many
	// there were.
	Ack(owner keys.PublicKey, ids []uint64) (int, error)
	// Subscribe calls offer with every envelope stored for owner from now
	// on, by any front end sharing the backend, in id order per owner;
	// offer must not block. cancel stops it: offer is not called once
	// cancel has returned. Every envelope stored after Subscribe returned
	// is offered; one stored before may be too: a home reads those with
	// Pending, and drops what it already has by id.
	Subscribe(owner keys.PublicKey, offer func(Envelope)) (cancel func())
	PutPreKeys(owner keys.PublicKey, u PreKeyUpload) error
	TakePreKeys(owner keys.PublicKey) (Handout, error)
	PeekPreKeys(ctx context.Context, owner keys.PublicKey) (Handout, error)
	PreKeyCounts(ctx context.Context, owner keys.PublicKey) (oneTime, kem int, err error)
	AddTokens(owner keys.PublicKey, tokens []Token) error
	RevokeTokens(owner keys.PublicKey, hashes []TokenHash) error
	// Expire deletes envelopes received before cutoff, and those past
	// their lifetime.
	Expire(cutoff time.Time) (n int, size int64, err error)
	// ExpireMailboxes deletes the mailboxes not seen since cutoff.
	ExpireMailboxes(cutoff time.Time, keep []keys.PublicKey, now time.Time) (mailboxes, envelopes int, size int64, err error)
	Close() error
}

var _ Backend = (*Store)(nil)

// Resyncer is implemented by a backend whose live offers can be missed
// (transport/jetstream, in a cluster: a subscription not yet known to
// every node, or a partition moving). A home on it reads each connected
// owner's whole mailbox again every ResyncEvery and pushes what its live
// offers missed, so that a missed offer delays an envelope by at most
// that long instead of until the owner reconnects.
type Resyncer interface {
	ResyncEvery() time.Duration
}
