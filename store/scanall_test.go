package store

import (
	"context"
	"errors"
	"testing"
)

// TestMessagesFrom walks two conversations' messages together, in
// sequence order, a page at a time.
func TestMessagesFrom(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	bob := addTestContact(t, s, 1, "bob")
	carol := addTestContact(t, s, 2, "carol")
	var want []int64
	for i := range 7 {
		conv := bob
		if i%3 == 0 {
			conv = carol
		}
		seq, _, err := s.InsertMessage(ctx, testMessage(conv, i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, seq)
	}
	var got []int64
	for after := int64(0); ; {
		page, err := s.MessagesFrom(ctx, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			got = append(got, m.Seq)
			if m.Conversation != bob && m.Conversation != carol {
				t.Fatalf("row %d of conversation %d", m.Seq, m.Conversation)
			}
		}
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].Seq
	}
	if len(got) != len(want) {
		t.Fatalf("walked %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("walked %v, want %v", got, want)
		}
	}
	if _, err := s.MessagesFrom(ctx, 0, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("n = 0: %v, want ErrInvalidArgument", err)
	}
}
