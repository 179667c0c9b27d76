package store

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestPendingGroupMessages: saved messages come back per member in
// arrival order, sealed; deleted ones are gone; the per-member and total
// bounds drop the oldest and return them; expiry takes the old ones; rows
// go with their group and their member.
func TestPendingGroupMessages(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	save := func(t *testing.T, f groupFixture, member ContactID, n int, stranger bool) []PendingGroupMessage {
		t.Helper()
		dropped, err := f.s.SavePendingGroupMessage(bg, PendingGroupMessage{Conversation: f.group, Member: member,
			Received: t0.Add(time.Duration(n) * time.Minute), Stranger: stranger, Body: []byte(fmt.Sprintf("secret body %d", n))})
		if err != nil {
			t.Fatal(err)
		}
		return dropped
	}
	bodies := func(ps []PendingGroupMessage) string {
		var b bytes.Buffer
		for _, p := range ps {
			fmt.Fprintf(&b, "%s;", p.Body)
		}
		return b.String()
	}
	t.Run("order and delete", func(t *testing.T) {
		f := newGroupFixture(t)
		save(t, f, f.members[0], 1, false)
		save(t, f, f.members[1], 2, true)
		save(t, f, f.members[0], 3, false)
		ps, err := f.s.PendingGroupMessages(bg, f.group, f.members[0])
		if err != nil {
			t.Fatal(err)
		}
		if got := bodies(ps); got != "secret body 1;secret body 3;" {
			t.Fatalf("pending of bob: %q", got)
		}
		if !ps[1].Received.Equal(t0.Add(3*time.Minute)) || ps[1].Stranger || ps[1].Member != f.members[0] {
			t.Fatalf("second pending: %+v", ps[1])
		}
		if other, _ := f.s.PendingGroupMessages(bg, f.group, f.members[1]); len(other) != 1 || !other[0].Stranger {
			t.Fatalf("pending of carol: %+v", other)
		}
		var raw []byte
		if err := f.s.db.QueryRow(`SELECT payload FROM group_pending WHERE id = ?`, ps[0].Row).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("secret")) {
			t.Fatal("a pending message is stored in the clear")
		}
		if err := f.s.DeletePendingGroupMessage(bg, ps[0].Row); err != nil {
			t.Fatal(err)
		}
		if ps, _ = f.s.PendingGroupMessages(bg, f.group, f.members[0]); bodies(ps) != "secret body 3;" {
			t.Fatalf("after delete: %q", bodies(ps))
		}
	})
	t.Run("per member bound", func(t *testing.T) {
		f := newGroupFixture(t)
		for n := 0; n < MaxPendingPerMember; n++ {
			if d := save(t, f, f.members[0], n, false); len(d) != 0 {
				t.Fatalf("dropped %d under the bound", len(d))
			}
		}
		d := save(t, f, f.members[0], MaxPendingPerMember, false)
		if bodies(d) != "secret body 0;" {
			t.Fatalf("dropped %q, want the oldest", bodies(d))
		}
		if n := count(t, f.s, "group_pending", "member = ?", f.members[0]); n != MaxPendingPerMember {
			t.Fatalf("%d pending after the bound", n)
		}
	})
	t.Run("total bound", func(t *testing.T) {
		saved := pendingBounds
		pendingBounds.total = 5
		t.Cleanup(func() { pendingBounds = saved })
		f := newGroupFixture(t)
		for n := 0; n < 5; n++ {
			if d := save(t, f, f.members[n%3], n, false); len(d) != 0 {
				t.Fatalf("dropped %d under the bound", len(d))
			}
		}
		d := save(t, f, f.members[2], 5, false)
		if bodies(d) != "secret body 0;" || d[0].Member != f.members[0] {
			t.Fatalf("dropped %+v, want the oldest of all", d)
		}
		if n := count(t, f.s, "group_pending", "1"); n != 5 {
			t.Fatalf("%d pending after the bound", n)
		}
	})
	t.Run("expire", func(t *testing.T) {
		f := newGroupFixture(t)
		for n := 1; n <= 4; n++ {
			save(t, f, f.members[0], n, false)
		}
		old, err := f.s.ExpirePendingGroupMessages(bg, t0.Add(3*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if bodies(old) != "secret body 1;secret body 2;" {
			t.Fatalf("expired %q", bodies(old))
		}
		if ps, _ := f.s.PendingGroupMessages(bg, f.group, f.members[0]); bodies(ps) != "secret body 3;secret body 4;" {
			t.Fatalf("left %q", bodies(ps))
		}
	})
	t.Run("drop a group's", func(t *testing.T) {
		f := newGroupFixture(t)
		save(t, f, f.members[0], 1, false)
		save(t, f, f.members[1], 2, true)
		gone, err := f.s.DropPendingGroupMessages(bg, f.group)
		if err != nil {
			t.Fatal(err)
		}
		if bodies(gone) != "secret body 1;secret body 2;" || !gone[1].Stranger {
			t.Fatalf("dropped %+v", gone)
		}
		if n := count(t, f.s, "group_pending", "1"); n != 0 {
			t.Fatalf("%d pending left", n)
		}
	})
	t.Run("cascades", func(t *testing.T) {
		f := newGroupFixture(t)
		save(t, f, f.members[0], 1, false)
		save(t, f, f.members[1], 2, false)
		if err := f.s.DeleteContact(bg, f.members[0]); err != nil {
			t.Fatal(err)
		}
		if n := count(t, f.s, "group_pending", "1"); n != 1 {
			t.Fatalf("%d pending after deleting a member, want 1", n)
		}
		if err := f.s.DeleteContact(bg, f.group); err != nil {
			t.Fatal(err)
		}
		if n := count(t, f.s, "group_pending", "1"); n != 0 {
			t.Fatalf("%d pending after deleting the group", n)
		}
	})
	t.Run("refused", func(t *testing.T) {
		f := newGroupFixture(t)
		_, err := f.s.SavePendingGroupMessage(bg, PendingGroupMessage{Conversation: f.members[0], Member: f.members[1], Received: t0})
		if !errors.Is(err, ErrNotGroup) {
			t.Fatalf("not a group: %v", err)
		}
		_, err = f.s.SavePendingGroupMessage(bg, PendingGroupMessage{Conversation: f.group, Member: f.members[1]})
		if !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("no time: %v", err)
		}
	})
}

// FuzzDecodePending: any payload decodes or fails with ErrCorrupt, and
// what decodes encodes back to the same bytes.
func FuzzDecodePending(f *testing.F) {
	f.Add(encodePending(PendingGroupMessage{Received: time.Unix(1_700_000_000, 5), Stranger: true, Body: []byte("body")}))
	f.Add([]byte{0x80})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p PendingGroupMessage
		if err := decodePending(b, &p); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		if again := encodePending(p); !bytes.Equal(again, b) && len(b) > 0 {
			// A non-minimal uvarint decodes too: compare what it means.
			var q PendingGroupMessage
			if err := decodePending(again, &q); err != nil || !q.Received.Equal(p.Received) || q.Stranger != p.Stranger || !bytes.Equal(q.Body, p.Body) {
				t.Fatalf("round trip of %x: %+v, %v", b, q, err)
			}
		}
	})
}
