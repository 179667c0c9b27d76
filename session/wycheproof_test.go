package session

import (
	"bytes"
	"encoding/hex"
	"testing"

	"ratchat/internal/vectortest"
)

// TestWycheproofHKDF runs HKDF-SHA256 through mustHKDF, the one place the
// engine calls HKDF; sizes HKDF cannot produce must panic (our callers
// never ask for them).
func TestWycheproofHKDF(t *testing.T) {
	for _, tc := range vectortest.Wycheproof(t, "hkdf_sha256_test.json") {
		size := int(tc.Fields["size"].(float64))
		var got []byte
		panicked := func() (p bool) {
			defer func() { p = recover() != nil }()
			got = mustHKDF(tc.Hex(t, "ikm"), tc.Hex(t, "salt"), string(tc.Hex(t, "info")), size)
			return false
		}()
		switch tc.Result {
		case "valid":
			if panicked || hex.EncodeToString(got) != tc.Fields["okm"] {
				t.Errorf("test %d: wrong output", tc.ID)
			}
		case "invalid":
			if !panicked {
				t.Errorf("test %d: invalid size %d accepted", tc.ID, size)
			}
		}
	}
}

// TestWycheproofHMAC runs HMAC-SHA256 through hmacSHA256, which the chain
// keys and the message MAC use; truncated-tag groups compare a prefix, as
// the 8-byte message MAC does.
func TestWycheproofHMAC(t *testing.T) {
	for _, tc := range vectortest.Wycheproof(t, "hmac_sha256_test.json") {
		tagBytes := int(tc.Group["tagSize"].(float64)) / 8
		full := hmacSHA256(tc.Hex(t, "key"), tc.Hex(t, "msg"))
		match := bytes.Equal(full[:tagBytes], tc.Hex(t, "tag"))
		if match != (tc.Result == "valid") {
			t.Errorf("test %d (%s): match = %v", tc.ID, tc.Result, match)
		}
	}
}

// TestWycheproofAESCBC runs the AES-256 cases through encryptCBC and
// decryptCBC: valid ones round-trip to the listed ciphertext; invalid ones
// (bad padding) must fail to decrypt.
func TestWycheproofAESCBC(t *testing.T) {
	checked := 0
	for _, tc := range vectortest.Wycheproof(t, "aes_cbc_pkcs5_test.json") {
		if tc.Group["keySize"].(float64) != 256 {
			continue // the message format uses AES-256 only
		}
		checked++
		var mk messageKeys
		copy(mk.cipher[:], tc.Hex(t, "key"))
		copy(mk.iv[:], tc.Hex(t, "iv"))
		msg, ct := tc.Hex(t, "msg"), tc.Hex(t, "ct")
		plain, err := decryptCBC(&mk, ct)
		if tc.Result == "valid" {
			if err != nil || !bytes.Equal(plain, msg) || !bytes.Equal(encryptCBC(&mk, msg), ct) {
				t.Errorf("test %d: err %v", tc.ID, err)
			}
		} else if err == nil {
			t.Errorf("test %d: invalid ciphertext decrypted", tc.ID)
		}
	}
	if checked == 0 {
		t.Fatal("no AES-256 cases")
	}
}
