package spqr

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// testAuthKey is the reference tests' authentication key, [41; 32].
var testAuthKey = bytes.Repeat([]byte{41}, KeySize)

// seeded returns a deterministic randomness source for tests.
func seeded(seed uint64) io.Reader { return rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}) }

func initial(t testing.TB, dir Direction, v, minV Version) State {
	t.Helper()
	s, err := InitialState(Params{Direction: dir, Version: v, MinVersion: minV, AuthKey: testAuthKey, ChainParams: DefaultChainParams()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func send(t testing.TB, s State, r io.Reader) (State, []byte, []byte) {
	t.Helper()
	s, msg, key, err := Send(s, r)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return s, msg, key
}

func recv(t testing.TB, s State, msg []byte) (State, []byte) {
	t.Helper()
	s, key, err := Recv(s, msg)
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	return s, key
}

func encode(t testing.TB, s State) []byte {
	t.Helper()
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInitialStateParams refuses parameters out of range.
func TestInitialStateParams(t *testing.T) {
	ok := Params{Direction: A2B, Version: V1, MinVersion: V1, AuthKey: testAuthKey}
	tests := []struct {
		name string
		edit func(*Params)
		want error
	}{
		{"libsignal's params", func(*Params) {}, nil},
		{"self session jump", func(p *Params) { p.ChainParams.MaxJump = 1<<32 - 1 }, nil},
		{"V0 needs no key", func(p *Params) { p.Version, p.MinVersion, p.AuthKey = V0, V0, nil }, nil},
		{"unknown version", func(p *Params) { p.Version = 2 }, ErrInvalidParams},
		{"minimum above version", func(p *Params) { p.Version, p.MinVersion = V0, V1 }, ErrInvalidParams},
		{"unknown direction", func(p *Params) { p.Direction = 2 }, ErrInvalidParams},
		{"short key", func(p *Params) { p.AuthKey = testAuthKey[:31] }, ErrInvalidParams},
		{"window too large", func(p *Params) { p.ChainParams.MaxOOOKeys = MaxOOOKeysLimit + 1 }, ErrInvalidParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			if _, err := InitialState(p); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestNegotiation is one row per rule of version negotiation: what a state
// does with a message of each version, in each phase of negotiation.
func TestNegotiation(t *testing.T) {
	r := seeded(1)
	// v1Msg is B's first V1 message (min V1: it carries a key).
	_, v1Msg, v1Key := send(t, initial(t, B2A, V1, V1), r)
	// tolerantMsg is B's first message when B still allows V0: index 0.
	_, tolerantMsg, tolerantKey := send(t, initial(t, B2A, V1, V0), r)
	if tolerantKey != nil || v1Key == nil {
		t.Fatalf("first keys: tolerant %x (want none), strict %x (want one)", tolerantKey, v1Key)
	}
	negotiated, _ := recv(t, initial(t, A2B, V1, V0), v1Msg)
	strict := func() State { return initial(t, A2B, V1, V1) }
	tolerant := func() State { return initial(t, A2B, V1, V0) }
	tests := []struct {
		name    string
		state   State
		msg     []byte
		want    error
		status  VersionStatus
		key     []byte
		changed bool // the state is replaced (vs. returned as it was)
	}{
		{"V0 state, empty message", State{}, nil, nil, VersionStatus{Version: V0}, nil, true},
		{"V0 state, V1 message: stays V0", State{}, v1Msg, nil, VersionStatus{Version: V0}, nil, true},
		{"V0 state, unknown version: ignored", State{}, []byte{2, 1, 1, 0}, nil, VersionStatus{Version: V0}, nil, false},
		{"V1 min V0, empty message: down to V0", tolerant(), nil, nil, VersionStatus{Version: V0}, nil, true},
		{"V1 min V0, V0 byte: down to V0", tolerant(), []byte{0, 9, 9}, nil, VersionStatus{Version: V0}, nil, true},
		{"V1 min V1, empty message: minimum version", strict(), nil, ErrMinimumVersion, VersionStatus{}, nil, false},
		{"V1 min V1, V0 byte: minimum version", strict(), []byte{0}, ErrMinimumVersion, VersionStatus{}, nil, false},
		{"V1 negotiated, empty message: mismatch", negotiated, nil, ErrVersionMismatch, VersionStatus{}, nil, false},
		{"V1 min V1, unknown version: ignored, still negotiating", strict(), []byte{2, 1, 1, 0}, nil,
			VersionStatus{Version: V1, MinVersion: V1, Negotiating: true}, nil, false},
		{"V1 min V1, version 255: ignored", strict(), []byte{255}, nil,
			VersionStatus{Version: V1, MinVersion: V1, Negotiating: true}, nil, false},
		{"V1 min V1, V1 message: negotiation over, key", strict(), v1Msg, nil, VersionStatus{Version: V1}, v1Key, true},
		{"V1 min V0, V1 message: negotiation over, key", tolerant(), v1Msg, nil, VersionStatus{Version: V1}, v1Key, true},
		{"epoch 1 index 0: no key", strict(), tolerantMsg, nil, VersionStatus{Version: V1}, nil, true},
		{"V1 message cut short", strict(), v1Msg[:1], ErrMessageDecode, VersionStatus{}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := encode(t, tt.state)
			got, key, err := Recv(tt.state, tt.msg)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Recv: %v, want %v", err, tt.want)
			}
			if !bytes.Equal(encode(t, tt.state), before) {
				t.Fatal("Recv changed the state it was given")
			}
			if !bytes.Equal(key, tt.key) {
				t.Errorf("key %x, want %x", key, tt.key)
			}
			if err != nil {
				if !bytes.Equal(encode(t, got), before) {
					t.Error("a refused message did not return the state unchanged")
				}
				return
			}
			if st := CurrentVersion(got); st != tt.status {
				t.Errorf("CurrentVersion = %+v, want %+v", st, tt.status)
			}
			if same := bytes.Equal(encode(t, got), before); same == tt.changed && tt.state.version != V0 {
				t.Errorf("state replaced = %v, want %v", !same, tt.changed)
			}
		})
	}
}

// TestMinVersionKeys follows the reference's min_version_v1_always_creates_keys
// and negotiate_to_v0 tests: a V0-tolerant side makes no keys until it has
// heard V1, a strict side makes keys at once, and a V0 peer brings a
// tolerant side down to V0 and leaves a strict one refusing.
func TestMinVersionKeys(t *testing.T) {
	r := seeded(2)
	for _, dir := range []Direction{A2B, B2A} {
		strict, tolerant := initial(t, dir, V1, V1), initial(t, 1-dir, V1, V0)
		_, m, k := send(t, strict, r)
		if k == nil {
			t.Errorf("%v: strict side's first key is nil", dir)
		}
		tolerant, _, k = send(t, tolerant, r)
		if k != nil {
			t.Errorf("%v: tolerant side's first key is not nil", dir)
		}
		tolerant, _ = recv(t, tolerant, m)
		if _, _, k = send(t, tolerant, r); k == nil {
			t.Errorf("%v: tolerant side has no key after hearing V1", dir)
		}

		v0 := initial(t, 1-dir, V0, V0)
		_, m0, _ := send(t, v0, r)
		if len(m0) != 0 {
			t.Errorf("V0 message %x, want empty", m0)
		}
		down, _ := recv(t, initial(t, dir, V1, V0), m0)
		if st := CurrentVersion(down); st != (VersionStatus{Version: V0}) {
			t.Errorf("tolerant side after V0: %+v", st)
		}
		if _, _, err := Recv(initial(t, dir, V1, V1), m0); !errors.Is(err, ErrMinimumVersion) {
			t.Errorf("strict side after V0: %v", err)
		}
	}
}

// TestStateRedacted: printing a state shows no secret.
func TestStateRedacted(t *testing.T) {
	s := initial(t, A2B, V1, V1)
	s, _, _ = send(t, s, seeded(3))
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, s)
		if strings.Contains(out, "41 41") || strings.Contains(out, "2929") || strings.Contains(out, "[41") || len(out) > 100 {
			t.Errorf("%s prints %q", format, out)
		}
	}
}
