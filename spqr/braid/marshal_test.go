package braid

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// sampleStates returns states of every kind, from a lockstep run and a
// lossy one, each with a message its peer sent it.
func sampleStates(t testing.TB) (states []States, msgs [][]byte) {
	seen := map[kind]int{}
	// Two runs: lockstep, and one where A talks five times as much as B,
	// which lets ek complete before ct1 (EkReceivedCt1Sampled).
	for _, aTurns := range []int{1, 5} {
		a, b := newPair(false)
		keep := func(peer *party) func(States) {
			return func(s States) {
				if seen[s.kind] < 3 && peer.sent != nil {
					seen[s.kind]++
					states = append(states, s)
					msgs = append(msgs, peer.sent)
				}
			}
		}
		a.onStep, b.onStep = keep(b), keep(a)
		for range 150 {
			for range aTurns {
				b.recv(t, a.send(t))
			}
			a.recv(t, b.send(t))
		}
	}
	return states, msgs
}

func TestMarshalRoundTripEveryState(t *testing.T) {
	states, _ := sampleStates(t)
	kinds := map[kind]bool{}
	for _, s := range states {
		kinds[s.kind] = true
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("marshal %v: %v", s, err)
		}
		got, err := UnmarshalStates(b)
		if err != nil {
			t.Fatalf("unmarshal %v: %v", s, err)
		}
		b2, err := got.MarshalBinary()
		if err != nil || !bytes.Equal(b, b2) || got.kind != s.kind || got.Epoch() != s.Epoch() || got.next != s.next {
			t.Fatalf("%v did not round-trip: %v", s, err)
		}
	}
	if len(kinds) != int(kindCount)-1 {
		t.Fatalf("sampled %d kinds of state (%v), want %d", len(kinds), kinds, kindCount-1)
	}
}

func TestUnmarshalStatesErrors(t *testing.T) {
	good, err := InitA([]byte("k")).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	states, _ := sampleStates(t)
	var withDK []byte
	for _, s := range states {
		if s.kind == kindKeysSampled {
			withDK, _ = s.MarshalBinary()
			break
		}
	}
	set := func(b []byte, i int, v byte) []byte { b = bytes.Clone(b); b[i] = v; return b }
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"format 0", set(good, 0, 0)},
		{"format 2", set(good, 0, 2)},
		{"kind 0", set(good, 1, 0)},
		{"kind 12", set(good, 1, 12)},
		{"epoch 0", append(append([]byte{1, 1}, make([]byte, 8)...), good[10:]...)},
		{"truncated authenticator", good[:len(good)-1]},
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"KeysUnsampled claims to be KeysSampled", set(good, 1, uint8(kindKeysSampled))},
		// KeysSampled holds ek first: a length of 1151 is refused.
		{"ek one byte short", set(withDK, 2+8+64+1, 0x7f)},
		{"truncated encoder", withDK[:len(withDK)-3]},
	}
	for _, tt := range tests {
		if _, err := UnmarshalStates(tt.in); !errors.Is(err, ErrState) {
			t.Errorf("%s: UnmarshalStates error = %v, want %v", tt.name, err, ErrState)
		}
	}
}

// FuzzUnmarshalStates checks that any bytes either fail with ErrState or
// give a state that marshals back to the same bytes and can send and
// receive without panicking.
func FuzzUnmarshalStates(f *testing.F) {
	states, msgs := sampleStates(f)
	for _, s := range states {
		b, err := s.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := UnmarshalStates(b)
		if err != nil {
			if !errors.Is(err, ErrState) {
				t.Fatalf("error %v is not ErrState", err)
			}
			return
		}
		out, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("state does not marshal back: %v", err)
		}
		s.Send(rand.NewChaCha8([32]byte{1}))
		for _, w := range msgs[:4] {
			if m, _, err := ParseMessage(w); err == nil {
				m.Epoch = s.Epoch()
				s.Recv(m)
			}
		}
	})
}

// FuzzRecv feeds any message to states of every kind: Recv never panics,
// refuses with a sentinel and the state unchanged, and what it accepts
// still marshals.
func FuzzRecv(f *testing.F) {
	states, msgs := sampleStates(f)
	for i, w := range msgs {
		f.Add(uint8(i), w)
	}
	f.Fuzz(func(t *testing.T, which uint8, wire []byte) {
		s := states[int(which)%len(states)]
		m, _, err := ParseMessage(wire)
		if err != nil {
			return
		}
		before, _ := s.MarshalBinary()
		next, key, err := s.Recv(m)
		after, _ := s.MarshalBinary()
		if !bytes.Equal(before, after) {
			t.Fatal("Recv changed its receiver")
		}
		if err != nil {
			if !errors.Is(err, ErrEpochOutOfRange) && !errors.Is(err, ErrMAC) && !errors.Is(err, ErrKeyMismatch) {
				t.Fatalf("Recv error %v is no peer-message sentinel", err)
			}
			if key != nil || next.kind != s.kind {
				t.Fatal("Recv refused but moved on")
			}
			return
		}
		if key != nil && (key.Epoch != s.Epoch() || len(key.Secret) != SecretSize) {
			t.Fatalf("emitted %v from %v", key, s)
		}
		if _, err := next.MarshalBinary(); err != nil {
			t.Fatalf("accepted state does not marshal: %v", err)
		}
	})
}
