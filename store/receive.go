package store

import (
	"context"
)

// Received is everything that decrypting one incoming message changes,
// committed together by [Store.CommitReceived].
type Received struct {
	// Message is the decrypted message (Direction Incoming).
	Message Message
	// Session is the ratchet state after decryption.
	Session []byte
	// UsedPreKeys are the one-time prekeys (X25519 and KEM) the
	// message's key agreement consumed; a last-resort key is not listed.
	UsedPreKeys []PreKeyRef
}

// CommitReceived stores, in one transaction, the received message (once:
// a redelivered message id is not stored again), the new session state of
// its conversation, and the deletion of the one-time prekeys it used. It
// returns the message's sequence number and whether it was new.
//
// Why one transaction: a crash between the steps would either lose a
// message whose keys the ratchet already discarded, or keep a one-time
// prekey that could then be used twice. The session state is stored even
// for a duplicate: a sender that re-sends an unacknowledged message
// encrypts it again with the next chain key, so the ratchet did advance.
func (s *Store) CommitReceived(ctx context.Context, r Received) (int64, bool, error) {
	var seq int64
	var inserted bool
	err := s.write(ctx, func(tx querier) error {
		row, err := nextID(ctx, tx, tableMessages)
		if err != nil {
			return err
		}
		if seq, inserted, err = s.insertMessage(ctx, tx, r.Message, row); err != nil {
			return err
		}
		if err := s.putSession(ctx, tx, r.Message.Conversation, r.Session); err != nil {
			return err
		}
		for _, ref := range r.UsedPreKeys {
			if err := deletePreKey(ctx, tx, ref); err != nil {
				return err
			}
		}
		return nil
	})
	return seq, inserted, err
}

// Sent is everything that encrypting one outgoing message changes,
// committed together by [Store.CommitSent].
type Sent struct {
	// Message is the message as written (Direction Outgoing, StatusQueued).
	Message Message
	// Session is the ratchet state after encryption.
	Session []byte
	// Payload is the encrypted envelope to deliver.
	Payload []byte
}

// CommitSent stores, in one transaction, an outgoing message, the session
// state after encrypting it and the outbox item that will deliver it, so
// that a crash can neither send a message the history lacks nor reuse a
// message key. It returns the message's sequence number and the outbox
// item's id.
func (s *Store) CommitSent(ctx context.Context, m Sent) (seq, item int64, err error) {
	err = s.write(ctx, func(tx querier) error {
		seq, item, err = s.commitSent(ctx, tx, m)
		return err
	})
	return seq, item, err
}

// CommitSentAll commits several sent messages, each as [Store.CommitSent]
// would, in order, in one transaction: all of them or none. It returns
// their sequence numbers. Why: a transaction's commit costs more than a
// message's rows, so a busy sender commits what has queued up together.
func (s *Store) CommitSentAll(ctx context.Context, ms []Sent) ([]int64, error) {
	seqs := make([]int64, len(ms))
	err := s.write(ctx, func(tx querier) error {
		for i := range ms {
			var err error
			if seqs[i], _, err = s.commitSent(ctx, tx, ms[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return seqs, nil
}

// commitSent writes one sent message's rows in tx.
func (s *Store) commitSent(ctx context.Context, tx querier, m Sent) (seq, item int64, err error) {
	row, err := nextID(ctx, tx, tableMessages)
	if err != nil {
		return 0, 0, err
	}
	if seq, _, err = s.insertMessage(ctx, tx, m.Message, row); err != nil {
		return 0, 0, err
	}
	if err := s.putSession(ctx, tx, m.Message.Conversation, m.Session); err != nil {
		return 0, 0, err
	}
	item, err = s.enqueue(ctx, tx, OutboxItem{Contact: m.Message.Conversation, Message: seq, Payload: m.Payload})
	return seq, item, err
}
