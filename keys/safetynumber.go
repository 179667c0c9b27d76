package keys

import (
	"bytes"
	"crypto/sha512"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/internal/wire"
)

// Parameters of libsignal's numeric fingerprint, which ratchat shows as the
// safety number.
const (
	// FingerprintIterations is the number of SHA-512 hashes behind each half
	// of a safety number, as in libsignal's version 2 display. The work is
	// there to make finding a second identity key with the same 30 digits
	// costlier than the 100 bits the digits carry would suggest.
	FingerprintIterations = 5200
	// ScannableVersion is the version written in the scannable encoding.
	ScannableVersion = 2
	// SafetyNumberDigits is the number of digits in a safety number.
	SafetyNumberDigits = 60
)

const (
	halfDigits      = SafetyNumberDigits / 2
	groupDigits     = 5
	chunkBytes      = 5      // each group of 5 digits comes from 5 hash bytes
	chunkModulus    = 100000 // 10^groupDigits
	scannableLength = 32     // bytes of each side's hash in the scannable form
)

// fingerprintHashVersion starts round 0 of every fingerprint hash: libsignal's
// fingerprint hash version 0, as 2 big-endian bytes. It keeps these hashes
// apart from any other SHA-512 of an identity key.
var fingerprintHashVersion = [2]byte{0, 0}

// Field numbers of libsignal's CombinedFingerprints and LogicalFingerprint
// protobuf messages (fingerprint.proto).
const (
	scannableFieldVersion protowire.Number = 1
	scannableFieldLocal   protowire.Number = 2
	scannableFieldRemote  protowire.Number = 3
	logicalFieldContent   protowire.Number = 1
)

// SafetyNumber is the 60-digit number two contacts compare to make sure
// that each holds the other's real identity key. Both see the same digits.
// The zero value is not a safety number: it prints as "" and matches nothing.
type SafetyNumber struct {
	digits [SafetyNumberDigits]byte // ASCII '0'-'9'
}

// NewSafetyNumber returns ratchat's safety number between two identity keys:
// libsignal's fingerprint with [FingerprintIterations] iterations, where each
// side's stable identifier is its own serialized identity key (ratchat has no
// phone numbers). The result does not depend on which key is local.
func NewSafetyNumber(local, remote PublicKey) SafetyNumber {
	l, r := local.Bytes(), remote.Bytes()
	return Fingerprint(l, l, r, r, FingerprintIterations)
}

// Fingerprint computes libsignal's displayable fingerprint for any pair of
// serialized identity keys and stable identifiers (libsignal uses phone
// numbers or service ids). It panics if iterations is less than 1: the count
// is a constant of the protocol, not an input.
func Fingerprint(localKey, localID, remoteKey, remoteID []byte, iterations int) SafetyNumber {
	local := fingerprintHash(localKey, localID, iterations)
	remote := fingerprintHash(remoteKey, remoteID, iterations)
	return combineHalves(displayHalf(local), displayHalf(remote))
}

// Scannable returns the bytes libsignal puts in its safety number QR code:
// a CombinedFingerprints message of [ScannableVersion] holding the first 32
// bytes of each side's fingerprint hash, local first, computed as
// [NewSafetyNumber] does. Unlike the digits, it is not symmetric.
func Scannable(local, remote PublicKey) []byte {
	l, r := local.Bytes(), remote.Bytes()
	lh := fingerprintHash(l, l, FingerprintIterations)
	rh := fingerprintHash(r, r, FingerprintIterations)
	return scannableEncoding(ScannableVersion, lh[:scannableLength], rh[:scannableLength])
}

// fingerprintHash computes one side's iterated hash: round 0 is
// SHA-512(version || key || id || key), then h = SHA-512(h || key), for
// iterations hashes in all.
func fingerprintHash(key, id []byte, iterations int) [sha512.Size]byte {
	if iterations < 1 {
		panic("keys: fingerprint needs at least one iteration")
	}
	var sum [sha512.Size]byte
	h := sha512.New()
	h.Write(fingerprintHashVersion[:])
	h.Write(key)
	h.Write(id)
	h.Write(key)
	h.Sum(sum[:0])
	for i := 1; i < iterations; i++ {
		h.Reset()
		h.Write(sum[:])
		h.Write(key)
		h.Sum(sum[:0])
	}
	return sum
}

// displayHalf turns the first 30 bytes of a fingerprint hash into 30 digits:
// six 5-byte big-endian numbers, each reduced mod 100000 and zero-padded.
func displayHalf(hash [sha512.Size]byte) [halfDigits]byte {
	var out [halfDigits]byte
	for i := 0; i < halfDigits/groupDigits; i++ {
		var v uint64
		for _, b := range hash[i*chunkBytes : (i+1)*chunkBytes] {
			v = v<<8 | uint64(b)
		}
		v %= chunkModulus
		for j := groupDigits - 1; j >= 0; j-- {
			out[i*groupDigits+j] = byte('0' + v%10)
			v /= 10
		}
	}
	return out
}

// combineHalves puts the smaller half first, so both sides show one number.
func combineHalves(local, remote [halfDigits]byte) SafetyNumber {
	var sn SafetyNumber
	first, second := local, remote
	if bytes.Compare(local[:], remote[:]) > 0 {
		first, second = remote, local
	}
	copy(sn.digits[:halfDigits], first[:])
	copy(sn.digits[halfDigits:], second[:])
	return sn
}

// scannableEncoding writes CombinedFingerprints{version, local_fingerprint
// {content}, remote_fingerprint{content}} in protobuf wire format.
func scannableEncoding(version uint32, local, remote []byte) []byte {
	logical := func(content []byte) []byte {
		return wire.AppendBytesField(nil, logicalFieldContent, content)
	}
	b := wire.AppendVarintField(nil, scannableFieldVersion, uint64(version))
	b = wire.AppendBytesField(b, scannableFieldLocal, logical(local))
	return wire.AppendBytesField(b, scannableFieldRemote, logical(remote))
}

func (sn SafetyNumber) isZero() bool { return sn.digits[0] == 0 }

// String returns the 60 digits without separators ("" for the zero value).
func (sn SafetyNumber) String() string {
	if sn.isZero() {
		return ""
	}
	return string(sn.digits[:])
}

// Groups returns the 60 digits as 12 groups of 5, the way they are shown
// (nil for the zero value).
func (sn SafetyNumber) Groups() []string {
	if sn.isZero() {
		return nil
	}
	groups := make([]string, 0, SafetyNumberDigits/groupDigits)
	for i := 0; i < SafetyNumberDigits; i += groupDigits {
		groups = append(groups, string(sn.digits[i:i+groupDigits]))
	}
	return groups
}

// Display returns the 12 groups separated by single spaces.
func (sn SafetyNumber) Display() string { return strings.Join(sn.Groups(), " ") }
