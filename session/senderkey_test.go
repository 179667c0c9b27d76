package session

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"ratchat/internal/hkdf256"
	"ratchat/keys"
)

// groupPair is one member's sender key and another member's record of it.
type groupPair struct {
	sender, receiver *SenderKeyRecord
	dist             *SenderKeyDistributionMessage
}

// testDistribution is the distribution id the tests use.
var testDistribution = DistributionID{0xd1, 0x57, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e}

// newGroupPair makes a sender key and processes its distribution message,
// through its serialization, into a fresh receiver record.
func newGroupPair(t testing.TB, seed uint64) *groupPair {
	t.Helper()
	sender, dist, err := NewSenderKey(seededRand(seed), testDistribution)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseSenderKeyDistributionMessage(dist.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if *parsed != *dist {
		t.Fatalf("distribution round trip: %+v, want %+v", parsed, dist)
	}
	var receiver SenderKeyRecord
	if err := receiver.Process(parsed); err != nil {
		t.Fatal(err)
	}
	return &groupPair{sender: sender, receiver: &receiver, dist: dist}
}

// encrypt sends n messages, "message 0" to "message n-1".
func (p *groupPair) encrypt(t testing.TB, n int) [][]byte {
	t.Helper()
	msgs := make([][]byte, n)
	for i := range n {
		m, err := p.sender.Encrypt(seededRand(uint64(1000+i)), fmt.Appendf(nil, "message %d", i))
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = m
	}
	return msgs
}

// mustDecrypt decrypts message i and checks its text.
func mustDecrypt(t testing.TB, r *SenderKeyRecord, msg []byte, i int) {
	t.Helper()
	got, err := r.Decrypt(msg)
	if err != nil {
		t.Fatalf("message %d: %v", i, err)
	}
	if want := fmt.Sprintf("message %d", i); string(got) != want {
		t.Fatalf("message %d decrypted to %q", i, got)
	}
}

// mustRefuseUnchanged checks that msg fails with want and leaves the
// record byte for byte as it was.
func mustRefuseUnchanged(t testing.TB, r *SenderKeyRecord, msg []byte, want error) {
	t.Helper()
	before := marshalRecord(t, r)
	_, err := r.Decrypt(msg)
	if !errors.Is(err, want) {
		t.Fatalf("Decrypt: %v, want %v", err, want)
	}
	if !bytes.Equal(before, marshalRecord(t, r)) {
		t.Fatalf("record changed by a refused message (%v)", err)
	}
}

func marshalRecord(t testing.TB, r *SenderKeyRecord) []byte {
	t.Helper()
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSenderKeyOrders(t *testing.T) {
	const n = 40
	tests := []struct {
		name  string
		order func(r *rand.Rand) []int
	}{
		{"in order", func(*rand.Rand) []int { return seq(0, n) }},
		{"reversed", func(*rand.Rand) []int { s := seq(0, n); slicesReverse(s); return s }},
		{"shuffled", func(r *rand.Rand) []int {
			s := seq(0, n)
			r.Shuffle(n, func(i, j int) { s[i], s[j] = s[j], s[i] })
			return s
		}},
		{"last first", func(*rand.Rand) []int { return append([]int{n - 1}, seq(0, n-1)...) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newGroupPair(t, 1)
			msgs := p.encrypt(t, n)
			for _, i := range tt.order(rand.New(rand.NewPCG(1, 2))) {
				mustDecrypt(t, p.receiver, msgs[i], i)
				// Every message decrypts once: a second copy is a duplicate.
				mustRefuseUnchanged(t, p.receiver, msgs[i], ErrDuplicate)
			}
			// The sender and receiver chains meet: the next message decrypts
			// with no skipped key left over.
			st := p.receiver.states[0]
			if len(st.chain.skipped) != 0 || st.chain.index != n || st.chain.key != p.sender.states[0].chain.key {
				t.Fatalf("receiver chain at %d with %d skipped keys, sender at %d", st.chain.index, len(st.chain.skipped), p.sender.states[0].chain.index)
			}
		})
	}
}

func seq(from, to int) []int {
	s := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func slicesReverse(s []int) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func TestSenderKeyLimits(t *testing.T) {
	tests := []struct {
		name    string
		skip    int   // messages encrypted and never delivered before the tested one
		deliver []int // delivered first, in order, after the skip
		late    int   // then this one is decrypted
		want    error
	}{
		{"skipped keys kept", MaxSkippedKeys, []int{MaxSkippedKeys}, 0, nil},
		{"oldest skipped key dropped", MaxSkippedKeys + 1, []int{MaxSkippedKeys + 1}, 0, ErrTooOld},
		{"newest kept after a drop", MaxSkippedKeys + 1, []int{MaxSkippedKeys + 1}, 1, nil},
		{"largest jump", MaxForwardJump, nil, MaxForwardJump, nil},
		{"jump over the limit", MaxForwardJump + 1, nil, MaxForwardJump + 1, ErrTooFarAhead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newGroupPair(t, 2)
			msgs := p.encryptCheap(t, max(tt.skip, tt.late)+1)
			for _, i := range tt.deliver {
				mustDecrypt(t, p.receiver, msgs[i], i)
			}
			if tt.want != nil {
				mustRefuseUnchanged(t, p.receiver, msgs[tt.late], tt.want)
				return
			}
			mustDecrypt(t, p.receiver, msgs[tt.late], tt.late)
		})
	}
}

// encryptCheap is encrypt for the long chains of the limit tests: the
// same plaintexts with a fixed signing nonce, since only the chain's
// position matters.
func (p *groupPair) encryptCheap(t testing.TB, n int) [][]byte {
	t.Helper()
	msgs := make([][]byte, n)
	for i := range n {
		m, err := p.sender.Encrypt(zeroReader{}, fmt.Appendf(nil, "message %d", i))
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = m
	}
	return msgs
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// resign replaces the signature of a sender key message by a valid one
// over its (possibly altered) content, with the pair's signing key.
func (p *groupPair) resign(t testing.TB, msg []byte) []byte {
	t.Helper()
	n := len(msg) - keys.SignatureSize
	sig, err := keys.Sign(zeroReader{}, *p.sender.states[0].private, msg[:n])
	if err != nil {
		t.Fatal(err)
	}
	return append(bytes.Clone(msg[:n]), sig[:]...)
}

func TestSenderKeyTamper(t *testing.T) {
	p := newGroupPair(t, 3)
	msgs := p.encrypt(t, 2)
	last := len(msgs[0]) - 1
	flip := func(i int) func(*testing.T, []byte) []byte {
		return func(_ *testing.T, m []byte) []byte { m[i] ^= 0x01; return m }
	}
	ctEnd := last - keys.SignatureSize // the last ciphertext byte
	tests := []struct {
		name  string
		alter func(*testing.T, []byte) []byte
		want  error
	}{
		{"signature R", flip(last - 40), ErrBadMAC},
		{"signature s", flip(last - 1), ErrBadMAC},
		{"signature sign bit", flip(last), ErrBadMAC},
		{"ciphertext", flip(ctEnd - 5), ErrBadMAC},
		{"iteration", func(_ *testing.T, m []byte) []byte {
			return bytes.Replace(m, []byte{0x18, 0x00}, []byte{0x18, 0x01}, 1)
		}, ErrBadMAC},
		{"version byte", func(_ *testing.T, m []byte) []byte { m[0] = 0x34; return m }, ErrBadMAC},
		{"old version", func(_ *testing.T, m []byte) []byte { m[0] = 0x22; return m }, ErrVersion},
		{"truncated signature", func(_ *testing.T, m []byte) []byte { return m[:last] }, ErrMalformed},
		{"other distribution", func(t *testing.T, m []byte) []byte { m[3] ^= 1; return p.resign(t, m) }, ErrNoSenderKey},
		{"unknown chain", func(_ *testing.T, m []byte) []byte { m[20]++; return m }, ErrNoSenderKey},
		// A signed message whose padding is wrong: only a broken sender
		// makes one, and it must not move the chain either.
		{"padding", func(t *testing.T, m []byte) []byte { return p.resign(t, badPadding(t, p, m)) }, ErrBadPadding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustRefuseUnchanged(t, p.receiver, tt.alter(t, bytes.Clone(msgs[0])), tt.want)
		})
	}
	// After all of them, both messages still decrypt.
	mustDecrypt(t, p.receiver, msgs[1], 1)
	mustDecrypt(t, p.receiver, msgs[0], 0)
}

// badPadding re-encrypts message 0 (iteration 0) of p's chain with a last
// byte that is not valid PKCS#7 padding.
func badPadding(t *testing.T, p *groupPair, m []byte) []byte {
	t.Helper()
	ck := chainKey(p.dist.ChainKey)
	seed, _ := ck.step()
	mk := newSenderMessageKeys(&seed)
	plain := bytes.Repeat([]byte{0x11}, 16) // a block with no padding block after it
	raw := sealSenderKeyMessage(testDistribution, p.dist.ChainID, 0, &mk, plain[:15])
	// Decrypt the padded block, break the padding byte, encrypt again.
	ct := raw[len(raw)-16:]
	dec, err := decryptCBC(&mk, ct)
	if err != nil || len(dec) != 15 {
		t.Fatalf("test setup: %v", err)
	}
	bad := append(dec, 0x00) // pad byte 0 is never valid
	enc := encryptCBC(&mk, bad)[:16]
	copy(ct, enc)
	return append(raw, make([]byte, keys.SignatureSize)...)
}

func TestSenderKeyRotation(t *testing.T) {
	p := newGroupPair(t, 4)
	old := p.encrypt(t, 3)
	// Rotation: a new sender key for the same distribution.
	sender2, dist2, err := NewSenderKey(seededRand(44), testDistribution)
	if err != nil {
		t.Fatal(err)
	}
	if dist2.ChainID == p.dist.ChainID {
		t.Fatal("rotation kept the chain id")
	}
	if err := p.receiver.Process(dist2); err != nil {
		t.Fatal(err)
	}
	p2 := &groupPair{sender: sender2, receiver: p.receiver, dist: dist2}
	fresh := p2.encrypt(t, 2)
	// The receiver keeps both chains: new and late old messages decrypt.
	mustDecrypt(t, p.receiver, fresh[1], 1)
	mustDecrypt(t, p.receiver, old[2], 2)
	mustDecrypt(t, p.receiver, fresh[0], 0)
	mustDecrypt(t, p.receiver, old[0], 0)
	if got := len(p.receiver.states); got != 2 {
		t.Fatalf("%d states after a rotation, want 2", got)
	}
	// Processing the old distribution again moves its state to the front
	// without rewinding it: a message already read stays a duplicate.
	if err := p.receiver.Process(p.dist); err != nil {
		t.Fatal(err)
	}
	if p.receiver.states[0].chainID != p.dist.ChainID || len(p.receiver.states) != 2 {
		t.Fatalf("re-processed distribution: states %d, newest chain %d", len(p.receiver.states), p.receiver.states[0].chainID)
	}
	mustRefuseUnchanged(t, p.receiver, old[0], ErrDuplicate)
	mustDecrypt(t, p.receiver, old[1], 1)
}

func TestSenderKeyStateEviction(t *testing.T) {
	var receiver SenderKeyRecord
	var first [][]byte
	var chains []uint32
	for i := range MaxSenderKeyStates + 1 {
		sender, dist, err := NewSenderKey(seededRand(uint64(50+i)), testDistribution)
		if err != nil {
			t.Fatal(err)
		}
		if err := receiver.Process(dist); err != nil {
			t.Fatal(err)
		}
		p := &groupPair{sender: sender, receiver: &receiver, dist: dist}
		first = append(first, p.encrypt(t, 1)[0])
		chains = append(chains, dist.ChainID)
	}
	if len(receiver.states) != MaxSenderKeyStates {
		t.Fatalf("%d states, want %d", len(receiver.states), MaxSenderKeyStates)
	}
	for i, st := range receiver.states { // newest first
		if want := chains[len(chains)-1-i]; st.chainID != want {
			t.Fatalf("state %d: chain %d, want %d", i, st.chainID, want)
		}
	}
	// The oldest chain was dropped; every other one still decrypts.
	mustRefuseUnchanged(t, &receiver, first[0], ErrNoSenderKey)
	for i := 1; i < len(first); i++ {
		mustDecrypt(t, &receiver, first[i], 0)
	}
}

func TestSenderKeyProcess(t *testing.T) {
	p := newGroupPair(t, 6)
	msgs := p.encrypt(t, 3)
	t.Run("other distribution refused", func(t *testing.T) {
		other := *p.dist
		other.DistributionID[0] ^= 1
		if err := p.receiver.Process(&other); !errors.Is(err, ErrWrongDistribution) {
			t.Fatalf("Process: %v, want ErrWrongDistribution", err)
		}
	})
	t.Run("same chain id, other signing key replaces", func(t *testing.T) {
		var r SenderKeyRecord
		if err := r.Process(p.dist); err != nil {
			t.Fatal(err)
		}
		forged := *p.dist
		forged.SigningKey = newGroupPair(t, 7).dist.SigningKey
		if err := r.Process(&forged); err != nil {
			t.Fatal(err)
		}
		if len(r.states) != 1 || r.states[0].signing != forged.SigningKey {
			t.Fatalf("states %d, signing key not replaced", len(r.states))
		}
		mustRefuseUnchanged(t, &r, msgs[0], ErrBadMAC)
	})
	t.Run("late distribution", func(t *testing.T) {
		// A member who gets the distribution after message 1 reads from
		// message 2 on; earlier ones are too old, not duplicates.
		mid, err := p.sender.Distribution()
		if err != nil {
			t.Fatal(err)
		}
		var r SenderKeyRecord
		if err := r.Process(mid); err != nil {
			t.Fatal(err)
		}
		later := p.encrypt(t, 1)
		mustRefuseUnchanged(t, &r, msgs[2], ErrTooOld)
		got, err := r.Decrypt(later[0])
		if err != nil || string(got) != "message 0" {
			t.Fatalf("Decrypt: %q, %v", got, err)
		}
	})
	t.Run("empty record", func(t *testing.T) {
		var r SenderKeyRecord
		mustRefuseUnchanged(t, &r, msgs[0], ErrNoSenderKey)
		if _, err := r.Encrypt(zeroReader{}, []byte("x")); !errors.Is(err, ErrNoSenderKey) {
			t.Fatalf("Encrypt on an empty record: %v", err)
		}
		if _, err := p.receiver.Encrypt(zeroReader{}, []byte("x")); !errors.Is(err, ErrNoSenderKey) {
			t.Fatalf("Encrypt on a member's record: %v", err)
		}
	})
}

func TestSenderKeyRecordRoundTrip(t *testing.T) {
	p := newGroupPair(t, 8)
	msgs := p.encrypt(t, 10)
	for _, i := range []int{9, 3, 5} {
		mustDecrypt(t, p.receiver, msgs[i], i)
	}
	for _, r := range []*SenderKeyRecord{p.sender, p.receiver, {}} {
		b := marshalRecord(t, r)
		var back SenderKeyRecord
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(marshalRecord(t, &back), b) {
			t.Fatal("record round trip changed the encoding")
		}
	}
	// The reloaded receiver goes on where it stood.
	var back SenderKeyRecord
	if err := back.UnmarshalBinary(marshalRecord(t, p.receiver)); err != nil {
		t.Fatal(err)
	}
	mustRefuseUnchanged(t, &back, msgs[3], ErrDuplicate)
	for _, i := range []int{0, 1, 2, 4, 6, 7, 8} {
		mustDecrypt(t, &back, msgs[i], i)
	}
}

func TestSenderKeyRecordRefused(t *testing.T) {
	p := newGroupPair(t, 9)
	msgs := p.encrypt(t, 3)
	mustDecrypt(t, p.receiver, msgs[2], 2) // two skipped keys
	good := marshalRecord(t, p.receiver)
	own := marshalRecord(t, p.sender)
	// Offsets in the receiver's record: header 4+1+16+1, then the state.
	const state = 22
	const skipped = state + 4 + 32 + 1 + 32 + 4 + 4 + 2
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"bad magic", append([]byte("RCSX"), good[4:]...)},
		{"unknown format", patch(good, 4, 2)},
		{"too many states", patch(good, 21, MaxSenderKeyStates+1)},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"low-order signing key", patchBytes(good, state+4, make([]byte, 32))},
		{"bad has-private flag", patch(good, state+36, 2)},
		{"skipped keys out of order", patchBytes(good, skipped, []byte{0, 0, 0, 1})},
		{"skipped key past the chain", patchBytes(good, skipped+36, []byte{0, 0, 0, 9})},
		{"private key of another public key", patch(own, state+37, own[state+37]^0x40)},
		{"chain twice", twoStates(good)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := *p.receiver
			err := r.UnmarshalBinary(tt.b)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("UnmarshalBinary: %v, want ErrMalformed", err)
			}
			if !bytes.Equal(marshalRecord(t, &r), good) {
				t.Fatal("a refused record changed the record")
			}
		})
	}
}

func patch(b []byte, i int, v byte) []byte { return patchBytes(b, i, []byte{v}) }

func patchBytes(b []byte, i int, v []byte) []byte {
	out := bytes.Clone(b)
	copy(out[i:], v)
	return out
}

// twoStates is a record holding its one state twice.
func twoStates(b []byte) []byte {
	out := patch(b, 21, 2)
	return append(out, b[22:]...)
}

// TestSenderKeyChainVector pins the chain and message-key derivation to
// values computed independently from the definition: HMAC-SHA256 steps
// and HKDF-SHA256 with info "WhisperGroup".
func TestSenderKeyChainVector(t *testing.T) {
	var ck chainKey
	for i := range ck {
		ck[i] = byte(i)
	}
	seed, next := ck.step()
	var wantSeed, wantNext [32]byte
	hkdf256.Sum(&wantSeed, ck[:], []byte{1})
	hkdf256.Sum(&wantNext, ck[:], []byte{2})
	if seed != wantSeed || [32]byte(next) != wantNext {
		t.Fatal("chain step differs from HMAC-SHA256(ck, 0x01 / 0x02)")
	}
	mk := newSenderMessageKeys(&seed)
	out := make([]byte, 48)
	hkdf256.Key(out, seed[:], nil, []byte("WhisperGroup"))
	if !bytes.Equal(mk.iv[:], out[:16]) || !bytes.Equal(mk.cipher[:], out[16:]) {
		t.Fatalf("message keys %x %x, want %s", mk.iv, mk.cipher, hex.EncodeToString(out))
	}
}
