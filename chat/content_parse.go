package chat

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/internal/wire"
	"ratchat/session"
	"ratchat/store"
)

// kindFields lists, for each kind, the fields it may carry beyond the
// common three (kind, id, sent). Any other field is refused: a content is
// exactly what its kind says.
var kindFields = map[Kind][]protowire.Number{
	KindText:       {fText, fQuoteID},
	KindReceipt:    {fReceipt, fAcked, fGroupID},
	KindProfile:    {fName, fHome},
	KindTimer:      {fTimer},
	KindReset:      {},
	KindFileOffer:  {fFileID, fName, fFileSize, fFileChunks, fFileSHA256},
	KindFileChunk:  {fFileID, fChunkIndex, fChunkData},
	KindFileDone:   {fFileID, fFileOK},
	KindFileCancel: {fFileID},
	KindToken:      {fToken},
	KindFileResume: {fFileID, fChunkIndex},
	KindReaction:   {fTargetID, fEmoji},
	KindEdit:       {fTargetID, fText},
	KindDelete:     {fTargetID},
	KindTyping:     {fTyping},
	// Groups.
	KindGroupUpdate: {fGroupState},
	KindSenderKey:   {fGroupID, fSenderKey},
	KindGroupFetch:  {fGroupID, fGroupVersion, fSenderKeyWanted},
}

// contentPolicy reads a content's fields: each of its wire type and range,
// none twice but receipt ids. Unknown field numbers are skipped, so a newer
// sender can add fields older readers ignore.
var contentPolicy = wire.Policy{Fields: []wire.Spec{
	fKind:       wire.Varint(maxWireKind),
	fID:         wire.Fixed(store.MessageIDSize),
	fSent:       wire.Varint(1 << 62),
	fText:       wire.Bytes(),
	fReceipt:    wire.Varint(uint64(ReceiptRead)),
	fAcked:      wire.Fixed(store.MessageIDSize).Repeated(),
	fName:       wire.Bytes(),
	fHome:       wire.Bytes(),
	fTimer:      wire.Varint(1 << 32),
	fFileID:     wire.Fixed(store.MessageIDSize),
	fFileSize:   wire.Varint(1 << 50),
	fFileChunks: wire.Uint32(),
	fFileSHA256: wire.Fixed(len(Content{}.FileSHA256)),
	fChunkIndex: wire.Uint32(),
	fChunkData:  wire.Bytes(),
	fFileOK:     wire.Varint(1),
	fToken:      wire.Fixed(TokenSize),
	fQuoteID:    wire.Fixed(store.MessageIDSize),
	fTargetID:   wire.Fixed(store.MessageIDSize),
	fEmoji:      wire.Bytes(),
	fTyping:     wire.Varint(1),
	// Groups.
	fGroupState:      wire.Bytes(),
	fGroupID:         wire.Fixed(len(store.GroupID{})),
	fSenderKey:       wire.Bytes(),
	fGroupVersion:    wire.Varint(1 << 62),
	fSenderKeyWanted: wire.Varint(1),
}}

// ParseContent decodes what [Content.Marshal] wrote. It is strict: the
// version, the padding, the fields as contentPolicy reads them, no field
// its kind does not carry. A well-formed content of a kind this version
// does not know (a newer sender's) returns an error that is both
// [ErrBadContent] and [ErrUnknownKind]: the receiver keeps its session in
// step and ignores the content.
func ParseContent(b []byte) (*Content, error) {
	c, err := parseContent(b)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// parseContent is ParseContent, but a content of an unknown kind comes
// back with its error, holding the kind, id and time it was sent: the
// receiver records that something it cannot show arrived.
func parseContent(b []byte) (*Content, error) {
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
	r := wire.NewReader(body, &contentPolicy)
	for {
		f, ok, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadContent, err)
		}
		if !ok {
			break
		}
		if err := c.setField(f); err != nil {
			return nil, err
		}
	}
	if !r.Has(fKind) || !r.Has(fID) || !r.Has(fSent) {
		return nil, fmt.Errorf("%w: kind, id or time missing", ErrBadContent)
	}
	if !knownKind(c.Kind) {
		unknown := &Content{Kind: c.Kind, ID: c.ID, Sent: c.Sent}
		return unknown, fmt.Errorf("%w: %w %d", ErrBadContent, ErrUnknownKind, c.Kind)
	}
	if err := c.checkFields(r); err != nil {
		return nil, err
	}
	return c, c.check()
}

// setField decodes one field, which contentPolicy checked, into c.
func (c *Content) setField(f wire.Field) error {
	switch f.Num {
	case fKind:
		c.Kind = Kind(f.Value)
	case fSent:
		c.Sent = time.UnixMilli(int64(f.Value))
	case fReceipt:
		c.Receipt = ReceiptType(f.Value)
	case fTimer:
		c.Timer = time.Duration(f.Value) * time.Second
	case fFileSize:
		c.FileSize = f.Value
	case fFileChunks:
		c.FileChunks = uint32(f.Value)
	case fChunkIndex:
		c.ChunkIndex = uint32(f.Value)
	case fFileOK:
		c.FileOK = f.Value == 1
	case fTyping:
		c.Typing = f.Value == 1
	case fGroupVersion:
		c.GroupVersion = f.Value
	case fSenderKeyWanted:
		c.SenderKeyWanted = f.Value == 1
	case fGroupID:
		copy(c.GroupID[:], f.Bytes)
	case fGroupState:
		c.GroupState = append([]byte(nil), f.Bytes...)
	case fSenderKey:
		c.SenderKey = append([]byte(nil), f.Bytes...)
	case fID:
		copy(c.ID[:], f.Bytes)
	case fFileID:
		copy(c.FileID[:], f.Bytes)
	case fFileSHA256:
		copy(c.FileSHA256[:], f.Bytes)
	case fToken:
		copy(c.Token[:], f.Bytes)
	case fQuoteID:
		copy(c.QuoteID[:], f.Bytes)
	case fTargetID:
		copy(c.TargetID[:], f.Bytes)
	case fEmoji:
		c.Emoji = string(f.Bytes)
	case fAcked:
		if len(c.Acked) == MaxReceiptIDs {
			return fmt.Errorf("%w: too many receipt ids", ErrBadContent)
		}
		c.Acked = append(c.Acked, store.MessageID(f.Bytes))
	case fText:
		c.Text = string(f.Bytes)
	case fName:
		c.Name = string(f.Bytes)
	case fHome:
		c.Home = string(f.Bytes)
	case fChunkData:
		c.ChunkData = append([]byte(nil), f.Bytes...)
	}
	return nil
}

// checkFields refuses fields the kind does not carry.
func (c *Content) checkFields(r *wire.Reader) error {
	allowed := map[protowire.Number]bool{fKind: true, fID: true, fSent: true}
	for _, f := range kindFields[c.Kind] {
		allowed[f] = true
	}
	for n := range contentPolicy.Fields {
		if f := protowire.Number(n); r.Has(f) && !allowed[f] {
			return fmt.Errorf("%w: field %d in a kind %d content", ErrBadContent, f, c.Kind)
		}
	}
	return nil
}
