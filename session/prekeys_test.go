package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"ratchat/keys"
)

// Which lookup of a [brokenPreKeys] fails.
const (
	failSigned = iota
	failOneTime
	failKEM
)

// brokenPreKeys is a [PreKeys] whose lookups of one kind fail with err, as
// a store fails (a disk error, a cancelled context) or as it says that it
// has no such key; the other kinds answer from the party's own prekeys.
type brokenPreKeys struct {
	*memPreKeys
	fail int
	err  error
}

func (b brokenPreKeys) SignedPreKey(id uint32) (keys.SignedPreKey, error) {
	if b.fail == failSigned {
		return keys.SignedPreKey{}, b.err
	}
	return b.memPreKeys.SignedPreKey(id)
}

func (b brokenPreKeys) OneTimePreKey(id uint32) (keys.OneTimePreKey, error) {
	if b.fail == failOneTime {
		return keys.OneTimePreKey{}, b.err
	}
	return b.memPreKeys.OneTimePreKey(id)
}

func (b brokenPreKeys) KEMPreKey(id uint32) (keys.KEMPreKey, error) {
	if b.fail == failKEM {
		return keys.KEMPreKey{}, b.err
	}
	return b.memPreKeys.KEMPreKey(id)
}

// TestPreKeyLookupFailure checks that only a prekey the store does not have
// is ErrUnknownPreKey: a store that fails keeps its cause, matches none of
// the protocol errors, and leaves the session as it was, so that the same
// message decrypts once the store works again.
func TestPreKeyLookupFailure(t *testing.T) {
	errDisk := errors.New("store: disk I/O error")
	tests := []struct {
		name    string
		fail    int
		err     error
		unknown bool // the peer named a key we lack: ErrUnknownPreKey
	}{
		{"signed prekey read fails", failSigned, errDisk, false},
		{"one-time prekey read fails", failOneTime, errDisk, false},
		{"KEM prekey read fails", failKEM, errDisk, false},
		{"context cancelled", failOneTime, fmt.Errorf("store: reading prekey: %w", context.Canceled), false},
		// A plain error that merely says "not found" is still a failure:
		// only ErrNoSuchPreKey counts as a missing key.
		{"not-found of another package", failSigned, errors.New("store: not found"), false},
		{"signed prekey missing", failSigned, fmt.Errorf("%w: store: not found", ErrNoSuchPreKey), true},
		{"one-time prekey missing", failOneTime, fmt.Errorf("%w: used", ErrNoSuchPreKey), true},
		{"KEM prekey missing", failKEM, ErrNoSuchPreKey, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alice, bob := newParty(t, uint64(40+2*i)), newParty(t, uint64(41+2*i))
			startSession(t, alice, bob, bundleOptions{oneTime: true, kem: true})
			msg := alice.send("hello")
			before := bob.snapshot()
			broken := brokenPreKeys{bob.prekeys, tt.fail, tt.err}
			_, err := bob.session.Decrypt(bob.rand, bob.local, broken, msg.typ, msg.body)
			if err == nil || !errors.Is(err, tt.err) {
				t.Fatalf("decrypt = %v, want it to wrap %v", err, tt.err)
			}
			if errors.Is(err, ErrUnknownPreKey) != tt.unknown || IsProtocolError(err) != tt.unknown {
				t.Fatalf("decrypt = %v: ErrUnknownPreKey %v, protocol error %v, want %v",
					err, errors.Is(err, ErrUnknownPreKey), IsProtocolError(err), tt.unknown)
			}
			if !bytes.Equal(before, bob.snapshot()) {
				t.Fatalf("session changed by a failed lookup (%v)", err)
			}
			if !tt.unknown {
				bob.mustReceive(msg) // the store works again: the kept message decrypts
			}
		})
	}
}

// TestIsProtocolError checks which errors say that a message is bad for
// good, and which are local failures worth a retry.
func TestIsProtocolError(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{ErrMalformed, true},
		{ErrVersion, true},
		{ErrBadMAC, true},
		{ErrBadPadding, true},
		{ErrDuplicate, true},
		{ErrTooOld, true},
		{ErrTooFarAhead, true},
		{ErrNoSession, true},
		{ErrUnknownPreKey, true},
		{ErrBadBundle, true},
		{ErrUntrustedIdentity, true},
		{malformed("field %d", 3), true},
		{fmt.Errorf("chat: %w", ErrBadMAC), true},
		// What a PreKeys store says, before Decrypt judges it.
		{ErrNoSuchPreKey, false},
		{context.Canceled, false},
		{io.ErrUnexpectedEOF, false},
		{fmt.Errorf("session: reading signed prekey 1: %w", errors.New("disk I/O error")), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := IsProtocolError(tt.err); got != tt.want {
			t.Errorf("IsProtocolError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
