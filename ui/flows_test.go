package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

func TestBackupExportFlow(t *testing.T) {
	f := newFakeCore()
	v := NewBackupView(testCommon(80, 22), f)
	drive(v, keyMsgs("enter")...)
	if v.step != exportKey || v.check.phase != keyShown || !strings.Contains(v.View(), "0123 4567 8901 2345") {
		t.Fatalf("the key is not shown in groups:\n%s", v.View())
	}
	drive(v, keyMsgs("esc")...)
	if v.step != exportKey || v.check.phase != keyShown {
		t.Fatal("esc left the screen while the key was shown")
	}
	drive(v, keyMsgs("enter")...)
	if strings.Contains(v.View(), "0123 4567") {
		t.Fatal("the key is still shown on the confirmation step")
	}
	drive(v, keyMsgs("0123", "enter")...)
	if v.check.phase != keyTyping || !strings.Contains(v.View(), "not the key") {
		t.Fatalf("a wrong key was accepted:\n%s", v.View())
	}
	drive(v, keyMsgs("esc", "enter", strings.Join(groupDigits(f.backupKey, 4), " "), "enter")...)
	if v.step != exportDone || v.check.key != "" {
		t.Fatalf("the right key was refused, or kept: step %d:\n%s", v.step, v.View())
	}
}

func TestRestoreFlow(t *testing.T) {
	f := newFakeCore()
	tests := []struct {
		name string
		keys []string
		says string
	}{
		{"no path", []string{"tab", "enter"}, "Type the backup file's path"},
		{"short key", []string{"/b", "enter", "123", "enter"}, "this one has 3"},
		{"wrong key", []string{"/b", "enter", strings.Repeat("9", 64), "enter", "y"}, "Your profile is unchanged"},
		{"right key", []string{"/b", "enter", f.backupKey, "enter", "y"}, "Restored 3 contacts and 1234 messages"},
	}
	for _, tt := range tests {
		v := NewRestoreView(testCommon(80, 22), f)
		drive(v, keyMsgs(tt.keys...)...)
		if !strings.Contains(v.View(), tt.says) {
			t.Errorf("%s: view does not say %q:\n%s", tt.name, tt.says, v.View())
		}
	}
}

// TestRestoreConfirm checks that a restore over the open profile starts
// only after an explicit y, on a step that says what is replaced, and
// that esc or anything else there touches nothing (issue 8, defect 10).
func TestRestoreConfirm(t *testing.T) {
	tests := []struct {
		name     string
		then     []string
		restores int
		step     restoreStep
		says     string
	}{
		{"nothing yet", nil, 0, restoreConfirm, "history of Mallory (3 contacts now)"},
		{"esc", []string{"esc"}, 0, restoreForm, "nothing was changed"},
		{"enter again", []string{"enter"}, 0, restoreConfirm, "Press y to restore"},
		{"a pasted yes", []string{"yes"}, 0, restoreConfirm, "unless you export a backup"},
		{"n", []string{"n"}, 0, restoreConfirm, "Press y"},
		{"y", []string{"y"}, 1, restoreDone, "Restored 3 contacts and 1234 messages"},
		{"esc then y", []string{"esc", "y"}, 0, restoreForm, "nothing was changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCore()
			f.name = "Mallory"
			v := NewRestoreView(testCommon(80, 22), f)
			drive(v, v.Init()())
			drive(v, keyMsgs("/b", "enter", f.backupKey, "enter")...)
			drive(v, keyMsgs(tt.then...)...)
			if f.restores != tt.restores || v.step != tt.step || !strings.Contains(v.View(), tt.says) {
				t.Errorf("%d restores, step %d, want %d and %d saying %q:\n%s",
					f.restores, v.step, tt.restores, tt.step, tt.says, v.View())
			}
		})
	}
}

// TestRestoreProgress feeds a running restore its progress reports, as
// the job delivers them, and checks what the screen says and whether esc
// still cancels.
func TestRestoreProgress(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name        string
		done, total int64
		says        string
		cancellable bool
	}{
		{"not started", 0, 0, "checking the backup", true},
		{"a third", 4 * mb, 12 * mb, "4.0 MiB of 12.0 MiB", true},
		{"size unknown", 3 * mb, 0, "backup: 3.0 MiB", true},
		{"all read", 12 * mb, 12 * mb, "Opening the restored profile", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewRestoreView(testCommon(80, 22), newFakeCore())
			v.SetSize(80, 22)
			v.step, v.path, v.job = restoreRunning, "/b", newJob(2)
			if tt.done > 0 {
				if cmd := updateOnly(v, jobMsg{id: 2, done: tt.done, total: tt.total}); cmd != nil {
					t.Fatal("a progress report without a next read returned a command")
				}
			}
			view := v.View()
			pct := fmt.Sprintf("%3.0f%%", 100*fraction(tt.done, tt.total))
			if !strings.Contains(view, tt.says) || !strings.Contains(view, pct) {
				t.Errorf("view does not say %q and %q:\n%s", tt.says, pct, view)
			}
			drive(v, keyMsgs("esc")...)
			if v.cancelling != tt.cancellable || v.job.ctx.Err() != nil != tt.cancellable {
				t.Errorf("esc: cancelling %v, ctx %v; want cancellable %v", v.cancelling, v.job.ctx.Err(), tt.cancellable)
			}
		})
	}
}

// updateOnly hands a message to a view and returns its command unrun.
func updateOnly(v *RestoreView, msg tea.Msg) tea.Cmd {
	_, cmd := v.Update(msg)
	return cmd
}

// TestRestoreCancelled checks that a restore cancelled while it reads
// says the profile is unchanged and leaves the form to try again.
func TestRestoreCancelled(t *testing.T) {
	v := NewRestoreView(testCommon(80, 22), newFakeCore())
	v.step, v.job = restoreRunning, newJob(2)
	drive(v, jobMsg{id: 2, finished: true, err: fmt.Errorf("store: %w", context.Canceled)})
	if v.step != restoreForm || v.failed || !strings.Contains(v.View(), "Restore cancelled. Your profile is unchanged.") {
		t.Fatalf("step %d, failed %v:\n%s", v.step, v.failed, v.View())
	}
}

func TestOnboardingProblems(t *testing.T) {
	tests := []struct{ name, pass, again, want string }{
		{"", "long enough", "long enough", "display name"},
		{"Al", "short", "short", "at least 8"},
		{"Al", "long enough", "long enougH", "differ"},
		{"Al", "long enough", "long enough", ""},
		{"Al", "ünïcödé!", "ünïcödé!", ""}, // counted in characters, not bytes
	}
	for _, tt := range tests {
		got := onboardingProblem(tt.name, tt.pass, tt.again)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("onboardingProblem(%q, %q, %q) = %q, want %q", tt.name, tt.pass, tt.again, got, tt.want)
		}
	}
}

func TestOnboardingToMain(t *testing.T) {
	f := newFakeCore()
	a := NewApp(testCommon(0, 0), &fakeOpener{core: f})
	drive(a, a.Init()(), windowSize(100, 40))
	drive(a, keyMsgs("Zoë", "enter", "correct horse", "enter", "correct horse", "enter")...)
	if !strings.Contains(a.View(), "Your invite") || a.screen != screenOpen {
		t.Fatalf("no invite after onboarding:\n%s", a.View())
	}
	drive(a, keyMsgs("enter")...)
	if a.screen != screenMain || f.name != "Zoë" || !strings.Contains(a.View(), "Carol") {
		t.Fatalf("not on the main screen after the invite:\n%s", a.View())
	}
}

func TestUnlockRetries(t *testing.T) {
	a := NewApp(testCommon(0, 0), &fakeOpener{exists: true, core: newFakeCore()})
	drive(a, a.Init()(), windowSize(80, 24))
	drive(a, keyMsgs("wrong", "enter", "also wrong", "enter")...)
	if a.screen != screenOpen || !strings.Contains(a.View(), "Wrong passphrase (attempt 2)") {
		t.Fatalf("no retry message:\n%s", a.View())
	}
	if strings.Contains(a.View(), "wrong") {
		t.Fatal("the passphrase is shown")
	}
	drive(a, keyMsgs("correct horse", "enter")...)
	if a.screen != screenMain {
		t.Fatalf("the right passphrase did not unlock:\n%s", a.View())
	}
}

func TestBackupRefusesMalformedKey(t *testing.T) {
	f := newFakeCore()
	f.backupKey = "12345"
	v := NewBackupView(testCommon(80, 22), f)
	drive(v, keyMsgs("enter")...)
	if v.step != exportFailed || !strings.Contains(v.View(), "malformed") {
		t.Fatalf("a 5-digit key was shown as a recovery key:\n%s", v.View())
	}
}

// TestRestoreOtherIdentity checks the second confirmation a backup of
// another identity asks for: esc keeps the profile, y restores it with
// force.
func TestRestoreOtherIdentity(t *testing.T) {
	tests := []struct {
		name     string
		then     []string
		restores int
		step     restoreStep
		says     string
	}{
		{"refused", nil, 1, restoreOther, "another identity (none) than this profile's (none)"},
		{"a pasted yes", []string{"yes"}, 1, restoreOther, "restore anyway (your current identity is kept aside)"},
		{"esc", []string{"esc"}, 1, restoreForm, "nothing was changed"},
		{"y", []string{"y"}, 2, restoreDone, "Restored 3 contacts and 1234 messages"},
		{"esc then y", []string{"esc", "y"}, 1, restoreForm, "nothing was changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCore()
			f.otherIdentity = true
			v := NewRestoreView(testCommon(80, 30), f)
			drive(v, keyMsgs("/b", "enter", f.backupKey, "enter", "y")...)
			drive(v, keyMsgs(tt.then...)...)
			if f.restores != tt.restores || v.step != tt.step || !strings.Contains(v.View(), tt.says) {
				t.Errorf("%d restores, step %d, want %d and %d saying %q:\n%s",
					f.restores, v.step, tt.restores, tt.step, tt.says, v.View())
			}
			if v.step == restoreForm && v.key != (chat.RecoveryKey{}) {
				t.Error("the recovery key was kept after esc")
			}
		})
	}
}
