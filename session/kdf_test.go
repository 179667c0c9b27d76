package session

import (
	"encoding/hex"
	"testing"
)

// TestDeriveInitialKeys checks the first KDF against outputs computed
// independently (Python's hmac module, HKDF written out from RFC 5869:
// PRK = HMAC(32 zero bytes, master), T(i) = HMAC(PRK, T(i-1) || info || i)).
// The master secret is F (32 0xFF bytes) followed by 160 bytes 0x00..0x9f,
// the length of four DHs and a KEM secret. PQXDH yields 96 bytes, root ||
// chain || SPQR authentication key, as libsignal's HandshakeKeys; X3DH 64.
func TestDeriveInitialKeys(t *testing.T) {
	master := make([]byte, 32+160)
	for i := range 32 {
		master[i] = 0xff
	}
	for i := range 160 {
		master[32+i] = byte(i)
	}
	tests := []struct {
		name              string
		pq                bool
		root, chain, auth string
	}{
		{"PQXDH", true,
			"687cc8e7ad60f72bf24fc2a3a84817227bf915f399a9cc42cf2536f430205101",
			"aaf732bff22e2baa9db1614ed0231d3caa1d7b1cf2d0a15e90b6cc51c8b39b5f",
			"e7acf277eb73cecb28b9b93bf454a5b53af2e8dfb22f96a90b2e9ea2170be05e"},
		{"X3DH", false,
			"e56b337edd9c852f61ba4f93aa05531f88874c273c56793f2987d79059368162",
			"a7402493df52b3e53c35792f4cf178ec927e165088e2f9226e037420c711f188",
			""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, chain, auth := deriveInitialKeys(tt.pq, master)
			if got := hex.EncodeToString(root[:]); got != tt.root {
				t.Errorf("root key %s, want %s", got, tt.root)
			}
			if got := hex.EncodeToString(chain[:]); got != tt.chain {
				t.Errorf("chain key %s, want %s", got, tt.chain)
			}
			switch {
			case tt.auth == "" && auth != nil:
				t.Error("X3DH derived an SPQR authentication key")
			case tt.auth != "" && (auth == nil || hex.EncodeToString(auth[:]) != tt.auth):
				t.Errorf("SPQR authentication key %x, want %s", auth, tt.auth)
			}
		})
	}
	// The first 64 of PQXDH's 96 bytes are what a 64-byte derivation gives:
	// sessions started before the change keep their root and chain keys.
	short := mustHKDF(master, nil, labelPQXDH, 64)
	root, chain, _ := deriveInitialKeys(true, master)
	if hex.EncodeToString(short) != hex.EncodeToString(root[:])+hex.EncodeToString(chain[:]) {
		t.Error("PQXDH's first 64 bytes changed with the longer output")
	}
}
