package store

import (
	"fmt"
	"testing"
)

// BenchmarkMemberStatus times one member's status change of a group
// message (SetMemberStatus to delivered: one per member for each message,
// and DequeueDelivered makes another) in groups of 8, 64 and 256
// members. A change that costs the same at every size makes a message's
// status work grow with its members; one that grows with the members
// makes it grow with their square (see DEFECTS.md at the root).
func BenchmarkMemberStatus(b *testing.B) {
	for _, n := range []int{8, 64, 256} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			f := newGroupFixture(b)
			for i := len(f.members); i < n-1; i++ {
				f.members = append(f.members, addTestContact(b, f.s, byte(i+1), fmt.Sprintf("m%d", i)))
			}
			msg, next := 0, len(f.members)
			for b.Loop() {
				if next == len(f.members) {
					b.StopTimer()
					msg++
					f.send(b, msg)
					next = 0
					b.StartTimer()
				}
				if _, _, err := f.s.SetMemberStatus(bg, f.group, msgID(msg), f.members[next], StatusDelivered); err != nil {
					b.Fatal(err)
				}
				next++
			}
		})
	}
}
