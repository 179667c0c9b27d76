package session

import (
	"bytes"
	"errors"
	"testing"

	"ratchat/internal/wire"
	"ratchat/keys"
)

func TestParseSenderKeyDistributionRefused(t *testing.T) {
	p := newGroupPair(t, 70)
	key := p.dist.SigningKey.Bytes()
	id, chain, iter, ck, sk := fb(1, testDistribution[:]), fv(2, 7), fv(3, 0), fb(4, pattern(0, 32)), fb(5, key)
	dist := func(version byte, fields ...[]byte) []byte { return cat([]byte{version}, cat(fields...)) }
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"oversized", dist(0x33, id, chain, iter, ck, sk, fb(9, make([]byte, 200))), ErrMalformed},
		{"version 2", dist(0x22, id, chain, iter, ck, sk), ErrVersion},
		{"version 4", dist(0x44, id, chain, iter, ck, sk), ErrVersion},
		{"low nibble below the version", dist(0x32, id, chain, iter, ck, sk), ErrVersion},
		{"no distribution id", dist(0x33, chain, iter, ck, sk), ErrMalformed},
		{"no chain id", dist(0x33, id, iter, ck, sk), ErrMalformed},
		{"no iteration", dist(0x33, id, chain, ck, sk), ErrMalformed},
		{"no chain key", dist(0x33, id, chain, iter, sk), ErrMalformed},
		{"no signing key", dist(0x33, id, chain, iter, ck), ErrMalformed},
		{"short distribution id", dist(0x33, fb(1, pattern(0, 15)), chain, iter, ck, sk), wire.ErrLength},
		{"long chain key", dist(0x33, id, chain, iter, fb(4, pattern(0, 33)), sk), wire.ErrLength},
		{"raw signing key", dist(0x33, id, chain, iter, ck, fb(5, append([]byte{0}, key[1:]...))), keys.ErrKeyType},
		{"low-order signing key", dist(0x33, id, chain, iter, ck, fb(5, append([]byte{5}, make([]byte, 32)...))), keys.ErrLowOrderKey},
		{"chain id twice", dist(0x33, id, chain, chain, iter, ck, sk), wire.ErrRepeatedField},
		{"chain id over 32 bits", dist(0x33, id, fv(2, 1<<32), iter, ck, sk), wire.ErrRange},
		{"chain key as a varint", dist(0x33, id, chain, iter, fv(4, 1), sk), wire.ErrWireType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseSenderKeyDistributionMessage(tt.b)
			if !errors.Is(err, tt.want) || m != nil {
				t.Fatalf("got %v, %v; want %v", m, err, tt.want)
			}
		})
	}
	// The same fields in order parse, and an unknown field is skipped.
	for _, b := range [][]byte{dist(0x33, id, chain, iter, ck, sk), dist(0x34, fv(9, 1), sk, ck, iter, chain, id)} {
		m, err := ParseSenderKeyDistributionMessage(b)
		if err != nil || m.ChainID != 7 || m.DistributionID != testDistribution || m.SigningKey != p.dist.SigningKey {
			t.Fatalf("%x: %+v, %v", b, m, err)
		}
	}
}

func TestParseSenderKeyMessageRefused(t *testing.T) {
	id, chain, iter, ct := fb(1, testDistribution[:]), fv(2, 7), fv(3, 0), fb(4, pattern(0, 16))
	msg := func(version byte, fields ...[]byte) []byte {
		return cat([]byte{version}, cat(fields...), make([]byte, keys.SignatureSize))
	}
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"only a signature", make([]byte, keys.SignatureSize), ErrMalformed},
		{"oversized", msg(0x33, id, chain, iter, fb(4, make([]byte, MaxMessageSize))), ErrMalformed},
		{"version 4", msg(0x44, id, chain, iter, ct), ErrVersion},
		{"no distribution id", msg(0x33, chain, iter, ct), ErrMalformed},
		{"no chain id", msg(0x33, id, iter, ct), ErrMalformed},
		{"no iteration", msg(0x33, id, chain, ct), ErrMalformed},
		{"no ciphertext", msg(0x33, id, chain, iter), ErrMalformed},
		{"empty ciphertext", msg(0x33, id, chain, iter, fb(4, nil)), ErrMalformed},
		{"ciphertext not whole blocks", msg(0x33, id, chain, iter, fb(4, pattern(0, 17))), ErrMalformed},
		{"long distribution id", msg(0x33, fb(1, pattern(0, 17)), chain, iter, ct), wire.ErrLength},
		{"ciphertext twice", msg(0x33, id, chain, iter, ct, ct), wire.ErrRepeatedField},
		{"truncated protobuf", msg(0x33, id, chain, iter, ct[:len(ct)-1]), wire.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := SenderKeyMessageDistribution(tt.b); !errors.Is(err, tt.want) {
				t.Fatalf("SenderKeyMessageDistribution: %v, want %v", err, tt.want)
			}
			var r SenderKeyRecord
			if _, err := r.Decrypt(tt.b); !errors.Is(err, tt.want) {
				t.Fatalf("Decrypt: %v, want %v", err, tt.want)
			}
		})
	}
	gotID, gotChain, err := SenderKeyMessageDistribution(msg(0x33, id, chain, iter, ct))
	if err != nil || gotID != testDistribution || gotChain != 7 {
		t.Fatalf("SenderKeyMessageDistribution: %x, %d, %v", gotID, gotChain, err)
	}
}

// TestSenderKeyMessageLayout pins the bytes ratchat writes to libsignal's
// layout: 0x33, fields 1 to 4 in order with zero values written, then the
// signature, which verifies with the distribution's signing key.
func TestSenderKeyMessageLayout(t *testing.T) {
	p := newGroupPair(t, 71)
	m := p.encrypt(t, 1)[0]
	ct := m[len(m)-keys.SignatureSize-16 : len(m)-keys.SignatureSize]
	want := cat([]byte{0x33}, fb(1, testDistribution[:]), fv(2, uint64(p.dist.ChainID)), fv(3, 0), fb(4, ct))
	if !bytes.Equal(m[:len(m)-keys.SignatureSize], want) {
		t.Fatalf("message\n%x, want\n%x", m, want)
	}
	if err := keys.Verify(p.dist.SigningKey, want, m[len(want):]); err != nil {
		t.Fatal(err)
	}
	wantDist := cat([]byte{0x33}, fb(1, testDistribution[:]), fv(2, uint64(p.dist.ChainID)), fv(3, 0),
		fb(4, p.dist.ChainKey[:]), fb(5, p.dist.SigningKey.Bytes()))
	if !bytes.Equal(p.dist.Marshal(), wantDist) {
		t.Fatalf("distribution\n%x, want\n%x", p.dist.Marshal(), wantDist)
	}
}
