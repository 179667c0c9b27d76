package app

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"ratchat/chat"
	"ratchat/store"
	"ratchat/ui"
)

func TestStoreCursor(t *testing.T) {
	tests := []struct {
		before int64
		want   store.Cursor
	}{
		{0, 0}, {-5, 0},
		{uiSeq(7), 7},     // below message 7: messages up to 6
		{uiSeq(7) + 1, 8}, // below a system line after 7: message 7 too
		{uiSeq(7) + 255, 8},
		{uiSeq(8), 8},
	}
	for _, tt := range tests {
		if got := storeCursor(tt.before); got != tt.want {
			t.Errorf("storeCursor(%d) = %d, want %d", tt.before, got, tt.want)
		}
	}
}

func TestUnlockWrongPassphrase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	o := NewOpener(Options{Dir: dir, Store: []store.Option{store.WithKDF(FastKDF)}})
	if ok, err := o.Exists(); ok || err != nil {
		t.Fatalf("Exists before Create = %v, %v", ok, err)
	}
	c, err := o.Create("Ann", testPass)
	if err != nil {
		t.Fatal(err)
	}
	c.(*Core).Close()
	if ok, err := o.Exists(); !ok || err != nil {
		t.Fatalf("Exists after Create = %v, %v", ok, err)
	}
	if _, err := o.Unlock("wrong horse"); !errors.Is(err, ui.ErrWrongPassphrase) || !errors.Is(err, store.ErrWrongPassphrase) {
		t.Fatalf("Unlock with a wrong passphrase: %v", err)
	}
	c, err = o.Unlock(testPass)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := c.Status()
	if st.Profile != "Ann" || st.Home == "" {
		t.Errorf("status %+v", st)
	}
	c.(*Core).Close()
}

func TestMapErr(t *testing.T) {
	err := mapErr(&chat.IdentityChangedError{Contact: 3})
	if !errors.Is(err, ui.ErrKeyNotAccepted) {
		t.Errorf("%v does not match ui.ErrKeyNotAccepted", err)
	}
	var ice *chat.IdentityChangedError
	if !errors.As(err, &ice) || ice.Contact != 3 {
		t.Errorf("the core's error is lost: %v", err)
	}
}

// TestMessagesUnreadAndReceipts follows one message: Bob sees it with an
// unread count, reads it, and Alice sees the read tick.
func TestMessagesUnreadAndReceipts(t *testing.T) {
	alice, bob, bobID, aliceID := pair(t)
	sent, err := alice.Send(bobID, "hi bob")
	if err != nil || sent.Status != ui.StatusQueued || !sent.Outgoing {
		t.Fatalf("Send = %+v, %v", sent, err)
	}
	got := waitEvent(t, bob, func(e ui.MessageEvent) bool { return e.Message.Text == "hi bob" })
	if got.Contact != aliceID || got.Message.Outgoing {
		t.Fatalf("Bob got %+v", got)
	}
	row := waitEvent(t, bob, func(e ui.ContactEvent) bool { return e.Contact.Unread == 1 })
	if row.Contact.Preview != "hi bob" || !row.Contact.Online {
		t.Errorf("Bob's row %+v", row.Contact)
	}
	if err := bob.MarkRead(aliceID, got.Message.Seq); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, bob, func(e ui.ContactEvent) bool { return e.Contact.Unread == 0 })
	waitEvent(t, alice, func(e ui.ReceiptEvent) bool { return e.Seq == sent.Seq && e.Status == ui.StatusRead })

	page, err := alice.Messages(bobID, 0, 50)
	if err != nil || len(page) != 1 || page[0].Status != ui.StatusRead || page[0].Text != "hi bob" {
		t.Fatalf("Alice's page %+v, %v", page, err)
	}
}

// TestSystemLines checks that a verified mark writes a line after the
// newest message, which pages keep in place.
func TestSystemLines(t *testing.T) {
	alice, _, bobID, _ := pair(t)
	first, err := alice.Send(bobID, "one")
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.SetVerified(bobID, true); err != nil {
		t.Fatal(err)
	}
	if err := alice.SetVerified(bobID, true); err != nil { // no change, no line
		t.Fatal(err)
	}
	second, err := alice.Send(bobID, "two")
	if err != nil {
		t.Fatal(err)
	}
	page, err := alice.Messages(bobID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || page[0].Seq != first.Seq || page[1].System != ui.SystemVerified || page[2].Seq != second.Seq {
		t.Fatalf("page %+v", page)
	}
	older, err := alice.Messages(bobID, second.Seq, 10)
	if err != nil || len(older) != 2 || older[1].System != ui.SystemVerified {
		t.Fatalf("older page %+v, %v", older, err)
	}
	sn, err := alice.SafetyNumber(bobID)
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.VerifyCode(bobID, "RATCHAT:SN2:"+sn.String()); err != nil {
		t.Errorf("the QR payload does not verify: %v", err)
	}
	if err := alice.VerifyCode(bobID, "1"+sn.String()[1:]); !errors.Is(err, chat.ErrCodeMismatch) && sn.String()[0] != '1' {
		t.Errorf("a wrong code: %v", err)
	}
}

// TestBackupRestore exports, writes more, restores, and checks that the
// history is the backup's and that the core runs on, events included.
func TestBackupRestore(t *testing.T) {
	alice, _, bobID, _ := pair(t)
	if _, err := alice.Send(bobID, "kept"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "a.rcb")
	key, err := alice.ExportBackup(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(bobID, "lost"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.RestoreBackup(context.Background(), path, "0000"+key[4:], nil); err == nil {
		t.Fatal("a wrong key restored")
	}
	var calls int
	res, err := alice.RestoreBackup(context.Background(), path, key, func(done, total int64) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if res.Contacts != 1 || res.Messages != 1 || calls == 0 {
		t.Fatalf("restored %+v with %d progress calls", res, calls)
	}
	page, err := alice.Messages(bobID, 0, 10)
	if err != nil || len(page) != 1 || page[0].Text != "kept" {
		t.Fatalf("after the restore: %+v, %v", page, err)
	}
	if _, err := alice.Send(bobID, "after"); err != nil && !errors.Is(err, chat.ErrNoSession) && !errors.Is(err, store.ErrSessionReset) {
		t.Fatal(err)
	}
	waitEvent(t, alice, func(e ui.StatusEvent) bool { return e.Status.Connection == ui.ConnOnline })
}
