package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"ratchat/internal/wire"
)

// Sizes of the format.
const (
	// KeySize is the archive key's length.
	KeySize = 32
	// HashSize is a chain hash's length.
	HashSize = sha256.Size
	// headerSize is a record header: seq and body length.
	headerSize = 12
	// MaxBody bounds a record's body, checked before anything is
	// allocated: a message is at most a few hundred kilobytes.
	MaxBody = 16 << 20
	// minBody is a nonce and a tag around an empty plaintext.
	minBody = chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead
)

// Kind says what happened to a message.
type Kind uint8

// The kinds of entries.
const (
	KindIn         Kind = 1 // a message received
	KindOut        Kind = 2 // a message sent
	KindEdit       Kind = 3 // a message's text changed
	KindDelete     Kind = 4 // a message deleted for everyone
	KindReaction   Kind = 5 // a message's reactions changed
	KindMembership Kind = 6 // a group's membership changed
	KindLocal      Kind = 7 // another line of the messenger's own
	KindRemoved    Kind = 8 // a row removed from the history here (delete for me, expiry)
	KindChanged    Kind = 9 // a row changed otherwise (a file's state)
	lastKind            = KindChanged
)

var kindNames = [...]string{"", "in", "out", "edit", "delete", "reaction", "membership", "local", "removed", "changed"}

// String names the kind.
func (k Kind) String() string {
	if k == 0 || k > lastKind {
		return fmt.Sprintf("kind(%d)", uint8(k))
	}
	return kindNames[k]
}

// Entry is one archived event.
type Entry struct {
	// Seq is the record's place in the chain, assigned by Append.
	Seq uint64
	// Time is when the entry was archived (moments after the change it
	// records); retention counts from it.
	Time time.Time
	Kind Kind
	// Conversation and Message are the profile's ids of the chat and of
	// the message row.
	Conversation int64
	Message      int64
	// Source is the id of the queue row the entry came from, so that an
	// append interrupted before the store learnt of it is not repeated.
	Source int64
	// Content is the message at that moment, as JSON.
	Content []byte
}

// Head is a point of the chain: a record's seq and its chain hash. The
// zero Head is the start of a new archive; an anchor is the Head just
// before the first record kept.
type Head struct {
	Seq  uint64
	Hash [HashSize]byte
}

// encodeEntry is the plaintext of a record.
func encodeEntry(e *Entry) []byte {
	var w wire.Encoder
	w.Uvarint(1) // version
	w.Varint(e.Time.UnixNano())
	w.Uvarint(uint64(e.Kind))
	w.Varint(e.Conversation)
	w.Varint(e.Message)
	w.Varint(e.Source)
	w.UvarintBytes(e.Content)
	return w
}

// ParseEntry parses a record's plaintext strictly: a known version and
// kind, minimal varints, no trailing bytes.
func ParseEntry(b []byte) (Entry, error) {
	d := wire.NewDecoder(b)
	var e Entry
	if v := d.Uvarint(); d.Err() == nil && v != 1 {
		d.Fail(fmt.Errorf("version %d", v))
	}
	e.Time = time.Unix(0, d.Varint())
	k := d.Uvarint()
	if d.Err() == nil && (k == 0 || k > uint64(lastKind)) {
		d.Fail(fmt.Errorf("kind %d", k))
	}
	e.Kind = Kind(k)
	e.Conversation = d.Varint()
	e.Message = d.Varint()
	e.Source = d.Varint()
	e.Content = append([]byte(nil), d.UvarintBytes()...)
	if err := d.Done(); err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	// Why: one entry has one encoding, so that no two byte strings
	// (a varint padded with 0x80 bytes) read as the same record.
	if !bytes.Equal(encodeEntry(&e), b) {
		return Entry{}, fmt.Errorf("%w: not canonical", ErrMalformed)
	}
	return e, nil
}

// rawRecord is a record as read from a segment, not yet opened.
type rawRecord struct {
	seq    uint64
	header []byte
	body   []byte
}

// ParseRecord reads one record from the start of b and returns it with
// the bytes it took. It checks the length against [MaxBody] and what is
// left before slicing; a short b wraps [ErrMalformed].
func ParseRecord(b []byte) (seq uint64, header, body []byte, n int, err error) {
	if len(b) < headerSize {
		return 0, nil, nil, 0, fmt.Errorf("%w: %d header bytes", ErrMalformed, len(b))
	}
	seq = binary.BigEndian.Uint64(b)
	size := binary.BigEndian.Uint32(b[8:])
	if size < minBody || size > MaxBody {
		return 0, nil, nil, 0, fmt.Errorf("%w: body of %d bytes", ErrMalformed, size)
	}
	if uint64(len(b)-headerSize) < uint64(size) {
		return 0, nil, nil, 0, fmt.Errorf("%w: body of %d bytes, %d left", ErrMalformed, size, len(b)-headerSize)
	}
	n = headerSize + int(size)
	return seq, b[:headerSize:headerSize], b[headerSize:n:n], n, nil
}

// recordHeader is the header of a record of seq with a body of n bytes.
func recordHeader(seq uint64, n int) []byte {
	h := make([]byte, headerSize)
	binary.BigEndian.PutUint64(h, seq)
	binary.BigEndian.PutUint32(h[8:], uint32(n))
	return h
}

// chain returns SHA-256(prev || header || body).
func chain(prev [HashSize]byte, header, body []byte) [HashSize]byte {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(header)
	h.Write(body)
	var out [HashSize]byte
	h.Sum(out[:0])
	return out
}
