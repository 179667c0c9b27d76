package session

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"ratchat/keys"
)

// seededRand is a reproducible randomness source for one test.
func seededRand(seed uint64) io.Reader {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return rand.NewChaCha8(s)
}

// memPreKeys is an in-memory [PreKeys] for tests.
type memPreKeys struct {
	signed  map[uint32]keys.SignedPreKey
	oneTime map[uint32]keys.OneTimePreKey
	kem     map[uint32]keys.KEMPreKey
}

func (m *memPreKeys) SignedPreKey(id uint32) (keys.SignedPreKey, error) {
	k, ok := m.signed[id]
	if !ok {
		return k, fmt.Errorf("%w: signed prekey %d", ErrNoSuchPreKey, id)
	}
	return k, nil
}

func (m *memPreKeys) OneTimePreKey(id uint32) (keys.OneTimePreKey, error) {
	k, ok := m.oneTime[id]
	if !ok {
		return k, fmt.Errorf("%w: one-time prekey %d", ErrNoSuchPreKey, id)
	}
	return k, nil
}

func (m *memPreKeys) KEMPreKey(id uint32) (keys.KEMPreKey, error) {
	k, ok := m.kem[id]
	if !ok {
		return k, fmt.Errorf("%w: KEM prekey %d", ErrNoSuchPreKey, id)
	}
	return k, nil
}

// party is one side of a two-party test.
type party struct {
	t       testing.TB
	rand    io.Reader
	local   Local
	prekeys *memPreKeys
	session Session
}

func newParty(t testing.TB, seed uint64) *party {
	t.Helper()
	r := seededRand(seed)
	id, err := keys.GenerateKeyPair(r)
	if err != nil {
		t.Fatal(err)
	}
	return &party{
		t: t, rand: r,
		local:   Local{Identity: id, RegistrationID: uint32(seed%16000) + 1},
		prekeys: &memPreKeys{map[uint32]keys.SignedPreKey{}, map[uint32]keys.OneTimePreKey{}, map[uint32]keys.KEMPreKey{}},
	}
}

// bundleOptions says which optional prekeys a bundle carries, and of
// which KEM its KEM prekey is (zero: the default, Kyber-1024).
type bundleOptions struct {
	oneTime, kem bool
	kemType      keys.KEMType
}

// bundle makes fresh prekeys, remembers them, and returns the bundle.
func (p *party) bundle(opt bundleOptions) *keys.Bundle {
	p.t.Helper()
	spk, err := keys.NewSignedPreKey(p.rand, p.local.Identity.Private, 7)
	if err != nil {
		p.t.Fatal(err)
	}
	p.prekeys.signed[spk.ID] = spk
	var otk *keys.OneTimePreKey
	if opt.oneTime {
		list, err := keys.NewOneTimePreKeys(p.rand, 100, 1)
		if err != nil {
			p.t.Fatal(err)
		}
		otk = &list[0]
		p.prekeys.oneTime[otk.ID] = *otk
	}
	var kem *keys.KEMPreKey
	if opt.kem {
		typ := opt.kemType
		if typ == 0 {
			typ = keys.DefaultKEMType
		}
		k, err := keys.NewKEMPreKeyOfType(p.rand, typ, p.local.Identity.Private, 9, false)
		if err != nil {
			p.t.Fatal(err)
		}
		kem = &k
		p.prekeys.kem[k.ID] = k
	}
	b := keys.NewBundle(p.local.RegistrationID, p.local.Identity.Public, spk, otk, kem)
	return &b
}

// startSession has alice initiate with bob's bundle.
func startSession(t testing.TB, alice, bob *party, opt bundleOptions) {
	t.Helper()
	s, err := Initiate(alice.rand, alice.local, bob.bundle(opt))
	if err != nil {
		t.Fatal(err)
	}
	alice.session = *s
}

// sent is a message in flight.
type sent struct {
	typ       MessageType
	body      []byte
	plaintext []byte
}

func (p *party) send(text string) sent {
	p.t.Helper()
	typ, body, err := p.session.Encrypt(p.rand, []byte(text))
	if err != nil {
		p.t.Fatal(err)
	}
	return sent{typ, body, []byte(text)}
}

func (p *party) receive(m sent) (*Decrypted, error) {
	return p.session.Decrypt(p.rand, p.local, p.prekeys, m.typ, m.body)
}

func (p *party) mustReceive(m sent) *Decrypted {
	p.t.Helper()
	d, err := p.receive(m)
	if err != nil {
		p.t.Fatalf("decrypt %q: %v", m.plaintext, err)
	}
	if !bytes.Equal(d.Plaintext, m.plaintext) {
		p.t.Fatalf("decrypted %q, want %q", d.Plaintext, m.plaintext)
	}
	return d
}

func (p *party) snapshot() []byte {
	p.t.Helper()
	b, err := p.session.MarshalBinary()
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// mustRejectUnchanged delivers m, expects an error matching want (any error
// if want is nil), and checks the session did not change at all.
func (p *party) mustRejectUnchanged(m sent, want error) error {
	p.t.Helper()
	before := p.snapshot()
	_, err := p.receive(m)
	if err == nil || (want != nil && !errors.Is(err, want)) {
		p.t.Fatalf("decrypt = %v, want %v", err, want)
	}
	if !bytes.Equal(before, p.snapshot()) {
		p.t.Fatalf("session changed by a rejected message (%v)", err)
	}
	return err
}

// assertChainsMatch checks that receiver holds, for sender's current
// sending chain, the same chain key at the same index.
func assertChainsMatch(t testing.TB, sender, receiver *party) {
	t.Helper()
	s, r := sender.session.current, receiver.session.current
	i := r.findReceiver(s.sender.ratchet.Public)
	if i < 0 {
		t.Fatal("receiver has no chain for the sender's ratchet key")
	}
	rc := r.receivers[i]
	if rc.key != s.sender.key || rc.index != s.sender.index {
		t.Fatalf("chains differ: receiver at %d %x, sender at %d %x", rc.index, rc.key[:4], s.sender.index, s.sender.key[:4])
	}
}

// assertRootsMatch checks that the two root keys agree. The side that
// received last has already turned its ratchet with a key the other has not
// seen yet; computing that step from the other side's private key (the
// other half of the same DH) must give exactly its root key and its first
// sending chain key.
func assertRootsMatch(t testing.TB, a, b *party) {
	t.Helper()
	ahead, behind := b, a
	if behind.session.current.findReceiver(ahead.session.current.sender.ratchet.Public) >= 0 {
		ahead, behind = a, b
	}
	x, y := ahead.session.current, behind.session.current
	if y.findReceiver(x.sender.ratchet.Public) >= 0 {
		t.Fatal("each side has seen the other's current ratchet key: no one is ahead")
	}
	dh, err := y.sender.ratchet.Private.Agree(x.sender.ratchet.Public) // uncached: an independent computation
	if err != nil {
		t.Fatal(err)
	}
	root, chain := y.root.step(&dh)
	if root != x.root {
		t.Fatalf("root keys differ: %x vs %x", root[:4], x.root[:4])
	}
	if x.sender.index == 0 && chain != x.sender.key {
		t.Fatalf("first sending chain differs: %x vs %x", chain[:4], x.sender.key[:4])
	}
}

// assertPQAuthKeysMatch checks that both sides hold the same SPQR
// authentication key from PQXDH (none from X3DH), and that it survives a
// round trip through the state encoding.
func assertPQAuthKeysMatch(t testing.TB, a, b *party, pq bool) {
	t.Helper()
	ka, kb := a.session.current.pqRatchetAuthKey, b.session.current.pqRatchetAuthKey
	if !pq {
		if ka != nil || kb != nil {
			t.Fatal("an X3DH session holds an SPQR authentication key")
		}
		return
	}
	if ka == nil || kb == nil || *ka != *kb || *ka == (pqAuthKey{}) {
		t.Fatal("the two sides' SPQR authentication keys differ or are missing")
	}
	if *ka == pqAuthKey(a.session.current.root) {
		t.Fatal("the SPQR authentication key equals the root key")
	}
	var s Session
	if err := s.UnmarshalBinary(a.snapshot()); err != nil {
		t.Fatal(err)
	}
	if k := s.current.pqRatchetAuthKey; k == nil || *k != *ka {
		t.Fatal("the SPQR authentication key did not survive the state encoding")
	}
}
