package store

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"
)

var streamKey = bytes.Repeat([]byte{9}, 32)

// sealStream seals pt in one stream.
func sealStream(t testing.TB, pt []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := newStreamWriter(&out, streamKey)
	if err != nil {
		t.Fatal(err)
	}
	// Odd write sizes exercise the buffering.
	for len(pt) > 0 {
		n := min(len(pt), 1000+len(pt)%7777)
		if _, err := w.Write(pt[:n]); err != nil {
			t.Fatal(err)
		}
		pt = pt[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// openStream reads a whole stream.
func openStream(ct []byte) ([]byte, error) {
	r, err := newStreamReader(bytes.NewReader(ct), streamKey)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestStreamRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, streamChunkSize - 1, streamChunkSize, streamChunkSize + 1, 3 * streamChunkSize, 3*streamChunkSize + 5} {
		pt := make([]byte, n)
		rand.Read(pt)
		ct := sealStream(t, pt)
		chunks := max(1, (n+streamChunkSize-1)/streamChunkSize)
		if len(ct) != n+chunks*16 {
			t.Errorf("%d bytes: sealed to %d, want %d", n, len(ct), n+chunks*16)
		}
		got, err := openStream(ct)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("%d bytes: round trip failed: %v", n, err)
		}
	}
}

func TestStreamTampering(t *testing.T) {
	pt := make([]byte, 3*streamChunkSize+100)
	rand.Read(pt)
	ct := sealStream(t, pt)
	enc := streamEncChunkSize
	for _, tc := range []struct {
		name string
		ct   []byte
		want error
	}{
		{"empty", nil, ErrBackupTruncated},
		{"cut at a chunk boundary", ct[:2*enc], ErrBackupTruncated},
		{"last chunk dropped", ct[:3*enc], ErrBackupTruncated},
		{"cut inside a chunk", ct[:enc+100], ErrBackupCorrupt},
		{"cut inside the tag", ct[:10], ErrBackupTruncated},
		{"chunks swapped", append(append(append([]byte{}, ct[enc:2*enc]...), ct[:enc]...), ct[2*enc:]...), ErrBackupCorrupt},
		{"chunk repeated", append(append([]byte{}, ct[:enc]...), ct...), ErrBackupCorrupt},
		{"trailing garbage", append(bytes.Clone(ct), 0), ErrBackupCorrupt},
	} {
		if _, err := openStream(tc.ct); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	for _, i := range []int{0, 100, enc - 1, enc, 2*enc + 7, len(ct) - 1} {
		bad := bytes.Clone(ct)
		bad[i] ^= 1
		if _, err := openStream(bad); !errors.Is(err, ErrBackupCorrupt) {
			t.Errorf("bit flipped at %d: %v", i, err)
		}
	}
}

// A full-size final chunk is marked final, so a stream of exactly one
// chunk cannot be extended, and one of two cannot lose its last chunk.
func TestStreamFullFinalChunk(t *testing.T) {
	ct := sealStream(t, make([]byte, 2*streamChunkSize))
	if len(ct) != 2*streamEncChunkSize {
		t.Fatalf("sealed to %d bytes", len(ct))
	}
	if _, err := openStream(ct[:streamEncChunkSize]); !errors.Is(err, ErrBackupTruncated) {
		t.Fatalf("first of two full chunks alone: %v", err)
	}
}

// FuzzStreamReader feeds arbitrary bytes to the stream reader: it must
// never panic, fail only with the typed errors, and return plaintext only
// for a genuine stream.
func FuzzStreamReader(f *testing.F) {
	f.Add(sealStream(f, []byte("hello")))
	f.Add(sealStream(f, make([]byte, streamChunkSize+1)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, ct []byte) {
		_, err := openStream(ct)
		if err != nil && !errors.Is(err, ErrBackupCorrupt) && !errors.Is(err, ErrBackupTruncated) {
			t.Fatalf("untyped error %v", err)
		}
	})
}
