package store

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// TestPreKeyTimes: times are kept per prekey, sealed, survive a record
// update, read as zero when never set, and go with the prekey.
func TestPreKeyTimes(t *testing.T) {
	s, _ := newTestStore(t)
	made := time.UnixMilli(1_700_000_000_000)
	gone := made.Add(7 * 24 * time.Hour)
	for id := uint32(1); id <= 3; id++ {
		if err := s.PutPreKey(bg, PreKeyRef{KindKEMPreKey, id}, []byte{byte(id)}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		id               uint32
		created, retired time.Time
	}{
		{1, made, gone},        // a rotated-away long-lived key
		{2, time.Time{}, gone}, // a one-time key the home handed out
		{3, made, time.Time{}}, // the current long-lived key
	}
	for _, tc := range tests {
		if err := s.SetPreKeyTimes(bg, PreKeyRef{KindKEMPreKey, tc.id}, tc.created, tc.retired); err != nil {
			t.Fatal(err)
		}
	}
	// Rewriting the record keeps its times.
	if err := s.PutPreKey(bg, PreKeyRef{KindKEMPreKey, 2}, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPreKeyTimes(bg, PreKeyRef{KindKEMPreKey, 9}, made, gone); !errors.Is(err, ErrNotFound) {
		t.Fatalf("times of a missing prekey: %v", err)
	}
	infos, err := s.PreKeyInfos(bg, KindKEMPreKey)
	if err != nil {
		t.Fatal(err)
	}
	want := []PreKeyInfo{{1, made, gone}, {2, time.Time{}, gone}, {3, made, time.Time{}}}
	if !reflect.DeepEqual(infos, want) {
		t.Fatalf("PreKeyInfos = %v, want %v", infos, want)
	}
	if err := s.DeletePreKeys(bg, []PreKeyRef{{KindKEMPreKey, 1}, {KindKEMPreKey, 3}, {KindKEMPreKey, 7}}); err != nil {
		t.Fatal(err)
	}
	if infos, err = s.PreKeyInfos(bg, KindKEMPreKey); err != nil || len(infos) != 1 || infos[0].ID != 2 {
		t.Fatalf("after deleting 1 and 3: %v, %v", infos, err)
	}
	// A prekey written again after deletion starts without times.
	if err := s.PutPreKey(bg, PreKeyRef{KindKEMPreKey, 1}, []byte{1}); err != nil {
		t.Fatal(err)
	}
	if infos, _ = s.PreKeyInfos(bg, KindKEMPreKey); !infos[0].Created.IsZero() || !infos[0].Retired.IsZero() {
		t.Fatalf("a new prekey has times: %v", infos[0])
	}
}
