package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"ratchat/chat"
)

// indent is the hanging indent of a message's continuation lines: the
// width of its "15:04 " timestamp.
const indent = 6

// renderBlock renders one message as lines of at most width cells: a day
// separator first when the day changed since prev (nil for the first
// message loaded), then the message itself. Peer text is sanitized here,
// before any styling or wrapping, which would otherwise read escape
// sequences in it as their own.
func renderBlock(c Common, peer string, m chat.Message, prev *chat.Message, width int) []string {
	return renderBlockWith(c, peer, m, prev, width, blockExtras{})
}

// blockExtras is what a block shows beyond its own row: whether it is
// selected, and for a reply (quote set) the message it quotes, when that
// is loaded.
type blockExtras struct {
	selected bool
	quote    bool
	quoted   *chat.Message
	// quotedPeer is who wrote the quoted message, when not peer (a
	// group's member).
	quotedPeer string
}

// renderBlockWith is renderBlock with the selection and the quoted message.
func renderBlockWith(c Common, peer string, m chat.Message, prev *chat.Message, width int, x blockExtras) []string {
	var lines []string
	at := shownAt(m).In(c.Location)
	if prev == nil || !sameDay(shownAt(*prev).In(c.Location), at) {
		lines = append(lines, daySeparator(c, at, width))
	}
	if m.Kind.System() {
		text := "· " + systemText(m, SanitizeLine(peer)) + " ·"
		for _, l := range strings.Split(ansi.Wrap(text, max(1, width-indent), ""), "\n") {
			lines = append(lines, strings.Repeat(" ", indent)+c.Styles.System.Render(l))
		}
		return lines
	}
	if x.quote {
		qpeer := peer
		if x.quotedPeer != "" {
			qpeer = x.quotedPeer
		}
		lines = append(lines, quoteLine(c, qpeer, x.quoted, width))
	}
	msg := renderMessage(c, peer, m, at, width)
	if x.selected {
		// Marked by shape, not by colour alone: an arrow in place of the
		// space after the time.
		msg[0] = strings.Replace(msg[0], " ", "▸", 1)
		for i := range msg {
			msg[i] = c.Styles.Selected.Render(msg[i])
		}
	}
	lines = append(lines, msg...)
	if r := reactionLine(m); r != "" {
		lines = append(lines, strings.Repeat(" ", indent)+truncate(r, max(1, width-indent)))
	}
	return lines
}

// quoteLine renders the message a reply quotes, on one line above it.
func quoteLine(c Common, peer string, q *chat.Message, width int) string {
	text := "an earlier message"
	if q != nil {
		who := SanitizeLine(peer)
		if q.Direction == chat.Outgoing {
			who = "me"
		}
		body := SanitizeLine(string(q.Body))
		switch {
		case q.Kind == chat.RowDeleted:
			body = "This message was deleted"
		case q.File != nil:
			body = "[file] " + SanitizeLine(q.File.Name)
		}
		text = who + ": " + body
	}
	return strings.Repeat(" ", indent) + c.Styles.Subtle.Render(truncate("┌ "+text, max(1, width-indent)))
}

// reactionLine renders a message's reactions with their counts.
func reactionLine(m chat.Message) string {
	var parts []string
	for _, r := range chat.CountReactions(m.Reactions) {
		parts = append(parts, fmt.Sprintf("%s %d", SanitizeLine(r.Emoji), r.Count))
	}
	return strings.Join(parts, "  ")
}

// renderMessage renders a message: time, sender, wrapped text with a
// hanging indent, and the delivery ticks of an outgoing message.
func renderMessage(c Common, peer string, m chat.Message, at time.Time, width int) []string {
	st := c.Styles
	name := st.PeerName.Render(SanitizeLine(peer) + ":")
	if m.Direction == chat.Outgoing {
		name = st.OwnName.Render("me:")
	}
	text := strings.ReplaceAll(Sanitize(string(m.Body)), "\t", "    ")
	if m.File != nil {
		text = strings.TrimSpace(fileText(*m.File, m.Direction == chat.Outgoing) + " " + text)
	}
	switch {
	case m.Kind == chat.RowDeleted:
		text = st.System.Render("This message was deleted")
	case !m.Edited.IsZero():
		text += " " + st.Subtle.Render("(edited)")
	}
	body := ansi.Wrap(name+" "+text, max(1, width-indent), "")
	lines := strings.Split(body, "\n")
	for i := range lines {
		prefix := strings.Repeat(" ", indent)
		if i == 0 {
			prefix = st.Time.Render(at.Format("15:04")) + " "
		}
		lines[i] = prefix + lines[i]
	}
	if m.Status == chat.StatusRead && !c.Settings.Receipts.Show {
		m.Status = chat.StatusDelivered // the user chose not to see read receipts
	}
	if tick := ticks(st, m); tick != "" {
		last := len(lines) - 1
		if lipgloss.Width(lines[last])+1+lipgloss.Width(tick) <= width {
			lines[last] += " " + tick
		} else {
			lines = append(lines, strings.Repeat(" ", indent)+tick)
		}
	}
	return lines
}

// The delivery marks of outgoing messages, told apart by shape and not by
// colour alone (the help overlay shows them as a legend).
const (
	markQueued    = "…"
	markSent      = "✓"
	markDelivered = "✓✓"
	markRead      = "●✓"
	markFailed    = "✗ not sent"
)

// ticks renders an outgoing message's delivery state: one tick once the
// peer's home has it, two once delivered, a dot and a tick (also
// highlighted) once read. A file row's marks follow its file's state.
func ticks(st *Styles, m chat.Message) string {
	if m.Direction != chat.Outgoing {
		return ""
	}
	status, ok := fileStatus(m)
	if !ok {
		return ""
	}
	switch status {
	case chat.StatusQueued:
		return st.Tick.Render(markQueued)
	case chat.StatusSent:
		return st.Tick.Render(markSent)
	case chat.StatusDelivered:
		return st.Tick.Render(markDelivered)
	case chat.StatusRead:
		return st.ReadTick.Render(markRead)
	case chat.StatusFailed:
		return st.Error.Render(markFailed)
	}
	return ""
}

// systemText words a system line; peer is the sanitized contact name.
func systemText(m chat.Message, peer string) string {
	switch m.Kind {
	case chat.RowKeyChanged:
		return fmt.Sprintf("! %s's safety number changed. Sending waits until you "+
			"accept the new key: press v to verify", peer)
	case chat.RowSessionReset:
		return fmt.Sprintf("The session with %s was reset", peer)
	case chat.RowVerified:
		return fmt.Sprintf("You marked %s as verified", peer)
	case chat.RowUnverified:
		return fmt.Sprintf("You removed %s's verified mark", peer)
	case chat.RowTimer:
		if m.Timer <= 0 {
			return "Disappearing messages are off"
		}
		return "Disappearing messages: " + shortDuration(m.Timer)
	case chat.RowDecryptFailed:
		return fmt.Sprintf("! A message from %s could not be decrypted", peer)
	case chat.RowUnsupported:
		return fmt.Sprintf("Unsupported message: %s's newer ratchat sent something this version cannot show", peer)
	}
	return Sanitize(string(m.Body))
}

// fileText describes a file row: its name and size, then where the
// transfer is (how far it has come, where a received file was saved, or
// that it was cancelled or failed). The name and the path are sanitized.
func fileText(f chat.FileInfo, outgoing bool) string {
	s := fmt.Sprintf("[file] %s (%s)", SanitizeLine(f.Name), byteSize(f.Size))
	switch f.State {
	case chat.FileTransferring:
		return s + fmt.Sprintf(" · %s of %s", byteSize(f.Done), byteSize(f.Size))
	case chat.FileComplete:
		if !outgoing && f.Path != "" {
			return s + " · saved to " + SanitizeLine(f.Path)
		}
	case chat.FileCancelled:
		return s + " · cancelled"
	case chat.FileFailed:
		return s + " · failed"
	case chat.FileWaiting:
		return s + " · waiting for your acceptance: /accept file"
	}
	return s
}

// shownAt is the time a row is shown at: when it was sent, by the clock
// of whoever wrote it, so that a message that waited in a mailbox shows
// when it was written, not when it arrived. Received stands in when Sent
// is unknown, and when Sent is later than Received: a peer's clock that
// runs ahead (or lies) cannot date a message after it arrived.
func shownAt(m chat.Message) time.Time {
	switch {
	case m.Direction == chat.Outgoing, m.Received.IsZero():
		return m.Sent
	case m.Sent.IsZero(), m.Sent.After(m.Received):
		return m.Received
	}
	return m.Sent
}

// daySeparator renders the rule that opens a new day.
func daySeparator(c Common, day time.Time, width int) string {
	now := c.now()
	label := day.Format("Monday, 2 January 2006")
	switch {
	case sameDay(day, now):
		label = "Today"
	case sameDay(day, now.AddDate(0, 0, -1)):
		label = "Yesterday"
	}
	label = " " + label + " "
	side := max(0, width-lipgloss.Width(label)) / 2
	rule := strings.Repeat("─", side) + label + strings.Repeat("─", side)
	return c.Styles.DaySeparator.Render(rule)
}

// byteSize renders a size in bytes for people.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// header renders the chat's top line: the contact, its marks and presence.
func (v *ChatView) header() string {
	st, c := v.common.Styles, v.contact
	if isGroup(c.Contact) {
		h := v.groupHeader()
		if c.Timer > 0 {
			h += st.Subtle.Render(" · timer " + shortDuration(c.Timer))
		}
		if c.Muted() {
			h += st.Subtle.Render(" · muted")
		}
		return truncate(h, v.common.Width)
	}
	h := st.Title.Render(SanitizeLine(chat.DisplayName(c.Contact)))
	switch {
	case c.Contact.Held:
		h += " " + st.Warning.Render("! new safety number, not accepted")
	case c.Contact.Verified:
		h += " " + st.Verified.Render("✔ verified")
	default:
		h += " " + st.Subtle.Render("not verified")
	}
	if c.Online {
		h += st.Online.Render(" · online")
	} else {
		h += st.Offline.Render(" · offline")
	}
	if c.Timer > 0 {
		h += st.Subtle.Render(" · timer " + shortDuration(c.Timer))
	}
	if c.Muted() {
		h += st.Subtle.Render(" · muted")
	}
	if v.typing[c.Contact.ID] != 0 {
		h += st.Success.Render(" · typing…")
	}
	return truncate(h, v.common.Width)
}

// footer renders the line under the messages: the "new messages below" cue
// while scrolled up, a hint about a pending key change otherwise.
func (v *ChatView) footer() string {
	st, w := v.common.Styles, v.common.Width
	switch {
	case v.prompt != promptNone:
		return st.Cue.Render(truncate(v.promptLine(), w))
	case v.note != "":
		return st.Warning.Render(truncate(v.note, w))
	case v.newBelow > 0:
		s := "new messages"
		if v.newBelow == 1 {
			s = "new message"
		}
		return st.Cue.Render(truncate(fmt.Sprintf(" ↓ %d %s below (end) ", v.newBelow, s), w))
	case v.offset > 0:
		return st.Subtle.Render(truncate("↓ more below (end)", w))
	case v.loading:
		return st.Subtle.Render("loading…")
	case v.contact.Contact.Held:
		return st.Warning.Render(truncate("Sending waits: press v to compare safety numbers and accept.", w))
	case v.heldLine() != "":
		return st.Warning.Render(truncate(v.heldLine(), w))
	}
	return ""
}

// fileStatus is the status a row's marks show. A file row shows delivered
// only once its file is complete (the receiver checked its hash), and no
// mark once cancelled or failed (its text says so); the row's own Status
// is the offer's, which is delivered and read long before the file is
// (store.FileState). ok is false when no mark shows.
func fileStatus(m chat.Message) (status chat.Status, ok bool) {
	f := m.File
	switch {
	case f == nil:
		return m.Status, true
	case f.State == chat.FileCancelled, f.State == chat.FileFailed:
		return 0, false
	case f.State == chat.FileComplete && m.Status != chat.StatusRead:
		return chat.StatusDelivered, true
	case f.State == chat.FileTransferring && (m.Status == chat.StatusDelivered || m.Status == chat.StatusRead):
		return chat.StatusSent, true
	}
	return m.Status, true
}
