package jetstream

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// A segment is one stream message holding the envelopes of one group
// commit of a partition: their bodies one after another in the message's
// data, and a table of them in its hdrTable header, which a headers-only
// consumer still delivers. Why segments and not a message per envelope:
// most of what JetStream spends is per message, not per byte
// (BenchmarkNATSMapping, docs/BENCHMARKS.md: in R3, 277-310 µs of NATS CPU
// an envelope as one message each, 82-90 µs at 8 to a segment).
//
// An envelope's id is its segment's stream sequence times segmentSlots
// plus its place in the table: ids still increase per owner (later
// segments have higher sequences) and are never reused.
//
// An ack record is a message whose hdrAcks header lists envelopes
// acknowledged (their ids, and their deposits' ids), so that a
// partition's next holder does not push them again, and answers a deposit
// asked again within the dedup window with its first id. It is deleted
// once no segment it names is stored and it is older than the window.

// Headers of segments and ack records.
const (
	hdrTable = "Rc-Table" // a segment's table (base64, unpadded)
	hdrAcks  = "Rc-Acks"  // an ack record's ids (base64, unpadded)
)

// tableEncoding encodes tables and ack records in headers: unpadded, and
// strict (one encoding per value).
var tableEncoding = base64.RawStdEncoding.Strict()

// Versions and bounds of the segment table and the ack record.
const (
	segmentTableV = 1
	ackRecordV    = 1

	// segmentSlots is the most envelopes one segment holds; an id's low
	// bits are its place in the segment.
	segmentSlots = 256
	// maxAckRecord bounds the ids of one ack record.
	maxAckRecord = 8192
	// quota kinds in a table entry
	quotaNone, quotaRequest, quotaToken = 0, 1, 2
)

// segEntry is one envelope in a segment's table.
type segEntry struct {
	owner    keys.PublicKey
	quota    string    // as the index keeps it: "", "r", or a token hash in hex
	dedup    depositID // the deposit's id: a deposit asked again is stored once
	size     int64
	received int64 // ms
	ttl      int64 // lifetime in whole seconds; 0 for none
}

// envelopeID is the id of the envelope at place i of segment seq.
func envelopeID(seq uint64, i int) uint64 { return seq*segmentSlots + uint64(i) }

// segmentOf splits an envelope id into its segment's sequence and place.
func segmentOf(id uint64) (seq uint64, i int) { return id / segmentSlots, int(id % segmentSlots) }

// marshalTable encodes a segment's table for its hdrTable header.
func marshalTable(entries []segEntry) (string, error) {
	if len(entries) == 0 || len(entries) > segmentSlots {
		return "", fmt.Errorf("%w: a segment of %d envelopes", ErrRecord, len(entries))
	}
	var b cryptobyte.Builder
	b.AddUint8(segmentTableV)
	b.AddUint16(uint16(len(entries)))
	for _, e := range entries {
		if e.size < 0 || e.size > maxSegmentBody || e.ttl < 0 || e.ttl > 1<<31 || e.received < 0 {
			return "", fmt.Errorf("%w: a segment entry out of bounds", ErrRecord)
		}
		b.AddBytes(e.owner[:])
		switch e.quota {
		case "":
			b.AddUint8(quotaNone)
		case "r":
			b.AddUint8(quotaRequest)
		default:
			var h mailbox.TokenHash
			if len(e.quota) != 2*len(h) {
				return "", fmt.Errorf("%w: quota %q", ErrRecord, e.quota)
			}
			if _, err := hex.Decode(h[:], []byte(e.quota)); err != nil {
				return "", fmt.Errorf("%w: quota %q", ErrRecord, e.quota)
			}
			b.AddUint8(quotaToken)
			b.AddBytes(h[:])
		}
		b.AddBytes(e.dedup[:])
		b.AddUint32(uint32(e.size))
		b.AddUint64(uint64(e.received))
		b.AddUint32(uint32(e.ttl))
	}
	v, err := b.Bytes()
	if err != nil {
		return "", fmt.Errorf("%w: segment table: %w", ErrRecord, err)
	}
	return tableEncoding.EncodeToString(v), nil
}

// decodeHeader decodes a header of tableEncoding, what (for errors)
// holding at most max bytes: refused before decoding if longer.
func decodeHeader(what, header string, max int) (cryptobyte.String, error) {
	if base64.RawStdEncoding.DecodedLen(len(header)) > max {
		return nil, fmt.Errorf("%w: %s too long", ErrRecord, what)
	}
	raw, err := tableEncoding.DecodeString(header)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRecord, what, err)
	}
	return cryptobyte.String(raw), nil
}

// maxSegmentBody bounds one envelope's size in a table (a relay's own
// limit on an envelope is far smaller).
const maxSegmentBody = 1 << 24

// parseTable decodes a segment's table; bodySize is the segment's data
// length, which the entries' sizes must add up to.
func parseTable(header string, bodySize int64) ([]segEntry, error) {
	s, err := decodeHeader("segment table", header, 3+segmentSlots*(32+1+32+16+4+8+4))
	if err != nil {
		return nil, err
	}
	var ver uint8
	var n uint16
	if !s.ReadUint8(&ver) || ver != segmentTableV || !s.ReadUint16(&n) || n == 0 || n > segmentSlots {
		return nil, fmt.Errorf("%w: segment table", ErrRecord)
	}
	entries := make([]segEntry, n)
	var total int64
	for i := range entries {
		e := &entries[i]
		var kind uint8
		var size, ttl uint32
		var recv uint64
		if !s.CopyBytes(e.owner[:]) || !s.ReadUint8(&kind) {
			return nil, fmt.Errorf("%w: segment table", ErrRecord)
		}
		switch kind {
		case quotaNone:
		case quotaRequest:
			e.quota = "r"
		case quotaToken:
			var h mailbox.TokenHash
			if !s.CopyBytes(h[:]) {
				return nil, fmt.Errorf("%w: segment table", ErrRecord)
			}
			e.quota = hexString(h[:])
		default:
			return nil, fmt.Errorf("%w: segment table: quota kind %d", ErrRecord, kind)
		}
		if !s.CopyBytes(e.dedup[:]) || !s.ReadUint32(&size) || !s.ReadUint64(&recv) || !s.ReadUint32(&ttl) {
			return nil, fmt.Errorf("%w: segment table", ErrRecord)
		}
		if size > maxSegmentBody || recv > 1<<62 || ttl > 1<<31 {
			return nil, fmt.Errorf("%w: segment table: entry out of bounds", ErrRecord)
		}
		e.size, e.received, e.ttl = int64(size), int64(recv), int64(ttl)
		total += e.size
	}
	if !s.Empty() {
		return nil, fmt.Errorf("%w: segment table: trailing bytes", ErrRecord)
	}
	if total != bodySize {
		return nil, fmt.Errorf("%w: segment table: sizes add up to %d, the data is %d bytes", ErrRecord, total, bodySize)
	}
	return entries, nil
}

// ackedEnvelope is one envelope in an ack record: its id, and the id of
// the deposit that stored it, which a later holder remembers for the
// rest of the dedup window (the envelope's segment may be gone by then).
type ackedEnvelope struct {
	id    uint64
	dedup depositID
}

// marshalAcks encodes an ack record for its hdrAcks header.
func marshalAcks(acks []ackedEnvelope) (string, error) {
	if len(acks) == 0 || len(acks) > maxAckRecord {
		return "", fmt.Errorf("%w: an ack record of %d ids", ErrRecord, len(acks))
	}
	var b cryptobyte.Builder
	b.AddUint8(ackRecordV)
	b.AddUint16(uint16(len(acks)))
	for _, a := range acks {
		b.AddUint64(a.id)
		b.AddBytes(a.dedup[:])
	}
	v, err := b.Bytes()
	if err != nil {
		return "", fmt.Errorf("%w: ack record: %w", ErrRecord, err)
	}
	return tableEncoding.EncodeToString(v), nil
}

// parseAcks decodes an ack record.
func parseAcks(header string) ([]ackedEnvelope, error) {
	s, err := decodeHeader("ack record", header, 3+24*maxAckRecord)
	if err != nil {
		return nil, err
	}
	var ver uint8
	var n uint16
	if !s.ReadUint8(&ver) || ver != ackRecordV || !s.ReadUint16(&n) || n == 0 || n > maxAckRecord || len(s) != 24*int(n) {
		return nil, fmt.Errorf("%w: ack record", ErrRecord)
	}
	acks := make([]ackedEnvelope, n)
	for i := range acks {
		s.ReadUint64(&acks[i].id)
		s.CopyBytes(acks[i].dedup[:])
	}
	return acks, nil
}
