package braid

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// party is one side of a two-party test: its state, the secrets it emitted
// by epoch, and the kinds of state it went through.
type party struct {
	name    string
	s       States
	rand    *rand.ChaCha8
	secrets map[uint64][]byte
	visited map[kind]bool
	trail   []kind // the states in the order first entered
	index   uint32
	reload  bool // marshal and unmarshal the state after every step
	onStep  func(States)
	sent    []byte // the last message sent
}

func newParty(name string, s States, seed byte, reload bool) *party {
	var sd [32]byte
	sd[0] = seed
	return &party{name: name, s: s, rand: rand.NewChaCha8(sd), secrets: map[uint64][]byte{},
		visited: map[kind]bool{s.kind: true}, trail: []kind{s.kind}, reload: reload}
}

func newPair(reload bool) (a, b *party) {
	key := []byte("the PQXDH authentication key....")
	return newParty("A", InitA(key), 1, reload), newParty("B", InitB(key), 2, reload)
}

// step records a state change: the epoch never goes back, secrets come
// epoch after epoch without a gap, and the state survives a save and load.
func (p *party) step(t testing.TB, next States, key *EpochSecret) {
	t.Helper()
	if next.Epoch() < p.s.Epoch() {
		t.Fatalf("%s: epoch went from %d to %d", p.name, p.s.Epoch(), next.Epoch())
	}
	if key != nil {
		if want := uint64(len(p.secrets)) + 1; key.Epoch != want {
			t.Fatalf("%s: emitted epoch %d, want %d", p.name, key.Epoch, want)
		}
		if len(key.Secret) != SecretSize {
			t.Fatalf("%s: secret of %d bytes", p.name, len(key.Secret))
		}
		p.secrets[key.Epoch] = key.Secret
	}
	if p.reload {
		b, err := next.MarshalBinary()
		if err != nil {
			t.Fatalf("%s: marshal %v: %v", p.name, next, err)
		}
		if next, err = UnmarshalStates(b); err != nil {
			t.Fatalf("%s: unmarshal %v: %v", p.name, next, err)
		}
	}
	if next.kind != p.s.kind {
		p.trail = append(p.trail, next.kind)
	}
	p.s = next
	p.visited[next.kind] = true
	if p.onStep != nil {
		p.onStep(next)
	}
}

func (p *party) send(t testing.TB) []byte {
	t.Helper()
	next, msg, key, err := p.s.Send(p.rand)
	if err != nil {
		t.Fatalf("%s: send in %v: %v", p.name, p.s, err)
	}
	if msg.Epoch != p.s.Epoch() {
		t.Fatalf("%s: message of epoch %d from state %v", p.name, msg.Epoch, p.s)
	}
	p.step(t, next, key)
	p.index++
	p.sent = msg.Serialize(p.index)
	return p.sent
}

func (p *party) recv(t testing.TB, wire []byte) {
	t.Helper()
	msg, _, err := ParseMessage(wire)
	if err != nil {
		t.Fatalf("%s: parse: %v", p.name, err)
	}
	next, key, err := p.s.Recv(msg)
	if err != nil {
		t.Fatalf("%s: recv %v in %v: %v", p.name, msg.Type, p.s, err)
	}
	p.step(t, next, key)
}

// agree checks that both sides derived the same secret for every epoch
// both have, and returns how many epochs both have.
func agree(t *testing.T, a, b *party) int {
	t.Helper()
	n := 0
	for ep, sa := range a.secrets {
		if sb, ok := b.secrets[ep]; ok {
			if !bytes.Equal(sa, sb) {
				t.Fatalf("epoch %d: A and B derived different secrets", ep)
			}
			n++
		}
	}
	return n
}

func TestLockstep(t *testing.T) {
	a, b := newPair(false)
	for i := range 400 {
		b.recv(t, a.send(t))
		a.recv(t, b.send(t))
		if d := int(a.s.Epoch()) - int(b.s.Epoch()); d < -1 || d > 1 {
			t.Fatalf("step %d: epochs %d and %d drifted apart", i, a.s.Epoch(), b.s.Epoch())
		}
	}
	n := agree(t, a, b)
	if n < 5 {
		t.Fatalf("only %d epochs agreed in 400 round trips", n)
	}
	// Each side sends the key in every other epoch: A in odd epochs.
	if a.s.Epoch() < uint64(n) || b.s.Epoch() < uint64(n) {
		t.Fatalf("epochs %d, %d behind the %d agreed secrets", a.s.Epoch(), b.s.Epoch(), n)
	}
	t.Logf("400 round trips: %d epochs, A in %v, B in %v", n, a.s, b.s)
}

// TestLockstepFirstEpoch follows epoch 1 state by state, as the reference's
// transitions (src/v1/chunked/states.rs) lay it out for in-order delivery.
func TestLockstepFirstEpoch(t *testing.T) {
	a, b := newPair(false)
	for b.s.Epoch() == 1 {
		b.recv(t, a.send(t))
		if b.s.Epoch() == 1 {
			a.recv(t, b.send(t))
		}
	}
	// ct1 (30 chunks) completes before ek (36 chunks), so A acknowledges
	// ct1 while still sending ek, and B waits in Ct1Acknowledged.
	wantA := []kind{kindKeysUnsampled, kindKeysSampled, kindHeaderSent, kindCt1Received, kindEkSentCt1Received, kindNoHeaderReceived}
	wantB := []kind{kindNoHeaderReceived, kindHeaderReceived, kindCt1Sampled, kindCt1Acknowledged, kindCt2Sampled, kindKeysUnsampled}
	if fmt.Sprint(a.trail) != fmt.Sprint(wantA) {
		t.Errorf("A went through %v, want %v", a.trail, wantA)
	}
	if fmt.Sprint(b.trail) != fmt.Sprint(wantB) {
		t.Errorf("B went through %v, want %v", b.trail, wantB)
	}
	if a.s.Epoch() != 2 || b.s.Epoch() != 2 || agree(t, a, b) != 1 {
		t.Fatalf("after epoch 1: A %v, B %v, %d agreed", a.s, b.s, agree(t, a, b))
	}
}

// TestRandomInterleavings sends, delivers out of order and drops messages
// at random. The braid's chunks are erasure-coded, so any enough chunks
// make up for lost ones; every step must succeed.
func TestRandomInterleavings(t *testing.T) {
	visited := map[kind]bool{}
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 99))
			a, b := newPair(seed%2 == 1)
			var toA, toB [][]byte
			take := func(q *[][]byte) []byte {
				i := r.IntN(len(*q))
				if r.IntN(4) != 0 { // mostly in order
					i = 0
				}
				m := (*q)[i]
				*q = append((*q)[:i], (*q)[i+1:]...)
				return m
			}
			for range 4000 {
				switch x := r.IntN(4); {
				case x == 0:
					toB = append(toB, a.send(t))
				case x == 1:
					toA = append(toA, b.send(t))
				case x == 2 && len(toA) > 0:
					a.recv(t, take(&toA))
				case len(toB) > 0:
					b.recv(t, take(&toB))
				}
				if r.IntN(20) == 0 && len(toB) > 0 { // lost
					take(&toB)
				}
				if r.IntN(20) == 0 && len(toA) > 0 {
					take(&toA)
				}
			}
			if n := agree(t, a, b); n < 3 {
				t.Fatalf("only %d epochs agreed", n)
			}
			for k := range a.visited {
				visited[k] = true
			}
			for k := range b.visited {
				visited[k] = true
			}
		})
	}
	for k := kindKeysUnsampled; k < kindCount; k++ {
		if !visited[k] {
			t.Errorf("no run went through state %v", k)
		}
	}
}

// TestSaveLoadSameBehaviour runs the same conversation twice with the same
// randomness, once saving and loading both states after every step: the
// messages and secrets must be identical.
func TestSaveLoadSameBehaviour(t *testing.T) {
	run := func(reload bool) (wire [][]byte, a, b *party) {
		a, b = newPair(reload)
		r := rand.New(rand.NewPCG(7, 7))
		for range 600 {
			if r.IntN(2) == 0 {
				m := a.send(t)
				wire = append(wire, m)
				if r.IntN(3) != 0 {
					b.recv(t, m)
				}
			} else {
				m := b.send(t)
				wire = append(wire, m)
				if r.IntN(3) != 0 {
					a.recv(t, m)
				}
			}
		}
		return wire, a, b
	}
	plain, a1, b1 := run(false)
	saved, a2, b2 := run(true)
	for i := range plain {
		if !bytes.Equal(plain[i], saved[i]) {
			t.Fatalf("message %d differs after save and load:\n%x\n%x", i, plain[i], saved[i])
		}
	}
	if agree(t, a1, a2) != len(a1.secrets) || agree(t, b1, b2) != len(b1.secrets) || len(a1.secrets) < 2 {
		t.Fatalf("secrets differ after save and load (%d, %d epochs)", len(a1.secrets), len(a2.secrets))
	}
	agree(t, a2, b2)
}

// TestStatesAreValues checks that Send and Recv leave their receiver as it
// was: the same call on the same state gives the same result.
func TestStatesAreValues(t *testing.T) {
	a, b := newPair(false)
	for range 120 {
		before, err := b.s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		seed := [32]byte{9}
		n1, m1, _, err1 := b.s.Send(rand.NewChaCha8(seed))
		n2, m2, _, err2 := b.s.Send(rand.NewChaCha8(seed))
		after, _ := b.s.MarshalBinary()
		if err1 != nil || err2 != nil || m1 != m2 || !bytes.Equal(before, after) || n1.kind != n2.kind {
			t.Fatalf("Send changed its receiver %v (%v, %v)", b.s, err1, err2)
		}
		wire := a.send(t)
		msg, _, _ := ParseMessage(wire)
		r1, k1, _ := b.s.Recv(msg)
		r2, k2, _ := b.s.Recv(msg)
		after, _ = b.s.MarshalBinary()
		x1, _ := r1.MarshalBinary()
		x2, _ := r2.MarshalBinary()
		if !bytes.Equal(before, after) || !bytes.Equal(x1, x2) || (k1 == nil) != (k2 == nil) {
			t.Fatalf("Recv changed its receiver %v", b.s)
		}
		b.recv(t, wire)
		a.recv(t, b.send(t))
	}
}

// tamper returns wire with one bit of the chunk data flipped.
func tamper(wire []byte) []byte {
	out := bytes.Clone(wire)
	out[len(out)-1] ^= 0x40
	return out
}

// TestTamperedRefused delivers, for every message of the given type, a
// tampered copy first: a copy that the receiver refuses must be refused
// with the sentinel and leave the state as it was; then the genuine
// message goes through and the session carries on.
func TestTamperedRefused(t *testing.T) {
	tests := []struct {
		name    string
		fromA   bool
		typ     MessageType
		want    error
		mutate  func([]byte) []byte
		refusal bool // at least one tampered copy must be refused
	}{
		{"header", true, TypeHdr, ErrMAC, tamper, true},
		// ek completes in an EkCt1Ack: ct1 (30 chunks) is acknowledged
		// before the 36 chunks of ek are through.
		{"encapsulation key", true, TypeEkCt1Ack, ErrKeyMismatch, tamper, true},
		{"ct2", false, TypeCt2, ErrMAC, tamper, true},
		{"epoch from the future", true, TypeHdr, ErrEpochOutOfRange, func(w []byte) []byte {
			m, i, _ := ParseMessage(w)
			m.Epoch += 2
			return m.Serialize(i)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := newPair(false)
			refused := 0
			deliver := func(to *party, wire []byte) {
				msg, _, _ := ParseMessage(wire)
				if msg.Type == tt.typ {
					before, _ := to.s.MarshalBinary()
					bad, _, err := ParseMessage(tt.mutate(wire))
					if err != nil {
						t.Fatal(err)
					}
					next, key, err := to.s.Recv(bad)
					if err != nil {
						if !errors.Is(err, tt.want) {
							t.Fatalf("tampered %v refused with %v, want %v", tt.typ, err, tt.want)
						}
						after, _ := to.s.MarshalBinary()
						if !bytes.Equal(before, after) || next.kind != to.s.kind || key != nil {
							t.Fatal("refusal changed the state")
						}
						refused++
					}
				}
				to.recv(t, wire)
			}
			for range 200 {
				w := a.send(t)
				if tt.fromA {
					deliver(b, w)
				} else {
					b.recv(t, w)
				}
				w = b.send(t)
				if tt.fromA {
					a.recv(t, w)
				} else {
					deliver(a, w)
				}
			}
			if tt.refusal && refused == 0 {
				t.Fatalf("no tampered %v was refused", tt.typ)
			}
			if agree(t, a, b) < 2 {
				t.Fatal("session did not carry on")
			}
		})
	}
}

// TestTamperedCt1 shows that ct1, which has no MAC of its own, is covered
// by the ciphertext MAC: a flipped ct1 chunk is accepted, and the epoch
// then fails at ct2 on the send_ek side, with the state kept.
func TestTamperedCt1(t *testing.T) {
	a, b := newPair(false)
	tampered := false
	for range 200 {
		b.recv(t, a.send(t))
		w := b.send(t)
		msg, _, _ := ParseMessage(w)
		if msg.Type == TypeCt1 && !tampered {
			w, tampered = tamper(w), true
		}
		msg, _, _ = ParseMessage(w)
		next, key, err := a.s.Recv(msg)
		if err != nil {
			if !errors.Is(err, ErrMAC) || msg.Type != TypeCt2 || a.s.kind != kindEkSentCt1Received {
				t.Fatalf("refused %v in %v with %v", msg.Type, a.s, err)
			}
			if len(a.secrets) != 0 {
				t.Fatal("A emitted a secret for a forged epoch")
			}
			return
		}
		a.step(t, next, key)
	}
	t.Fatal("the forged ct1 was never caught")
}

func TestRecvErrors(t *testing.T) {
	a, _ := newPair(false)
	tests := []struct {
		name string
		s    States
		msg  Message
		want error
	}{
		{"zero state", States{}, Message{Epoch: 1}, ErrState},
		{"A gets epoch 2 in epoch 1", a.s, Message{Epoch: 2}, ErrEpochOutOfRange},
		{"B gets epoch 2 in epoch 1", InitB(nil), Message{Epoch: 2, Type: TypeHdr}, ErrEpochOutOfRange},
	}
	for _, tt := range tests {
		next, key, err := tt.s.Recv(tt.msg)
		if !errors.Is(err, tt.want) || key != nil || next.kind != tt.s.kind {
			t.Errorf("%s: Recv = %v, %v, %v; want error %v", tt.name, next, key, err, tt.want)
		}
	}
	if _, _, _, err := (States{}).Send(rand.NewChaCha8([32]byte{})); !errors.Is(err, ErrState) {
		t.Errorf("Send on the zero state: %v, want %v", err, ErrState)
	}
	if _, err := (States{}).MarshalBinary(); !errors.Is(err, ErrState) {
		t.Errorf("MarshalBinary of the zero state: %v, want %v", err, ErrState)
	}
}

func TestSendRandFailure(t *testing.T) {
	a, _ := newPair(false)
	next, _, _, err := a.s.Send(bytes.NewReader(nil))
	if err == nil || next.kind != kindKeysUnsampled {
		t.Fatalf("Send with an empty reader = %v, %v; want an error and the state kept", next, err)
	}
}

func TestStringsRedact(t *testing.T) {
	e := EpochSecret{Epoch: 3, Secret: []byte("very secret bytes")}
	for _, s := range []string{fmt.Sprint(e), fmt.Sprintf("%+v", e), fmt.Sprint(InitA([]byte("key")))} {
		if bytes.Contains([]byte(s), []byte("secret bytes")) || bytes.Contains([]byte(s), []byte("key")) {
			t.Errorf("%q shows key material", s)
		}
	}
}

// TestConcurrentSends sends parity chunks (past the message's own chunks)
// from one state in several goroutines: they share the encoder, and must
// all get the same chunk (run with -race).
func TestConcurrentSends(t *testing.T) {
	a, b := newPair(false)
	for b.s.kind != kindCt1Sampled {
		b.recv(t, a.send(t))
		a.recv(t, b.send(t))
	}
	s := b.s
	s.next = 40 // ct1 has 30 chunks of its own; this is the first parity chunk asked for
	got := make(chan Message, 4)
	for range 4 {
		go func() {
			_, m, _, _ := s.Send(nil)
			got <- m
		}()
	}
	msgs := []Message{<-got, <-got, <-got, <-got}
	want := s.enc.Chunk(s.next)
	for _, m := range msgs {
		if m.Chunk != want || m.Type != TypeCt1 {
			t.Fatalf("concurrent Send gave chunk %d, want %d", m.Chunk.Index, want.Index)
		}
	}
}
