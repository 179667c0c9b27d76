package ui

import (
	"context"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// typingCallTimeout bounds one typing indicator's call to the core.
const typingCallTimeout = 3 * time.Second

// typingExpiredMsg ends a contact's "typing…" unless a newer indicator
// (a later gen) came since.
type typingExpiredMsg struct {
	contact chat.ContactID
	gen     int
}

// typingIdleMsg says the composer sat unchanged for chat.TypingIdle since
// the change numbered gen.
type typingIdleMsg struct{ gen int }

// typingOut is what the contact was last told about the user's typing.
type typingOut struct {
	contact   chat.ContactID
	active    bool      // a "started" went out and no "stopped" since
	lastStart time.Time // when the last "started" went out
	gen       int       // counts the composer's changes
}

// setTyping shows or clears a contact's "typing…"; a shown one expires
// after chat.TypingExpiry unless renewed.
func (v *ChatView) setTyping(id chat.ContactID, on bool) tea.Cmd {
	if !on {
		delete(v.typing, id)
		return nil
	}
	if v.typing == nil {
		v.typing = map[chat.ContactID]int{}
	}
	v.typingGen++
	v.typing[id] = v.typingGen
	return v.common.After(chat.TypingExpiry, typingExpiredMsg{id, v.typingGen})
}

// expireTyping clears a "typing…" that was not renewed.
func (v *ChatView) expireTyping(m typingExpiredMsg) {
	if v.typing[m.contact] == m.gen {
		delete(v.typing, m.contact)
	}
}

// handleTypingIn shows a contact's typing indicator, if the user wants to
// see them.
func (a *App) handleTypingIn(ev chat.TypingChanged) tea.Cmd {
	if !a.common.Settings.Typing.Show {
		return nil
	}
	return a.chat.setTyping(ev.Contact, ev.Typing)
}

// composerChanged tells the open chat's contact that the user is typing,
// at most once per chat.TypingRefresh, and that the user stopped: when
// the composer is emptied (sent or cleared), another chat is opened, or
// nothing changed for chat.TypingIdle. A /command is not typing to anyone.
func (a *App) composerChanged() tea.Cmd {
	if !a.common.Settings.Typing.Send || a.chat == nil {
		return nil
	}
	c, open := a.chat.Contact()
	text := a.composer.Value()
	// No indicators in a group: a member would be told of each word
	// typed to many.
	typing := open && text != "" && !strings.HasPrefix(text, "/") && !isGroup(c.Contact)
	t := &a.typingOut
	var stop tea.Cmd
	if t.active && (!typing || t.contact != c.Contact.ID) {
		t.active = false
		stop = typingCmd(a.core, t.contact, false)
	}
	if !typing {
		return stop
	}
	t.gen++
	idle := a.common.After(chat.TypingIdle, typingIdleMsg{t.gen})
	now := a.common.Now()
	if t.active && now.Sub(t.lastStart) < chat.TypingRefresh {
		return tea.Batch(stop, idle)
	}
	t.active, t.contact, t.lastStart = true, c.Contact.ID, now
	return tea.Batch(stop, typingCmd(a.core, c.Contact.ID, true), idle)
}

// typingIdle sends "stopped" once the composer sat unchanged.
func (a *App) typingIdle(m typingIdleMsg) tea.Cmd {
	t := &a.typingOut
	if m.gen != t.gen || !t.active {
		return nil
	}
	t.active = false
	return typingCmd(a.core, t.contact, false)
}

// typingCmd tells the core to send a typing indicator. Its failure is
// nobody's business: an indicator is dropped rather than retried.
func typingCmd(core Messenger, id chat.ContactID, on bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), typingCallTimeout)
		defer cancel()
		core.SetTyping(ctx, id, on)
		return nil
	}
}
