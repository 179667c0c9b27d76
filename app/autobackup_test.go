package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
	"ratchat/ui"
)

// displayedKey is a recovery key as the user reads it: 16 groups of 4.
var displayedKey = regexp.MustCompile(`^(\d{4} ){15}\d{4}$`)

func TestAutoBackupSettings(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	c := newCore(t, "Ann")
	if s, err := c.AutoBackup(); err != nil || s.On {
		t.Fatalf("a new profile's settings: %+v, %v", s, err)
	}
	key, err := c.EnableAutoBackup("~/backups", 24*time.Hour, 7)
	if err != nil || !displayedKey.MatchString(key) {
		t.Fatalf("EnableAutoBackup = %q, %v", key, err)
	}
	want := ui.AutoBackupSettings{On: true, Folder: filepath.Join(home, "backups"), Every: 24 * time.Hour, Keep: 7}
	if s, err := c.AutoBackup(); err != nil || s != want {
		t.Fatalf("settings %+v, %v; want %+v", s, err, want)
	}
	if fi, err := os.Stat(want.Folder); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the folder was not created private: %v, %v", fi, err)
	}
	again, err := c.EnableAutoBackup(want.Folder, time.Hour, 0)
	if err != nil || again == key {
		t.Fatalf("changing the settings gave key %q (same as before: %v), %v", again, again == key, err)
	}
	if err := c.DisableAutoBackup(); err != nil {
		t.Fatal(err)
	}
	if s, err := c.AutoBackup(); err != nil || s.On {
		t.Fatalf("after DisableAutoBackup: %+v, %v", s, err)
	}
}

func TestAutoBackupRefused(t *testing.T) {
	c := newCore(t, "Ann")
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		folder string
		every  time.Duration
		keep   int
		want   error // nil: any error
	}{
		{"no folder", "  ", time.Hour, 1, ErrAutoBackupSettings},
		{"under a minute", t.TempDir(), 30 * time.Second, 1, ErrAutoBackupSettings},
		{"negative keep", t.TempDir(), time.Hour, -1, ErrAutoBackupSettings},
		{"folder is a file", file, time.Hour, 1, nil},
	}
	for _, tt := range tests {
		key, err := c.EnableAutoBackup(tt.folder, tt.every, tt.keep)
		if err == nil || key != "" || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: EnableAutoBackup = %q, %v; want %v", tt.name, key, err, tt.want)
		}
		if s, err := c.AutoBackup(); err != nil || s.On {
			t.Errorf("%s: left on: %+v, %v", tt.name, s, err)
		}
	}
}

// TestAutoBackupWritten turns automatic backups on, starts the profile
// again (the schedule looks at once on start), waits for the backup's
// event, and restores the backup with the key that was shown.
func TestAutoBackupWritten(t *testing.T) {
	c := newCore(t, "Ann")
	folder := filepath.Join(t.TempDir(), "auto")
	key, err := c.EnableAutoBackup(folder, time.Hour, 2)
	if err != nil {
		t.Fatal(err)
	}
	opts := c.opts
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c, err = NewOpener(opts).Open([]byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ev := waitEvent(t, c, func(e ui.BackupWrittenEvent) bool { return true })
	if ev.Err != nil || filepath.Dir(ev.Path) != folder {
		t.Fatalf("event %+v", ev)
	}
	if _, err := os.Stat(ev.Path); err != nil {
		t.Fatal(err)
	}
	res, err := c.RestoreBackup(context.Background(), ev.Path, key, nil)
	if err != nil || res.Contacts != 0 {
		t.Fatalf("restoring the automatic backup with the key shown: %+v, %v", res, err)
	}
}

func TestTranslateBackupWritten(t *testing.T) {
	c := newCore(t, "Ann")
	boom := errors.New("store: writing backup: disk full")
	tests := []struct {
		in   chat.BackupWritten
		want ui.BackupWrittenEvent
	}{
		{chat.BackupWritten{Path: "/b/ratchat-1.rcb"}, ui.BackupWrittenEvent{Path: "/b/ratchat-1.rcb"}},
		{chat.BackupWritten{Err: boom}, ui.BackupWrittenEvent{Err: boom}},
	}
	for _, tt := range tests {
		got := c.translate(tt.in)
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("translate(%+v) = %+v, want [%+v]", tt.in, got, tt.want)
		}
	}
}

// TestAutoBackupInterface turns automatic backups on through the
// interface over a real profile: /backup auto, the form, the key read off
// the screen and typed back.
func TestAutoBackupInterface(t *testing.T) {
	c := newCore(t, "Ann")
	folder := filepath.Join(t.TempDir(), "auto")
	d := newDriver(ui.NewMainApp(ui.NewCommon(), c))
	d.exec(d.m.Init())
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	named := map[string]tea.KeyMsg{"enter": {Type: tea.KeyEnter}, "tab": {Type: tea.KeyTab}}
	typeText := func(keys ...string) {
		for _, k := range keys {
			msg, ok := named[k]
			if !ok {
				msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
			}
			d.send(msg)
		}
	}
	typeText("tab", "tab", "/backup auto", "enter")
	d.until(t, func(v string) bool { return strings.Contains(v, "Automatic backups are off") })
	typeText("enter", folder, "enter", "enter", "enter")
	d.until(t, func(v string) bool { return strings.Contains(v, "Write this recovery key") })
	rows := regexp.MustCompile(`(\d{4} ){3}\d{4}`).FindAllString(d.m.View(), -1)
	if len(rows) != 4 {
		t.Fatalf("the key is not shown in 4 rows of 4 groups:\n%s", d.m.View())
	}
	typeText("enter", strings.Join(rows, " "), "enter")
	d.until(t, func(v string) bool { return strings.Contains(v, "Keep the key apart") })
	want := ui.AutoBackupSettings{On: true, Folder: folder, Every: 24 * time.Hour, Keep: 7}
	if s, err := c.AutoBackup(); err != nil || s != want {
		t.Fatalf("settings %+v, %v; want %+v", s, err, want)
	}
}
