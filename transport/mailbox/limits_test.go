package mailbox

import (
	"context"
	"errors"
	"testing"
	"time"

	"ratchat/keys"
)

// TestTotalBytesCap: a deposit past the home-wide byte cap is refused
// with ErrFull, nothing stored is dropped, and Acks, expiry and a reopen
// keep the count right.
func TestTotalBytesCap(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{MaxBytes: 7, MaxTotalBytes: 10})
	a, b := owner(t), owner(t)
	s.Register(a, t0)
	s.Register(b, t0)
	steps := []struct {
		to   int // 0: a, 1: b
		body string
		want error
	}{
		{0, "aaaa", nil},
		{0, "aaaa", ErrQuota}, // a's own quota (7) first
		{1, "bbbbbb", nil},    // 10 in all
		{1, "b", ErrFull},     // the home is full
		{0, "a", ErrFull},
	}
	var ids []uint64
	for i, st := range steps {
		id, err := s.Deposit([]keys.PublicKey{a, b}[st.to], []byte(st.body), t0)
		if !errors.Is(err, st.want) {
			t.Fatalf("step %d: %v, want %v", i, err, st.want)
		}
		if err == nil {
			ids = append(ids, id)
		}
	}
	for _, o := range []keys.PublicKey{a, b} {
		if n, _, _ := s.Usage(context.Background(), o); n != 1 {
			t.Fatalf("a full home dropped an envelope: %d left", n)
		}
	}
	if n, err := s.Ack(a, ids[:1]); err != nil || n != 1 {
		t.Fatalf("ack: %d %v", n, err)
	}
	if _, err := s.Deposit(a, []byte("aaa"), t0); err != nil {
		t.Fatalf("after an ack made room: %v", err)
	}
	if _, err := s.Deposit(a, []byte("aa"), t0); !errors.Is(err, ErrFull) {
		t.Fatalf("full again: %v", err)
	}
	s.Close()
	s = open(t, dir, Options{MaxBytes: 7, MaxTotalBytes: 10})
	if _, err := s.Deposit(a, []byte("aa"), t0); !errors.Is(err, ErrFull) {
		t.Fatalf("after reopen, the total is counted from disk: %v", err)
	}
	if n, _, err := s.Expire(t0.Add(time.Minute)); err != nil || n != 2 {
		t.Fatalf("expire: %d %v", n, err)
	}
	if _, err := s.Deposit(a, []byte("aaaaaa"), t0.Add(time.Hour)); err != nil {
		t.Fatalf("after expiry made room: %v", err)
	}
}

// TestMailboxCap: registrations past MaxMailboxes fail with ErrFull
// (existing owners still register), mayCreate is asked only for new
// mailboxes, and its error refuses.
func TestMailboxCap(t *testing.T) {
	s := open(t, t.TempDir(), Options{MaxMailboxes: 2})
	a, b, c := owner(t), owner(t), owner(t)
	asked := 0
	count := func() error { asked++; return nil }
	for _, o := range []keys.PublicKey{a, b} {
		if created, err := s.RegisterWith(o, t0, count); err != nil || !created {
			t.Fatalf("register: %v %v", created, err)
		}
	}
	if created, err := s.RegisterWith(a, t0, count); err != nil || created {
		t.Fatalf("again: %v %v", created, err)
	}
	if _, err := s.RegisterWith(c, t0, count); !errors.Is(err, ErrFull) {
		t.Fatalf("third: %v", err)
	}
	if asked != 2 {
		t.Fatalf("mayCreate asked %d times, want 2", asked)
	}
	s2 := open(t, t.TempDir(), Options{})
	refuse := errors.New("slow down")
	if _, err := s2.RegisterWith(c, t0, func() error { return refuse }); !errors.Is(err, refuse) {
		t.Fatalf("mayCreate's error: %v", err)
	}
	if ok, _ := s2.Registered(context.Background(), c); ok {
		t.Fatal("refused registration created a mailbox")
	}
}

// TestExpireMailboxes: a mailbox whose owner was not seen since the
// cutoff goes with its envelopes and prekeys; one seen since, or kept
// (connected), stays; the mailbox count drops with it.
func TestExpireMailboxes(t *testing.T) {
	s := open(t, t.TempDir(), Options{MaxMailboxes: 3})
	gone, seen, kept := owner(t), owner(t), owner(t)
	for _, o := range []keys.PublicKey{gone, seen, kept} {
		s.Register(o, t0)
	}
	s.PutPreKeys(gone, PreKeyUpload{Signed: []byte("s"), LastResort: []byte("l"), OneTime: []PreKey{{1, []byte("o")}}})
	s.Deposit(gone, []byte("xyz"), t0.Add(20*time.Hour))
	s.Register(seen, t0.Add(20*time.Hour))
	m, e, size, err := s.ExpireMailboxes(t0.Add(10*time.Hour), []keys.PublicKey{kept}, t0.Add(30*time.Hour))
	if err != nil || m != 1 || e != 1 || size != 3 {
		t.Fatalf("expired %d mailboxes, %d envelopes, %d bytes: %v", m, e, size, err)
	}
	for o, want := range map[keys.PublicKey]bool{gone: false, seen: true, kept: true} {
		if ok, _ := s.Registered(context.Background(), o); ok != want {
			t.Fatalf("registered %v, want %v", ok, want)
		}
	}
	if _, err := s.TakePreKeys(gone); !errors.Is(err, ErrUnknownMailbox) {
		t.Fatalf("prekeys of an expired mailbox: %v", err)
	}
	if created, err := s.Register(owner(t), t0); err != nil || !created {
		t.Fatalf("the expired mailbox's place is free again: %v", err)
	}
}

// TestPeekPreKeys: a peek gives the signed and last-resort prekeys and
// the counts, and consumes nothing.
func TestPeekPreKeys(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	a := owner(t)
	ctx := context.Background()
	if _, err := s.PeekPreKeys(ctx, a); !errors.Is(err, ErrUnknownMailbox) {
		t.Fatal(err)
	}
	s.Register(a, t0)
	if _, err := s.PeekPreKeys(ctx, a); !errors.Is(err, ErrNoPreKeys) {
		t.Fatal(err)
	}
	s.PutPreKeys(a, PreKeyUpload{Signed: []byte("s"), LastResort: []byte("l"),
		OneTime: []PreKey{{1, []byte("o")}}, KEM: []PreKey{{2, []byte("k")}}})
	for range 3 {
		h, err := s.PeekPreKeys(ctx, a)
		if err != nil || string(h.Signed) != "s" || string(h.LastResort) != "l" || h.OneTime != nil ||
			h.KEM != nil || h.OneTimeLeft != 1 || h.KEMLeft != 1 {
			t.Fatalf("peek: %+v %v", h, err)
		}
	}
}
