package spqr

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// inflight is a message on its way with the key its sender mixed in.
type inflight struct {
	msg, key []byte
}

// party is one side of a conversation.
type party struct {
	state     State
	queue     []inflight // messages on their way to this party
	delivered []inflight // messages this party already received
}

// TestTwoParty runs long conversations between an initiator and a
// responder as libsignal sets them up (V1, minimum V1): random turns,
// messages reordered within a window, replays, and states saved and loaded
// along the way. Every key must match on both sides, every replay must be
// refused with the state kept, and the epochs must advance.
func TestTwoParty(t *testing.T) {
	const (
		steps  = 10000
		window = 32
	)
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 99))
		r := seeded(seed + 100)
		// The last seed runs two V0-tolerant parties: no keys until each
		// has heard from the other, then the same as libsignal's.
		minV := V1
		if seed == 2 {
			minV = V0
		}
		p := [2]*party{{state: initial(t, A2B, V1, minV)}, {state: initial(t, B2A, V1, minV)}}
		sent := 0
		for step := range steps {
			from := rng.IntN(2)
			to := p[1-from]
			switch rng.IntN(10) {
			case 0, 1, 2, 3:
				st, msg, key := send(t, p[from].state, r)
				tolerantStart := minV == V0 && CurrentVersion(p[from].state).Negotiating
				if key == nil && !tolerantStart {
					t.Fatalf("seed %d step %d: no key", seed, step)
				}
				p[from].state = st
				sent++
				to.queue = append(to.queue, inflight{msg, key})
			case 4, 5, 6, 7, 8:
				deliver(t, rng, to, window)
			case 9:
				replay(t, rng, to)
			}
			if step%700 == 0 {
				for _, q := range p {
					q.state = roundTrip(t, q.state)
				}
			}
		}
		for _, q := range p {
			for len(q.queue) > 0 {
				deliver(t, rng, q, window)
			}
		}
		ea, eb := p[0].state.Epoch(), p[1].state.Epoch()
		got := len(p[0].delivered) + len(p[1].delivered)
		t.Logf("seed %d: %d messages, epochs A %d, B %d", seed, got, ea, eb)
		if got != sent || got < 2000 {
			t.Errorf("seed %d: %d of %d messages delivered", seed, got, sent)
		}
		if ea < 5 || eb < 5 {
			t.Errorf("seed %d: epochs A %d, B %d did not advance", seed, ea, eb)
		}
	}
}

// deliver receives one of the first window messages on their way to q.
func deliver(t *testing.T, rng *rand.Rand, q *party, window int) {
	t.Helper()
	if len(q.queue) == 0 {
		return
	}
	i := rng.IntN(min(window, len(q.queue)))
	m := q.queue[i]
	q.queue = append(q.queue[:i:i], q.queue[i+1:]...)
	st, key := recv(t, q.state, m.msg)
	if !bytes.Equal(key, m.key) {
		t.Fatalf("receiver's key %x, sender's %x", key, m.key)
	}
	q.state = st
	q.delivered = append(q.delivered, m)
}

// replay delivers an already received message again: it must be refused
// and the state returned unchanged.
func replay(t *testing.T, rng *rand.Rand, q *party) {
	t.Helper()
	if len(q.delivered) == 0 {
		return
	}
	m := q.delivered[rng.IntN(len(q.delivered))]
	if m.key == nil {
		return // index 0 of epoch 1: no SPQR key to refuse it with
	}
	before := encode(t, q.state)
	st, key, err := Recv(q.state, m.msg)
	if !errors.Is(err, ErrKeyAlreadyUsed) && !errors.Is(err, ErrKeyTrimmed) && !errors.Is(err, ErrEpochOutOfRange) {
		t.Fatalf("replay: key %x, error %v; want a refusal", key, err)
	}
	if !bytes.Equal(encode(t, st), before) || !bytes.Equal(encode(t, q.state), before) {
		t.Fatal("replay changed the state")
	}
}

// roundTrip saves and loads a state and checks the encoding is stable.
func roundTrip(t testing.TB, s State) State {
	t.Helper()
	raw := encode(t, s)
	d, err := UnmarshalState(raw)
	if err != nil {
		t.Fatalf("UnmarshalState: %v", err)
	}
	if !bytes.Equal(encode(t, d), raw) {
		t.Fatal("state encoding does not round-trip")
	}
	return d
}

// TestSendValueSemantics: Send leaves its input as it was, so the same
// state and the same randomness give the same message and key twice.
func TestSendValueSemantics(t *testing.T) {
	a := initial(t, A2B, V1, V1)
	b := initial(t, B2A, V1, V1)
	r := seeded(5)
	for range 50 {
		var m []byte
		a, m, _ = send(t, a, r)
		b, _ = recv(t, b, m)
		b, m, _ = send(t, b, r)
		a, _ = recv(t, a, m)
	}
	before := encode(t, a)
	_, m1, k1 := send(t, a, seeded(6))
	_, m2, k2 := send(t, a, seeded(6))
	if !bytes.Equal(m1, m2) || !bytes.Equal(k1, k2) {
		t.Error("two sends from one state with the same randomness differ")
	}
	if !bytes.Equal(encode(t, a), before) {
		t.Error("Send changed the state it was given")
	}
}

// TestUnmarshalStateRefuses checks the decoder's refusals.
func TestUnmarshalStateRefuses(t *testing.T) {
	good := encode(t, initial(t, A2B, V1, V1))
	tests := []struct {
		name string
		raw  []byte
	}{
		{"format 2", append([]byte{2}, good[1:]...)},
		{"version 0 in a non-empty state", append([]byte{1, 0}, good[2:]...)},
		{"no negotiation and no chain", append([]byte{1, 1, 0}, good[3:]...)},
		{"unknown flag", append([]byte{1, 1, 5}, good[3:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(append([]byte(nil), good...), 0)},
		{"header only", good[:3]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := UnmarshalState(tt.raw); !errors.Is(err, ErrStateDecode) {
				t.Fatalf("got %v, want ErrStateDecode", err)
			}
		})
	}
	if s, err := UnmarshalState(nil); err != nil || CurrentVersion(s) != (VersionStatus{Version: V0}) {
		t.Errorf("empty state: %+v, %v; want V0", CurrentVersion(s), err)
	}
}

// TestStateSharedAcrossGoroutines: one State used by several goroutines at
// once (Send and Recv from the same value) gives every goroutine the same
// answers, because nothing a State points to is ever written in place.
func TestStateSharedAcrossGoroutines(t *testing.T) {
	a, b := initial(t, A2B, V1, V1), initial(t, B2A, V1, V1)
	r := seeded(21)
	var msgs [][]byte
	for range 60 {
		var m []byte
		a, m, _ = send(t, a, r)
		msgs = append(msgs, m)
		b, m, _ = send(t, b, r)
		a, _ = recv(t, a, m)
	}
	wantMsg, wantKey := sendOnce(t, a)
	errs := make(chan error, 8)
	for range 4 {
		go func() {
			for _, m := range msgs {
				if _, _, err := Recv(b, m); err != nil {
					errs <- err
					return
				}
			}
			m, k := sendOnce(t, a)
			if !bytes.Equal(m, wantMsg) || !bytes.Equal(k, wantKey) {
				errs <- errors.New("a concurrent Send gave another message")
				return
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// sendOnce sends from s with fixed randomness.
func sendOnce(t *testing.T, s State) ([]byte, []byte) {
	_, m, k, err := Send(s, seeded(22))
	if err != nil {
		t.Error(err)
	}
	return m, k
}
