package ui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"ratchat/chat"
)

// TestMain renders without colours and with a dark background assumed,
// so that golden files do not depend on the terminal running the tests.
// Run `go test ./ui -run Golden -update` to rewrite them.
func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
	code := m.Run()
	removeFixtures() // see realcore_bench_test.go
	os.Exit(code)
}

// step sends messages to a running program, then waits until its output
// shows text (and each of also).
type step struct {
	send []tea.Msg
	wait string
	also []string
}

// sizes are the terminal sizes every screen is checked at; smallSizes
// those that small terminals and split windows have.
var (
	sizes      = [][2]int{{80, 24}, {120, 40}}
	smallSizes = [][2]int{{80, 24}, {60, 20}, {50, 20}, {40, 12}}
)

// runGolden runs a model made by mk at each of sizes through the steps
// and compares its final view with testdata/<test>/<size>.golden.
func runGolden(t *testing.T, mk func() tea.Model, steps ...step) {
	runGoldenAt(t, sizes, mk, steps...)
}

// runGoldenAt is runGolden at the given sizes.
func runGoldenAt(t *testing.T, at [][2]int, mk func() tea.Model, steps ...step) {
	for _, sz := range at {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			tm := teatest.NewTestModel(t, mk(), teatest.WithInitialTermSize(sz[0], sz[1]))
			for _, s := range steps {
				for _, m := range s.send {
					tm.Send(m)
				}
				if s.wait != "" {
					teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
						for _, w := range append([]string{s.wait}, s.also...) {
							if !bytes.Contains(b, []byte(w)) {
								return false
							}
						}
						return true
					}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
				}
			}
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			view := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).View()
			if w := lipgloss.Width(view); w > sz[0] {
				t.Errorf("view is %d cells wide, more than the terminal's %d", w, sz[0])
			}
			if h := lipgloss.Height(view); h > sz[1] {
				t.Errorf("view is %d lines high, more than the terminal's %d", h, sz[1])
			}
			if open, closed := strings.Count(view, "╭")+strings.Count(view, "┏"), strings.Count(view, "╰")+strings.Count(view, "┗"); open != closed {
				t.Errorf("%d boxes open but %d close: a border is cut off", open, closed)
			}
			teatest.RequireEqualOutput(t, []byte(view))
		})
	}
}

// mainModel returns the main screen over a fresh fake core.
func mainModel(f *fakeCore) func() tea.Model {
	return func() tea.Model {
		f.events = connected() // the home answers
		return NewMainApp(testCommon(0, 0), f)
	}
}

// loaded waits for the contact list.
var loaded = step{wait: "Carol"}

func TestGoldenMain(t *testing.T) {
	runGolden(t, mainModel(newFakeCore()), loaded,
		step{send: keyMsgs("enter"), wait: "map.png"},
		step{send: keyMsgs("draft in progress"), wait: "progress"})
}

func TestGoldenEmpty(t *testing.T) {
	f := newFakeCore()
	f.contacts = nil
	runGolden(t, func() tea.Model { return NewMainApp(testCommon(0, 0), f) }, step{wait: "No contacts yet"})
}

func TestGoldenScrolledUp(t *testing.T) {
	f := newFakeCore()
	f.msgs[1] = bigChat(300)
	news := chat.MessageReceived{Contact: 1, Message: text(301, chat.Incoming, "are you there?", t0, chat.StatusDelivered)}
	runGolden(t, mainModel(f), loaded,
		step{send: keyMsgs("enter"), wait: "number 300"},
		step{send: append(keyMsgs("pgup", "pgup"), news), wait: "new message below"})
}

// TestGoldenTypingMutedRelay: a contact typing (in the chat's header), a
// muted chat (in the list), a home that is a relay (in the status bar).
func TestGoldenTypingMutedRelay(t *testing.T) {
	f := newFakeCore()
	f.viaRelay = true
	f.contacts[1].MutedUntil = chat.MuteForever
	runGolden(t, mainModel(f), loaded,
		step{send: keyMsgs("enter"), wait: "map.png"},
		step{send: []tea.Msg{chat.TypingChanged{Contact: 1, Typing: true}}, wait: "typing…"})
}

func TestGoldenHelp(t *testing.T) {
	runGolden(t, mainModel(newFakeCore()), loaded, step{send: keyMsgs("?"), wait: "Commands"})
}

func TestGoldenVerify(t *testing.T) {
	runGolden(t, mainModel(newFakeCore()), loaded,
		step{send: keyMsgs("enter"), wait: "map.png"},
		step{send: keyMsgs("tab", "tab", "v"), wait: "Their code"},
		step{send: keyMsgs("12345", "enter"), wait: "want 60"})
}

func TestGoldenBackupKey(t *testing.T) {
	runGolden(t, mainModel(newFakeCore()), loaded,
		step{send: keyMsgs("b"), wait: "Save backup to"},
		step{send: keyMsgs("enter"), wait: "Write this recovery key"})
}

func TestGoldenBackupConfirm(t *testing.T) {
	runGolden(t, mainModel(newFakeCore()), loaded,
		step{send: keyMsgs("b"), wait: "Save backup to"},
		step{send: keyMsgs("enter"), wait: "Write this recovery key"},
		step{send: keyMsgs("enter", "1234", "enter"), wait: "That is not the key"})
}

func TestGoldenRestore(t *testing.T) {
	f := newFakeCore()
	runGolden(t, mainModel(f), loaded,
		step{send: keyMsgs("r", "/tmp/old.backup", "enter", f.backupKey, "enter"), wait: "Press y"},
		step{send: keyMsgs("y"), wait: "Restored 3"})
}

func TestGoldenRestoreConfirm(t *testing.T) {
	f := newFakeCore()
	runGolden(t, mainModel(f), loaded,
		step{send: keyMsgs("r", "/tmp/old.backup", "enter", f.backupKey, "enter"), wait: "history of Mallory"})
}

func TestGoldenRestoreProgress(t *testing.T) {
	mk := func() tea.Model {
		f := newFakeCore()
		f.restoreGo = make(chan struct{}) // never closed: stays halfway
		return mainModel(f)()
	}
	key := newFakeCore().backupKey
	runGolden(t, mk, loaded,
		step{send: keyMsgs("r", "/tmp/old.backup", "enter", key, "enter"), wait: "Press y"},
		step{send: keyMsgs("y"), wait: "50%"})
}

func TestGoldenOnboarding(t *testing.T) {
	mk := func() tea.Model { return NewApp(testCommon(0, 0), &fakeOpener{core: newFakeCore()}) }
	runGolden(t, mk, step{wait: "Welcome"},
		step{send: keyMsgs("Mallory", "enter", "hunter22", "enter", "hunter23", "enter"), wait: "differ"})
}

func TestGoldenInvite(t *testing.T) {
	mk := func() tea.Model { return NewApp(testCommon(0, 0), &fakeOpener{core: newFakeCore()}) }
	runGolden(t, mk, step{wait: "Welcome"},
		step{send: keyMsgs("Mallory", "enter", "hunter22", "enter", "hunter22", "enter"), wait: "Your invite"})
}

func TestGoldenUnlock(t *testing.T) {
	mk := func() tea.Model { return NewApp(testCommon(0, 0), &fakeOpener{exists: true, core: newFakeCore()}) }
	runGolden(t, mk, step{wait: "Unlock"},
		step{send: keyMsgs("wrong guess", "enter"), wait: "Wrong passphrase"})
}

// autoBackup opens the automatic-backup screen from the composer.
var autoBackup = step{send: keyMsgs("tab", "tab", "/backup auto", "enter"), wait: "Automatic backups are"}

func TestGoldenAutoBackupOff(t *testing.T) {
	runGolden(t, mainModel(newFakeCore()), loaded, autoBackup)
}

func TestGoldenAutoBackupOn(t *testing.T) {
	mk := func() tea.Model {
		f := newFakeCore()
		f.auto = autoOn
		return mainModel(f)()
	}
	runGolden(t, mk, loaded, autoBackup)
}

func TestGoldenAutoBackupForm(t *testing.T) {
	runGolden(t, mainModel(newFakeCore()), loaded, autoBackup,
		step{send: keyMsgs("enter", "/home/mallory/backups", "enter", "ctrl+u", "soon", "enter", "enter"), wait: "such as 24h"})
}

func TestGoldenAutoBackupKey(t *testing.T) {
	runGolden(t, mainModel(newFakeCore()), loaded, autoBackup,
		step{send: keyMsgs("enter", "/home/mallory/backups", "enter", "enter", "enter"), wait: "Write this recovery key"})
}

func TestGoldenAutoBackupWritten(t *testing.T) {
	runGolden(t, mainModel(newFakeCore()), loaded,
		step{send: []tea.Msg{chat.BackupWritten{Path: "/b/ratchat-20260314-150000.000000000.rcb"}}, wait: "Backup written"})
}

// keyChanged opens Carol's verification: her key changed, so every key
// of the screen is offered.
var keyChanged = []step{
	{send: keyMsgs("down", "down", "enter"), wait: "enter send"},
	{send: keyMsgs("/verify", "enter"), wait: "Their code"},
}

// chatOpen opens Alice's chat and waits for the composer's keys.
var chatOpen = step{send: keyMsgs("enter"), wait: "enter send"}

func TestGoldenVerifySmall(t *testing.T) {
	runGoldenAt(t, smallSizes, mainModel(newFakeCore()), append([]step{loaded}, keyChanged...)...)
}

func TestGoldenChatNarrow(t *testing.T) {
	runGoldenAt(t, smallSizes, mainModel(newFakeCore()), loaded,
		chatOpen,
		step{send: keyMsgs("draft"), wait: "draft"})
}

func TestGoldenContactsNarrow(t *testing.T) {
	runGoldenAt(t, smallSizes[2:], mainModel(newFakeCore()), loaded,
		chatOpen,
		step{send: keyMsgs("esc"), wait: "Bob"})
}

func TestGoldenStatusCut(t *testing.T) {
	long := errMsg{errors.New("Could not add the contact: the invite names a home that did not answer")}
	runGoldenAt(t, smallSizes, mainModel(newFakeCore()), loaded,
		step{send: []tea.Msg{long}, wait: "Could not"},
		chatOpen,
		step{send: keyMsgs("/timer soon", "enter"), wait: "usage"})
}
