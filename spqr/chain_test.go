package spqr

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// mustChain starts a chain from the reference tests' initial key "1".
func mustChain(t testing.TB, a2b bool, p ChainParams) *chain {
	t.Helper()
	c, err := newChain([]byte("1"), a2b, p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func chainBytes(t testing.TB, c *chain) []byte {
	t.Helper()
	var b cryptobyte.Builder
	c.marshal(&b)
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func unhex(t testing.TB, s string) [KeySize]byte {
	t.Helper()
	var k [KeySize]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != KeySize {
		t.Fatalf("bad hex %q", s)
	}
	copy(k[:], b)
	return k
}

// TestChainKnownAnswers checks the chain's labels and byte layout against
// keys computed outside Go (Python's hmac and hashlib, HKDF written out per
// RFC 5869) from the reference crate's derivation: initial key "1", epoch 1
// secret {2}, as in its directions_match test.
func TestChainKnownAnswers(t *testing.T) {
	want := []struct {
		epoch uint64
		index uint32
		key   string
	}{
		{0, 1, "e89f26d867bfa78c96aa8495425bac28e2bbc76df3f1e1684cc687718c31d3c7"},
		{0, 10, "db5ca69c17290ed062923604b83be8f6188bbbfb06d1b9a60abd461cf5733c10"},
		{1, 1, "f75ac154eefa181ec9d93a598671bf56aa26d3b7e3b4bba7b93a2560cb5a0140"},
		{1, 10, "a5b8736c59fa93c7036b2897b303dc6556a90bae83d87f28592563c74a7805db"},
	}
	b2a := mustChain(t, false, ChainParams{})
	if err := b2a.addEpoch(1, []byte{2}); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		got, err := b2a.recvKey(w.epoch, w.index)
		if err != nil {
			t.Fatalf("recvKey(%d, %d): %v", w.epoch, w.index, err)
		}
		if got != unhex(t, w.key) {
			t.Errorf("recvKey(%d, %d) = %x, want %s", w.epoch, w.index, got, w.key)
		}
	}
	if b2a.nextRoot != unhex(t, "2e6f5c28df9650ac921efa2faf97c098b8630b35b417a0c52ec91b29c618af91") {
		t.Errorf("root after epoch 1 = %x", b2a.nextRoot)
	}
	a2b := mustChain(t, true, ChainParams{})
	_, k, err := mustChain(t, false, ChainParams{}).sendKey(0)
	if err != nil {
		t.Fatal(err)
	}
	if k != unhex(t, "95ca31aee25a5eaff0771cdab57a012750f96f9aac12ca48ee35b991c331f0a7") {
		t.Errorf("B2A send key 1 = %x", k)
	}
	if got, _ := a2b.recvKey(0, 1); got != k {
		t.Errorf("A2B receive key 1 = %x, want B2A's send key %x", got, k)
	}
}

// TestChainDirectionsMatch follows the reference's directions_match: the
// sender's indices start at 1 in each epoch and the receiver derives the
// same keys.
func TestChainDirectionsMatch(t *testing.T) {
	a2b, b2a := mustChain(t, true, ChainParams{}), mustChain(t, false, ChainParams{})
	check := func(epoch uint64, wantIndex uint32) {
		t.Helper()
		idx, sk, err := a2b.sendKey(epoch)
		if err != nil || idx != wantIndex {
			t.Fatalf("sendKey(%d) = %d, %v; want index %d", epoch, idx, err, wantIndex)
		}
		rk, err := b2a.recvKey(epoch, idx)
		if err != nil || rk != sk {
			t.Fatalf("recvKey(%d, %d) = %x, %v; want %x", epoch, idx, rk, err, sk)
		}
	}
	check(0, 1)
	for _, c := range []*chain{a2b, b2a} {
		if err := c.addEpoch(1, []byte{2}); err != nil {
			t.Fatal(err)
		}
	}
	check(1, 1)
	for range 8 {
		if _, _, err := a2b.sendKey(1); err != nil {
			t.Fatal(err)
		}
	}
	check(1, 10)
}

// TestChainErrors covers every refusal with its sentinel, and checks that
// a refused request leaves the chain as it was.
func TestChainErrors(t *testing.T) {
	small := ChainParams{MaxJump: 10, MaxOOOKeys: 10}
	tests := []struct {
		name  string
		p     ChainParams
		setup func(*chain) error
		do    func(*chain) error
		want  error
	}{
		{"replay of a key (reference previously_returned_key)", ChainParams{},
			recvs(0, 2), recvs(0, 2), ErrKeyAlreadyUsed},
		{"replay of a stored key", ChainParams{},
			recvs(0, 5, 3), recvs(0, 3), ErrKeyAlreadyUsed},
		{"key trimmed (reference very_old_keys_are_trimmed)", small,
			recvs(0, 10, 12), recvs(0, 1), ErrKeyTrimmed},
		{"jump of max+1", small, nil, recvs(0, 11), ErrKeyJump},
		{"jump of max+1 after progress", small, recvs(0, 10), recvs(0, 21), ErrKeyJump},
		{"default jump of 25,001", ChainParams{}, nil, recvs(0, 25_001), ErrKeyJump},
		{"future epoch", ChainParams{}, nil, recvs(1, 1), ErrEpochOutOfRange},
		{"dropped epoch", ChainParams{}, epochs(3, 3), recvs(0, 1), ErrEpochOutOfRange},
		{"send epoch decreased (reference clear_old_send_keys)", ChainParams{},
			epochs(1, 1), sends(0), ErrSendEpochDecreased},
		{"send in future epoch", ChainParams{}, nil, sends(1), ErrEpochOutOfRange},
		{"epoch secret skips an epoch", ChainParams{}, nil,
			func(c *chain) error { return c.addEpoch(2, []byte{2}) }, ErrEpochSkipped},
		{"epoch secret repeats an epoch", ChainParams{}, epochs(1, 0),
			func(c *chain) error { return c.addEpoch(1, []byte{2}) }, ErrEpochSkipped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustChain(t, true, tt.p)
			if tt.setup != nil {
				if err := tt.setup(c); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			before := chainBytes(t, c)
			err := tt.do(c.clone())
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if !bytes.Equal(chainBytes(t, c), before) {
				t.Error("the chain changed under a refused request on its clone")
			}
		})
	}
}

// recvs returns a step that requests the receive keys at idx in epoch.
func recvs(epoch uint64, idx ...uint32) func(*chain) error {
	return func(c *chain) error {
		for _, i := range idx {
			if _, err := c.recvKey(epoch, i); err != nil {
				return err
			}
		}
		return nil
	}
}

// epochs adds epochs 1..n and then sends once in epoch sendIn.
func epochs(n, sendIn uint64) func(*chain) error {
	return func(c *chain) error {
		for e := uint64(1); e <= n; e++ {
			if err := c.addEpoch(e, []byte{byte(e)}); err != nil {
				return err
			}
		}
		_, _, err := c.sendKey(sendIn)
		return err
	}
}

// sends sends once in epoch.
func sends(epoch uint64) func(*chain) error {
	return func(c *chain) error { _, _, err := c.sendKey(epoch); return err }
}

// TestChainOutOfOrder follows the reference's out_of_order_keys: a full
// window of keys delivered in random order all match, within the edges of
// the window, and the chain keeps no more than the window.
func TestChainOutOfOrder(t *testing.T) {
	a2b, b2a := mustChain(t, true, ChainParams{}), mustChain(t, false, ChainParams{})
	type sent struct {
		idx uint32
		key [KeySize]byte
	}
	keys := make([]sent, DefaultMaxOOOKeys)
	for i := range keys {
		idx, k, err := a2b.sendKey(0)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = sent{idx, k}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	for _, s := range keys {
		got, err := b2a.recvKey(0, s.idx)
		if err != nil || got != s.key {
			t.Fatalf("recvKey(0, %d) = %x, %v; want %x", s.idx, got, err, s.key)
		}
	}
	if n := len(b2a.links[0].recv.prev); n != 0 {
		t.Errorf("%d keys left stored after every key was used", n)
	}
}

// TestChainWindowEdges: a key exactly MaxOOOKeys behind is kept, one more is
// trimmed; a jump of exactly MaxJump is allowed.
func TestChainWindowEdges(t *testing.T) {
	p := ChainParams{MaxJump: 50, MaxOOOKeys: 20}
	a2b, b2a := mustChain(t, true, p), mustChain(t, false, p)
	want := map[uint32][KeySize]byte{}
	for range 50 {
		idx, k, _ := a2b.sendKey(0)
		want[idx] = k
	}
	if _, err := b2a.recvKey(0, 50); err != nil {
		t.Fatalf("jump of exactly MaxJump: %v", err)
	}
	if got, err := b2a.recvKey(0, 30); err != nil || got != want[30] {
		t.Errorf("key MaxOOOKeys behind: %v", err)
	}
	if _, err := b2a.recvKey(0, 29); !errors.Is(err, ErrKeyTrimmed) {
		t.Errorf("key MaxOOOKeys+1 behind: %v, want ErrKeyTrimmed", err)
	}
	if n := len(b2a.links[0].recv.prev); n != 19 {
		t.Errorf("%d keys stored, want 19 (31..49)", n)
	}
}

// TestChainEpochPruning: moving the send epoch keeps one epoch before it
// and erases the older send halves.
func TestChainEpochPruning(t *testing.T) {
	c := mustChain(t, true, ChainParams{})
	for e := uint64(1); e <= 3; e++ {
		if err := c.addEpoch(e, []byte{byte(e)}); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.links) != 4 {
		t.Fatalf("%d links before sending, want 4", len(c.links))
	}
	if _, _, err := c.sendKey(3); err != nil {
		t.Fatal(err)
	}
	if len(c.links) != 2 || !c.links[0].send.erased || c.links[1].send.erased {
		t.Fatalf("links after send in 3: %d, erased %v/%v", len(c.links), c.links[0].send.erased, c.links[1].send.erased)
	}
	if _, err := c.recvKey(2, 1); err != nil {
		t.Errorf("receive in the epoch before the send epoch: %v", err)
	}
}

// TestChainMatchesReferenceState checks the chain against bytes the
// reference crate itself wrote: its regression states issue1275_a_state.in
// and issue1275_b_state.in (SparsePostQuantumRatchet v1.5, src/), saved 30
// lockstep messages into a session with authentication key [41; 32]. Their
// chains hold, at counter 30 of epoch 0, these chain secrets and this root.
func TestChainMatchesReferenceState(t *testing.T) {
	var (
		root = unhex(t, "c6f396ad3b038d7bb7eedbabd7c45c83eef0c9c42fca9f44d6f056e4b68be30c")
		a2b  = unhex(t, "1815fd1120e70568c9f934a516710eb5a3684be81f46861ebbbeff10950bc3ef")
		b2a  = unhex(t, "0f802ebf8df531826117ab3a65413f1e5badbac2cc277ea1fae382231194ea0f")
	)
	for _, initiator := range []bool{true, false} {
		c, err := newChain(bytes.Repeat([]byte{41}, KeySize), initiator, ChainParams{})
		if err != nil {
			t.Fatal(err)
		}
		for range 30 {
			if _, _, err := c.sendKey(0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.recvKey(0, 30); err != nil {
			t.Fatal(err)
		}
		send, recv := a2b, b2a
		if !initiator {
			send, recv = b2a, a2b
		}
		l := c.links[0]
		if c.nextRoot != root || l.send.next != send || l.recv.next != recv || l.send.ctr != 30 || l.recv.ctr != 30 {
			t.Errorf("initiator %v: root %x, send %d %x, recv %d %x", initiator, c.nextRoot, l.send.ctr, l.send.next, l.recv.ctr, l.recv.next)
		}
	}
}
