package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// The fake core's automatic backups: the key is backupKey, and a folder
// under /readonly cannot be written.

// autoState is the fake's automatic backups: whether they are on, and
// their settings.
type autoState struct {
	On bool
	chat.AutoBackup
}

func (f *fakeCore) AutoBackupSettings(context.Context) (chat.AutoBackup, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.auto.AutoBackup, f.auto.On, nil
}

func (f *fakeCore) EnableAutoBackup(_ context.Context, a chat.AutoBackup) (chat.RecoveryKey, error) {
	if strings.HasPrefix(a.Folder, "/readonly") {
		return chat.RecoveryKey{}, errors.New("chat: mkdir " + a.Folder + ": permission denied")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auto = autoState{true, a}
	return recoveryKey(f.backupKey), nil
}

func (f *fakeCore) DisableAutoBackup(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auto = autoState{}
	return nil
}

// autoOn is the fake's settings when automatic backups are on.
var autoOn = autoState{true, chat.AutoBackup{Folder: "/home/mallory/backups", Every: 7 * 24 * time.Hour, Keep: 4}}

// autoView returns the automatic-backup screen with its settings loaded.
func autoView(f *fakeCore) *AutoBackupView {
	v := NewAutoBackupView(testCommon(80, 22), f)
	drive(v, v.Init()())
	return v
}

func TestParseAutoForm(t *testing.T) {
	tests := []struct {
		folder, every, keep string
		want                chat.AutoBackup
		problem             string
	}{
		{" /b ", "24h", "7", chat.AutoBackup{Folder: "/b", Every: 24 * time.Hour, Keep: 7}, ""},
		{"/b", "7d", "0", chat.AutoBackup{Folder: "/b", Every: 7 * 24 * time.Hour}, ""},
		{"/b", "90m", " 12 ", chat.AutoBackup{Folder: "/b", Every: 90 * time.Minute, Keep: 12}, ""},
		{"  ", "24h", "7", chat.AutoBackup{}, "Type the folder"},
		{"/b", "30s", "7", chat.AutoBackup{Folder: "/b"}, "from a minute"}, // the core looks once a minute
		{"/b", "400d", "7", chat.AutoBackup{Folder: "/b"}, "to a year"},
		{"/b", "soon", "7", chat.AutoBackup{Folder: "/b"}, "such as 24h"},
		{"/b", "24h", "-1", chat.AutoBackup{Folder: "/b"}, "or 0 to keep"},
		{"/b", "24h", "seven", chat.AutoBackup{Folder: "/b"}, "or 0 to keep"},
		{"/b", "24h", "10001", chat.AutoBackup{Folder: "/b"}, "or 0 to keep"},
	}
	for _, tt := range tests {
		got, problem := parseAutoForm(tt.folder, tt.every, tt.keep)
		if tt.problem == "" && (got != tt.want || problem != "") ||
			tt.problem != "" && !strings.Contains(problem, tt.problem) {
			t.Errorf("parseAutoForm(%q, %q, %q) = %+v, %q; want %+v, %q",
				tt.folder, tt.every, tt.keep, got, problem, tt.want, tt.problem)
		}
	}
}

func TestIntervalText(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{24 * time.Hour, "24h"}, {time.Hour, "1h"}, {90 * time.Minute, "1h30m"},
		{7 * 24 * time.Hour, "7d"}, {36 * time.Hour, "36h"}, {5 * time.Minute, "5m"},
	}
	for _, tt := range tests {
		if got := intervalText(tt.d); got != tt.want {
			t.Errorf("intervalText(%v) = %q, want %q", tt.d, got, tt.want)
		}
		if back, err := ParseInterval(tt.want); err != nil || back != tt.d {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", tt.want, back, err, tt.d)
		}
	}
}

// TestAutoBackupKeys drives the screen with key sequences from backups
// off or on, and checks the step, the core's settings and what is shown.
func TestAutoBackupKeys(t *testing.T) {
	typed := func(folder string) []string { return []string{"enter", folder, "enter", "enter", "enter"} }
	tests := []struct {
		name string
		on   bool
		keys []string
		step autoStep
		want autoState
		says string
	}{
		{"off, shown", false, nil, autoOverview, autoState{}, "are off"},
		{"on, shown", true, nil, autoOverview, autoOn, "the newest 4"},
		{"turn on with the defaults", false, typed("/tmp/bk"), autoKey,
			autoState{true, chat.AutoBackup{Folder: "/tmp/bk", Every: 24 * time.Hour, Keep: 7}}, "0123 4567 8901 2345"},
		{"turn on, own settings", false, []string{"enter", "/tmp/bk", "tab", "ctrl+u", "90m", "tab", "ctrl+u", "0", "enter"},
			autoKey, autoState{true, chat.AutoBackup{Folder: "/tmp/bk", Every: 90 * time.Minute}}, "Write this recovery key"},
		{"no folder", false, typed(""), autoEditing, autoState{}, "Type the folder"},
		{"bad interval", false, []string{"enter", "/b", "enter", "ctrl+u", "soon", "enter", "enter"},
			autoEditing, autoState{}, "such as 24h"},
		{"the core refuses", false, typed("/readonly/b"), autoEditing, autoState{}, "permission"},
		{"esc leaves the form", false, []string{"enter", "/b", "esc"}, autoOverview, autoState{}, "are off"},
		{"change keeps the folder", true, []string{"enter", "enter", "ctrl+u", "1d", "enter", "enter"}, autoKey,
			autoState{true, chat.AutoBackup{Folder: autoOn.Folder, Every: 24 * time.Hour, Keep: 4}}, "Write this"},
		{"turn off", true, []string{"d"}, autoOverview, autoState{}, "Turned off"},
		{"d does nothing when off", false, []string{"d"}, autoOverview, autoState{}, "Press enter to set"},
		{"no leaving while the key is shown", false, append(typed("/b"), "esc"), autoKey,
			autoState{true, chat.AutoBackup{Folder: "/b", Every: 24 * time.Hour, Keep: 7}}, "Write the key down first"},
	}
	for _, tt := range tests {
		f := newFakeCore()
		if tt.on {
			f.auto = autoOn
		}
		v := autoView(f)
		drive(v, keyMsgs(tt.keys...)...)
		if v.step != tt.step || f.auto != tt.want || !strings.Contains(v.View(), tt.says) {
			t.Errorf("%s: step %d (want %d), settings %+v (want %+v); view:\n%s",
				tt.name, v.step, tt.step, f.auto, tt.want, v.View())
		}
	}
}

// TestAutoBackupConfirmKey checks that the key shown on turning backups
// on must be typed back, as on the export screen.
func TestAutoBackupConfirmKey(t *testing.T) {
	f := newFakeCore()
	v := autoView(f)
	drive(v, keyMsgs("enter", "/tmp/bk", "enter", "enter", "enter", "enter")...)
	if v.check.phase != keyTyping || strings.Contains(v.View(), "0123 4567") {
		t.Fatalf("the key is still shown on the confirmation step:\n%s", v.View())
	}
	drive(v, keyMsgs("0123", "enter")...)
	if v.step != autoKey || !strings.Contains(v.View(), "not the key") {
		t.Fatalf("a wrong key was accepted:\n%s", v.View())
	}
	drive(v, keyMsgs("esc", "enter", strings.Join(groupDigits(f.backupKey, 4), " "), "enter")...)
	if v.step != autoOverview || v.check.key != "" || !strings.Contains(v.View(), "/tmp/bk") {
		t.Fatalf("the right key was refused, or kept: step %d:\n%s", v.step, v.View())
	}
}

func TestAutoBackupMalformedKey(t *testing.T) {
	f := newFakeCore()
	f.backupKey = "12345"
	v := autoView(f)
	drive(v, keyMsgs("enter", "/tmp/bk", "enter", "enter", "enter")...)
	if v.step != autoOverview || f.auto.On || !strings.Contains(v.View(), "malformed") {
		t.Fatalf("a 5-digit key was shown, or backups stayed on (%+v):\n%s", f.auto, v.View())
	}
}

func TestAutoBackupBack(t *testing.T) {
	v := autoView(newFakeCore())
	if cmd := v.handleKey(keyMsgs("esc")[0].(tea.KeyMsg)); cmd == nil || cmd() != (BackMsg{}) {
		t.Fatal("esc on the overview does not leave")
	}
}

// TestAppOpensAutoBackup reaches the screen from the composer and from
// the export screen, and leaves it.
func TestAppOpensAutoBackup(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		open bool
		says string
	}{
		{"/backup auto", []string{"tab", "tab", "/backup auto", "enter"}, true, "Automatic backups are off"},
		{"completed", []string{"tab", "tab", "/backup a", "tab", "enter"}, true, "Press enter to set them up"},
		{"from the export screen", []string{"b", "tab"}, true, "Automatic backups"},
		{"esc goes back", []string{"b", "tab", "esc"}, false, "Carol"},
		{"a wrong choice", []string{"tab", "tab", "/backup nope", "enter"}, false, "/backup [export|restore|auto]"},
	}
	for _, tt := range tests {
		a := mainApp(t, newFakeCore())
		drive(a, keyMsgs(tt.keys...)...)
		_, open := a.page.(*AutoBackupView)
		if open != tt.open || !strings.Contains(a.View(), tt.says) {
			t.Errorf("%s: open %v, want %v; view:\n%s", tt.name, open, tt.open, a.View())
		}
	}
}

func TestAppBackupWritten(t *testing.T) {
	tests := []struct {
		ev   chat.BackupWritten
		says string
	}{
		{chat.BackupWritten{Path: "/b/ratchat-20260314-150000.000000000.rcb"}, "Backup written at 15:00"},
		// No package names in what a person reads (issue 8, defect 8).
		{chat.BackupWritten{Err: errors.New("store: disk full\x1b[2J")}, "Backup failed: disk full"},
	}
	for _, tt := range tests {
		a := mainApp(t, newFakeCore())
		drive(a, tt.ev)
		if v := a.View(); !strings.Contains(v, tt.says) || strings.Contains(v, "\x1b[2J") {
			t.Errorf("status bar after %+v:\n%s", tt.ev, v)
		}
	}
}
