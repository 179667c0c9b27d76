package chat

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/session"
	"ratchat/store"
)

// kindFields lists, for each kind, the fields it may carry beyond the
// common three (kind, id, sent). Any other field is refused: a content is
// exactly what its kind says.
var kindFields = map[Kind][]protowire.Number{
	KindText:      {fText},
	KindReceipt:   {fReceipt, fAcked},
	KindProfile:   {fName, fHome},
	KindTimer:     {fTimer},
	KindReset:     {},
	KindFileOffer: {fFileID, fName, fFileSize, fFileChunks, fFileSHA256},
	KindFileChunk: {fFileID, fChunkIndex, fChunkData},
}

// ParseContent decodes what [Content.Marshal] wrote. It is strict: the
// version, the padding, every field's wire type and length, no field twice
// (but receipt ids), no field its kind does not carry. Unknown field
// numbers are skipped, so a newer sender can add fields older readers
// ignore.
func ParseContent(b []byte) (*Content, error) {
	if len(b) > session.MaxMessageSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadContent, len(b))
	}
	if len(b) == 0 || b[0] != contentVersion {
		return nil, fmt.Errorf("%w: unknown version", ErrBadContent)
	}
	body, err := unpad(b[1:])
	if err != nil {
		return nil, err
	}
	c := &Content{}
	seen := map[protowire.Number]bool{}
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		if n < 0 {
			return nil, fmt.Errorf("%w: bad tag", ErrBadContent)
		}
		body = body[n:]
		if num > fChunkData { // unknown: skip
			if n = protowire.ConsumeFieldValue(num, typ, body); n < 0 {
				return nil, fmt.Errorf("%w: bad field %d", ErrBadContent, num)
			}
			body = body[n:]
			continue
		}
		if seen[num] && num != fAcked {
			return nil, fmt.Errorf("%w: field %d twice", ErrBadContent, num)
		}
		seen[num] = true
		if n, err = c.setField(num, typ, body); err != nil {
			return nil, err
		}
		body = body[n:]
	}
	if err := c.checkFields(seen); err != nil {
		return nil, err
	}
	return c, c.check()
}

// setField decodes one known field into c and returns its length.
func (c *Content) setField(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
	if isVarintField(num) {
		if typ != protowire.VarintType {
			return 0, fmt.Errorf("%w: field %d is not a varint", ErrBadContent, num)
		}
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return 0, fmt.Errorf("%w: bad varint", ErrBadContent)
		}
		return n, c.setVarint(num, v)
	}
	if typ != protowire.BytesType {
		return 0, fmt.Errorf("%w: field %d is not bytes", ErrBadContent, num)
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return 0, fmt.Errorf("%w: bad length", ErrBadContent)
	}
	return n, c.setBytes(num, v)
}

func isVarintField(num protowire.Number) bool {
	switch num {
	case fKind, fSent, fReceipt, fTimer, fFileSize, fFileChunks, fChunkIndex:
		return true
	}
	return false
}

func (c *Content) setVarint(num protowire.Number, v uint64) error {
	small := func(max uint64) error {
		if v > max {
			return fmt.Errorf("%w: field %d = %d", ErrBadContent, num, v)
		}
		return nil
	}
	switch num {
	case fKind:
		c.Kind = Kind(v)
		return small(uint64(lastKind))
	case fSent:
		c.Sent = time.UnixMilli(int64(v))
		return small(1 << 62)
	case fReceipt:
		c.Receipt = ReceiptType(v)
		return small(uint64(ReceiptRead))
	case fTimer:
		c.Timer = time.Duration(v) * time.Second
		return small(1 << 32)
	case fFileSize:
		c.FileSize = v
		return small(1 << 50)
	case fFileChunks:
		c.FileChunks = uint32(v)
		return small(1<<32 - 1)
	default: // fChunkIndex
		c.ChunkIndex = uint32(v)
		return small(1<<32 - 1)
	}
}

func (c *Content) setBytes(num protowire.Number, v []byte) error {
	fixed := func(dst []byte) error {
		if len(v) != len(dst) {
			return fmt.Errorf("%w: field %d of %d bytes", ErrBadContent, num, len(v))
		}
		copy(dst, v)
		return nil
	}
	switch num {
	case fID:
		return fixed(c.ID[:])
	case fFileID:
		return fixed(c.FileID[:])
	case fFileSHA256:
		return fixed(c.FileSHA256[:])
	case fAcked:
		var id store.MessageID
		if len(c.Acked) == MaxReceiptIDs {
			return fmt.Errorf("%w: too many receipt ids", ErrBadContent)
		}
		err := fixed(id[:])
		c.Acked = append(c.Acked, id)
		return err
	case fText:
		c.Text = string(v)
	case fName:
		c.Name = string(v)
	case fHome:
		c.Home = string(v)
	default: // fChunkData
		c.ChunkData = append([]byte(nil), v...)
	}
	return nil
}

// checkFields requires the common fields and refuses fields the kind does
// not carry.
func (c *Content) checkFields(seen map[protowire.Number]bool) error {
	if !seen[fKind] || !seen[fID] || !seen[fSent] {
		return fmt.Errorf("%w: kind, id or time missing", ErrBadContent)
	}
	allowed := map[protowire.Number]bool{fKind: true, fID: true, fSent: true}
	for _, f := range kindFields[c.Kind] {
		allowed[f] = true
	}
	for f := range seen {
		if !allowed[f] {
			return fmt.Errorf("%w: field %d in a kind %d content", ErrBadContent, f, c.Kind)
		}
	}
	return nil
}
