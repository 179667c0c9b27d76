package transport

import (
	"crypto/sha256"
	"fmt"
	"io"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// Deposit tokens. A deposit carries a token that the mailbox's owner
// handed out and registered at its home ([Tokens]), so that a home can
// refuse floods without learning who sends what: the home knows only
// which token, never which person. The owner's invite holds a request
// token, whose deposits share a small quota of their own (requests can
// never crowd out contacts), and the owner gives each contact a token of
// its own inside the encrypted session. Tokenless deposits, and deposits
// with a token the owner never registered or revoked, are refused.

// TokenSize is the length of a deposit token.
const TokenSize = 16

// Token is a deposit token: 16 random bytes, secret between the owner,
// its home (which keeps only a hash) and those the owner gave it to.
// The zero Token means "no token".
type Token [TokenSize]byte

// TokenKind says which quota a token's deposits count against.
type TokenKind uint8

// The token kinds. Values are part of the wire format.
const (
	TokenRequest TokenKind = TokenKind(mailbox.TokenRequest) // an invite's token: a small shared quota
	TokenContact TokenKind = TokenKind(mailbox.TokenContact) // one contact's token: a quota of its own
)

// tokenHashLabel separates token hashes from every other hash.
const tokenHashLabel = "ratchat deposit token v1\x00"

// NewToken returns a fresh random token (never the zero Token).
func NewToken(rand io.Reader) (Token, error) {
	var t Token
	for t.IsZero() {
		if _, err := io.ReadFull(rand, t[:]); err != nil {
			return Token{}, fmt.Errorf("transport: generating token: %w", err)
		}
	}
	return t, nil
}

// IsZero reports whether t is the zero Token, no token at all.
func (t Token) IsZero() bool { return t == Token{} }

// String hides the token: it is a credential.
func (t Token) String() string { return "token(redacted)" }

// tokenHash is what a home stores and looks up for a token of owner's.
// Why a hash: a home's leaked database must not give anyone the right to
// deposit. Why the owner in it: one token value means nothing for
// another mailbox, and the table gives away no shared tokens. Why no
// slow hash: the token is 128 random bits, not a password.
func tokenHash(owner keys.PublicKey, t Token) mailbox.TokenHash {
	h := sha256.New()
	h.Write([]byte(tokenHashLabel))
	h.Write(owner[:])
	h.Write(t[:])
	return mailbox.TokenHash(h.Sum(nil))
}

// valid reports whether k is a known token kind.
func (k TokenKind) valid() bool { return k == TokenRequest || k == TokenContact }

// String returns the kind's name.
func (k TokenKind) String() string {
	switch k {
	case TokenRequest:
		return "request"
	case TokenContact:
		return "contact"
	}
	return fmt.Sprintf("token-kind(%d)", uint8(k))
}
