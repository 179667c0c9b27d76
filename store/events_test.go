package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// wantEvent is what a test expects of one event: its type, conversation,
// whether it names a message (and which), and the status copy.
type wantEvent struct {
	typ       EventType
	conv      ContactID
	message   int64
	status    Status
	hasStatus bool
}

// newEvents returns the events after *last and moves *last past them.
func newEvents(t *testing.T, s *Store, last *int64) []EventRecord {
	t.Helper()
	evs, err := s.EventsAfter(bg, *last, MaxEventBatch)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		if e.Seq <= *last || (i > 0 && e.Seq <= evs[i-1].Seq) {
			t.Fatalf("events out of order: %+v", evs)
		}
	}
	if len(evs) > 0 {
		*last = evs[len(evs)-1].Seq
	}
	return evs
}

// TestEventTriggers makes each change the triggers report, one step at
// a time, and checks that each step wrote exactly its events, in order,
// with the status the message had then.
func TestEventTriggers(t *testing.T) {
	s, _ := newTestStore(t)
	var bob, group ContactID
	var seq1, seq2 int64
	out := testMessage(0, 1)
	out.Direction, out.Status = Outgoing, StatusQueued
	steps := []struct {
		name string
		do   func() error
		want func() []wantEvent
	}{
		{"add a contact", func() (err error) {
			bob, err = s.AddContact(bg, Contact{Identity: testKey(t, 1), Name: "bob", Address: "bob.example:7000"})
			return err
		}, func() []wantEvent { return []wantEvent{{typ: EventContactNew, conv: bob}} }},
		{"a request, accepted", func() error {
			req, err := s.AddContact(bg, Contact{Identity: testKey(t, 2), Name: "carol", State: StateRequest})
			if err != nil {
				return err
			}
			return s.SetContactState(bg, req, StateContact)
		}, func() []wantEvent {
			return []wantEvent{{typ: EventContactNew, conv: bob + 1}, {typ: EventContactChanged, conv: bob + 1}}
		}},
		{"send a message", func() (err error) {
			out.Conversation = bob
			seq1, _, err = s.InsertMessage(bg, out)
			return err
		}, func() []wantEvent {
			return []wantEvent{{EventMessageNew, bob, seq1, StatusQueued, true}}
		}},
		{"receive a message", func() (err error) {
			seq2, _, err = s.InsertMessage(bg, testMessage(bob, 2))
			return err
		}, func() []wantEvent {
			return []wantEvent{{EventMessageNew, bob, seq2, StatusDelivered, true}}
		}},
		{"redelivered: stored once, no event", func() error {
			_, _, err := s.InsertMessage(bg, testMessage(bob, 2))
			return err
		}, func() []wantEvent { return nil }},
		{"sent", func() error { _, err := s.SetStatus(bg, bob, msgID(1), StatusSent); return err },
			func() []wantEvent { return []wantEvent{{EventStatus, bob, seq1, StatusSent, true}} }},
		{"sent again: no change, no event", func() error { _, err := s.SetStatus(bg, bob, msgID(1), StatusSent); return err },
			func() []wantEvent { return nil }},
		{"delivered and read in one receipt", func() error {
			if _, err := s.SetStatuses(bg, bob, []MessageID{msgID(1)}, StatusDelivered); err != nil {
				return err
			}
			_, err := s.SetStatuses(bg, bob, []MessageID{msgID(1)}, StatusRead)
			return err
		}, func() []wantEvent {
			return []wantEvent{{EventStatus, bob, seq1, StatusDelivered, true}, {EventStatus, bob, seq1, StatusRead, true}}
		}},
		{"edit", func() error {
			_, err := s.UpdateMessage(bg, bob, msgID(1), func(m *Message) error { m.Body = []byte("edited"); return nil })
			return err
		}, func() []wantEvent { return []wantEvent{{EventMessageChanged, bob, seq1, StatusRead, true}} }},
		{"reaction", func() error {
			_, err := s.UpdateMessage(bg, bob, msgID(2), func(m *Message) error { m.SetReaction(Outgoing, "👍"); return nil })
			return err
		}, func() []wantEvent { return []wantEvent{{EventMessageChanged, bob, seq2, StatusDelivered, true}} }},
		{"verified", func() error { return s.SetVerified(bg, bob, true) },
			func() []wantEvent { return []wantEvent{{typ: EventContactChanged, conv: bob}} }},
		{"key change", func() error { return s.ChangeIdentity(bg, bob, testKey(t, 9)) },
			func() []wantEvent {
				return []wantEvent{{typ: EventKeyChange, conv: bob}, {typ: EventContactChanged, conv: bob}}
			}},
		{"a group and its first state", func() (err error) {
			if group, err = s.AddGroup(bg, testGroupID(1), "team", StateContact); err != nil {
				return err
			}
			return s.SaveGroupState(bg, group, 1, []byte("state 1"))
		}, func() []wantEvent {
			return []wantEvent{{typ: EventContactNew, conv: group}, {typ: EventGroupChanged, conv: group}}
		}},
		{"delete a message here", func() error { return s.DeleteMessage(bg, seq2) },
			func() []wantEvent { return []wantEvent{{typ: EventMessageRemoved, conv: bob, message: seq2}} }},
	}
	var last int64
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := newEvents(t, s, &last)
		want := st.want()
		if len(got) != len(want) {
			t.Fatalf("%s: %d events %+v, want %+v", st.name, len(got), got, want)
		}
		for i, w := range want {
			g := got[i]
			if g.Type != w.typ || g.Conv != w.conv || g.Message != w.message || g.HasStatus != w.hasStatus || g.Status != w.status {
				t.Fatalf("%s: event %d = %+v, want %+v", st.name, i, g, w)
			}
			isContact := w.typ == EventContactNew || w.typ == EventContactChanged
			if g.HasState != isContact || (isContact && g.State != StateContact && !(st.name == "a request, accepted" && i == 0 && g.State == StateRequest)) {
				t.Fatalf("%s: event %d has state %v (%v)", st.name, i, g.State, g.HasState)
			}
			if st.name == "a request, accepted" && i == 0 && g.State != StateRequest {
				t.Fatalf("the request's event reads state %v", g.State)
			}
			if d := time.Since(g.At); d < -time.Minute || d > time.Minute {
				t.Fatalf("%s: event at %v", st.name, g.At)
			}
		}
	}
	// The deleted message's earlier events lost their status copy; the
	// other message's kept theirs.
	all, err := s.EventsAfter(bg, 0, MaxEventBatch)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if (e.Message == seq2 && e.HasStatus) || (e.Message == seq1 && !e.HasStatus) {
			t.Fatalf("after the delete: %+v", e)
		}
	}
	// Deleting the contact deletes its messages: one event each, and one
	// for the contact.
	if err := s.DeleteContact(bg, bob); err != nil {
		t.Fatal(err)
	}
	got := newEvents(t, s, &last)
	types := make([]EventType, len(got))
	for i, e := range got {
		types[i] = e.Type
	}
	slices.Sort(types)
	if !slices.Equal(types, []EventType{EventContactRemoved, EventMessageRemoved}) {
		t.Fatalf("deleting the contact: %+v", got)
	}
	all, err = s.EventsAfter(bg, 0, MaxEventBatch)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.Conv == bob && (e.HasState || e.HasStatus) {
			t.Fatalf("a sealed copy outlived its contact: %+v", e)
		}
	}
	if n, err := s.LastEventSeq(bg); err != nil || n != last {
		t.Fatalf("LastEventSeq = %d, %v; want %d", n, err, last)
	}
}

// TestEventCursors checks consumers' cursors: unknown ones start at 0, an
// ack never moves a cursor back, an ack past the newest event and bad
// names are refused, and cursors survive a reopen.
func TestEventCursors(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	for i := range 5 {
		if _, _, err := s.InsertMessage(bg, testMessage(bob, i)); err != nil {
			t.Fatal(err)
		}
	}
	last, err := s.LastEventSeq(bg)
	if err != nil || last != 6 {
		t.Fatalf("LastEventSeq = %d, %v", last, err)
	}
	steps := []struct {
		consumer string
		ack      int64
		err      error
		cursor   int64
	}{
		{"webhook:1", 3, nil, 3},
		{"webhook:1", 2, nil, 3}, // never back
		{"webhook:1", 6, nil, 6},
		{"webhook:1", 7, ErrInvalidArgument, 6}, // past the newest
		{"other", 0, nil, 0},
		{"other", -1, ErrInvalidArgument, 0},
		{"", 1, ErrInvalidArgument, 0},
		{string(make([]byte, MaxConsumerName+1)), 1, ErrInvalidArgument, 0},
		{"\xff", 1, ErrInvalidArgument, 0},
	}
	for _, st := range steps {
		if err := s.AckEvents(bg, st.consumer, st.ack); !errors.Is(err, st.err) {
			t.Fatalf("ack %q %d: %v, want %v", st.consumer, st.ack, err, st.err)
		}
		if st.err != nil && st.consumer != "webhook:1" && st.consumer != "other" {
			continue
		}
		if c, err := s.EventCursor(bg, st.consumer); err != nil || c != st.cursor {
			t.Fatalf("cursor of %q = %d, %v; want %d", st.consumer, c, err, st.cursor)
		}
	}
	if c, err := s.EventCursor(bg, "never seen"); err != nil || c != 0 {
		t.Fatalf("new consumer: %d, %v", c, err)
	}
	s = reopen(t, s)
	got, err := s.EventConsumers(bg)
	if err != nil || len(got) != 2 || got["webhook:1"] != 6 || got["other"] != 0 {
		t.Fatalf("consumers = %v, %v", got, err)
	}
	if err := s.RemoveEventConsumer(bg, "other"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.EventConsumers(bg); len(got) != 1 {
		t.Fatalf("after remove: %v", got)
	}
}

// TestPruneEvents checks retention: only events older than the retention
// and acknowledged by every consumer go, in bounded batches, and the
// sequence numbers never go back.
func TestPruneEvents(t *testing.T) {
	now := time.Now()
	s, _ := newTestStore(t, clockAt(&now))
	bob := addTestContact(t, s, 1, "bob")
	for i := range 2500 {
		if _, _, err := s.InsertMessage(bg, testMessage(bob, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AckEvents(bg, "a", 2000); err != nil {
		t.Fatal(err)
	}
	if err := s.AckEvents(bg, "b", 1500); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneEvents(bg); err != nil || n != 0 {
		t.Fatalf("prune of fresh events: %d, %v", n, err)
	}
	now = now.Add(EventRetention + time.Hour)
	var pruned []int
	for {
		n, err := s.PruneEvents(bg)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		pruned = append(pruned, n)
	}
	if !slices.Equal(pruned, []int{eventPruneBatch, 500}) { // up to b's cursor, 1,000 at a time
		t.Fatalf("pruned %v", pruned)
	}
	evs, err := s.EventsAfter(bg, 0, 10)
	if err != nil || len(evs) == 0 || evs[0].Seq != 1501 {
		t.Fatalf("oldest kept: %+v, %v", evs, err)
	}
	if last, _ := s.LastEventSeq(bg); last != 2501 {
		t.Fatalf("LastEventSeq = %d", last)
	}
	// A removed consumer holds nothing back.
	for _, c := range []string{"a", "b"} {
		if err := s.RemoveEventConsumer(bg, c); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.PruneEvents(bg); n != eventPruneBatch {
		t.Fatalf("prune without consumers: %d", n)
	}
	if _, _, err := s.InsertMessage(bg, testMessage(bob, 9999)); err != nil {
		t.Fatal(err)
	}
	if last, _ := s.LastEventSeq(bg); last != 2502 {
		t.Fatalf("after pruning, LastEventSeq = %d: a sequence number was reused", last)
	}
}

// TestEventsLeaveNoTrace changes a message's status, deletes the message,
// and scans the database files for the sealed statuses the log copied:
// none may outlive the message.
func TestEventsLeaveNoTrace(t *testing.T) {
	s, dir := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	m := testMessage(bob, 1)
	m.Direction, m.Status = Outgoing, StatusQueued
	seq, _, err := s.InsertMessage(bg, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []Status{StatusSent, StatusDelivered, StatusRead} {
		if _, err := s.SetStatus(bg, bob, msgID(1), st); err != nil {
			t.Fatal(err)
		}
	}
	var copies [][]byte
	rows, err := s.db.Query(`SELECT status FROM events WHERE message = ?`, seq)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b []byte
		rows.Scan(&b)
		copies = append(copies, b)
	}
	rows.Close()
	if len(copies) != 4 {
		t.Fatalf("%d status copies, want 4", len(copies))
	}
	s = reopen(t, s) // the copies reach the database file
	if err := s.DeleteMessage(bg, seq); err != nil {
		t.Fatal(err)
	}
	s.Close()
	windows := map[string][]byte{}
	for i, c := range copies {
		for j := 0; j+16 <= len(c); j += 8 {
			windows[fmt.Sprintf("copy %d at %d", i, j)] = c[j : j+16]
		}
	}
	if hits := findIn(profileFiles(t, dir), windows); len(hits) != 0 {
		t.Fatalf("the deleted message's status is still in %v", hits)
	}
}

// TestRestoreStartsEmptyLog restores a backup: the restored rows are no
// events (the log is not backed up), and the log runs again afterwards.
func TestRestoreStartsEmptyLog(t *testing.T) {
	s, _ := newTestStore(t)
	fillProfile(t, s, 50)
	if last, _ := s.LastEventSeq(bg); last == 0 {
		t.Fatal("the filled profile has no events")
	}
	if err := s.AckEvents(bg, "c", 1); err != nil {
		t.Fatal(err)
	}
	rk, _ := NewRecoveryKey(rand.Reader)
	path := exportTo(t, s, rk)
	dir := filepath.Join(t.TempDir(), "restored")
	if err := restoreFile(t, dir, path, rk); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, []byte("restored pass"), WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if last, err := r.LastEventSeq(bg); err != nil || last != 0 {
		t.Fatalf("restored log: last %d, %v", last, err)
	}
	if cs, err := r.EventConsumers(bg); err != nil || len(cs) != 0 {
		t.Fatalf("restored cursors: %v, %v", cs, err)
	}
	bob := addTestContact(t, r, 99, "new")
	if evs, err := r.EventsAfter(bg, 0, 10); err != nil || len(evs) != 1 || evs[0].Conv != bob {
		t.Fatalf("after the restore: %+v, %v", evs, err)
	}
}

// TestCommittedWakes checks that a commit closes the channel Committed
// returned before it, and that a later call returns a new one.
func TestCommittedWakes(t *testing.T) {
	s, _ := newTestStore(t)
	ch := s.Committed()
	select {
	case <-ch:
		t.Fatal("closed before any commit")
	default:
	}
	done := make(chan error, 1)
	go func() {
		<-ch
		done <- nil
	}()
	addTestContact(t, s, 1, "bob")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Committed():
		t.Fatal("a new wait is closed already")
	default:
	}
}

// TestEventConsumerNameSealed acks under a consumer name holding a
// canary and scans the database files for it in every encoding: the
// name is sealed, looked up by its blind index only.
func TestEventConsumerNameSealed(t *testing.T) {
	s, dir := newTestStore(t)
	addTestContact(t, s, 1, "bob")
	const canary = "consumer-canary-7f3a91"
	if err := s.AckEvents(bg, "webhook:"+canary, 1); err != nil {
		t.Fatal(err)
	}
	if got, err := s.EventConsumers(bg); err != nil || got["webhook:"+canary] != 1 {
		t.Fatalf("consumers: %v, %v", got, err)
	}
	s.Close()
	if hits := findIn(profileFiles(t, dir), encodings(canary)); len(hits) != 0 {
		t.Fatalf("the consumer's name is in the clear in %v", hits)
	}
}
