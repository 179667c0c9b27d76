package store

import (
	"bufio"
	"crypto/cipher"
	"errors"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// The STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online
// Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015), as
// age's internal/stream uses it: the plaintext is cut into 64 KiB chunks,
// each sealed with ChaCha20-Poly1305 under the nonce counter || last flag.
//
// Why: a backup can be larger than memory, so it is sealed and opened in
// pieces; the counter makes a reordered or dropped chunk fail, and the flag
// on the last chunk makes a file cut at a chunk boundary fail too. The
// key is unique per file (fresh salt), so a counter nonce is never reused.
const (
	// streamChunkSize is the plaintext size of every chunk but the last.
	streamChunkSize = 64 << 10
	// streamEncChunkSize is the sealed size of a full chunk.
	streamEncChunkSize = streamChunkSize + chacha20poly1305.Overhead
	// lastChunkFlag is the last nonce byte of the final chunk.
	lastChunkFlag = 0x01
)

// streamNonce is an 11-byte big-endian chunk counter and the flag byte.
type streamNonce [chacha20poly1305.NonceSize]byte

// set writes the counter and flag into the nonce. A counter past 2^64
// chunks (a zettabyte) is not reachable, so only 8 of the 11 bytes move.
func (n *streamNonce) set(counter uint64, last bool) {
	clear(n[:])
	for i := 0; i < 8; i++ {
		n[10-i] = byte(counter >> (8 * i))
	}
	if last {
		n[11] = lastChunkFlag
	}
}

// streamWriter seals what is written to it onto w.
type streamWriter struct {
	w       io.Writer
	aead    cipher.AEAD
	buf     []byte
	counter uint64
	nonce   streamNonce
	err     error
}

// newStreamWriter returns a writer sealing under key (32 bytes).
func newStreamWriter(w io.Writer, key []byte) (*streamWriter, error) {
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err
	}
	return &streamWriter{w: w, aead: aead, buf: make([]byte, 0, streamEncChunkSize)}, nil
}

// Write buffers p, sealing each full chunk once more data follows it, so
// that the final chunk is never empty unless the whole stream is.
func (s *streamWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 && s.err == nil {
		if len(s.buf) == streamChunkSize {
			s.flush(false)
			continue
		}
		k := copy(s.buf[len(s.buf):streamChunkSize], p)
		s.buf, p, n = s.buf[:len(s.buf)+k], p[k:], n+k
	}
	return n, s.err
}

// flush seals the buffer as a chunk and writes it.
func (s *streamWriter) flush(last bool) {
	s.nonce.set(s.counter, last)
	out := s.aead.Seal(s.buf[:0], s.nonce[:], s.buf, nil)
	if _, err := s.w.Write(out); err != nil {
		s.err = err
	}
	s.buf = s.buf[:0]
	s.counter++
}

// Close seals the final chunk. It does not close the underlying writer.
func (s *streamWriter) Close() error {
	if s.err == nil {
		s.flush(true)
	}
	if s.err == nil {
		s.err = errors.New("store: stream closed")
		return nil
	}
	return s.err
}

// streamReader opens a sealed stream. Errors are [ErrBackupCorrupt] (a
// chunk fails to open, or data follows the final chunk) and
// [ErrBackupTruncated] (the stream ends before a final chunk).
type streamReader struct {
	r       *bufio.Reader
	aead    cipher.AEAD
	enc     []byte
	out     []byte
	plain   []byte
	counter uint64
	nonce   streamNonce
	done    bool
	err     error
}

// newStreamReader returns a reader opening r under key.
func newStreamReader(r io.Reader, key []byte) (*streamReader, error) {
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err
	}
	return &streamReader{r: bufio.NewReaderSize(r, streamEncChunkSize), aead: aead,
		enc: make([]byte, streamEncChunkSize), out: make([]byte, 0, streamChunkSize)}, nil
}

// Read returns plaintext only from chunks that authenticated.
func (s *streamReader) Read(p []byte) (int, error) {
	for len(s.plain) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		if s.done {
			return 0, io.EOF
		}
		s.err = s.next()
	}
	n := copy(p, s.plain)
	s.plain = s.plain[n:]
	return n, nil
}

// next reads and opens one chunk. A short chunk, or a full one followed by
// the end of the input, must be the final one.
func (s *streamReader) next() error {
	n, err := io.ReadFull(s.r, s.enc)
	last := false
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		last = true
	case err != nil:
		return err
	default:
		if _, perr := s.r.Peek(1); perr == io.EOF {
			last = true
		}
	}
	if n < chacha20poly1305.Overhead {
		return ErrBackupTruncated
	}
	s.nonce.set(s.counter, last)
	// Not in place: a failed Open wipes its output, and the ciphertext
	// may be needed for a second try.
	out, oerr := s.aead.Open(s.out[:0], s.nonce[:], s.enc[:n], nil)
	if oerr != nil && last {
		// A chunk that opens as non-final at the end of the input means
		// the file was cut right after it.
		s.nonce.set(s.counter, false)
		if _, err := s.aead.Open(nil, s.nonce[:], s.enc[:n], nil); err == nil {
			return ErrBackupTruncated
		}
	}
	if oerr != nil {
		return ErrBackupCorrupt
	}
	if last && len(out) == 0 && s.counter > 0 {
		return ErrBackupCorrupt // only an empty stream has an empty final chunk
	}
	s.plain, s.done = out, last
	s.counter++
	return nil
}
