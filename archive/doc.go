// Package archive is the compliance archive: an append-only, encrypted,
// hash-chained log of every message in and out of a profile (and of each
// edit, deletion and reaction), kept in segment files under the profile
// folder's archive/ subfolder.
//
// # Records
//
// Each record is a 12-byte header (seq, big-endian uint64; body length,
// big-endian uint32) and a body: a 24-byte nonce and the XChaCha20-Poly1305
// ciphertext of an [Entry] under the archive's own 32-byte key, with the
// header as associated data. Why its own key: the archive outlives the
// profile's passphrase changes and can be handed to an auditor (with the
// key) without the profile's data key.
//
// # Chain
//
// h_i = SHA-256(h_{i-1} || header_i || body_i), from the anchor's hash (32
// zero bytes for a new archive). The head (seq, h) is kept by the caller
// in the profile store, so a truncated tail is detected; [Archive.Verify]
// walks the chain and returns a [*VerifyError] naming the first bad record
// and why: [ErrChanged], [ErrRemoved], [ErrReordered], [ErrTruncated],
// [ErrSegmentMissing] or [ErrAhead].
//
// # Segments
//
// A segment file, named by its first seq (20 decimal digits, ".seg"),
// starts with a 56-byte header: magic "RCARCH01", first seq, creation time
// (unix nanoseconds) and the chain hash before its first record. A new
// segment starts when the current one is larger than [Options.SegmentSize]
// or older than [Options.SegmentAge]. Retention ([Archive.Prune]) removes
// whole segments whose last record is older than the cut-off, after the
// caller has stored the new anchor: the chain state at the end of the last
// removed segment.
package archive
