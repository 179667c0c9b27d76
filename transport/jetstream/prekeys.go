package jetstream

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// Prekeys live in one record per owner, in RATCHAT_RECORDS, named by
// the owner's line in the index (index.go) and changed from any front
// end: a one-time prekey taken by two fetches at once goes to one of them
// only, since the other finds the line naming another record and tries
// again.

// preKeyRecord reads owner's prekeys and the sequence of their record (0
// and an empty record if none); [mailbox.ErrUnknownMailbox] without a
// mailbox.
func (s *Store) preKeyRecord(ctx context.Context, owner keys.PublicKey) (*preKeys, uint64, error) {
	if s.isClosed() {
		return nil, 0, mailbox.ErrClosed
	}
	l, v, err := s.lineRecord(ctx, recPreKeys, owner)
	if err != nil {
		return nil, 0, err
	}
	if v == nil { // none, or missing: the line's sequence is what a change compares
		return &preKeys{}, l.PreKeys, nil
	}
	pk, err := parsePreKeys(v)
	return pk, l.PreKeys, err
}

// storePreKeys stores the record if the owner's line still names the one
// at seq; errLineMoved if not.
func (s *Store) storePreKeys(ctx context.Context, owner keys.PublicKey, pk *preKeys, seq uint64) error {
	v, err := pk.marshal()
	if err != nil {
		return err
	}
	return s.setRecord(ctx, recPreKeys, owner, seq, v)
}

// PutPreKeys implements [mailbox.Backend].
func (s *Store) PutPreKeys(owner keys.PublicKey, u mailbox.PreKeyUpload) error {
	ctx, cancel := s.opCtx()
	defer cancel()
	for range maxRetries {
		pk, rev, err := s.preKeyRecord(ctx, owner)
		if err != nil {
			return err
		}
		pk.Signed, pk.LastResort = u.Signed, u.LastResort
		if u.ReplaceOneTime {
			pk.OneTime, pk.KEM = nil, nil
		}
		pk.OneTime, pk.KEM = mergePreKeys(pk.OneTime, u.OneTime), mergePreKeys(pk.KEM, u.KEM)
		if len(pk.OneTime) > s.cfg.Limits.MaxPreKeys || len(pk.KEM) > s.cfg.Limits.MaxPreKeys {
			return mailbox.ErrQuota
		}
		err = s.storePreKeys(ctx, owner, pk, rev)
		if errors.Is(err, errLineMoved) {
			continue
		}
		if err != nil {
			return fmt.Errorf("jetstream: storing prekeys: %w", err)
		}
		return nil
	}
	return fmt.Errorf("jetstream: storing prekeys: %w", errLineMoved)
}

// mergePreKeys adds records to a list kept in id order, a record with an
// id already there replacing it.
func mergePreKeys(have, add []mailbox.PreKey) []mailbox.PreKey {
	for _, k := range add {
		i, found := slices.BinarySearchFunc(have, k.ID, func(x mailbox.PreKey, id uint32) int {
			return cmp.Compare(x.ID, id)
		})
		if found {
			have[i] = k
		} else {
			have = slices.Insert(have, i, k)
		}
	}
	return have
}

// TakePreKeys implements [mailbox.Backend]: the lowest-id one-time
// prekeys go to this caller only (compare-and-set).
func (s *Store) TakePreKeys(owner keys.PublicKey) (mailbox.Handout, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	for range maxRetries {
		pk, rev, err := s.preKeyRecord(ctx, owner)
		if err != nil {
			return mailbox.Handout{}, err
		}
		if pk.Signed == nil || pk.LastResort == nil {
			return mailbox.Handout{}, mailbox.ErrNoPreKeys
		}
		h := mailbox.Handout{Signed: pk.Signed, LastResort: pk.LastResort}
		if len(pk.OneTime) > 0 {
			h.OneTime, pk.OneTime = &pk.OneTime[0], pk.OneTime[1:]
		}
		if len(pk.KEM) > 0 {
			h.KEM, pk.KEM = &pk.KEM[0], pk.KEM[1:]
		}
		h.OneTimeLeft, h.KEMLeft = len(pk.OneTime), len(pk.KEM)
		if h.OneTime == nil && h.KEM == nil {
			return h, nil
		}
		err = s.storePreKeys(ctx, owner, pk, rev)
		if errors.Is(err, errLineMoved) {
			continue
		}
		if err != nil {
			return mailbox.Handout{}, fmt.Errorf("jetstream: taking prekeys: %w", err)
		}
		return h, nil
	}
	return mailbox.Handout{}, fmt.Errorf("jetstream: taking prekeys: %w", errLineMoved)
}

// PeekPreKeys implements [mailbox.Backend].
func (s *Store) PeekPreKeys(ctx context.Context, owner keys.PublicKey) (mailbox.Handout, error) {
	pk, _, err := s.preKeyRecord(ctx, owner)
	if err != nil {
		return mailbox.Handout{}, err
	}
	if pk.Signed == nil || pk.LastResort == nil {
		return mailbox.Handout{}, mailbox.ErrNoPreKeys
	}
	return mailbox.Handout{Signed: pk.Signed, LastResort: pk.LastResort,
		OneTimeLeft: len(pk.OneTime), KEMLeft: len(pk.KEM)}, nil
}

// PreKeyCounts implements [mailbox.Backend]: zeros for an owner without
// a mailbox, as the SQLite store.
func (s *Store) PreKeyCounts(ctx context.Context, owner keys.PublicKey) (int, int, error) {
	pk, _, err := s.preKeyRecord(ctx, owner)
	if errors.Is(err, mailbox.ErrUnknownMailbox) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	return len(pk.OneTime), len(pk.KEM), nil
}
