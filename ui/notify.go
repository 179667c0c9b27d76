package ui

import (
	"context"
	"io"
	"os/exec"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
	"ratchat/config"
)

// Bounds of a notification: its title and body are cut to these many
// characters, and notify-send gets this long to finish.
const (
	maxNotifyTitle = 64
	maxNotifyBody  = 200
	notifyTimeout  = 3 * time.Second
)

// notifyNewMessage signals a message that arrived for a chat not in view:
// the bell, the desktop notification sequences and notify-send, as the
// configuration says; nothing for a chat in view or muted.
func (a *App) notifyNewMessage(ev chat.MessageReceived) tea.Cmd {
	if a.inView(ev.Contact) {
		return nil
	}
	s, known := a.summaryOf(ev.Contact)
	if known && s.Muted() && s.MutedUntil.After(a.common.Now()) {
		return nil
	}
	name := "someone new"
	if known {
		name = chat.DisplayName(s.Contact)
	}
	if known && isGroup(s.Contact) && ev.Message.Sender != 0 {
		who, _ := a.nameOf(ev.Message.Sender)
		if who == "" {
			who = "someone"
		}
		name = who + " in " + name
	}
	n := a.common.Settings.Notifications
	title, body := "ratchat", "New message from "+name
	if n.Previews && len(ev.Message.Body) > 0 {
		title, body = name, string(ev.Message.Body)
	}
	title, body = notifyText(title, maxNotifyTitle), notifyText(body, maxNotifyBody)
	seq := notifySequences(n, title, body)
	w, desktop := a.common.Terminal, a.common.DesktopNotify
	if !n.NotifySend {
		desktop = nil
	}
	if seq == "" && desktop == nil {
		return nil
	}
	return func() tea.Msg {
		if seq != "" {
			io.WriteString(w, seq) // a terminal that cannot take it loses nothing
		}
		if desktop != nil {
			desktop(title, body)
		}
		return nil
	}
}

// inView reports whether the user is looking at this contact's chat: the
// main screen, no overlay or page, the chat open and the contact list not
// focused.
func (a *App) inView(id chat.ContactID) bool {
	if a.screen != screenMain || a.showHelp || a.page != nil || a.focus == focusContacts || a.chat == nil {
		return false
	}
	s, open := a.chat.Contact()
	return open && s.Contact.ID == id
}

// summaryOf finds a contact's summary in the contact list.
func (a *App) summaryOf(id chat.ContactID) (chat.Summary, bool) {
	if a.contacts == nil {
		return chat.Summary{}, false
	}
	for _, s := range a.contacts.Items() {
		if s.Contact.ID == id {
			return s, true
		}
	}
	return chat.Summary{}, false
}

// notifySequences returns the bytes that ring the bell and ask the
// terminal for a desktop notification: OSC 777 (urxvt, foot, kitty,
// WezTerm, VTE), OSC 9 (iTerm2, Windows Terminal) or both.
func notifySequences(n config.Notifications, title, body string) string {
	var b strings.Builder
	if n.Bell {
		b.WriteByte('\a')
	}
	if n.Desktop == config.DesktopOSC777 || n.Desktop == config.DesktopBoth {
		// Why the semicolons go: they separate OSC 777's fields.
		b.WriteString("\x1b]777;notify;" + strings.ReplaceAll(title, ";", ",") + ";" +
			strings.ReplaceAll(body, ";", ",") + "\a")
	}
	if n.Desktop == config.DesktopOSC9 || n.Desktop == config.DesktopBoth {
		b.WriteString("\x1b]9;" + title + ": " + body + "\a")
	}
	return b.String()
}

// notifyText makes text fit in a notification: one line, no control
// characters (an escape sequence in a name would end ours and start its
// own), at most n characters.
func notifyText(s string, n int) string {
	s = SanitizeLine(strings.Join(strings.Fields(s), " "))
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// notifySend returns a function that shows a desktop notification with
// notify-send, or nil when notify-send is not on the PATH. It runs the
// program itself, no shell, with the text as arguments after "--" (so a
// title starting with "-" is no option), and waits at most notifyTimeout.
func notifySend() func(title, body string) {
	path, err := exec.LookPath("notify-send")
	if err != nil {
		return nil
	}
	return func(title, body string) {
		ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
		defer cancel()
		exec.CommandContext(ctx, path, "--app-name=ratchat", "--", title, body).Run() // best effort
	}
}
