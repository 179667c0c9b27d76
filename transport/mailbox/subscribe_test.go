package mailbox

import (
	"errors"
	"sync"
	"testing"

	"ratchat/keys"
)

// TestSubscribe checks that a subscription sees every deposit stored for
// its owner after it began, in id order, before the depositor's answer,
// and nothing once cancelled; refused deposits and other owners' are not
// offered.
func TestSubscribe(t *testing.T) {
	s := open(t, t.TempDir(), Options{MaxEnvelopes: 5})
	alice, bob := owner(t), owner(t)
	for _, o := range []keys.PublicKey{alice, bob} {
		if _, err := s.Register(o, t0); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var got []Envelope
	cancel := s.Subscribe(alice, func(e Envelope) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	})
	var want []uint64
	for i := range 6 { // the sixth is over the quota
		id, err := s.Deposit(alice, []byte{byte(i)}, t0)
		if i == 5 {
			if !errors.Is(err, ErrQuota) {
				t.Fatalf("sixth deposit: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n != len(want) { // offered before the answer
			t.Fatalf("after deposit %d: %d offered", i, n)
		}
	}
	if _, err := s.Deposit(bob, []byte("b"), t0); err != nil {
		t.Fatal(err)
	}
	cancel()
	cancel() // twice is fine
	if _, err := s.Ack(alice, want[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deposit(alice, []byte("late"), t0); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("offered %d, want %d", len(got), len(want))
	}
	for i, e := range got {
		if e.ID != want[i] || len(e.Body) != 1 || e.Body[0] != byte(i) || !e.Received.Equal(t0) {
			t.Errorf("offer %d: %+v, want id %d", i, e, want[i])
		}
	}
}
