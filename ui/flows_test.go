package ui

import (
	"strings"
	"testing"
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
		{"wrong key", []string{"/b", "enter", strings.Repeat("9", 64), "enter"}, "Your profile is unchanged"},
		{"right key", []string{"/b", "enter", f.backupKey, "enter"}, "Restored 3 contacts and 1234 messages"},
	}
	for _, tt := range tests {
		v := NewRestoreView(testCommon(80, 22), f)
		drive(v, keyMsgs(tt.keys...)...)
		if !strings.Contains(v.View(), tt.says) {
			t.Errorf("%s: view does not say %q:\n%s", tt.name, tt.says, v.View())
		}
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
