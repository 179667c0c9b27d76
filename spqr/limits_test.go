package spqr

import (
	"bytes"
	"errors"
	"testing"

	"ratchat/spqr/braid"
)

// reindex re-serializes a V1 message with another chain index, as a peer
// (or an attacker who cannot forge the braid) could.
func reindex(t *testing.T, msg []byte, index uint32) []byte {
	t.Helper()
	m, _, err := braid.ParseMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	return m.Serialize(index)
}

// TestRecvLimits checks libsignal's limits through Send and Recv: a jump of
// 25,000 is taken and 25,001 refused, a key 2,000 behind is still there and
// 2,001 behind is trimmed, a replay is refused, and every refusal returns
// the state unchanged.
func TestRecvLimits(t *testing.T) {
	r := seeded(11)
	a := initial(t, A2B, V1, V1)
	var msgs [][]byte
	var keys [][]byte
	for range DefaultMaxOOOKeys + 2 {
		var m, k []byte
		a, m, k = send(t, a, r)
		msgs, keys = append(msgs, m), append(keys, k)
	}
	last := len(msgs) - 1 // index 2,002
	fresh := initial(t, B2A, V1, V1)
	caughtUp, k := recv(t, fresh, msgs[last])
	if !bytes.Equal(k, keys[last]) {
		t.Fatal("key of the newest message differs")
	}
	if _, k := recv(t, caughtUp, msgs[1]); !bytes.Equal(k, keys[1]) {
		t.Error("key exactly 2,000 behind differs")
	}
	if _, _, err := Recv(fresh, reindex(t, msgs[0], DefaultMaxJump)); err != nil {
		t.Errorf("jump of exactly 25,000: %v", err)
	}
	tests := []struct {
		name  string
		state State
		msg   []byte
		want  error
	}{
		{"jump of 25,001", fresh, reindex(t, msgs[0], DefaultMaxJump+1), ErrKeyJump},
		{"2,001 behind", caughtUp, msgs[0], ErrKeyTrimmed},
		{"replay", caughtUp, msgs[last], ErrKeyAlreadyUsed},
		{"epoch 1, index 0: no key, as the reference", caughtUp, reindex(t, msgs[0], 0), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := encode(t, tt.state)
			got, key, err := Recv(tt.state, tt.msg)
			if tt.want == nil {
				if err != nil || key != nil {
					t.Fatalf("key %x, error %v; want no key, no error", key, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if !bytes.Equal(encode(t, got), before) || !bytes.Equal(encode(t, tt.state), before) {
				t.Error("a refused message changed the state")
			}
		})
	}
}
