package jetstream

import (
	"errors"
	"testing"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// TestForgetIdle checks which boxes a partition forgets: only beyond its
// bound, only empty ones, and only those not used since the last round.
func TestForgetIdle(t *testing.T) {
	owner := func(i byte) keys.PublicKey { var k keys.PublicKey; k[0] = i; return k }
	cases := []struct {
		name     string
		max      int
		count    []int64 // envelopes per box
		used     []bool
		wantKept []bool
	}{
		{"within the bound", 3, []int64{0, 0, 0}, []bool{false, false, false}, []bool{true, true, true}},
		{"idle and unused", 1, []int64{0, 0, 0}, []bool{false, false, false}, []bool{false, false, false}},
		{"used since the last round", 1, []int64{0, 0, 0}, []bool{true, false, true}, []bool{true, false, true}},
		{"holding envelopes", 1, []int64{2, 0, 1}, []bool{false, false, false}, []bool{true, false, true}},
	}
	for _, c := range cases {
		p := newPart(nil, 0, 0)
		for i := range c.count {
			p.boxes[owner(byte(i))] = &box{use: usage{count: c.count[i]}, used: c.used[i], quotas: map[string]*usage{}}
		}
		forgot := p.forgetIdle(c.max)
		want := 0
		for i, kept := range c.wantKept {
			b, ok := p.boxes[owner(byte(i))]
			if ok != kept {
				t.Errorf("%s: box %d kept %v, want %v", c.name, i, ok, kept)
			}
			if ok && len(c.count) > c.max && b.used {
				t.Errorf("%s: box %d still marked used after a round", c.name, i)
			}
			if !kept {
				want++
			}
		}
		if forgot != want {
			t.Errorf("%s: forgot %d, want %d", c.name, forgot, want)
		}
	}
}

// TestIdleMailboxesReadAgain forgets every idle box of a front end, then
// checks that the mailboxes still take deposits with their tokens (read
// again from the keys bucket), refuse unknown tokens, count usage, and
// that a revoked token stays revoked.
func TestIdleMailboxesReadAgain(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	waitAllHeld(t, s)
	type mb struct {
		owner            keys.PublicKey
		contact, request mailbox.TokenHash
	}
	boxes := make([]mb, 6)
	for i := range boxes {
		boxes[i].owner, boxes[i].contact, boxes[i].request = ownerWithToken(t, s)
		mustDeposit(t, s, boxes[i].owner, boxes[i].contact, []byte("hello"))
	}
	if err := s.RevokeTokens(boxes[0].owner, []mailbox.TokenHash{boxes[0].request}); err != nil {
		t.Fatal(err)
	}
	for _, b := range boxes { // empty every mailbox
		var ids []uint64
		for _, e := range pending(t, s, b.owner) {
			ids = append(ids, e.ID)
		}
		if n, err := s.Ack(b.owner, ids); err != nil || n != 1 {
			t.Fatalf("ack: %d, %v", n, err)
		}
	}
	forgotten := 0
	for _, p := range s.heldParts() {
		p.mu.Lock()
		p.forgetIdle(0) // clears the used marks
		forgotten += p.forgetIdle(0)
		left := len(p.boxes)
		p.mu.Unlock()
		if left != 0 {
			t.Errorf("partition %d keeps %d idle boxes", p.n, left)
		}
	}
	if forgotten != len(boxes) {
		t.Fatalf("forgot %d boxes, want %d", forgotten, len(boxes))
	}
	for i, b := range boxes {
		if _, err := depositWait(s, b.owner, b.contact, []byte("again"), t0); err != nil {
			t.Errorf("mailbox %d after forgetting: %v", i, err)
		}
		var unknown mailbox.TokenHash
		unknown[0] = 0xee
		if _, err := depositWait(s, b.owner, unknown, []byte("x"), t0); !errors.Is(err, mailbox.ErrUnknownToken) {
			t.Errorf("mailbox %d, unknown token: %v", i, err)
		}
		if n, _, err := s.Usage(t.Context(), b.owner); err != nil || n != 1 {
			t.Errorf("mailbox %d usage: %d, %v", i, n, err)
		}
	}
	if _, err := depositWait(s, boxes[0].owner, boxes[0].request, []byte("x"), t0); !errors.Is(err, mailbox.ErrUnknownToken) {
		t.Errorf("revoked token after forgetting: %v", err)
	}
}

// TestColdMailboxesTogether forgets every idle box, then deposits to all
// the mailboxes at once, so that group commits meet them cold together
// (the writer reads them in parallel before checking): each deposit is
// answered as if its box had been in memory, an unknown mailbox and an
// unknown token refused, and the boxes are in memory afterwards.
func TestColdMailboxesTogether(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	waitAllHeld(t, s)
	const n = 40
	owners := make([]keys.PublicKey, n)
	tokens := make([]mailbox.TokenHash, n)
	for i := range owners {
		owners[i], tokens[i], _ = ownerWithToken(t, s)
	}
	for _, p := range s.heldParts() {
		p.mu.Lock()
		p.forgetIdle(0)
		p.forgetIdle(0)
		p.mu.Unlock()
	}
	var unknownToken mailbox.TokenHash
	unknownToken[0] = 0xee
	type want struct {
		owner keys.PublicKey
		token mailbox.TokenHash
		err   error
	}
	var cases []want
	for i := range owners {
		cases = append(cases, want{owners[i], tokens[i], nil})
	}
	cases = append(cases, want{newOwner(t), tokens[0], mailbox.ErrUnknownMailbox},
		want{owners[1], unknownToken, mailbox.ErrUnknownToken})
	results := make(chan error, len(cases))
	for i, c := range cases {
		s.DepositTokenAsync(c.owner, c.token, []byte{byte(i), 'x'}, t0, 0, func(r mailbox.DepositResult) { results <- r.Err })
	}
	got := map[string]int{}
	for range cases {
		err := <-results
		switch {
		case err == nil:
			got["stored"]++
		case errors.Is(err, mailbox.ErrUnknownMailbox):
			got["unknown mailbox"]++
		case errors.Is(err, mailbox.ErrUnknownToken):
			got["unknown token"]++
		default:
			t.Errorf("deposit: %v", err)
		}
	}
	if got["stored"] != n || got["unknown mailbox"] != 1 || got["unknown token"] != 1 {
		t.Errorf("results %v, want %d stored, one unknown mailbox, one unknown token", got, n)
	}
	for i, o := range owners {
		if c, _, err := s.Usage(t.Context(), o); err != nil || c != 1 {
			t.Errorf("mailbox %d usage: %d, %v", i, c, err)
		}
	}
}
