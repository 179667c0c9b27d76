package keys

import (
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"ratchat/internal/vectortest"
)

// TestWycheproofX25519 runs every X25519 case through NewPublicKey and
// Agree. Valid cases must agree on the listed secret. We refuse exactly
// the low-order and non-canonical public keys, which Wycheproof marks
// "acceptable" to refuse; every case with an all-zero secret is refused.
func TestWycheproofX25519(t *testing.T) {
	refused := 0
	for _, tc := range vectortest.Wycheproof(t, "x25519_test.json") {
		flags := tc.Flags
		var priv PrivateKey
		copy(priv[:], tc.Hex(t, "private"))
		pub, err := NewPublicKey(tc.Hex(t, "public"))
		var shared [KeySize]byte
		if err == nil {
			shared, err = priv.Agree(pub)
		}
		switch {
		case (errors.Is(err, ErrLowOrderKey) || errors.Is(err, ErrNonCanonicalKey)) &&
			(slices.Contains(flags, "LowOrderPublic") || slices.Contains(flags, "NonCanonicalPublic")):
			refused++
		case err != nil:
			t.Errorf("test %v (%s, %v): refused: %v", tc.ID, tc.Result, flags, err)
		case slices.Contains(flags, "ZeroSharedSecret"):
			t.Errorf("test %v: all-zero secret accepted", tc.ID)
		case hex.EncodeToString(shared[:]) != tc.Fields["shared"]:
			t.Errorf("test %v: shared %x, want %s", tc.ID, shared, tc.Fields["shared"])
		}
	}
	t.Logf("%d low-order or non-canonical keys refused", refused)
}

// TestWycheproofMLKEM1024 checks key generation from seeds, decapsulation
// (valid and invalid ciphertexts), and the encapsulation-key modulus check.
func TestWycheproofMLKEM1024(t *testing.T) {
	for _, tc := range vectortest.Wycheproof(t, "mlkem_1024_keygen_seed_test.json") {
		var seed KEMSeed
		copy(seed[:], tc.Hex(t, "seed"))
		kp, err := NewKEMKeyPair(TypeMLKEM1024, seed)
		if err != nil || hex.EncodeToString(kp.Public.Key[:]) != tc.Fields["ek"] {
			t.Errorf("keygen %v: %v", tc.ID, err)
		}
	}
	for _, tc := range vectortest.Wycheproof(t, "mlkem_1024_test.json") {
		var seed KEMSeed
		copy(seed[:], tc.Hex(t, "seed"))
		kp, err := NewKEMKeyPair(TypeMLKEM1024, seed)
		if err != nil {
			t.Fatalf("test %v: %v", tc.ID, err)
		}
		secret, err := kp.Decapsulate(append([]byte{byte(TypeMLKEM1024)}, tc.Hex(t, "c")...))
		valid := tc.Result == "valid"
		if valid && (err != nil || hex.EncodeToString(secret[:]) != tc.Fields["K"]) {
			t.Errorf("decaps %v: %v", tc.ID, err)
		}
		if !valid && err == nil && hex.EncodeToString(secret[:]) == tc.Fields["K"] {
			t.Errorf("decaps %v: invalid case accepted", tc.ID)
		}
	}
	for _, tc := range vectortest.Wycheproof(t, "mlkem_1024_encaps_test.json") {
		_, err := ParseKEMPublicKey(append([]byte{byte(TypeMLKEM1024)}, tc.Hex(t, "ek")...))
		if (tc.Result == "valid") != (err == nil) {
			t.Errorf("encaps key %v (%s, %v): parse err = %v", tc.ID, tc.Result, tc.Flags, err)
		}
	}
}
