package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"ratchat/store"
)

// TestConcurrentSends: two profiles write to each other from 8 goroutines
// each at once, so that sends share the pipe's transactions while
// receives (which must wait for the pipe) interleave with them. Every
// message arrives exactly once, none needs a session reset, and each
// goroutine's messages keep their order in the sender's history.
func TestConcurrentSends(t *testing.T) {
	const writers, each = 8, 25
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for _, side := range []struct {
		p  *profile
		to store.ContactID
	}{{alice, ab.ID}, {bob, ba.ID}} {
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if _, err := side.p.m.Send(ctx, side.to, fmt.Sprintf("%s w%d #%03d", side.p.name, w, i)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	for _, p := range []*profile{alice, bob} {
		seen := map[string]int{}
		p.waitFor(fmt.Sprintf("%d messages", writers*each), time.Minute, func(e Event) bool {
			switch e := e.(type) {
			case MessageReceived:
				seen[string(e.Message.Body)]++
			case SessionReset:
				t.Errorf("%s: a session reset: %+v", p.name, e)
			}
			return len(seen) == writers*each
		})
		for text, n := range seen {
			if n != 1 {
				t.Errorf("%s got %q %d times", p.name, text, n)
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, side := range []struct {
		p *profile
		c store.ContactID
	}{{alice, ab.ID}, {bob, ba.ID}} {
		msgs, _, err := side.p.st.Messages(ctx, side.c, 0, 4*writers*each)
		if err != nil {
			t.Fatal(err)
		}
		last := map[string]string{}
		for _, m := range msgs {
			if m.Direction != store.Outgoing {
				continue
			}
			text := string(m.Body)
			w := text[:len(text)-5]
			if prev, ok := last[w]; ok && prev >= text {
				t.Errorf("%s's history: %q after %q", side.p.name, text, prev)
			}
			last[w] = text
		}
	}
}

// TestSendPipeFailedBatch: when a batch's transaction fails, each message
// is committed alone, so that only the one at fault fails, and the pipe
// forgets the sessions of what it finished.
func TestSendPipeFailedBatch(t *testing.T) {
	bad := errors.New("the one at fault")
	var mu sync.Mutex
	var calls [][]string
	release := make(chan struct{})
	p := &sendPipe{latest: map[store.ContactID]*pendingState{}}
	p.idle = sync.NewCond(&p.mu)
	p.commitFn = func(_ context.Context, ss []store.Sent) ([]int64, error) {
		<-release
		mu.Lock()
		defer mu.Unlock()
		var texts []string
		for _, s := range ss {
			texts = append(texts, string(s.Message.Body))
		}
		calls = append(calls, texts)
		return nil, bad // a batch with the bad one fails as a whole
	}
	p.oneFn = func(_ context.Context, s store.Sent) (int64, error) {
		if string(s.Message.Body) == "bad" {
			return 0, bad
		}
		return int64(len(s.Message.Body)), nil
	}
	var waits []*pendingSend
	for i, text := range []string{"first", "bad", "third"} {
		waits = append(waits, p.add(context.Background(), store.Sent{Message: store.Message{Conversation: store.ContactID(i%2 + 1), Body: []byte(text)}}, nil))
	}
	close(release)
	for i, want := range []error{nil, bad, nil} {
		if _, err := waits[i].wait(); !errors.Is(err, want) {
			t.Errorf("message %d: %v, want %v", i, err, want)
		}
	}
	p.drain()
	if len(p.latest) != 0 || p.pending != 0 {
		t.Errorf("after the batch: %d sessions kept, %d pending", len(p.latest), p.pending)
	}
	if len(calls) == 0 || len(calls[0]) == 0 || calls[0][0] != "first" {
		t.Errorf("batches: %q", calls)
	}
}
