package store

import (
	"errors"
	"fmt"
	"testing"
)

// TestQueueDeliveriesBatches commits group messages to groups of sizes
// around the multi-row batches (64, 16, 4, 1) and checks that every
// member got exactly its own item, in the order given, with a queued
// status, and that ids never repeat.
func TestQueueDeliveriesBatches(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	var people []ContactID
	for i := range 150 {
		people = append(people, addTestContact(t, s, byte(10+i), fmt.Sprintf("p%d", i)))
	}
	seen := map[int64]bool{}
	for n, size := range []int{1, 3, 4, 21, 64, 85, 150} {
		members := people[:size]
		ds := make([]GroupDelivery, size)
		for i, m := range members {
			ds[i] = GroupDelivery{Member: m, Payload: []byte(fmt.Sprintf("msg %d to %d", n, m))}
		}
		seq, err := s.CommitGroupSent(bg, GroupSent{Message: f.groupMessage(n+1, Outgoing), Deliveries: ds})
		if err != nil {
			t.Fatalf("size %d: CommitGroupSent: %v", size, err)
		}
		pending, err := s.Pending(bg)
		if err != nil {
			t.Fatal(err)
		}
		var mine []OutboxItem
		for _, it := range pending {
			if it.Message == seq {
				mine = append(mine, it)
			}
		}
		if len(mine) != size {
			t.Fatalf("size %d: %d items", size, len(mine))
		}
		for i, it := range mine {
			if it.Contact != ds[i].Member || string(it.Payload) != string(ds[i].Payload) || it.Created.IsZero() || seen[it.ID] {
				t.Fatalf("size %d: item %d = %+v, want member %d %q", size, i, it, ds[i].Member, ds[i].Payload)
			}
			seen[it.ID] = true
		}
		sts, err := s.MemberStatuses(bg, f.group, msgID(n+1))
		if err != nil || len(sts) != size {
			t.Fatalf("size %d: MemberStatuses = %d, %v", size, len(sts), err)
		}
		for _, ms := range sts {
			if ms.Status != StatusQueued {
				t.Fatalf("size %d: member %d at %v", size, ms.Member, ms.Status)
			}
		}
		items, err := s.CommitGroupControlSent(bg, f.group, nil, ds)
		if err != nil || len(items) != size {
			t.Fatalf("size %d: CommitGroupControlSent = %d items, %v", size, len(items), err)
		}
		for i, id := range items {
			if seen[id] || (i > 0 && id != items[i-1]+1) {
				t.Fatalf("size %d: control item ids %v", size, items)
			}
			seen[id] = true
		}
	}
}

// TestQueueDeliveriesRefused checks that a bad member anywhere in a large
// delivery list fails the whole commit with the error that names it, and
// stores nothing.
func TestQueueDeliveriesRefused(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	var people []ContactID
	for i := range 70 {
		people = append(people, addTestContact(t, s, byte(10+i), fmt.Sprintf("p%d", i)))
	}
	other, err := s.AddGroup(bg, testGroupID(2), "other", StateContact)
	if err != nil {
		t.Fatal(err)
	}
	with := func(bad ContactID, at int) []GroupDelivery {
		ds := deliveriesTo(people, "x")
		ds[at].Member = bad
		return ds
	}
	for _, tc := range []struct {
		name string
		ds   []GroupDelivery
		want error
	}{
		{"unknown member in the first batch", with(9999, 3), ErrNotFound},
		{"unknown member in the last single row", with(9999, 69), ErrNotFound},
		{"another group as member", with(other, 66), ErrNotGroup},
		{"the group itself", with(f.group, 10), ErrInvalidArgument},
		{"zero member", with(0, 0), ErrInvalidArgument},
		{"a member twice", with(people[1], 68), ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CommitGroupSent(bg, GroupSent{Message: f.groupMessage(1, Outgoing), Deliveries: tc.ds})
			if !errors.Is(err, tc.want) {
				t.Fatalf("CommitGroupSent = %v, want %v", err, tc.want)
			}
			if _, err := s.CommitGroupControlSent(bg, f.group, nil, tc.ds); !errors.Is(err, tc.want) {
				t.Fatalf("CommitGroupControlSent = %v, want %v", err, tc.want)
			}
			if n := count(t, s, "outbox", "1 = 1"); n != 0 {
				t.Fatalf("%d outbox items stored", n)
			}
			if n := count(t, s, "messages", "conversation = ?", f.group); n != 0 {
				t.Fatalf("%d messages stored", n)
			}
		})
	}
}
