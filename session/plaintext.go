package session

import (
	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/internal/wire"
)

// libsignal's PlaintextContent framing: an identifier byte, a Signal
// service Content protobuf, and a padding boundary byte. Why the
// identifier: only content meant to travel unencrypted (a decryption
// error) can be framed so, never an arbitrary Content.
const (
	plaintextIdentifier byte = 0xC0
	plaintextBoundary   byte = 0x80
)

// fieldContentDecryptionError is Content.decryptionErrorMessage in Signal's
// SignalService.proto, the one Content field a PlaintextContent carries.
const fieldContentDecryptionError protowire.Number = 8

// plaintextPolicy reads the Content inside a PlaintextContent. Why refuse
// unknown fields: this content is not encrypted, and ratchat acts on
// nothing but the decryption error, so anything else is refused rather
// than silently carried.
var plaintextPolicy = wire.Policy{
	Fields: []wire.Spec{
		fieldContentDecryptionError: wire.Bytes(),
	},
	RefuseUnknown: true,
}

// MaxPlaintextContentSize bounds a serialized PlaintextContent: the
// framing around a Content holding one [MaxDecryptionErrorSize] field.
const MaxPlaintextContentSize = 2 + 1 + 2 + MaxDecryptionErrorSize

// NewPlaintextContent frames a decryption error as libsignal's
// PlaintextContent::from(DecryptionErrorMessage) does: 0xC0, a Content
// holding the serialized message in field 8, then 0x80. It is what travels
// under [TypePlaintext].
func NewPlaintextContent(m *DecryptionErrorMessage) []byte {
	dem := m.Bytes()
	b := make([]byte, 0, 2+protowire.SizeTag(fieldContentDecryptionError)+protowire.SizeBytes(len(dem)))
	b = append(b, plaintextIdentifier)
	b = wire.AppendBytesField(b, fieldContentDecryptionError, dem)
	return append(b, plaintextBoundary)
}

// ParsePlaintextContent reads the decryption error a PlaintextContent
// carries: the identifier and boundary bytes, a Content with exactly the
// decryption error field and nothing else, then the message itself (see
// [ParseDecryptionErrorMessage]). Failures wrap [ErrMalformed].
func ParsePlaintextContent(b []byte) (*DecryptionErrorMessage, error) {
	if len(b) > MaxPlaintextContentSize {
		return nil, malformed("plaintext content of %d bytes exceeds %d", len(b), MaxPlaintextContentSize)
	}
	if len(b) < 2 || b[0] != plaintextIdentifier || b[len(b)-1] != plaintextBoundary {
		return nil, malformed("plaintext content: bad framing")
	}
	r := wire.NewReader(b[1:len(b)-1], &plaintextPolicy)
	var dem []byte
	for {
		f, ok, err := r.Next()
		if err != nil {
			return nil, fieldError("plaintext content", err)
		}
		if !ok {
			break
		}
		dem = f.Bytes
	}
	if !r.Has(fieldContentDecryptionError) {
		return nil, malformed("plaintext content: no decryption error message")
	}
	return ParseDecryptionErrorMessage(dem)
}
