package braid

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
)

// Domain-separation labels, byte for byte those of SparsePostQuantumRatchet
// V1 (src/v1/unchunked/send_ek.rs and send_ct.rs for the epoch key,
// src/authenticator.rs for the rest). Each is followed by the epoch as 8
// big-endian bytes.
const (
	labelEpochKey   = "Signal_PQCKA_V1_MLKEM768:SCKA Key"
	labelAuthUpdate = "Signal_PQCKA_V1_MLKEM768:Authenticator Update"
	labelHeaderMAC  = "Signal_PQCKA_V1_MLKEM768:ekheader"
	labelCtMAC      = "Signal_PQCKA_V1_MLKEM768:ciphertext"
)

// SecretSize is the length of an [EpochSecret]'s Secret.
const SecretSize = 32

// zeroSalt is the HKDF salt of every derivation here: 32 zero bytes, as the
// reference passes (src/kdf.rs callers). HMAC pads a shorter key with zeros,
// so this equals an empty salt; we spell it out to mirror the reference.
var zeroSalt = make([]byte, 32)

// withEpoch returns label ‖ epoch (8 bytes, big-endian): the HKDF info and
// MAC prefix of every V1 derivation.
func withEpoch(label string, epoch uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(label), epoch)
}

// hkdfSHA256 is HKDF-SHA256 (RFC 5869) with the zero salt.
func hkdfSHA256(ikm, info []byte, n int) []byte {
	out, err := hkdf.Key(sha256.New, ikm, zeroSalt, string(info), n)
	if err != nil {
		panic("braid: hkdf: " + err.Error()) // only for n > 255*32, never asked
	}
	return out
}

// epochSecret turns the ML-KEM shared secret of an epoch into the epoch's
// secret: HKDF(salt 0^32, ss, labelEpochKey ‖ epoch, 32). Both sides run it
// (send_ct at Encaps1, send_ek after Decaps), so the raw KEM output never
// leaves the braid and is bound to its epoch.
func epochSecret(epoch uint64, sharedKey []byte) []byte {
	return hkdfSHA256(sharedKey, withEpoch(labelEpochKey, epoch), SecretSize)
}
