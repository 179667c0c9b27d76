package braid

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The expected values were computed outside Go, with Python's hmac and
// hashlib, from the derivations as src/authenticator.rs and
// src/v1/unchunked/send_ct.rs (send_ct1) spell them: HKDF-SHA256 with a
// 32-byte zero salt, info = label ‖ epoch (u64 big-endian), and
// HMAC-SHA256 over label ‖ epoch ‖ data.
func TestDerivationVectors(t *testing.T) {
	h := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	authKey := make([]byte, 32)
	for i := range authKey {
		authKey[i] = byte(i)
	}
	a := newAuthenticator(authKey)
	ss := bytes.Repeat([]byte{0x11}, 32)
	secret := epochSecret(1, ss)
	a2 := a.update(1, secret)
	tests := []struct {
		name      string
		got, want []byte
	}{
		{"root key after new", a.root[:], h("eae875be1b0c8ce16b6c7b67a9d4b49f476d93eaf152676b82bd4a1993211a05")},
		{"MAC key after new", a.mac[:], h("0d54710b71cef4864e8339471177d3699162c711907b0c5593ce569a0b43c30e")},
		{"header MAC", a.macHeader(1, bytes.Repeat([]byte{0xaa}, 64)), h("a863ba097931d6b57598fa6fb2c13cb1bb0d01af88179fc73311d42f64518c5e")},
		{"epoch 1 secret", secret, h("d32dfea923f78b37a9433e5c30c049ebc767ed19d050bdd3de360f8b31129d94")},
		{"epoch 300 secret", epochSecret(300, ss), h("df7e53756174477f0030bdb9f80f3eb7372bc6f77f8909efbdfc3e678c4965b5")},
		{"root key after update", a2.root[:], h("44597e41373e1395e1996b415ffbc6552dac689e9f10d4b1406beb7b7bcfb55a")},
		{"MAC key after update", a2.mac[:], h("6082c71ed5a149f4c44d7a699071f67e2296ca8760e2450532db1aef341d0faf")},
		{"ciphertext MAC", a2.macCiphertext(1, bytes.Repeat([]byte{0x5c}, 960+128)), h("9216e9daaabdedc707234d286f43ceda595b539c83019a7833af1af71381a2ea")},
	}
	for _, tt := range tests {
		if !bytes.Equal(tt.got, tt.want) {
			t.Errorf("%s = %x, want %x", tt.name, tt.got, tt.want)
		}
	}
}

func TestAuthenticatorVerify(t *testing.T) {
	a := newAuthenticator([]byte("auth key"))
	hdr := bytes.Repeat([]byte{1}, 64)
	mac := a.macHeader(7, hdr)
	tests := []struct {
		name  string
		epoch uint64
		hdr   []byte
		mac   []byte
		ok    bool
	}{
		{"genuine", 7, hdr, mac, true},
		{"other epoch", 8, hdr, mac, false},
		{"header changed", 7, append([]byte{2}, hdr[1:]...), mac, false},
		{"MAC changed", 7, hdr, append([]byte{mac[0] ^ 1}, mac[1:]...), false},
		{"MAC short", 7, hdr, mac[:31], false},
	}
	for _, tt := range tests {
		if got := a.verifyHeader(tt.epoch, tt.hdr, tt.mac); got != tt.ok {
			t.Errorf("%s: verifyHeader = %v, want %v", tt.name, got, tt.ok)
		}
	}
	// A ciphertext MAC is not a header MAC: the labels separate them.
	if a.verifyCiphertext(7, hdr, mac) {
		t.Error("header MAC accepted as a ciphertext MAC")
	}
}
