package transport

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"
)

// loopbackPair returns both ends of a TCP connection on 127.0.0.1.
func loopbackPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, ok := <-accepted
	if !ok {
		t.Fatal("accepting failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// framerBody is frame k of writer w: w and k, then filler up to size.
func framerBody(w, k, size int) []byte {
	b := bytes.Repeat([]byte{byte(w + k)}, size)
	binary.BigEndian.PutUint32(b, uint32(w))
	binary.BigEndian.PutUint32(b[4:], uint32(k))
	return b
}

// TestFramerWrites writes frames from several goroutines at once through
// a framer on a real TCP connection: each arrives whole and in its
// writer's order, and once every write has returned the framer holds no
// write buffer (an idle connection keeps none).
func TestFramerWrites(t *testing.T) {
	for _, c := range []struct {
		name                   string
		writers, frames, bytes int
	}{
		{"one writer", 1, 20, 100},
		{"writers at once", 16, 50, 100},
		{"frames larger than the buffer", 4, 5, 3 * writeBuffer},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := loopbackPair(t)
			f := newFramer(a, MaxFrameSize, 0, 10*time.Second)
			var wg sync.WaitGroup
			for w := range c.writers {
				wg.Go(func() {
					for k := range c.frames {
						if err := f.write(framerBody(w, k, c.bytes)); err != nil {
							t.Errorf("writer %d frame %d: %v", w, k, err)
							return
						}
					}
				})
			}
			if err := b.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
				t.Fatal(err) // a frame lost must fail the test, not hang it
			}
			r := bufio.NewReader(b)
			next := make([]int, c.writers)
			for range c.writers * c.frames {
				body, err := ReadFrame(r, MaxFrameSize)
				if err != nil {
					t.Fatal(err)
				}
				w, k := int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
				if w >= c.writers || k != next[w] || !bytes.Equal(body, framerBody(w, k, c.bytes)) {
					t.Fatalf("frame of writer %d numbered %d (want %d), %d bytes", w, k, next[min(w, c.writers-1)], len(body))
				}
				next[w]++
			}
			wg.Wait()
			f.wmu.Lock()
			held := f.w != nil
			f.wmu.Unlock()
			if held {
				t.Error("the framer kept its write buffer after the writes")
			}
		})
	}
}
