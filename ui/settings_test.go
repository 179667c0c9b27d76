package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"ratchat/chat"
	"ratchat/config"
)

// TestKeyMapNames: every binding has a configuration name, and the names
// are what the configuration file accepts.
func TestKeyMapNames(t *testing.T) {
	names := DefaultKeyMap().Names()
	for _, want := range []string{"quit", "help_anywhere", "next_unread", "page_up", "send", "mark_verified", "show_contacts"} {
		if _, ok := names[want]; !ok {
			t.Errorf("no binding named %q in %v", want, names)
		}
	}
	if strings.Join(names["up"], ",") != "up,k" {
		t.Errorf("up's keys: %v", names["up"])
	}
	base := config.Default()
	base.Keys = names
	if _, err := config.Parse("c.toml", []byte("[keys]\npage_up = \"ctrl+b\"\n"), base); err != nil {
		t.Fatalf("a binding's name refused: %v", err)
	}
}

// TestConfiguredKeys: a binding overridden in the configuration matches
// its new key, not the old one, and help shows the new key.
func TestConfiguredKeys(t *testing.T) {
	base := config.Default()
	base.Keys = DefaultKeyMap().Names()
	cfg, err := config.Parse("c.toml", []byte("[keys]\nnext_unread = \"ctrl+n\"\nup = [\"up\", \"ctrl+p\"]\n"), base)
	if err != nil {
		t.Fatal(err)
	}
	km := NewCommonFrom(cfg).KeyMap
	tests := []struct {
		b    key.Binding
		keys []string
		help string
	}{
		{km.NextUnread, []string{"ctrl+n"}, "ctrl+n"},
		{km.Up, []string{"up", "ctrl+p"}, "up/ctrl+p"},
		{km.Down, []string{"down", "j"}, "↓/j"}, // untouched
	}
	for _, tt := range tests {
		if strings.Join(tt.b.Keys(), ",") != strings.Join(tt.keys, ",") || tt.b.Help().Key != tt.help {
			t.Errorf("binding %v (help %q), want %v (help %q)", tt.b.Keys(), tt.b.Help().Key, tt.keys, tt.help)
		}
	}
	if DefaultKeyMap().NextUnread.Keys()[0] != "alt+a" {
		t.Error("the configuration changed the default key map")
	}
	// The main screen follows the new binding.
	f := newFakeCore()
	c := testCommon(0, 0)
	c.KeyMap = km
	a := NewMainApp(c, f)
	drive(a, a.Init()())
	drive(a, keyMsgs("alt+a")...)
	if _, open := a.chat.Contact(); open {
		t.Fatal("the old key still jumps to an unread chat")
	}
}

// TestThemes: auto adapts to the background, light and dark force their
// palette.
func TestThemes(t *testing.T) {
	th := config.Default().Theme
	tests := []struct {
		mode string
		want lipgloss.TerminalColor
	}{
		{config.ModeAuto, lipgloss.AdaptiveColor{Light: th.Light.Accent, Dark: th.Dark.Accent}},
		{config.ModeLight, lipgloss.Color(th.Light.Accent)},
		{config.ModeDark, lipgloss.Color(th.Dark.Accent)},
	}
	for _, tt := range tests {
		th.Mode = tt.mode
		if got := StylesFor(th).Title.GetForeground(); got != tt.want {
			t.Errorf("mode %s: accent %v, want %v", tt.mode, got, tt.want)
		}
	}
}

// TestReceiptsHidden: with read receipts not shown, a read message shows
// delivered.
func TestReceiptsHidden(t *testing.T) {
	c := testCommon(80, 10)
	m := text(1, chat.Outgoing, "hi", t0, chat.StatusRead)
	if got := strings.Join(renderMessage(c, "Alice", m, t0, 80), "\n"); !strings.Contains(got, markRead) {
		t.Fatalf("read receipts shown: %q lacks %q", got, markRead)
	}
	c.Settings.Receipts.Show = false
	got := strings.Join(renderMessage(c, "Alice", m, t0, 80), "\n")
	if strings.Contains(got, markRead) || !strings.Contains(got, markDelivered) {
		t.Fatalf("read receipts hidden: %q", got)
	}
}

// TestStatusBarViaRelay: the bar says when the home is a relay.
func TestStatusBarViaRelay(t *testing.T) {
	for _, relay := range []bool{false, true} {
		s := NewStatusBar(testCommon(100, 1))
		s.SetSize(100, 1)
		s.SetProfile("Mallory", "relay.example:7000")
		s.SetConnection(true)
		s.SetViaRelay(relay)
		if got := strings.Contains(s.View(), "online via relay"); got != relay {
			t.Errorf("relay %v: bar %q", relay, s.View())
		}
	}
}
