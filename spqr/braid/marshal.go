package braid

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"ratchat/spqr/erasure"
	"ratchat/spqr/incmlkem"
)

// stateFormat is the first byte of a marshalled state: our own format, not
// the reference's protobuf, versioned so that it can change.
const stateFormat = 1

// field is one optional part of a state; fieldsOf lists, per state, the
// parts it holds, in the order they are marshalled.
type field uint8

const (
	fieldDK field = 1 << iota
	fieldEK
	fieldHdr
	fieldES
	fieldCt1
	fieldEnc
	fieldDec
)

// codedLen gives, per state, the length of the message its encoder sends
// and of the one its decoder receives.
var codedLen = [kindCount]struct{ enc, dec int }{
	kindKeysSampled:          {enc: hdrMsgSize},
	kindHeaderSent:           {enc: incmlkem.EncapsulationKeySize, dec: incmlkem.Ciphertext1Size},
	kindCt1Received:          {enc: incmlkem.EncapsulationKeySize},
	kindEkSentCt1Received:    {dec: ct2MsgSize},
	kindNoHeaderReceived:     {dec: hdrMsgSize},
	kindHeaderReceived:       {dec: incmlkem.EncapsulationKeySize},
	kindCt1Sampled:           {enc: incmlkem.Ciphertext1Size, dec: incmlkem.EncapsulationKeySize},
	kindEkReceivedCt1Sampled: {enc: incmlkem.Ciphertext1Size},
	kindCt1Acknowledged:      {dec: incmlkem.EncapsulationKeySize},
	kindCt2Sampled:           {enc: ct2MsgSize},
}

var fieldsOf = [kindCount]field{
	kindKeysUnsampled:        0,
	kindKeysSampled:          fieldEK | fieldDK | fieldEnc,
	kindHeaderSent:           fieldDK | fieldEnc | fieldDec,
	kindCt1Received:          fieldDK | fieldCt1 | fieldEnc,
	kindEkSentCt1Received:    fieldDK | fieldCt1 | fieldDec,
	kindNoHeaderReceived:     fieldDec,
	kindHeaderReceived:       fieldHdr | fieldDec,
	kindCt1Sampled:           fieldHdr | fieldES | fieldCt1 | fieldEnc | fieldDec,
	kindEkReceivedCt1Sampled: fieldES | fieldEK | fieldCt1 | fieldEnc,
	kindCt1Acknowledged:      fieldHdr | fieldES | fieldCt1 | fieldDec,
	kindCt2Sampled:           fieldEnc,
}

// blobField describes a byte-slice field and its exact size.
type blobField struct {
	f    field
	get  func(*States) *[]byte
	size int
	name string
}

var blobFields = []blobField{
	{fieldDK, func(s *States) *[]byte { return &s.dk }, incmlkem.DecapsulationKeySize, "dk"},
	{fieldEK, func(s *States) *[]byte { return &s.ek }, incmlkem.EncapsulationKeySize, "ek"},
	{fieldHdr, func(s *States) *[]byte { return &s.hdr }, incmlkem.HeaderSize, "header"},
	{fieldES, func(s *States) *[]byte { return &s.es }, incmlkem.EncapsulationStateSize, "encapsulation state"},
	{fieldCt1, func(s *States) *[]byte { return &s.ct1 }, incmlkem.Ciphertext1Size, "ct1"},
}

// MarshalBinary encodes the state for storage:
//
//	format (1) ‖ state (1) ‖ epoch (8, big-endian) ‖ auth root key (32) ‖ auth MAC key (32)
//	‖ each field the state holds, in the order dk, ek, header, encapsulation
//	  state, ct1 (2-byte length ‖ bytes), encoder (2-byte length ‖ erasure
//	  encoder state ‖ 2-byte index of the next chunk to send), chunks
//	  received (2-byte count ‖ per chunk, oldest first: 2-byte index ‖ 32 bytes)
//
// The result holds secret keys: store it encrypted.
func (s States) MarshalBinary() ([]byte, error) {
	if s.kind == kindInvalid || s.kind >= kindCount {
		return nil, fmt.Errorf("%w: marshal state %v", ErrState, s.kind)
	}
	var b cryptobyte.Builder
	b.AddUint8(stateFormat)
	b.AddUint8(uint8(s.kind))
	b.AddUint64(s.epoch)
	b.AddBytes(s.auth.root[:])
	b.AddBytes(s.auth.mac[:])
	want := fieldsOf[s.kind]
	for _, bf := range blobFields {
		if want&bf.f != 0 {
			v := *bf.get(&s)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(v) })
		}
	}
	if want&fieldEnc != 0 {
		if s.enc == nil {
			return nil, fmt.Errorf("%w: %v without encoder", ErrState, s.kind)
		}
		enc, err := s.enc.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("braid: marshal encoder: %w", err)
		}
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(enc) })
		b.AddUint16(s.next)
	}
	if want&fieldDec != 0 {
		chunks := s.got.chunks()
		b.AddUint16(uint16(len(chunks)))
		for _, c := range chunks {
			b.AddUint16(c.Index)
			b.AddBytes(c.Data[:])
		}
	}
	return b.Bytes()
}

// UnmarshalStates decodes what [States.MarshalBinary] wrote, checking the
// format, the state, every length and that nothing trails.
func UnmarshalStates(data []byte) (States, error) {
	in := cryptobyte.String(data)
	var format, k uint8
	var s States
	if !in.ReadUint8(&format) || format != stateFormat {
		return States{}, fmt.Errorf("%w: unknown format", ErrState)
	}
	if !in.ReadUint8(&k) || k == uint8(kindInvalid) || k >= uint8(kindCount) {
		return States{}, fmt.Errorf("%w: unknown state", ErrState)
	}
	s.kind = kind(k)
	if !in.ReadUint64(&s.epoch) || s.epoch == 0 {
		return States{}, fmt.Errorf("%w: epoch", ErrState)
	}
	if !in.CopyBytes(s.auth.root[:]) || !in.CopyBytes(s.auth.mac[:]) {
		return States{}, fmt.Errorf("%w: authenticator truncated", ErrState)
	}
	want := fieldsOf[s.kind]
	for _, bf := range blobFields {
		if want&bf.f == 0 {
			continue
		}
		var v cryptobyte.String
		if !in.ReadUint16LengthPrefixed(&v) || len(v) != bf.size {
			return States{}, fmt.Errorf("%w: %s", ErrState, bf.name)
		}
		*bf.get(&s) = append([]byte(nil), v...)
	}
	var err error
	if want&fieldEnc != 0 {
		var v cryptobyte.String
		if !in.ReadUint16LengthPrefixed(&v) {
			return States{}, fmt.Errorf("%w: encoder", ErrState)
		}
		if s.enc, err = erasure.UnmarshalEncoder(v); err != nil {
			return States{}, fmt.Errorf("%w: encoder: %w", ErrState, err)
		}
		if s.enc.MessageLen() != codedLen[s.kind].enc {
			return States{}, fmt.Errorf("%w: encoder of %d bytes", ErrState, s.enc.MessageLen())
		}
		warm(s.enc)
		if !in.ReadUint16(&s.next) {
			return States{}, fmt.Errorf("%w: next chunk index", ErrState)
		}
	}
	if want&fieldDec != 0 {
		if s.got, err = readChunks(&in, codedLen[s.kind].dec); err != nil {
			return States{}, err
		}
	}
	if !in.Empty() {
		return States{}, fmt.Errorf("%w: %d trailing bytes", ErrState, len(in))
	}
	return s, nil
}

// readChunks reads a chunk list: fewer chunks than twice what the message
// needs (addChunk's bound), with distinct indices.
func readChunks(in *cryptobyte.String, msgLen int) (*chunkList, error) {
	var n uint16
	if !in.ReadUint16(&n) || int(n) >= 2*(msgLen/erasure.ChunkDataSize) {
		return nil, fmt.Errorf("%w: chunk count", ErrState)
	}
	var l *chunkList
	for range n {
		var c erasure.Chunk
		if !in.ReadUint16(&c.Index) || !in.CopyBytes(c.Data[:]) {
			return nil, fmt.Errorf("%w: chunks truncated", ErrState)
		}
		if l.has(c.Index) {
			return nil, fmt.Errorf("%w: chunk %d twice", ErrState, c.Index)
		}
		l = l.with(c)
	}
	return l, nil
}
