package store

import (
	"fmt"
	"io"
	"strings"
)

// Recovery keys.
//
// Why 64 decimal digits: digits are unambiguous to read aloud, write down
// and type on any keyboard, and 64 of them carry 212 bits, more than the
// 128-bit security of the rest of the construction, so no slow key
// derivation is needed (unlike a passphrase, which is stretched with
// Argon2id).
const (
	// RecoveryKeyDigits is the number of digits of a recovery key.
	RecoveryKeyDigits = 64
	// recoveryGroup is the number of digits per group when displayed.
	recoveryGroup = 4
)

// RecoveryKey is a backup key of 64 random decimal digits. It prints as
// "redacted"; [RecoveryKey.Display] shows it, once, for writing down.
type RecoveryKey struct {
	digits [RecoveryKeyDigits]byte // ASCII '0'..'9'
}

// NewRecoveryKey draws a recovery key from rand. Each digit is uniform:
// bytes of 250 or more are rejected, so that no digit is more likely than
// another (256 is not a multiple of 10).
func NewRecoveryKey(rand io.Reader) (RecoveryKey, error) {
	var k RecoveryKey
	var buf [RecoveryKeyDigits]byte
	for n := 0; n < RecoveryKeyDigits; {
		if _, err := io.ReadFull(rand, buf[:]); err != nil {
			return RecoveryKey{}, fmt.Errorf("store: reading randomness: %w", err)
		}
		for _, b := range buf {
			if b < 250 && n < RecoveryKeyDigits {
				k.digits[n] = '0' + b%10
				n++
			}
		}
	}
	clear(buf[:])
	return k, nil
}

// ParseRecoveryKey reads a recovery key as the user typed it: 64 digits,
// with any spaces, tabs, newlines or dashes between them.
func ParseRecoveryKey(s string) (RecoveryKey, error) {
	var k RecoveryKey
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if n == RecoveryKeyDigits {
				return RecoveryKey{}, ErrInvalidRecoveryKey
			}
			k.digits[n] = byte(r)
			n++
		case r == ' ' || r == '-' || r == '\t' || r == '\n' || r == '\r':
		default:
			return RecoveryKey{}, ErrInvalidRecoveryKey
		}
	}
	if n != RecoveryKeyDigits {
		return RecoveryKey{}, ErrInvalidRecoveryKey
	}
	return k, nil
}

// Display returns the key as 16 groups of 4 digits separated by spaces,
// for the user to write down.
func (k RecoveryKey) Display() string {
	var b strings.Builder
	for i := 0; i < RecoveryKeyDigits; i += recoveryGroup {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.Write(k.digits[i : i+recoveryGroup])
	}
	return b.String()
}

// String returns "redacted": a recovery key never reaches a log.
func (k RecoveryKey) String() string { return "redacted" }

// GoString returns "redacted".
func (k RecoveryKey) GoString() string { return "redacted" }

// Format prints "redacted" for every verb.
func (k RecoveryKey) Format(f fmt.State, _ rune) { io.WriteString(f, "redacted") }
