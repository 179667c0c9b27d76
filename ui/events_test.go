package ui

import (
	"strings"
	"testing"

	"ratchat/chat"
)

func TestFileRowStates(t *testing.T) {
	tests := []struct {
		name     string
		f        chat.FileInfo
		outgoing bool
		want     string
	}{
		{"transferring", chat.FileInfo{Name: "a.bin", Size: 2048, Done: 1024, State: chat.FileTransferring}, false, "1.0 KiB of 2.0 KiB"},
		{"received", chat.FileInfo{Name: "a.bin", Size: 10, Path: "/dl/a.bin", State: chat.FileComplete}, false, "saved to /dl/a.bin"},
		{"sent", chat.FileInfo{Name: "a.bin", Size: 10, Path: "/src/a.bin", State: chat.FileComplete}, true, "[file] a.bin (10 B)"},
		{"cancelled", chat.FileInfo{Name: "a.bin", Size: 10, State: chat.FileCancelled}, false, "cancelled"},
		{"failed", chat.FileInfo{Name: "a.bin", Size: 10, State: chat.FileFailed}, true, "failed"},
	}
	for _, tt := range tests {
		got := fileText(tt.f, tt.outgoing)
		if !strings.HasSuffix(got, tt.want) || tt.outgoing && strings.Contains(got, "saved") {
			t.Errorf("%s: %q, want it to end with %q", tt.name, got, tt.want)
		}
	}
}

// TestChatFollowsFileAndStatusEvents checks that a file's progress and a
// status change find their row by message id.
func TestChatFollowsFileAndStatusEvents(t *testing.T) {
	f := newFakeCore()
	sending := text(10, chat.Outgoing, "", t0, chat.StatusQueued)
	sending.Kind, sending.File = chat.RowFile, &chat.FileInfo{Name: "big.iso", Size: 4096, State: chat.FileTransferring}
	f.msgs[1] = append(f.msgs[1], sending)
	v := NewChatView(testCommon(80, 20), f)
	drive(v, v.Open(f.contacts[0])())
	drive(v, chat.FileProgress{Contact: 1, File: msgID(10), Outgoing: true, Done: 2048, Total: 4096},
		chat.StatusChanged{Contact: 1, ID: msgID(10), Status: chat.StatusDelivered},
		chat.StatusChanged{Contact: 2, ID: msgID(10), Status: chat.StatusFailed}) // another chat's
	// The offer delivered moves the row from queued (…) to sent (✓): a file
	// shows delivered only once complete.
	if out := v.View(); !strings.Contains(out, "2.0 KiB of 4.0 KiB ✓\n") {
		t.Fatalf("progress or status not shown on the file row:\n%s", out)
	}
}

// TestStaleCoreEventsIgnored checks that after a restore swapped the core,
// the old core's events and its closing are ignored.
func TestStaleCoreEventsIgnored(t *testing.T) {
	f := newFakeCore()
	a := mainApp(t, f)
	old := make(chan chat.Event)
	drive(a, eventMsg{from: old, ev: chat.HomeState{Connected: false, Err: errorString("gone")}},
		eventsClosedMsg{from: old})
	if out := a.View(); strings.Contains(out, "core stopped") || strings.Contains(out, "offline") {
		t.Fatalf("an old core's events reached the screen:\n%s", out)
	}
	drive(a, eventsClosedMsg{from: a.core.Events()})
	if !strings.Contains(a.View(), "core stopped") {
		t.Fatalf("the core's own channel closing is not reported:\n%s", a.View())
	}
}

// "/accept file" downloads the newest file of the open chat that waits for
// acceptance, and says so when none does.
func TestAcceptFileCommand(t *testing.T) {
	f := newFakeCore()
	waiting := text(20, chat.Incoming, "", t0, 0)
	waiting.Kind, waiting.File = chat.RowFile, &chat.FileInfo{Name: "big.iso", Size: 4096, State: chat.FileWaiting}
	f.msgs[1] = append(f.msgs[1], waiting)
	a := mainApp(t, f)
	drive(a, keyMsgs("enter", "/accept file", "enter")...)
	if len(f.accepted) != 1 || f.accepted[0] != msgID(20) {
		t.Fatalf("AcceptFile asked for %v, want the waiting file", f.accepted)
	}
	if !strings.Contains(a.View(), "Downloading big.iso") {
		t.Fatalf("no notice:\n%s", a.View())
	}
	f2 := newFakeCore()
	b := mainApp(t, f2)
	drive(b, keyMsgs("enter", "/accept file", "enter")...)
	if len(f2.accepted) != 0 || !strings.Contains(b.View(), "No file here waits") {
		t.Fatalf("with no waiting file: %v\n%s", f2.accepted, b.View())
	}
}
