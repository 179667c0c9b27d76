package chat

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// TokenPrefix starts every api token, so that a scanner for leaked
// secrets (and a person) can tell one at a glance.
const TokenPrefix = "rct_"

// tokenBytes is how much randomness a token carries: 256 bits, so that
// its unkeyed SHA-256 in the store cannot be searched backwards.
const tokenBytes = 32

// TokenLen is the length of a token's text: the prefix and 32 bytes in
// unpadded base64url (43 characters).
var TokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// newTokenText draws a fresh token.
func newTokenText(rand io.Reader) (string, error) {
	var b [tokenBytes]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", fmt.Errorf("chat: reading randomness: %w", err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// ParseToken checks a token's form (prefix, length, alphabet; the last
// character's unused bits zero, so that one token has one text) and
// returns its hash, the key the store finds it by. A malformed token
// fails with [ErrBadToken], saying no more.
func ParseToken(text string) ([sha256.Size]byte, error) {
	if len(text) != TokenLen || !strings.HasPrefix(text, TokenPrefix) {
		return [sha256.Size]byte{}, fmt.Errorf("%w: not of the form %s<43 characters>", ErrBadToken, TokenPrefix)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(text[len(TokenPrefix):])
	if err != nil || len(raw) != tokenBytes {
		return [sha256.Size]byte{}, fmt.Errorf("%w: not base64url", ErrBadToken)
	}
	return sha256.Sum256([]byte(text)), nil
}
