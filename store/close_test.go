package store

import (
	"bytes"
	"errors"
	"testing"
)

// TestCloseDropsKeys checks that Close lets go of the field cipher and
// wipes the sub-keys, and that every later use fails with ErrClosed
// rather than sealing or opening under a wiped key.
func TestCloseDropsKeys(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	c, k := s.c, s.keys
	ct, err := c.seal("contacts", "name", 1, []byte("bob"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.seal("contacts", "name", 1, []byte("bob")); !errors.Is(err, ErrClosed) {
		t.Errorf("seal after Close: %v, want ErrClosed", err)
	}
	if _, err := c.open("contacts", "name", 1, ct); !errors.Is(err, ErrClosed) {
		t.Errorf("open after Close: %v, want ErrClosed", err)
	}
	zero := make([]byte, 32)
	for i, key := range [][]byte{k.field, k.blindIdentity, k.blindMessage, k.blindSetting} {
		if !bytes.Equal(key, zero) {
			t.Errorf("sub-key %d not wiped", i)
		}
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Contacts", func() error { _, err := s.Contacts(bg); return err }},
		{"Contact", func() error { _, err := s.Contact(bg, bob); return err }},
		{"AddContact", func() error {
			_, err := s.AddContact(bg, Contact{Identity: testKey(t, 2), Name: "carol"})
			return err
		}},
		{"SetSetting", func() error { return s.SetSetting(bg, "theme", "dark") }},
		{"Identity", func() error { _, err := s.Identity(bg); return err }},
		{"Close", s.Close},
	} {
		if err := tc.call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", tc.name, err)
		}
	}
}

// TestKDFMemoryBound checks the Argon2id memory read from a key ring row
// against the 1 GiB bound, before any Argon2id run could allocate it.
func TestKDFMemoryBound(t *testing.T) {
	s, _ := newTestStore(t)
	for _, tc := range []struct {
		name   string
		memory int64
		want   error
	}{
		{"the default", int64(DefaultKDF.MemoryKiB), nil},
		{"exactly 1 GiB", 1 << 20, nil},
		{"1 GiB and 1 KiB", 1<<20 + 1, ErrKDFParams},
		{"4 GiB, the old bound", 4 << 20, ErrKDFParams},
		{"the largest u32", 1<<32 - 1, ErrKDFParams},
		{"beyond u32", 1 << 32, ErrKDFParams},
		{"below the minimum", 7, ErrKDFParams},
	} {
		if _, err := s.db.Exec(`UPDATE keyring SET kdf_memory = ?`, tc.memory); err != nil {
			t.Fatal(err)
		}
		k, err := loadKeyring(bg, s.db)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if err == nil && int64(k.params.MemoryKiB) != tc.memory {
			t.Errorf("%s: read %d KiB", tc.name, k.params.MemoryKiB)
		}
	}
	if err := (KDFParams{Time: 1, MemoryKiB: 2 << 20, Threads: 1}); err.valid() {
		t.Error("2 GiB accepted as a new key ring's cost")
	}
}
