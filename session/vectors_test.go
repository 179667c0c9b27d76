package session

import (
	"encoding/hex"
	"testing"

	"ratchat/internal/vectortest"
	"ratchat/keys"
)

// loadVector reads testdata/name (a copy of ../shared/vectors/name)
// strictly: see [vectortest.Load].
func loadVector(t *testing.T, name string, fields ...string) map[string][]byte {
	t.Helper()
	return vectortest.Load(t, name, fields...)
}

// TestChainKeyVector checks libsignal's test_chain_key_derivation.
func TestChainKeyVector(t *testing.T) {
	v := loadVector(t, "chain_key.json", "chain_key_index0", "message_key_seed_derived",
		"cipher_key", "mac_key", "iv_derived", "chain_key_index1")
	var ck chainKey
	copy(ck[:], v["chain_key_index0"])
	seed, next := ck.step()
	mk := newMessageKeys(&seed, nil)
	for _, c := range []struct {
		field string
		got   []byte
	}{
		{"message_key_seed_derived", seed[:]},
		{"cipher_key", mk.cipher[:]},
		{"mac_key", mk.mac[:]},
		{"iv_derived", mk.iv[:]},
		{"chain_key_index1", next[:]},
	} {
		if hex.EncodeToString(c.got) != hex.EncodeToString(v[c.field]) {
			t.Errorf("%s = %x, want %x", c.field, c.got, v[c.field])
		}
	}
}

// TestX3DHVector checks libsignal's session-start vector from both sides:
// the master secret each side builds must give the expected root key and
// the responder's first sending chain.
func TestX3DHVector(t *testing.T) {
	v := loadVector(t, "x3dh_session.json", "bob_identity_private", "bob_identity_public",
		"bob_signed_prekey_private", "bob_signed_prekey_public", "alice_identity_private",
		"alice_identity_public", "alice_base_private", "alice_base_public",
		"expected_chain_key", "expected_root_key_derived")
	// Only the private halves are used: the vector's pairs are not all real
	// pairs, so no public key is derived from them.
	priv := func(f string) *keys.KeyPair {
		var kp keys.KeyPair
		copy(kp.Private[:], v[f])
		return &kp
	}
	pub := func(f string) keys.PublicKey {
		k, err := keys.ParsePublicKey(v[f])
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		return k
	}
	bobSide := []dhPair{
		{priv("bob_signed_prekey_private"), pub("alice_identity_public")},
		{priv("bob_identity_private"), pub("alice_base_public")},
		{priv("bob_signed_prekey_private"), pub("alice_base_public")},
	}
	aliceSide := []dhPair{
		{priv("alice_identity_private"), pub("bob_signed_prekey_public")},
		{priv("alice_base_private"), pub("bob_identity_public")},
		{priv("alice_base_private"), pub("bob_signed_prekey_public")},
	}
	for name, pairs := range map[string][]dhPair{"bob": bobSide, "alice": aliceSide} {
		secret, err := masterSecret(pairs, nil)
		if err != nil {
			t.Fatal(err)
		}
		root, chain, _ := deriveInitialKeys(false, secret)
		if hex.EncodeToString(chain[:]) != hex.EncodeToString(v["expected_chain_key"]) {
			t.Errorf("%s: chain key %x, want %x", name, chain[:], v["expected_chain_key"])
		}
		if hex.EncodeToString(root[:]) != hex.EncodeToString(v["expected_root_key_derived"]) {
			t.Errorf("%s: root key %x, want %x", name, root[:], v["expected_root_key_derived"])
		}
	}
}
