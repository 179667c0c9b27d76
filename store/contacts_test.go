package store

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"ratchat/keys"
)

// testKey returns a deterministic identity public key.
func testKey(t testing.TB, seed byte) keys.PublicKey {
	t.Helper()
	kp, err := keys.GenerateKeyPair(bytes.NewReader(bytes.Repeat([]byte{seed}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return kp.Public
}

// addTestContact adds a contact named name with a key from seed.
func addTestContact(t testing.TB, s *Store, seed byte, name string) ContactID {
	t.Helper()
	id, err := s.AddContact(bg, Contact{Identity: testKey(t, seed), Name: name, Address: fmt.Sprintf("%s.example:7000", name)})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestContacts(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	carol := addTestContact(t, s, 2, "carol")
	if _, err := s.AddContact(bg, Contact{Identity: testKey(t, 1), Name: "bob again"}); !errors.Is(err, ErrContactExists) {
		t.Fatalf("duplicate identity: %v, want ErrContactExists", err)
	}
	c, err := s.ContactByIdentity(bg, testKey(t, 2))
	if err != nil || c.ID != carol || c.Name != "carol" || c.Address != "carol.example:7000" || c.Verified {
		t.Fatalf("ContactByIdentity = %+v, %v", c, err)
	}
	if _, err := s.ContactByIdentity(bg, testKey(t, 3)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown identity: %v", err)
	}
	if err := s.UpdateContact(bg, Contact{ID: bob, Name: "Robert", Address: "new:1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetVerified(bg, bob, true); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	all, err := s.Contacts(bg)
	if err != nil || len(all) != 2 {
		t.Fatalf("Contacts = %v, %v", all, err)
	}
	want := Contact{ID: bob, Identity: testKey(t, 1), Name: "Robert", Address: "new:1", Verified: true}
	if all[0] != want {
		t.Fatalf("bob = %+v, want %+v", all[0], want)
	}
	if err := s.DeleteContact(bg, carol); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Contact(bg, carol); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted contact: %v", err)
	}
	if err := s.DeleteContact(bg, carol); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
}

func TestChangeIdentity(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, _ := newTestStore(t, clockAt(&now))
	bob := addTestContact(t, s, 1, "bob")
	other := addTestContact(t, s, 3, "other")
	if err := s.SetVerified(bg, bob, true); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeIdentity(bg, bob, testKey(t, 3)); !errors.Is(err, ErrContactExists) {
		t.Fatalf("change to another contact's key: %v", err)
	}
	if err := s.ChangeIdentity(bg, bob, testKey(t, 2)); err != nil {
		t.Fatal(err)
	}
	c, err := s.ContactByIdentity(bg, testKey(t, 2))
	if err != nil || c.ID != bob || c.Verified || !c.Held {
		t.Fatalf("after change: %+v, %v (verified must be cleared, sending held)", c, err)
	}
	// A rename with a stale copy neither verifies nor releases the hold.
	if err := s.UpdateContact(bg, Contact{ID: bob, Name: "Bob", Verified: true}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Contact(bg, bob); !c.Held || c.Verified || c.Name != "Bob" {
		t.Fatalf("UpdateContact changed trust: %+v", c)
	}
	if err := s.AcceptIdentity(bg, bob); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Contact(bg, bob); c.Held {
		t.Fatal("AcceptIdentity did not release the hold")
	}
	if _, err := s.ContactByIdentity(bg, testKey(t, 1)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old key still found: %v", err)
	}
	h, err := s.IdentityHistory(bg, bob)
	if err != nil || len(h) != 1 {
		t.Fatalf("history = %v, %v", h, err)
	}
	if h[0].Old != testKey(t, 1) || h[0].New != testKey(t, 2) || !h[0].At.Equal(now) {
		t.Fatalf("history entry = %+v", h[0])
	}
	if h, _ := s.IdentityHistory(bg, other); len(h) != 0 {
		t.Fatalf("other's history = %v", h)
	}
}
