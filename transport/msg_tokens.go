package transport

// MaxTokensPerMessage bounds the tokens of one [Tokens] message.
const MaxTokensPerMessage = 256

// TokenOp says what a [Tokens] message does.
type TokenOp uint8

// The token operations. Values are part of the wire format.
const (
	TokensAdd    TokenOp = 1 // register the tokens (again: change their kind)
	TokensRevoke TokenOp = 2 // revoke them: later deposits with them are refused
)

// TokenEntry is one token of a [Tokens] message.
type TokenEntry struct {
	Kind  TokenKind
	Token Token
}

// Tokens registers or revokes deposit tokens of the owner's mailbox
// (owner only). The home stores only a hash of each token. Both
// operations are idempotent, so an owner may send its whole list again
// on every connection.
type Tokens struct {
	Op      TokenOp
	Entries []TokenEntry // 1 to MaxTokensPerMessage, no zero token
}

// Kind returns [KindTokens].
func (*Tokens) Kind() Kind { return KindTokens }

// appendBody writes the operation, the count (2 bytes), then each
// entry's kind (1 byte) and token (16 bytes).
func (t *Tokens) appendBody(b []byte) []byte {
	b = append(b, byte(t.Op))
	b = appendU16(b, uint16(min(len(t.Entries), 0xffff)))
	for _, e := range t.Entries {
		b = append(b, byte(e.Kind))
		b = append(b, e.Token[:]...)
	}
	return b
}

// parseTokens refuses an unknown operation or kind, a count of 0 or above
// [MaxTokensPerMessage], and a zero token.
func parseTokens(r *reader) Message {
	t := &Tokens{Op: TokenOp(r.U8())}
	n := int(r.U16())
	if t.Op != TokensAdd && t.Op != TokensRevoke {
		r.fail("token operation")
		return t
	}
	if n == 0 || n > MaxTokensPerMessage {
		r.fail("token count")
		return t
	}
	t.Entries = make([]TokenEntry, 0, n)
	for range n {
		e := TokenEntry{Kind: TokenKind(r.U8())}
		copy(e.Token[:], r.Bytes(TokenSize))
		if !e.Kind.valid() || e.Token.IsZero() {
			r.fail("token entry")
			break
		}
		t.Entries = append(t.Entries, e)
	}
	return t
}
