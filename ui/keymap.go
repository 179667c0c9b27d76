package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// KeyMap holds every key binding of the interface. Components match keys
// only against it (with key.Matches), and the help overlay is built from it,
// so that what the help shows is what the keys do.
type KeyMap struct {
	// Global.
	Quit, Help, HelpAnywhere, Back, NextFocus, PrevFocus, NextUnread key.Binding
	// ShowContacts goes back to the contact list on a screen too narrow
	// to show it beside the chat.
	ShowContacts key.Binding
	// Lists and scrolling.
	Up, Down, Open, PageUp, PageDown, Bottom key.Binding
	// Composer.
	Send, Newline, Complete, HistoryPrev, HistoryNext key.Binding
	// Forms (verification, backups, onboarding, unlock).
	Submit, NextField, PrevField, Confirm key.Binding
	// Yes agrees to what cannot be undone (a restore over the profile),
	// on a step with no text field; Cancel stops a running operation.
	Yes, Cancel key.Binding
	// Verification.
	MarkVerified, MarkUnverified, AcceptKey key.Binding
	// Automatic backups: AutoBackup opens their settings from the export
	// screen; AutoOn and AutoOff act on the settings screen, which has no
	// text field until AutoOn opens one.
	AutoBackup, AutoOn, AutoOff key.Binding
	// Invite: Copy copies the user's invite (onboarding, /invite).
	Copy key.Binding
	// Shortcuts from the contact list and the chat view (not from text
	// fields, where these letters are typed).
	Verify, Backup, Restore key.Binding
	// Members lists the open group's members (from the contact list
	// and the chat view).
	Members key.Binding
	// Message actions, on the message selected in the chat pane (up and
	// down select there): reply, edit, delete, react, info; then, in the
	// delete prompt, for me or for everyone.
	Reply, Edit, Delete, React, Info, DeleteForMe, DeleteForAll key.Binding
}

// DefaultKeyMap returns ratchat's key bindings.
func DefaultKeyMap() *KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return &KeyMap{
		Quit:         b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Help:         b([]string{"?"}, "?", "help (outside text fields)"),
		HelpAnywhere: b([]string{"f1"}, "f1", "help"),
		Back:         b([]string{"esc"}, "esc", "back"),
		NextFocus:    b([]string{"tab"}, "tab", "next pane"),
		PrevFocus:    b([]string{"shift+tab"}, "shift+tab", "previous pane"),
		NextUnread: b([]string{"alt+a"}, "alt+a",
			"next chat with unread"),
		ShowContacts: b([]string{"esc"}, "esc", "contacts"),

		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		Open:     b([]string{"enter"}, "enter", "open chat"),
		PageUp:   b([]string{"pgup"}, "pgup", "scroll up"),
		PageDown: b([]string{"pgdown"}, "pgdn", "scroll down"),
		Bottom:   b([]string{"end"}, "end", "newest message"),

		Send:        b([]string{"enter"}, "enter", "send"),
		Newline:     b([]string{"alt+enter"}, "alt+enter", "new line"),
		Complete:    b([]string{"tab"}, "tab", "complete /command"),
		HistoryPrev: b([]string{"up"}, "↑", "previous sent"),
		HistoryNext: b([]string{"down"}, "↓", "next sent"),

		Submit:    b([]string{"enter"}, "enter", "submit"),
		NextField: b([]string{"tab"}, "tab", "next field"),
		PrevField: b([]string{"shift+tab"}, "shift+tab", "previous field"),
		Confirm:   b([]string{"enter"}, "enter", "confirm"),
		Yes:       b([]string{"y", "Y"}, "y", "yes, go ahead"),
		Cancel:    b([]string{"esc"}, "esc", "cancel"),

		MarkVerified:   b([]string{"alt+v"}, "alt+v", "mark verified"),
		MarkUnverified: b([]string{"alt+u"}, "alt+u", "mark unverified"),
		AcceptKey:      b([]string{"alt+k"}, "alt+k", "accept new key"),

		AutoBackup: b([]string{"tab"}, "tab", "automatic backups"),
		AutoOn:     b([]string{"enter"}, "enter", "set up or change"),
		AutoOff:    b([]string{"d"}, "d", "turn off"),

		Copy: b([]string{"c"}, "c", "copy invite"),

		Verify:  b([]string{"v"}, "v", "verify contact"),
		Backup:  b([]string{"b"}, "b", "export backup"),
		Restore: b([]string{"r"}, "r", "restore backup"),
		Members: b([]string{"g"}, "g", "group members"),

		Reply:        b([]string{"r"}, "r", "reply"),
		Edit:         b([]string{"e"}, "e", "edit"),
		Delete:       b([]string{"d"}, "d", "delete"),
		React:        b([]string{"+"}, "+", "react"),
		Info:         b([]string{"i"}, "i", "info"),
		DeleteForMe:  b([]string{"m"}, "m", "for me"),
		DeleteForAll: b([]string{"a"}, "a", "for everyone"),
	}
}

// asText returns a key message that is text marked as such, so that no
// key binding matches it: runes are text while a text field has the
// keyboard (typing), and a chunk of several runes is text everywhere.
//
// Why: Bubble Tea v1 delivers what arrives in one read (an unbracketed
// paste, a slow SSH link, tmux send-keys -l) as one KeyRunes message per
// word, and key.Matches compares msg.String() with the bindings, so the
// word "down" would be taken for the down arrow, "enter" for Enter and
// "f1" for F1. Bubble Tea marks a bracketed paste the same way: its
// String() is "[down]", which no binding spells, and the text fields
// insert its runes. A rune with Alt (alt+v) stays a key.
func asText(msg tea.KeyMsg, typing bool) tea.KeyMsg {
	if msg.Type == tea.KeyRunes && (len(msg.Runes) > 1 || typing && !msg.Alt) {
		msg.Paste = true
	}
	return msg
}

// typist is a page that may have a text field focused, where runes are
// text rather than keys.
type typist interface {
	// typing reports whether a text field has the keyboard.
	typing() bool
}
