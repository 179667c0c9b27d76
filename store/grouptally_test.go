package store

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// recountSummary is the summary recomputed from every member's status,
// as the store did before it kept counts: the least advanced status,
// failed counting as the least.
func recountSummary(all []MemberStatus) Status {
	sum := StatusRead
	for _, ms := range all {
		if statusRank(ms.Status) < statusRank(sum) {
			sum = ms.Status
		}
	}
	return sum
}

// storedTally opens the counts of message seq (ok false: none, or marked
// to be counted again).
func storedTally(t *testing.T, s *Store, seq int64) (memberTally, bool) {
	t.Helper()
	var ct []byte
	if err := s.db.QueryRow(`SELECT counts FROM member_tallies WHERE message = ?`, seq).Scan(&ct); err != nil || ct == nil {
		return memberTally{}, false
	}
	pt, err := s.c.open(tableMemberTallies, colMemberCounts, seq, ct)
	if err != nil {
		t.Fatalf("opening the counts of %d: %v", seq, err)
	}
	tally, err := decodeTally(pt)
	if err != nil {
		t.Fatalf("decoding the counts of %d: %v", seq, err)
	}
	return tally, true
}

// TestGroupSummaryRandom: over a random sequence of deliveries (the
// outbox depositing a member's envelope), receipts (one message or many)
// and failures to five members, each message's row status and the
// summary returned stay what a recount of MemberStatuses gives, and the
// stored counts match the members' statuses. A member deleted on the way
// (its statuses go by the foreign key) makes the counts be taken again at
// the message's next change, as the recount did.
func TestGroupSummaryRandom(t *testing.T) {
	const messages, steps = 4, 400
	tests := []struct {
		name     string
		seed     uint64
		deleteAt int // step at which the fifth member is deleted; -1: never
	}{
		{"seed 1", 1, -1},
		{"seed 2", 2, -1},
		{"seed 3", 3, -1},
		{"a member deleted on the way", 4, 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(tc.seed, 12))
			f := newGroupFixture(t)
			s := f.s
			f.members = append(f.members, addTestContact(t, s, 4, "erin"), addTestContact(t, s, 5, "frank"))
			seqs := make([]int64, messages)
			for i := range seqs {
				seqs[i] = f.send(t, i+1)
			}
			fifth := f.send(t, messages+1) // left alone until the end
			// items[seq][member] is the member's outbox item of the message.
			items := map[int64]map[ContactID]OutboxItem{}
			pending, err := s.Pending(bg)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range pending {
				if items[it.Message] == nil {
					items[it.Message] = map[ContactID]OutboxItem{}
				}
				items[it.Message][it.Contact] = it
			}
			snapshot := func() [][]MemberStatus {
				out := make([][]MemberStatus, messages)
				for i := range out {
					if out[i], err = s.MemberStatuses(bg, f.group, msgID(i+1)); err != nil {
						t.Fatal(err)
					}
				}
				return out
			}
			// stale[i]: message i's row has not changed since a member
			// was deleted, so its summary may still count that member
			// (the recount did not run at deletion either).
			stale := make([]bool, messages)
			members := f.members
			deleted := f.members[4]
			for step := range steps {
				if step == tc.deleteAt {
					if err := s.DeleteContact(bg, deleted); err != nil {
						t.Fatal(err)
					}
					members = f.members[:4]
					for i := range stale {
						stale[i] = true
					}
				}
				// Before the deletion, leave the member to be deleted
				// queued, so that its going must move the summaries.
				pick := members
				if tc.deleteAt >= 0 && step < tc.deleteAt {
					pick = f.members[:4]
				}
				k := rng.IntN(messages)
				member := pick[rng.IntN(len(pick))]
				st := Status(1 + rng.IntN(int(StatusFailed)))
				before := snapshot()
				var op string
				var sum Status
				var changed bool
				switch rng.IntN(4) {
				case 0:
					op = "DequeueDelivered"
					var m Message
					m, changed, err = s.DequeueDelivered(bg, items[seqs[k]][member], StatusSent)
					sum = m.Status
				case 1:
					op = "SetMemberStatuses"
					ids := []MessageID{msgID(1), msgID(2), msgID(3), msgID(4)}
					var done []SummaryChange
					done, err = s.SetMemberStatuses(bg, f.group, member, ids, st)
					for _, d := range done {
						m, _ := s.Message(bg, f.group, d.ID)
						if m.Status != d.Status {
							t.Fatalf("step %d: SetMemberStatuses says %v for %x, row has %v", step, d.Status, d.ID, m.Status)
						}
					}
					sum = 0
				default:
					op = "SetMemberStatus"
					sum, changed, err = s.SetMemberStatus(bg, f.group, msgID(k+1), member, st)
				}
				if err != nil {
					t.Fatalf("step %d: %s(message %d, member %d, %v): %v", step, op, k+1, member, st, err)
				}
				after := snapshot()
				for i := range messages {
					if !slices.EqualFunc(before[i], after[i], func(a, b MemberStatus) bool { return a.Status == b.Status && a.Member == b.Member }) {
						stale[i] = false
					}
					if stale[i] {
						continue
					}
					want := recountSummary(after[i])
					m, err := s.Message(bg, f.group, msgID(i+1))
					if err != nil {
						t.Fatal(err)
					}
					if m.Status != want {
						t.Fatalf("step %d (%s, message %d, member %d, %v): message %d row %v, recount %v; statuses %+v",
							step, op, k+1, member, st, i+1, m.Status, want, after[i])
					}
					if i == k && op != "SetMemberStatuses" && sum != want {
						t.Fatalf("step %d (%s): summary returned %v (changed %v), recount %v", step, op, sum, changed, want)
					}
					if tally, ok := storedTally(t, s, seqs[i]); ok && tally != tallyOf(after[i]) {
						t.Fatalf("step %d: message %d counts %v, statuses %+v", step, i+1, tally, after[i])
					}
				}
			}
			if tc.deleteAt < 0 {
				return
			}
			// Message 5, which the loop left alone, went to the deleted
			// member too: its counts must not keep it, queued.
			for i, member := range members {
				sum, changed, err := s.SetMemberStatus(bg, f.group, msgID(messages+1), member, StatusDelivered)
				last := i == len(members)-1
				if err != nil || last && (sum != StatusDelivered || !changed) {
					t.Fatalf("member %d delivered: summary %v, %v, %v", member, sum, changed, err)
				}
			}
			if tally, ok := storedTally(t, s, fifth); !ok || tally != (memberTally{StatusDelivered: 4}) {
				t.Fatalf("counts after the deletion: %v, %v; want 4 delivered", tally, ok)
			}
		})
	}
}

// TestMemberTallyRows: a message to a group gets its counts (all queued);
// one to nobody gets none; the counts go with the message.
func TestMemberTallyRows(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	seq := f.send(t, 1)
	if tally, ok := storedTally(t, s, seq); !ok || tally != (memberTally{StatusQueued: 3}) {
		t.Fatalf("counts of a new message = %v, %v; want 3 queued", tally, ok)
	}
	none, err := s.CommitGroupSent(bg, GroupSent{Message: f.groupMessage(2, Outgoing)})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "member_tallies", "message = ?", none); n != 0 {
		t.Fatalf("%d counts for a message to nobody", n)
	}
	if err := s.DeleteMessage(bg, seq); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "member_tallies", "1"); n != 0 {
		t.Fatalf("%d counts left after the message went", n)
	}
}

// TestDecodeTally: the counts' record has five counts, each bounded, and
// nothing after them.
func TestDecodeTally(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want memberTally
		err  error
	}{
		{"counts", []byte{3, 1, 0, 250, 1, 2}, memberTally{0, 3, 1, 0, 250, 2}, nil},
		{"zeros", []byte{0, 0, 0, 0, 0}, memberTally{}, nil},
		{"empty", nil, memberTally{}, ErrCorrupt},
		{"short", []byte{1, 2, 3, 4}, memberTally{}, ErrCorrupt},
		{"trailing", []byte{0, 0, 0, 0, 0, 0}, memberTally{}, ErrCorrupt},
		{"too many", encodeTally(memberTally{StatusRead: maxTally + 1}), memberTally{}, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeTally(tc.in)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Fatalf("decodeTally(%x) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

// FuzzDecodeTally: decoding never panics, never returns a count above
// the bound, and what it accepts encodes back to what decodes the same.
func FuzzDecodeTally(f *testing.F) {
	f.Add([]byte{3, 1, 0, 250, 1, 2})
	f.Add(encodeTally(memberTally{StatusQueued: 1024}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		tally, err := decodeTally(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		for _, n := range tally {
			if n > maxTally {
				t.Fatalf("count %d above the bound", n)
			}
		}
		again, err := decodeTally(encodeTally(tally))
		if err != nil || again != tally {
			t.Fatalf("round trip of %v = %v, %v", tally, again, err)
		}
		if tally[0] != 0 {
			t.Fatal("index 0 set")
		}
	})
}
