package transport

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"ratchat/keys"
)

// testToken is the contact token that [dialOwner] registers for every
// owner, so that tests about other things can deposit.
var testToken = Token{0x7e, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// testRand returns a deterministic randomness source.
func testRand(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// testIdentity returns a deterministic identity key pair.
func testIdentity(t testing.TB, seed byte) *keys.KeyPair {
	t.Helper()
	kp, err := keys.GenerateKeyPair(testRand(seed))
	if err != nil {
		t.Fatal(err)
	}
	return &kp
}

// testUpload returns a valid upload for identity: a signed prekey, a
// last-resort KEM prekey, nOT one-time prekeys and nKEM one-time KEM
// prekeys (ids from 1; the last-resort id is 1000).
func testUpload(t testing.TB, identity *keys.KeyPair, nOT, nKEM int) *UploadPreKeys {
	t.Helper()
	r := testRand(200)
	spk, err := keys.NewSignedPreKey(r, identity.Private, 1)
	if err != nil {
		t.Fatal(err)
	}
	lr, err := keys.NewKEMPreKey(r, identity.Private, 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	otks, err := keys.NewOneTimePreKeys(r, 1, nOT)
	if err != nil {
		t.Fatal(err)
	}
	var kems []keys.KEMPreKey
	for i := range nKEM {
		k, err := keys.NewKEMPreKey(r, identity.Private, uint32(i+1), false)
		if err != nil {
			t.Fatal(err)
		}
		kems = append(kems, k)
	}
	return NewUploadPreKeys(77, &spk, &lr, otks, kems)
}

// envelopeSeq numbers the envelopes the tests seal and stamp, so that
// no two are equal (see [uniq]).
var envelopeSeq atomic.Uint64

// testEnvelope seals a small message from sender to recipient; each call
// seals afresh (a deterministic randomness source per call), as a client
// does.
func testEnvelope(t testing.TB, sender *keys.KeyPair, recipient keys.PublicKey, msg string) []byte {
	t.Helper()
	var seed [32]byte
	seed[0] = 9
	binary.LittleEndian.PutUint64(seed[1:], envelopeSeq.Add(1))
	env, err := SealEnvelope(rand.NewChaCha8(seed), sender, recipient, TypeSignal, []byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// uniq returns a copy of env with a counter stamped in its last 8 bytes
// (the tag: the envelope keeps its structure, and no longer opens). A
// test that deposits one envelope many times deposits uniq(env): a
// JetStream relay stores equal deposits to one mailbox once (a retried
// deposit, by its Nats-Msg-Id), as clients never seal two equal ones.
func uniq(env []byte) []byte {
	out := bytes.Clone(env)
	binary.BigEndian.PutUint64(out[len(out)-8:], envelopeSeq.Add(1))
	return out
}

// sampleMessages returns one valid message of every kind.
func sampleMessages(t testing.TB) []Message {
	t.Helper()
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	up := testUpload(t, alice, 3, 2)
	bundle := keys.Bundle{RegistrationID: 77, Identity: alice.Public, SignedPreKeyID: up.SignedPreKey.ID,
		SignedPreKey: up.SignedPreKey.Key, SignedPreKeySignature: up.SignedPreKey.Signature,
		OneTimePreKeyID: up.OneTime[0].ID, OneTimePreKey: &up.OneTime[0].Key,
		KEMPreKeyID: up.KEM[0].ID, KEMPreKey: &up.KEM[0].Key, KEMPreKeySignature: up.KEM[0].Signature}
	hello := &Hello{Version: ProtocolVersion, Home: bob.Public, Challenge: [32]byte{1, 2, 3}}
	auth, err := NewAuth(testRand(3), alice, hello)
	if err != nil {
		t.Fatal(err)
	}
	env := testEnvelope(t, bob, alice.Public, "hello")
	return []Message{
		hello, auth, &OK{}, &Error{Code: CodeQuotaExceeded, Text: "mailbox full"}, &Ping{}, &Pong{},
		up, &FetchBundle{Identity: alice.Public}, &BundleReply{Bundle: bundle, OneTimeLeft: 2, KEMLeft: 1},
		&CountPreKeys{}, &PreKeyCounts{OneTime: 5, KEM: 6},
		&Deposit{Recipient: alice.Public, Envelope: env}, &Stored{ID: 42}, &Fetch{},
		&Deposit{Recipient: alice.Public, Token: testToken, Envelope: env},
		&Deposit{Recipient: alice.Public, Token: testToken, Lifetime: 24 * time.Hour, Envelope: env},
		&Deposit{Recipient: alice.Public, Token: testToken, Lifetime: MaxLifetime, Envelope: env},
		&Tokens{Op: TokensAdd, Entries: []TokenEntry{{TokenRequest, testToken}, {TokenContact, Token{9}}}},
		&Tokens{Op: TokensRevoke, Entries: []TokenEntry{{TokenContact, testToken}}},
		&Deliver{ID: 42, Received: time.UnixMilli(1767225600123).UTC(), Envelope: env},
		&Ack{IDs: []uint64{1, 5, 1 << 40}}, &CaughtUp{},
	}
}
