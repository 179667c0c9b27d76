package store

import (
	"errors"
	"os"
	"testing"
)

// TestSetStatusesChangedMeanwhile: a status planned outside the write lock
// is written only if nobody changed it since; otherwise it is decided
// again under the lock, so a receipt never undoes a newer status.
func TestSetStatusesChangedMeanwhile(t *testing.T) {
	tests := []struct {
		name      string
		meanwhile Status // set between planning and writing; 0: nothing
		want      Status
		changed   bool
	}{
		{"unchanged", 0, StatusDelivered, true},
		{"read meanwhile", StatusRead, StatusRead, false},
		{"failed meanwhile", StatusFailed, StatusDelivered, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			bob := addTestContact(t, s, 1, "bob")
			m := testMessage(bob, i+1)
			m.Direction, m.Status = Outgoing, StatusSent
			if _, _, err := s.InsertMessage(bg, m); err != nil {
				t.Fatal(err)
			}
			plan, err := s.planStatuses(bg, bob, []MessageID{m.ID}, StatusDelivered)
			if err != nil || len(plan) != 1 {
				t.Fatalf("plan %v, %v: want one change", plan, err)
			}
			if tt.meanwhile != 0 {
				if _, err := s.SetStatus(bg, bob, m.ID, tt.meanwhile); err != nil {
					t.Fatal(err)
				}
			}
			var changed bool
			err = s.write(bg, func(tx querier) error {
				changed, err = s.applyStatus(bg, tx, bob, plan[0], StatusDelivered)
				return err
			})
			if err != nil || changed != tt.changed {
				t.Fatalf("changed %v, %v; want %v", changed, err, tt.changed)
			}
			if got, err := s.Message(bg, bob, m.ID); err != nil || got.Status != tt.want {
				t.Fatalf("status %d, %v; want %d", got.Status, err, tt.want)
			}
		})
	}
}

// TestSetStatusesChunks: more statuses than one transaction takes are all
// written.
func TestSetStatusesChunks(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	var ids []MessageID
	for i := range 2*statusChunk + 3 {
		m := testMessage(bob, i+1)
		m.Direction, m.Status = Outgoing, StatusSent
		if _, _, err := s.InsertMessage(bg, m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	changed, err := s.SetStatuses(bg, bob, ids, StatusDelivered)
	if err != nil || len(changed) != len(ids) {
		t.Fatalf("changed %d, %v; want %d", len(changed), err, len(ids))
	}
	for i, id := range ids {
		if m, err := s.Message(bg, bob, id); err != nil || m.Status != StatusDelivered {
			t.Fatalf("message %d: status %d, %v", i, m.Status, err)
		}
	}
}

// TestSyncAndBackgroundCheckpoint: Sync fsyncs the WAL of a store that
// commits (crossing a background checkpoint on the way), succeeds when
// there is no WAL at all, and refuses a closed store.
func TestSyncAndBackgroundCheckpoint(t *testing.T) {
	s, dir := newTestStore(t)
	for i := range checkpointEvery {
		if err := s.SetSetting(bg, "k", string(rune('a'+i%26))); err != nil {
			t.Fatal(err)
		}
	}
	s.background.Wait()
	if n := s.checkpoints.Load(); n != 1 {
		t.Fatalf("%d background checkpoints after %d commits; want 1", n, checkpointEvery)
	}
	if err := s.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if s.walIno == 0 {
		t.Fatal("Sync did not record the WAL it made durable")
	}
	if err := os.Remove(dbPath(dir) + "-wal"); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err != nil {
		t.Fatalf("Sync without a WAL: %v", err)
	}
	s.Close()
	if err := s.Sync(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync of a closed store: %v; want ErrClosed", err)
	}
}
