package braid

import (
	"crypto/hmac"
	"crypto/sha256"
)

// MACSize is the length of the header and ciphertext MACs.
const MACSize = 32

// authenticator authenticates the braid's KEM messages: the header under the
// key of the epoch it opens, the full ciphertext under a key that already
// mixes in the epoch's secret. Its root key chains every epoch to the last,
// starting from the authentication key that PQXDH produced, so an attacker
// without that history cannot inject a header or a ciphertext.
// (src/authenticator.rs, Authenticator.)
type authenticator struct {
	root [32]byte
	mac  [32]byte
}

// newAuthenticator starts from zero keys and mixes in the session's
// authentication key for epoch 1 (Authenticator::new with epoch 1).
func newAuthenticator(authKey []byte) authenticator {
	var a authenticator
	return a.update(1, authKey)
}

// update returns the authenticator after mixing k into the epoch's keys:
// root ‖ mac = HKDF(salt 0^32, root ‖ k, labelAuthUpdate ‖ epoch, 64).
func (a authenticator) update(epoch uint64, k []byte) authenticator {
	ikm := append(a.root[:len(a.root):len(a.root)], k...)
	out := hkdfSHA256(ikm, withEpoch(labelAuthUpdate, epoch), 64)
	var next authenticator
	copy(next.root[:], out[:32])
	copy(next.mac[:], out[32:])
	return next
}

// macHeader is HMAC-SHA256(mac key, labelHeaderMAC ‖ epoch ‖ header).
func (a authenticator) macHeader(epoch uint64, header []byte) []byte {
	return a.sum(labelHeaderMAC, epoch, header)
}

// macCiphertext is HMAC-SHA256(mac key, labelCtMAC ‖ epoch ‖ ct1 ‖ ct2).
func (a authenticator) macCiphertext(epoch uint64, ct []byte) []byte {
	return a.sum(labelCtMAC, epoch, ct)
}

func (a authenticator) sum(label string, epoch uint64, data []byte) []byte {
	h := hmac.New(sha256.New, a.mac[:])
	h.Write(withEpoch(label, epoch))
	h.Write(data)
	return h.Sum(nil)
}

// verifyHeader compares in constant time, so a forger learns nothing from
// timing about how much of a guessed MAC was right.
func (a authenticator) verifyHeader(epoch uint64, header, mac []byte) bool {
	return hmac.Equal(mac, a.macHeader(epoch, header))
}

func (a authenticator) verifyCiphertext(epoch uint64, ct, mac []byte) bool {
	return hmac.Equal(mac, a.macCiphertext(epoch, ct))
}
