package transport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Size limits of what travels. Every one is checked before anything is
// allocated for the thing it bounds.
const (
	// MaxEnvelopeSize bounds a sealed envelope: 128 KiB. chat/ sends
	// attachments in 64 KiB chunks; a chunk in a ratchet message (at most
	// about 2 KiB of PreKeySignalMessage and content overhead), padded
	// (at most 12% more) and sealed (97 bytes) stays well under it, with
	// room to grow, while a home still holds at most this much per
	// in-flight request.
	MaxEnvelopeSize = 128 << 10

	// MaxFrameSize bounds a frame's body: an envelope plus the largest
	// header that carries one (a Deposit: kind, request id and recipient
	// key, 38 bytes), rounded up to 64 bytes of room.
	MaxFrameSize = MaxEnvelopeSize + 64

	// frameHeaderSize is the length prefix: 4 bytes, big-endian.
	frameHeaderSize = 4
)

// ReadFrame reads one frame from r: a 4-byte big-endian length, then that
// many bytes of body. A length above max fails with [*FrameTooLargeError]
// before anything is allocated; a zero length fails with [ErrMalformed].
// The body buffer is exactly the declared length, so a peer that lies
// about the length costs at most max bytes. A stream that ends before the
// length is read returns [io.EOF]; one that ends inside the frame,
// [io.ErrUnexpectedEOF].
func ReadFrame(r io.Reader, max uint32) ([]byte, error) {
	var hdr [frameHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	return readBody(r, binary.BigEndian.Uint32(hdr[:]), max)
}

// readBody checks the declared length n, then reads the body.
func readBody(r io.Reader, n, max uint32) ([]byte, error) {
	if n > max {
		return nil, &FrameTooLargeError{Size: n, Max: max}
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrMalformed)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// AppendFrame appends the frame carrying body to dst. It fails with
// [*FrameTooLargeError] for a body longer than [MaxFrameSize] and with
// [ErrMalformed] for an empty one.
func AppendFrame(dst, body []byte) ([]byte, error) {
	if len(body) > MaxFrameSize {
		return dst, &FrameTooLargeError{Size: uint32(min(len(body), 1<<32-1)), Max: MaxFrameSize}
	}
	if len(body) == 0 {
		return dst, fmt.Errorf("%w: empty frame", ErrMalformed)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(body)))
	return append(dst, body...), nil
}

// WriteFrame writes the frame carrying body to w in one Write call.
func WriteFrame(w io.Writer, body []byte) error {
	frame, err := AppendFrame(make([]byte, 0, frameHeaderSize+len(body)), body)
	if err != nil {
		return err
	}
	_, err = w.Write(frame)
	return err
}

// framer reads and writes frames on a net.Conn with deadlines. Reading
// waits up to idle for a frame to start, then gives the rest of the frame
// (length and body) frameTimeout to arrive: a peer that trickles one byte
// a second is cut off after frameTimeout, however long its frame. A zero
// duration means no deadline.
//
// Writes are safe for concurrent use and coalesce: a writer that sees
// others waiting leaves its frame in the buffer for the last of them to
// flush, so under load many frames share one system call, and alone a
// frame is sent at once. The write buffer is borrowed from writeBuffers
// for each such run of writes and given back once flushed, so an idle
// connection holds none (a relay's connections are mostly idle: 1,000 of
// them held 32 MB of buffers before, BenchmarkRelayMailboxes).
type framer struct {
	conn         net.Conn
	r            *bufio.Reader
	max          uint32
	frameTimeout time.Duration
	writeTimeout time.Duration

	waiting atomic.Int32 // writers between arriving and holding wmu
	wmu     sync.Mutex
	w       *bufio.Writer // nil between runs of writes
}

// writeBuffer is the size of a framer's write buffer: what one system
// call carries when frames queue.
const writeBuffer = 32 << 10

// writeBuffers are the framers' write buffers not in use.
var writeBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBuffer) }}

// newFramer wraps c. max bounds the bodies read.
func newFramer(c net.Conn, max uint32, frameTimeout, writeTimeout time.Duration) *framer {
	return &framer{conn: c, r: bufio.NewReaderSize(c, 4096), max: max,
		frameTimeout: frameTimeout, writeTimeout: writeTimeout}
}

// read returns the next frame's body, waiting at most idle for it to
// start. If stop is set and reports true once the deadline is set, read
// returns errStopped without reading: a server that is shutting down sets
// stop, then a past deadline, so a read either sees the flag or is woken
// by the deadline.
func (f *framer) read(idle time.Duration, stop func() bool) ([]byte, error) {
	if err := f.conn.SetReadDeadline(deadline(idle)); err != nil {
		return nil, err
	}
	if stop != nil && stop() {
		return nil, errStopped
	}
	if _, err := f.r.Peek(1); err != nil {
		return nil, err
	}
	if err := f.conn.SetReadDeadline(deadline(f.frameTimeout)); err != nil {
		return nil, err
	}
	return ReadFrame(f.r, f.max)
}

// write sends one frame, failing if it cannot be written within the
// write timeout (a peer that stops reading must not hold us forever).
func (f *framer) write(body []byte) error {
	if len(body) == 0 || len(body) > MaxFrameSize {
		_, err := AppendFrame(nil, body)
		return err
	}
	f.waiting.Add(1)
	f.wmu.Lock()
	defer f.wmu.Unlock()
	last := f.waiting.Add(-1) == 0
	if err := f.conn.SetWriteDeadline(deadline(f.writeTimeout)); err != nil {
		return err
	}
	if f.w == nil {
		f.w = writeBuffers.Get().(*bufio.Writer)
		f.w.Reset(f.conn)
	}
	var hdr [frameHeaderSize]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(body)))
	f.w.Write(hdr[:])
	f.w.Write(body)
	if !last {
		return nil // a waiting writer flushes
	}
	if err := f.w.Flush(); err != nil {
		return err // the buffer keeps the error: later writes fail too
	}
	f.w.Reset(nil)
	writeBuffers.Put(f.w)
	f.w = nil
	return nil
}

// errStopped is returned by framer.read when its stop function said so.
var errStopped = errors.New("transport: stopped reading")

// deadline turns a timeout into a deadline; zero means none.
func deadline(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// aLongTimeAgo is a deadline in the past, to wake a blocked read.
var aLongTimeAgo = time.Unix(1, 0)
