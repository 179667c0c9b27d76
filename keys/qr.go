package keys

import (
	"crypto/subtle"
	"fmt"
	"strings"
)

// QRPrefix starts every safety number QR payload. Upper-case letters, digits
// and ':' keep the whole payload in QR alphanumeric mode, so the code stays
// small and any phone's scanner shows it as readable text.
const QRPrefix = "RATCHAT:SN2:"

// Bounds on text read from outside, checked before anything else is done.
const (
	// MaxQRPayloadSize is the longest text ParseQRPayload reads, surrounding
	// whitespace included.
	MaxQRPayloadSize = 256
	// MaxPastedCodeSize is the longest text [SafetyNumber.Matches] reads.
	MaxPastedCodeSize = 1024
)

// qrSpace is the surrounding whitespace ParseQRPayload and Matches trim: what
// a scanner or a terminal paste adds, and nothing else (no Unicode spaces).
const qrSpace = " \t\r\n"

// QRPayload returns the text ratchat encodes in its verification QR code:
// [QRPrefix] followed by the 60 digits. The zero SafetyNumber gives a payload
// that ParseQRPayload refuses.
func QRPayload(sn SafetyNumber) string { return QRPrefix + sn.String() }

// ParseQRPayload reads a scanned payload made by [QRPayload]. It trims
// surrounding spaces, tabs and line breaks only, and then wants the exact
// prefix followed by exactly 60 ASCII digits. Errors wrap [ErrQRPayload].
func ParseQRPayload(s string) (SafetyNumber, error) {
	if len(s) > MaxQRPayloadSize {
		return SafetyNumber{}, fmt.Errorf("%w: %d bytes, max %d", ErrQRPayload, len(s), MaxQRPayloadSize)
	}
	rest, ok := strings.CutPrefix(strings.Trim(s, qrSpace), QRPrefix)
	if !ok {
		return SafetyNumber{}, fmt.Errorf("%w: does not start with %q", ErrQRPayload, QRPrefix)
	}
	if len(rest) != SafetyNumberDigits {
		return SafetyNumber{}, fmt.Errorf("%w: %d characters after the prefix, want %d digits", ErrQRPayload, len(rest), SafetyNumberDigits)
	}
	var sn SafetyNumber
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c < '0' || c > '9' {
			return SafetyNumber{}, fmt.Errorf("%w: non-digit at offset %d", ErrQRPayload, len(QRPrefix)+i)
		}
		sn.digits[i] = c
	}
	return sn, nil
}

// Matches reports whether a code the user pasted or typed is this safety
// number. Every character that is not an ASCII digit is dropped first, so
// groups may be separated by spaces, dashes or line breaks; a whole QR
// payload (with [QRPrefix], whose "2" would otherwise count) is accepted too.
// Text longer than [MaxPastedCodeSize] never matches, nor does a wrong number
// of digits. The comparison is constant-time: the number is not secret, but
// attacker-supplied text should learn nothing from how long a check takes.
func (sn SafetyNumber) Matches(pasted string) bool {
	if sn.isZero() || len(pasted) > MaxPastedCodeSize {
		return false
	}
	s, _ := strings.CutPrefix(strings.Trim(pasted, qrSpace), QRPrefix)
	digits := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	return subtle.ConstantTimeCompare(digits, sn.digits[:]) == 1
}
