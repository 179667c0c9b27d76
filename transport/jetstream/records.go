package jetstream

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"ratchat/transport/mailbox"
)

// Versions of the key-value records. A record of another version fails
// to decode with [ErrRecord]: written by a newer front end.
const (
	ownerRecordV  = 1
	tokenRecordV  = 1
	prekeyRecordV = 1
)

// Bounds of the records, checked before anything is allocated.
const (
	maxTokensRecord  = 1 << 20 // tokens in one owner's record
	maxPreKeysRecord = 1 << 14 // one-time prekeys of one kind
)

// ownerRecord is a mailbox's record: it exists while the mailbox does.
type ownerRecord struct {
	Created, Seen int64 // ms since 1970
}

func (r ownerRecord) marshal() []byte {
	var b cryptobyte.Builder
	b.AddUint8(ownerRecordV)
	b.AddUint64(uint64(r.Created))
	b.AddUint64(uint64(r.Seen))
	return b.BytesOrPanic()
}

func parseOwnerRecord(v []byte) (ownerRecord, error) {
	s := cryptobyte.String(v)
	var ver uint8
	var c, seen uint64
	if !s.ReadUint8(&ver) || ver != ownerRecordV || !s.ReadUint64(&c) || !s.ReadUint64(&seen) || !s.Empty() {
		return ownerRecord{}, fmt.Errorf("%w: owner record", ErrRecord)
	}
	return ownerRecord{Created: int64(c), Seen: int64(seen)}, nil
}

// marshalTokens encodes an owner's tokens.
func marshalTokens(m map[mailbox.TokenHash]mailbox.TokenKind) []byte {
	var b cryptobyte.Builder
	b.AddUint8(tokenRecordV)
	b.AddUint32(uint32(len(m)))
	for h, k := range m {
		b.AddBytes(h[:])
		b.AddUint8(uint8(k))
	}
	return b.BytesOrPanic()
}

func parseTokens(v []byte) (map[mailbox.TokenHash]mailbox.TokenKind, error) {
	s := cryptobyte.String(v)
	var ver uint8
	var n uint32
	if !s.ReadUint8(&ver) || ver != tokenRecordV || !s.ReadUint32(&n) || n > maxTokensRecord || int(n)*33 != len(s) {
		return nil, fmt.Errorf("%w: token record", ErrRecord)
	}
	m := make(map[mailbox.TokenHash]mailbox.TokenKind, n)
	for range n {
		var h mailbox.TokenHash
		var k uint8
		if !s.CopyBytes(h[:]) || !s.ReadUint8(&k) {
			return nil, fmt.Errorf("%w: token record", ErrRecord)
		}
		if mailbox.TokenKind(k) != mailbox.TokenRequest && mailbox.TokenKind(k) != mailbox.TokenContact {
			return nil, fmt.Errorf("%w: token kind %d", ErrRecord, k)
		}
		m[h] = mailbox.TokenKind(k)
	}
	return m, nil
}

// preKeys is an owner's published prekeys, one-time ones in id order.
type preKeys struct {
	Signed, LastResort []byte
	OneTime, KEM       []mailbox.PreKey
}

func (p *preKeys) marshal() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddUint8(prekeyRecordV)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(p.Signed) })
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(p.LastResort) })
	for _, list := range [][]mailbox.PreKey{p.OneTime, p.KEM} {
		b.AddUint16(uint16(len(list)))
		for _, k := range list {
			b.AddUint32(k.ID)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(k.Record) })
		}
	}
	v, err := b.Bytes()
	if err != nil || len(p.OneTime) > maxPreKeysRecord || len(p.KEM) > maxPreKeysRecord {
		return nil, fmt.Errorf("%w: prekeys too large to store", ErrRecord)
	}
	return v, nil
}

func parsePreKeys(v []byte) (*preKeys, error) {
	s := cryptobyte.String(v)
	var ver uint8
	var signed, last cryptobyte.String
	if !s.ReadUint8(&ver) || ver != prekeyRecordV || !s.ReadUint16LengthPrefixed(&signed) ||
		!s.ReadUint16LengthPrefixed(&last) {
		return nil, fmt.Errorf("%w: prekey record", ErrRecord)
	}
	p := &preKeys{Signed: nilIfEmpty(signed), LastResort: nilIfEmpty(last)}
	for _, list := range []*[]mailbox.PreKey{&p.OneTime, &p.KEM} {
		var n uint16
		if !s.ReadUint16(&n) || int(n) > maxPreKeysRecord || int(n)*6 > len(s) {
			return nil, fmt.Errorf("%w: prekey record", ErrRecord)
		}
		for range n {
			var k mailbox.PreKey
			var rec cryptobyte.String
			if !s.ReadUint32(&k.ID) || !s.ReadUint16LengthPrefixed(&rec) {
				return nil, fmt.Errorf("%w: prekey record", ErrRecord)
			}
			k.Record = []byte(rec)
			*list = append(*list, k)
		}
	}
	if !s.Empty() {
		return nil, fmt.Errorf("%w: prekey record: trailing bytes", ErrRecord)
	}
	return p, nil
}

// nilIfEmpty returns nil for an empty field: "not uploaded".
func nilIfEmpty(s cryptobyte.String) []byte {
	if len(s) == 0 {
		return nil
	}
	return []byte(s)
}
