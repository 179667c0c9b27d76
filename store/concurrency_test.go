package store

import (
	"sync"
	"testing"
)

// TestConcurrentWriters runs writers and readers on one store at once:
// BEGIN IMMEDIATE and busy_timeout must serialize the writers without a
// "database is locked" error, and nextID must hand out each id once.
func TestConcurrentWriters(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, _, err := s.InsertMessage(bg, testMessage(bob, w*1000+i)); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range each {
				if _, _, err := s.Messages(bg, bob, 0, 10); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	page, _, err := s.Messages(bg, bob, 0, writers*each+1)
	if err != nil || len(page) != writers*each {
		t.Fatalf("%d messages stored, want %d (%v)", len(page), writers*each, err)
	}
}
