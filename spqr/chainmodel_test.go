package spqr

import (
	"errors"
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// TestChainModel drives a receive chain with random requests against a
// model of the rules (jump, window, once only), with small limits, and
// round-trips the chain through its encoding after every step.
func TestChainModel(t *testing.T) {
	p := ChainParams{MaxJump: 5, MaxOOOKeys: 3}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 7))
		sender, recv := mustChain(t, true, p), mustChain(t, false, p)
		var sent [][KeySize]byte // sent[i] is the key of index i+1
		used := map[uint32]bool{}
		var ctr uint32
		for range 60 {
			at := uint32(rng.IntN(int(ctr) + int(p.MaxJump) + 3))
			for uint32(len(sent)) < at {
				_, k, err := sender.sendKey(0)
				if err != nil {
					t.Fatal(err)
				}
				sent = append(sent, k)
			}
			var want error
			switch {
			case at == ctr:
				want = ErrKeyAlreadyUsed
			case at > ctr && at-ctr > p.MaxJump:
				want = ErrKeyJump
			case at < ctr && at+p.MaxOOOKeys < ctr:
				want = ErrKeyTrimmed
			case at < ctr && used[at]:
				want = ErrKeyAlreadyUsed
			case at < ctr && at == 0:
				want = ErrKeyAlreadyUsed
			}
			got, err := recv.recvKey(0, at)
			if !errors.Is(err, want) || (want == nil && err != nil) {
				t.Fatalf("seed %d: recvKey(%d) at counter %d: %v, want %v", seed, at, ctr, err, want)
			}
			if want == nil {
				if got != sent[at-1] {
					t.Fatalf("seed %d: key %d differs from the sender's", seed, at)
				}
				used[at] = true
				ctr = max(ctr, at)
			}
			recv = roundTripChain(t, recv)
		}
	}
}

func roundTripChain(t *testing.T, c *chain) *chain {
	t.Helper()
	raw := chainBytes(t, c)
	s := cryptobyte.String(raw)
	d, err := unmarshalChain(&s)
	if err != nil {
		t.Fatalf("unmarshalChain: %v", err)
	}
	if !s.Empty() {
		t.Fatalf("%d bytes left after the chain", len(s))
	}
	if again := chainBytes(t, d); string(again) != string(raw) {
		t.Fatal("chain encoding does not round-trip")
	}
	return d
}

// FuzzUnmarshalChain: a decoded chain re-encodes to the same bytes, and
// every refusal is ErrStateDecode.
func FuzzUnmarshalChain(f *testing.F) {
	c := mustChain(f, false, ChainParams{MaxJump: 5, MaxOOOKeys: 3})
	f.Add(chainBytes(f, c))
	_, _ = c.recvKey(0, 4)
	_ = c.addEpoch(1, []byte{1})
	_, _, _ = c.sendKey(1)
	f.Add(chainBytes(f, c))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s := cryptobyte.String(raw)
		d, err := unmarshalChain(&s)
		if err != nil {
			if !errors.Is(err, ErrStateDecode) {
				t.Fatalf("error %v is not ErrStateDecode", err)
			}
			return
		}
		if got := chainBytes(t, d); string(got) != string(raw[:len(raw)-len(s)]) {
			t.Fatal("decoded chain re-encodes differently")
		}
	})
}
