package store

import "testing"

// TestDequeueDeliveredBatch: one batch of a group message's deliveries to
// every member, a 1:1 message, a receipt and a redelivery gives, item by
// item, what DequeueDelivered gives: the member statuses move and the
// group row's summary changes with its last member only; the 1:1 row
// moves to sent; the receipt and the redelivery change nothing; the
// outbox is empty afterwards.
func TestDequeueDeliveredBatch(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	seq := f.send(t, 1)
	group, err := s.Pending(bg)
	if err != nil || len(group) != len(f.members) {
		t.Fatalf("Pending = %d, %v", len(group), err)
	}
	bob := f.members[0]
	m := testMessage(bob, 2)
	m.Direction, m.Status = Outgoing, StatusQueued
	seq1, item1, err := s.CommitSent(bg, Sent{Message: m, Session: []byte("s1"), Payload: []byte("envelope")})
	if err != nil {
		t.Fatal(err)
	}
	receipt, err := s.Enqueue(bg, OutboxItem{Contact: bob, Payload: []byte("receipt")})
	if err != nil {
		t.Fatal(err)
	}
	direct := OutboxItem{ID: item1, Contact: bob, Message: seq1}
	tests := []struct {
		name    string
		item    OutboxItem
		seq     int64
		changed bool
		status  Status
	}{
		{"group, first member", group[0], seq, false, StatusQueued},
		{"group, second member", group[1], seq, false, StatusQueued},
		{"1:1 message", direct, seq1, true, StatusSent},
		{"receipt", OutboxItem{ID: receipt, Contact: bob}, 0, false, 0},
		{"group, last member", group[2], seq, true, StatusSent},
		{"redelivery", direct, seq1, false, StatusSent},
	}
	items := make([]OutboxItem, len(tests))
	for i, tt := range tests {
		items[i] = tt.item
	}
	got, err := s.DequeueDeliveredBatch(bg, items, StatusSent)
	if err != nil || len(got) != len(tests) {
		t.Fatalf("DequeueDeliveredBatch = %d results, %v", len(got), err)
	}
	for i, tt := range tests {
		r := got[i]
		if r.Message.Seq != tt.seq || r.Changed != tt.changed || (tt.seq != 0 && r.Message.Status != tt.status) {
			t.Errorf("%s: seq %d changed %v status %v; want %d %v %v", tt.name, r.Message.Seq, r.Changed, r.Message.Status, tt.seq, tt.changed, tt.status)
		}
	}
	if left, err := s.Pending(bg); err != nil || len(left) != 0 {
		t.Fatalf("outbox after the batch: %d items, %v", len(left), err)
	}
	ms, err := s.MemberStatuses(bg, f.group, msgID(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range ms {
		if st.Status != StatusSent {
			t.Errorf("member %d: status %v, want sent", st.Member, st.Status)
		}
	}
	if stored, err := s.Message(bg, bob, m.ID); err != nil || stored.Status != StatusSent {
		t.Fatalf("1:1 row: status %v, %v", stored.Status, err)
	}
	if got, err := s.DequeueDeliveredBatch(bg, nil, StatusSent); err != nil || got != nil {
		t.Fatalf("empty batch: %v, %v", got, err)
	}
}
