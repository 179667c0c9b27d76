package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// TestTypingShown: a contact's indicator shows "typing…" in its chat's
// header until it stops, expires or a message arrives; never when the
// configuration hides indicators.
func TestTypingShown(t *testing.T) {
	tests := []struct {
		name string
		show bool
		then []tea.Msg
		want bool
	}{
		{"started", true, nil, true},
		{"stopped", true, []tea.Msg{chat.TypingChanged{Contact: 1, Typing: false}}, false},
		{"expired", true, []tea.Msg{typingExpiredMsg{contact: 1, gen: 1}}, false},
		{"renewed, the old expiry passes", true, []tea.Msg{chat.TypingChanged{Contact: 1, Typing: true},
			typingExpiredMsg{contact: 1, gen: 1}}, true},
		{"the message arrived", true, []tea.Msg{incoming(1, "hi")}, false},
		{"another contact's", true, []tea.Msg{chat.TypingChanged{Contact: 2, Typing: false}}, true},
		{"hidden by the configuration", false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testCommon(0, 0)
			c.Settings.Typing.Show = tt.show
			a := NewMainApp(c, newFakeCore())
			drive(a, a.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24})
			drive(a, keyMsgs("enter")...)
			drive(a, chat.TypingChanged{Contact: 1, Typing: true})
			drive(a, tt.then...)
			if got := strings.Contains(a.View(), "typing…"); got != tt.want {
				t.Errorf("typing… shown %v, want %v:\n%s", got, tt.want, a.View())
			}
		})
	}
}

// TestTypingSent: typing in the composer sends "started" once per refresh
// interval, and "stopped" when the text is cleared or sent, or after the
// idle time; a /command is not typing; nothing at all when the
// configuration says not to send.
func TestTypingSent(t *testing.T) {
	tests := []struct {
		name string
		send bool
		keys []string
		then []tea.Msg
		want string
	}{
		{"started once while typing", true, []string{"h", "i"}, nil, "true"},
		{"cleared", true, []string{"h", "backspace"}, nil, "true,false"},
		{"sent", true, []string{"h", "i", "enter"}, nil, "true,false"},
		{"idle", true, []string{"h"}, []tea.Msg{typingIdleMsg{gen: 1}}, "true,false"},
		{"idle, then typed again", true, []string{"h", "i"}, []tea.Msg{typingIdleMsg{gen: 1}}, "true"},
		{"a command", true, []string{"/", "m"}, nil, ""},
		{"not sent by configuration", false, []string{"h", "i", "enter"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCore()
			c := testCommon(0, 0)
			c.Settings.Typing.Send = tt.send
			a := NewMainApp(c, f)
			drive(a, a.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24})
			drive(a, keyMsgs("enter")...)
			drive(a, keyMsgs(tt.keys...)...)
			drive(a, tt.then...)
			f.mu.Lock()
			defer f.mu.Unlock()
			var got []string
			for _, on := range f.typing {
				got = append(got, fmt.Sprint(on))
			}
			if strings.Join(got, ",") != tt.want {
				t.Errorf("indicators sent %v, want %s", got, tt.want)
			}
		})
	}
}
