package chat

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/store"
)

var when = time.UnixMilli(1_795_000_000_123)

func sampleContents() map[string]*Content {
	id := store.MessageID{1, 2, 3}
	return map[string]*Content{
		"text":       {Kind: KindText, ID: id, Sent: when, Text: "hello, ünïcode"},
		"empty text": {Kind: KindText, ID: id, Sent: when},
		"receipt":    {Kind: KindReceipt, ID: id, Sent: when, Receipt: ReceiptRead, Acked: []store.MessageID{{9}, {8}}},
		"profile":    {Kind: KindProfile, ID: id, Sent: when, Name: "Alice", Home: "127.0.0.1:7070"},
		"timer":      {Kind: KindTimer, ID: id, Sent: when, Timer: time.Hour},
		"timer off":  {Kind: KindTimer, ID: id, Sent: when},
		"reset":      {Kind: KindReset, ID: id, Sent: when},
		"file offer": {Kind: KindFileOffer, ID: id, Sent: when, FileID: id, Name: "a.txt", FileSize: ChunkSize + 1, FileChunks: 2, FileSHA256: [32]byte{7}},
		"file chunk": {Kind: KindFileChunk, ID: id, Sent: when, FileID: id, ChunkIndex: 1, ChunkData: []byte{1, 2, 3}},
		"file done":  {Kind: KindFileDone, ID: id, Sent: when, FileID: id, FileOK: true},
		"file fails": {Kind: KindFileDone, ID: id, Sent: when, FileID: id},
		"cancel":     {Kind: KindFileCancel, ID: id, Sent: when, FileID: id},
		"token":      {Kind: KindToken, ID: id, Sent: when, Token: [TokenSize]byte{1, 2, 3}},
		"resume":     {Kind: KindFileResume, ID: id, Sent: when, FileID: id, ChunkIndex: 256},
		"typing":     {Kind: KindTyping, ID: id, Sent: when, Typing: true},
		"stopped":    {Kind: KindTyping, ID: id, Sent: when},
		"reply":      {Kind: KindText, ID: id, Sent: when, Text: "yes", QuoteID: store.MessageID{4}},
		"reaction":   {Kind: KindReaction, ID: id, Sent: when, TargetID: store.MessageID{4}, Emoji: "👍🏽"},
		"family":     {Kind: KindReaction, ID: id, Sent: when, TargetID: store.MessageID{4}, Emoji: "👨‍👩‍👧‍👦"},
		"flag":       {Kind: KindReaction, ID: id, Sent: when, TargetID: store.MessageID{4}, Emoji: "🇳🇱"},
		"keycap":     {Kind: KindReaction, ID: id, Sent: when, TargetID: store.MessageID{4}, Emoji: "1️⃣"},
		"unreact":    {Kind: KindReaction, ID: id, Sent: when, TargetID: store.MessageID{4}},
		"edit":       {Kind: KindEdit, ID: id, Sent: when, TargetID: store.MessageID{4}, Text: "fixed"},
		"delete":     {Kind: KindDelete, ID: id, Sent: when, TargetID: store.MessageID{4}},
		// Groups.
		"group update":  {Kind: KindGroupUpdate, ID: id, Sent: when, GroupState: []byte{1, 2, 3}},
		"sender key":    {Kind: KindSenderKey, ID: id, Sent: when, GroupID: store.GroupID{5}, SenderKey: []byte{0x33, 1}},
		"group fetch":   {Kind: KindGroupFetch, ID: id, Sent: when, GroupID: store.GroupID{5}, GroupVersion: 7},
		"key wanted":    {Kind: KindGroupFetch, ID: id, Sent: when, GroupID: store.GroupID{5}, SenderKeyWanted: true},
		"group receipt": {Kind: KindReceipt, ID: id, Sent: when, Receipt: ReceiptDelivered, Acked: []store.MessageID{{9}}, GroupID: store.GroupID{5}},
	}
}

func TestContentRoundTrip(t *testing.T) {
	for name, c := range sampleContents() {
		t.Run(name, func(t *testing.T) {
			b, err := c.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if len(b)%paddingBlock != 0 {
				t.Fatalf("encoded length %d is not padded to %d", len(b), paddingBlock)
			}
			got, err := ParseContent(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalize(got), normalize(c)) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, c)
			}
		})
	}
}

// normalize makes equal contents deeply equal: times compared by instant.
func normalize(c *Content) Content {
	n := *c
	n.Sent = time.UnixMilli(c.Sent.UnixMilli())
	if len(n.ChunkData) == 0 {
		n.ChunkData = nil
	}
	return n
}

// TestPaddingHidesLength checks that texts of 0 to 150 bytes all encode to
// the same length.
func TestPaddingHidesLength(t *testing.T) {
	var lengths = map[int]bool{}
	for n := 0; n <= 100; n += 10 {
		b, err := (&Content{Kind: KindText, Sent: when, Text: strings.Repeat("x", n)}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		lengths[len(b)] = true
	}
	if len(lengths) != 1 {
		t.Fatalf("texts of 0..100 bytes encode to %d different lengths", len(lengths))
	}
}

func TestContentRejects(t *testing.T) {
	good, _ := sampleContents()["text"].Marshal()
	body, _ := unpad(good[1:])
	field := func(n protowire.Number, v []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, n, protowire.BytesType), v)
	}
	frame := func(parts ...[]byte) []byte { return pad(append([]byte{contentVersion}, bytes.Join(parts, nil)...)) }
	tests := map[string][]byte{
		"empty":                 nil,
		"version 2":             append([]byte{2}, good[1:]...),
		"no padding marker":     append([]byte{contentVersion}, body...),
		"padding only":          frame(),
		"text twice":            frame(body, field(fText, []byte("x"))),
		"text in a reset":       frame(protowire.AppendVarint(protowire.AppendTag(nil, fKind, protowire.VarintType), uint64(KindReset)), body[2:]),
		"short id":              frame(body, field(fID, []byte{1})),
		"name in a text":        frame(body, field(fName, []byte("x"))),
		"kind as bytes":         frame(field(fKind, []byte{1}), body[2:]),
		"text not UTF-8":        frame(body[:len(body)-len("hello, ünïcode")-2], field(fText, []byte{0xff})),
		"oversize":              make([]byte, 300<<10),
		"truncated varint":      frame([]byte{byte(fSent<<3) | 0}, []byte{0x80}),
		"receipt without ids":   mustMarshalUnchecked(&Content{Kind: KindReceipt, Receipt: ReceiptRead}),
		"offer with bad chunks": mustMarshalUnchecked(&Content{Kind: KindFileOffer, Name: "a", FileSize: 10, FileChunks: 3}),
		"ok in a cancel":        frame(kindField(KindFileCancel), body[2:], field(fFileID, make([]byte, 16)), varintField(fFileOK, 1)),
		"ok of 2":               frame(kindField(KindFileDone), body[2:], field(fFileID, make([]byte, 16)), varintField(fFileOK, 2)),
		"short file id in done": frame(kindField(KindFileDone), body[2:], field(fFileID, []byte{1})),
		"unknown kind, no id":   frame(kindField(200), body[2+2+store.MessageIDSize:]),
		"data in a typing":      frame(kindField(KindTyping), body[2:], field(fChunkData, []byte{1})),
		"data in a resume":      frame(kindField(KindFileResume), body[2:], field(fFileID, make([]byte, 16)), field(fChunkData, []byte{1})),
		"short quote":           frame(body, field(fQuoteID, []byte{1, 2})),
		"emoji in a text":       frame(body, field(fEmoji, []byte("👍"))),
		"quote in a reaction":   frame(kindField(KindReaction), body[2:], field(fTargetID, make([]byte, 16)), field(fQuoteID, make([]byte, 16))),
		"text in a delete":      frame(kindField(KindDelete), body[2:], field(fTargetID, make([]byte, 16))),
		"reaction, no target":   frame(kindField(KindReaction), body[2+2+store.MessageIDSize:], field(fEmoji, []byte("👍"))),
		"edit, no text":         mustMarshalUnchecked(&Content{Kind: KindEdit, TargetID: store.MessageID{1}}),
		"delete, zero target":   mustMarshalUnchecked(&Content{Kind: KindDelete}),
	}
	react := func(emoji string) []byte {
		return mustMarshalUnchecked(&Content{Kind: KindReaction, TargetID: store.MessageID{1}, Emoji: emoji})
	}
	for name, emoji := range map[string]string{
		"letters":          "ab",
		"two emoji":        "👍👍",
		"bidi override":    "\u202e👍",
		"newline":          "👍\n",
		"emoji then space": "👍 ",
		"a digit":          "1",
		"not UTF-8":        "\xff",
		"too long":         strings.Repeat("👍", MaxEmojiSize),
	} {
		tests["reaction of "+name] = react(emoji)
	}
	for name, b := range tests {
		if _, err := ParseContent(b); !errors.Is(err, ErrBadContent) {
			t.Errorf("%s: err = %v, want ErrBadContent", name, err)
		}
	}
}

func varintField(n protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, n, protowire.VarintType), v)
}

// kindField encodes the kind field, which starts every content; the tests
// replace the kind of a good content's body (its first two bytes).
func kindField(k Kind) []byte { return varintField(fKind, uint64(k)) }

// TestContentUnknownKind: a well-formed content of a kind from a newer
// version is told apart from a malformed one, so that the receiver keeps
// its session in step and ignores it; the kind stays bounded.
func TestContentUnknownKind(t *testing.T) {
	good, _ := sampleContents()["text"].Marshal()
	body, _ := unpad(good[1:])
	// Kinds 1 to 16 (KindGroupUpdate) and 128, 129 (KindSenderKey,
	// KindGroupFetch) are this version's; 17 to 127 show an "unsupported
	// message" line and 130 to 255 are ignored, but both parse as
	// unknown here.
	for k := KindText; k <= KindGroupUpdate; k++ {
		if !knownKind(k) {
			t.Errorf("kind %d unknown", k)
		}
	}
	for _, k := range []Kind{KindSenderKey, KindGroupFetch} {
		if !knownKind(k) {
			t.Errorf("kind %d unknown", k)
		}
	}
	for _, k := range []Kind{KindGroupUpdate + 1, firstSilentKind - 1, KindGroupFetch + 1, maxWireKind} {
		b := pad(append([]byte{contentVersion}, append(kindField(k), body[2:]...)...))
		_, err := ParseContent(b)
		if !errors.Is(err, ErrUnknownKind) || !errors.Is(err, ErrBadContent) {
			t.Errorf("kind %d: err = %v, want ErrUnknownKind and ErrBadContent", k, err)
		}
		// The receiver learns the kind, id and time, to show a line.
		c, err := parseContent(b)
		if !errors.Is(err, ErrUnknownKind) || c == nil || c.Kind != k || c.ID != (store.MessageID{1, 2, 3}) || c.Text != "" {
			t.Errorf("kind %d: parseContent = %+v, %v", k, c, err)
		}
	}
	b := pad(append([]byte{contentVersion}, append(varintField(fKind, maxWireKind+1), body[2:]...)...))
	if _, err := ParseContent(b); !errors.Is(err, ErrBadContent) || errors.Is(err, ErrUnknownKind) {
		t.Errorf("kind %d: err = %v, want ErrBadContent only", maxWireKind+1, err)
	}
}

// mustMarshalUnchecked encodes c without Marshal's checks, to build
// contents a broken or hostile sender could send.
func mustMarshalUnchecked(c *Content) []byte {
	b := []byte{contentVersion}
	b = appendVarint(b, fKind, uint64(c.Kind))
	b = appendBytes(b, fID, c.ID[:])
	b = appendVarint(b, fSent, 0)
	if c.Kind == KindReceipt {
		b = appendVarint(b, fReceipt, uint64(c.Receipt))
	}
	if c.Kind == KindEdit || c.Kind == KindDelete || c.Kind == KindReaction {
		b = appendBytes(b, fTargetID, c.TargetID[:])
		b = appendBytes(b, fEmoji, []byte(c.Emoji))
	}
	if c.Kind == KindFileOffer {
		b = appendBytes(b, fFileID, c.FileID[:])
		b = appendBytes(b, fName, []byte(c.Name))
		b = appendVarint(b, fFileSize, c.FileSize)
		b = appendVarint(b, fFileChunks, uint64(c.FileChunks))
		b = appendBytes(b, fFileSHA256, c.FileSHA256[:])
	}
	return pad(b)
}

func TestMarshalRefusesWhatParseWould(t *testing.T) {
	for name, c := range map[string]*Content{
		"kind 0":         {},
		"huge text":      {Kind: KindText, Text: strings.Repeat("x", MaxTextSize+1)},
		"bad utf-8 name": {Kind: KindProfile, Name: "\xff"},
		"fraction timer": {Kind: KindTimer, Timer: time.Millisecond},
		"huge chunk":     {Kind: KindFileChunk, ChunkData: make([]byte, ChunkSize+1)},
		"two emoji":      {Kind: KindReaction, TargetID: store.MessageID{1}, Emoji: "👍👎"},
		"empty edit":     {Kind: KindEdit, TargetID: store.MessageID{1}},
		// Groups.
		"empty state":         {Kind: KindGroupUpdate},
		"huge state":          {Kind: KindGroupUpdate, GroupState: make([]byte, MaxGroupStateSize+1)},
		"key without a group": {Kind: KindSenderKey, SenderKey: []byte{0x33}},
		"group without a key": {Kind: KindSenderKey, GroupID: store.GroupID{1}},
		"huge sender key":     {Kind: KindSenderKey, GroupID: store.GroupID{1}, SenderKey: make([]byte, maxSenderKeySize+1)},
		"fetch of no group":   {Kind: KindGroupFetch, GroupVersion: 3},
	} {
		if _, err := c.Marshal(); !errors.Is(err, ErrBadContent) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// FuzzParseContent: no panic; whatever parses re-encodes to something
// that parses to the same content.
func FuzzParseContent(f *testing.F) {
	for _, c := range sampleContents() {
		b, _ := c.Marshal()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseContent(b)
		if err != nil {
			if !errors.Is(err, ErrBadContent) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := c.Marshal()
		if err != nil {
			t.Fatalf("parsed content does not marshal: %v", err)
		}
		c2, err := ParseContent(again)
		if err != nil || !reflect.DeepEqual(normalize(c), normalize(c2)) {
			t.Fatalf("re-encoding changed the content: %v", err)
		}
	})
}
