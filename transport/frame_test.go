package transport

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	bodies := [][]byte{{1}, bytes.Repeat([]byte{7}, 1000), make([]byte, MaxFrameSize)}
	for _, b := range bodies {
		if err := WriteFrame(&buf, b); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range bodies {
		got, err := ReadFrame(&buf, MaxFrameSize)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("read %d bytes, %v", len(got), err)
		}
	}
	if _, err := ReadFrame(&buf, MaxFrameSize); err != io.EOF {
		t.Fatalf("at end: %v", err)
	}
}

func TestFrameLimits(t *testing.T) {
	var tooLarge *FrameTooLargeError
	if err := WriteFrame(io.Discard, make([]byte, MaxFrameSize+1)); !errors.As(err, &tooLarge) || tooLarge.Size != MaxFrameSize+1 {
		t.Fatalf("write oversized: %v", err)
	}
	if err := WriteFrame(io.Discard, nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("write empty: %v", err)
	}
	// 0xFFFFFFFF is refused from the prefix alone: nothing is read after it,
	// and nothing is allocated for it.
	r := &countingReader{r: bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3})}
	allocs := testing.AllocsPerRun(10, func() {
		r.r.Seek(0, io.SeekStart)
		_, err := ReadFrame(r, MaxFrameSize)
		if !errors.As(err, &tooLarge) || tooLarge.Size != 0xffffffff || tooLarge.Max != MaxFrameSize {
			t.Fatalf("read oversized: %v", err)
		}
		if !errors.Is(err, ErrMalformed) {
			t.Fatal("FrameTooLargeError does not wrap ErrMalformed")
		}
	})
	if allocs > 2 { // the error value itself
		t.Fatalf("%.0f allocations for a refused frame", allocs)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 0}), MaxFrameSize); !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty frame: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 5, 1, 2}), MaxFrameSize); err != io.ErrUnexpectedEOF {
		t.Fatalf("cut body: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0}), MaxFrameSize); err != io.ErrUnexpectedEOF {
		t.Fatalf("cut length: %v", err)
	}
}

type countingReader struct {
	r *bytes.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzReadFrame: any input either yields frames whose re-encoding is the
// consumed input, or an error; never a body over the limit.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 9})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 3, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 64
		r := bytes.NewReader(data)
		var out []byte
		for {
			body, err := ReadFrame(r, max)
			if err != nil {
				var tl *FrameTooLargeError
				if errors.As(err, &tl) && tl.Size <= max {
					t.Fatalf("too large error for %d", tl.Size)
				}
				break
			}
			if len(body) == 0 || len(body) > max {
				t.Fatalf("body of %d bytes", len(body))
			}
			out, _ = AppendFrame(out, body)
		}
		if !bytes.HasPrefix(data, out) {
			t.Fatal("frames do not re-encode to the input")
		}
	})
}
