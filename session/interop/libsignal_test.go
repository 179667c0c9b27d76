package interop

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/signalerror"
	"go.mau.fi/libsignal/state/record"
)

// libsignalEndpoint is a libsignalPeer talking to one remote.
type libsignalEndpoint struct {
	p      *libsignalPeer
	remote string
}

func (e libsignalEndpoint) encrypt(pt []byte) (uint8, []byte, error) {
	return e.p.encrypt(e.remote, pt)
}

func (e libsignalEndpoint) decrypt(typ uint8, msg []byte) ([]byte, error) {
	return e.p.decrypt(e.remote, typ, msg)
}

// libsignalReceiverChains is how many receiving chains a libsignal session
// state keeps (record.maxReceiverChains, unexported).
const libsignalReceiverChains = 5

// isReplayError: a replay on a chain the session still keeps is an old
// counter. The library forgets a chain's ratchet key with the chain, so a
// replay on an evicted chain looks like a new chain: it derives one, the MAC
// fails, and after trying its archived states it reports no valid session.
func (libsignalEndpoint) isReplayError(err error, chainsAgo int) bool {
	if chainsAgo < libsignalReceiverChains {
		return errors.Is(err, signalerror.ErrOldCounter)
	}
	return errors.Is(err, signalerror.ErrNoValidSessions)
}

// newLibsignalPair makes alice and bob, with bob's bundle holding one-time
// prekey 1, and has alice start the session.
func newLibsignalPair(t testing.TB, copyRecords bool) (alice, bob *libsignalPeer) {
	t.Helper()
	alice, err := newLibsignalPeer(copyRecords)
	if err != nil {
		t.Fatal(err)
	}
	bob, err = newLibsignalPeer(copyRecords)
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.newOneTimePreKey(1); err != nil {
		t.Fatal(err)
	}
	if err := alice.processBundle("bob", bob.bundle()); err != nil {
		t.Fatal(err)
	}
	return alice, bob
}

// TestLibsignalTalksToItself proves the harness: two libsignal peers, X3DH,
// at least 1,000 messages each way with shuffled and late delivery, every
// plaintext checked, every replay rejected.
func TestLibsignalTalksToItself(t *testing.T) {
	alice, bob := newLibsignalPair(t, true)
	c := newConversation(1)
	c.run(t, libsignalEndpoint{alice, "bob"}, libsignalEndpoint{bob, "alice"})
	c.check(t)
	if _, ok := bob.store.preKeys[1]; ok {
		t.Error("bob kept one-time prekey 1 after the session started")
	}
}

// TestLibsignalQuirks pins down the wire details of go.mau.fi/libsignal that
// ratchat must match or tolerate.
func TestLibsignalQuirks(t *testing.T) {
	alice, bob := newLibsignalPair(t, true)
	ser := alice.serializer

	// The initiator's first messages are PreKeySignalMessages.
	var first [3][]byte
	for i := range first {
		typ, msg, err := alice.encrypt("bob", []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		if typ != typePreKey {
			t.Fatalf("alice's message %d has type %d, want %d", i, typ, typePreKey)
		}
		first[i] = msg
	}
	// Version byte: the ASCII digit '3', which is also 3<<4|3.
	if first[0][0] != 0x33 {
		t.Errorf("prekey message version byte %#x, want 0x33", first[0][0])
	}
	pm, err := protocol.NewPreKeySignalMessageFromBytes(first[0], ser.PreKeySignalMessage, ser.SignalMessage)
	if err != nil {
		t.Fatal(err)
	}
	idKey := alice.identityKey()
	if want := append([]byte{ecc.DjbType}, idKey[:]...); !bytes.Equal(pm.IdentityKey().Serialize(), want) {
		t.Errorf("identity key on the wire %x, want 0x05 || key %x", pm.IdentityKey().Serialize(), want)
	}
	if got := pm.BaseKey().Serialize(); len(got) != 33 || got[0] != ecc.DjbType {
		t.Errorf("base key on the wire %x, want 33 bytes starting 0x05", got)
	}
	if pm.RegistrationID() != alice.registrationID() || pm.PreKeyID().IsEmpty || pm.PreKeyID().Value != 1 || pm.SignedPreKeyID() != 1 {
		t.Errorf("prekey message ids: registration %d (want %d), prekey %+v (want 1), signed prekey %d (want 1)",
			pm.RegistrationID(), alice.registrationID(), *pm.PreKeyID(), pm.SignedPreKeyID())
	}
	inner := pm.WhisperMessage().Structure()
	if inner.Version != 3 || inner.Counter != 0 || inner.PreviousCounter != 0 || len(inner.RatchetKey) != 33 || len(inner.Mac) != 8 {
		t.Errorf("inner message: version %d counter %d previous %d ratchet key %d bytes mac %d bytes",
			inner.Version, inner.Counter, inner.PreviousCounter, len(inner.RatchetKey), len(inner.Mac))
	}
	for _, m := range first {
		if _, err := bob.decrypt("alice", typePreKey, m); err != nil {
			t.Fatal(err)
		}
	}

	// The responder's first chain: PreviousCounter underflows. Its sending
	// chain before the first reply is the signed prekey's, at index 0, and
	// the library computes max(index-1, 0) in uint32.
	var replies [4][]byte
	for i := range replies {
		typ, msg, err := bob.encrypt("alice", []byte{byte(i)})
		if err != nil || typ != typeSignal {
			t.Fatalf("bob's reply %d: type %d, %v", i, typ, err)
		}
		replies[i] = msg
	}
	sm := parseSignal(t, replies[0], alice)
	if sm.PreviousCounter != 0xFFFFFFFF || sm.Counter != 0 || replies[0][0] != 0x33 {
		t.Errorf("bob's first reply: previous counter %#x (want 0xffffffff), counter %d, version byte %#x",
			sm.PreviousCounter, sm.Counter, replies[0][0])
	}
	for _, m := range replies {
		if _, err := alice.decrypt("bob", typeSignal, m); err != nil {
			t.Fatal(err)
		}
	}

	// Later chains: PreviousCounter is the index of the last message sent on
	// the previous chain (count-1), not the count the Double Ratchet spec
	// sends; the library itself never reads it (old chains are kept whole).
	_, msg, err := alice.encrypt("bob", []byte("after 3 on the first chain"))
	if err != nil {
		t.Fatal(err)
	}
	if sm := parseSignal(t, msg, alice); sm.PreviousCounter != 2 {
		t.Errorf("alice's second chain: previous counter %d, want 2 (3 sent)", sm.PreviousCounter)
	}
	if _, err := bob.decrypt("alice", typeSignal, msg); err != nil {
		t.Fatal(err)
	}
	_, msg, err = bob.encrypt("alice", []byte("after 4 on the first chain"))
	if err != nil {
		t.Fatal(err)
	}
	if sm := parseSignal(t, msg, alice); sm.PreviousCounter != 3 {
		t.Errorf("bob's third chain: previous counter %d, want 3 (4 sent)", sm.PreviousCounter)
	}
}

// TestLibsignalPreKeyIDZero shows why one-time prekey id 0 is never used
// with this library: the id is written but read back as absent, so the
// responder leaves the one-time prekey out of X3DH and the MAC fails.
func TestLibsignalPreKeyIDZero(t *testing.T) {
	carol, err := newLibsignalPeer(true)
	if err != nil {
		t.Fatal(err)
	}
	dave, err := newLibsignalPeer(true)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ecc.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if err := dave.store.StorePreKey(context.Background(), 0, record.NewPreKey(0, pair, dave.serializer.PreKeyRecord)); err != nil {
		t.Fatal(err)
	}
	b := dave.bundle()
	pub := pair.PublicKey().PublicKey()
	b.OneTimePreKeyID, b.OneTimePreKey = 0, &pub
	if err := carol.processBundle("dave", b); err != nil {
		t.Fatal(err)
	}
	_, msg, err := carol.encrypt("dave", []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	// The MAC failure surfaces as "no valid sessions" (see decryptSignal).
	if _, err := dave.decrypt("carol", typePreKey, msg); !errors.Is(err, signalerror.ErrNoValidSessions) {
		t.Fatalf("a session on one-time prekey 0: %v, want %v", err, signalerror.ErrNoValidSessions)
	}
}

func parseSignal(t *testing.T, msg []byte, p *libsignalPeer) *protocol.SignalMessageStructure {
	t.Helper()
	m, err := protocol.NewSignalMessageFromBytes(msg, p.serializer.SignalMessage)
	if err != nil {
		t.Fatal(err)
	}
	return m.Structure()
}
