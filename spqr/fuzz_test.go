package spqr

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// fuzzStates are states in each phase: fresh strict and tolerant
// initiators, a responder, and both sides mid-conversation.
func fuzzStates(t testing.TB) ([]State, [][]byte) {
	r := seeded(7)
	a, b := initial(t, A2B, V1, V1), initial(t, B2A, V1, V1)
	states := []State{a, initial(t, A2B, V1, V0), b, {}}
	var msgs [][]byte
	for i := range 120 {
		var m []byte
		a, m, _ = send(t, a, r)
		if i%3 != 0 {
			b, _ = recv(t, b, m)
		}
		msgs = append(msgs, m)
		b, m, _ = send(t, b, r)
		a, _ = recv(t, a, m)
		msgs = append(msgs, m)
	}
	return append(states, a, b), msgs
}

// FuzzUnmarshalState: what decodes re-encodes to the same bytes, and every
// refusal is ErrStateDecode.
func FuzzUnmarshalState(f *testing.F) {
	states, _ := fuzzStates(f)
	for _, s := range states {
		f.Add(encode(f, s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := UnmarshalState(raw)
		if err != nil {
			if !errors.Is(err, ErrStateDecode) {
				t.Fatalf("error %v is not ErrStateDecode", err)
			}
			return
		}
		if got := encode(t, s); !bytes.Equal(got, raw) {
			t.Fatalf("re-encodes as %x", got)
		}
	})
}

// FuzzRecv feeds any message to states in each phase: no panic, the given
// state never changes, errors carry the package prefix, and a new state
// survives saving and loading.
func FuzzRecv(f *testing.F) {
	states, msgs := fuzzStates(f)
	for i, m := range msgs {
		f.Add(uint8(i), m)
	}
	f.Add(uint8(0), []byte{})
	f.Add(uint8(1), []byte{0})
	f.Add(uint8(2), []byte{2})
	f.Fuzz(func(t *testing.T, which uint8, msg []byte) {
		s := states[int(which)%len(states)]
		before := encode(t, s)
		next, key, err := Recv(s, msg)
		if !bytes.Equal(encode(t, s), before) {
			t.Fatal("Recv changed the state it was given")
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "spqr: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		if key != nil && len(key) != KeySize {
			t.Fatalf("key of %d bytes", len(key))
		}
		roundTrip(t, next)
	})
}
