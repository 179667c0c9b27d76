package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"ratchat/chat"
)

// The pure transitions of the interface: no component state, no I/O, so
// that each is table-tested with key sequences.

// moveCursor moves a cursor by delta within n items, stopping at the ends.
func moveCursor(cursor, n, delta int) int {
	if n == 0 {
		return 0
	}
	return min(max(cursor+delta, 0), n-1)
}

// scrollIntoView returns the first visible item that keeps cursor in a
// window of the given size, moving the window as little as possible.
func scrollIntoView(offset, cursor, visible int) int {
	if cursor < offset {
		return cursor
	}
	if cursor >= offset+visible {
		return cursor - visible + 1
	}
	return max(offset, 0)
}

// nextUnread returns the ID of the first contact with unread messages after
// the current one, wrapping around; ok is false when no other chat has any.
func nextUnread(items []chat.Summary, current chat.ContactID) (id chat.ContactID, ok bool) {
	start := 0
	for i, c := range items {
		if c.Contact.ID == current {
			start = i + 1
			break
		}
	}
	for k := range items {
		c := items[(start+k)%len(items)]
		if c.Unread > 0 && c.Contact.ID != current {
			return c.Contact.ID, true
		}
	}
	return 0, false
}

// focus is the pane of the main screen that has the keyboard.
type focus int

// The panes, in Tab order.
const (
	focusContacts focus = iota
	focusChat
	focusComposer
	focusCount
)

// cycleFocus moves focus by delta panes, wrapping around.
func cycleFocus(f focus, delta int) focus {
	return focus((int(f) + delta + int(focusCount)) % int(focusCount))
}

// truncate cuts s to at most w cells, marking the cut with an ellipsis.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// truncateWords cuts a line of plain text to at most w cells at a word
// boundary, marking the cut with an ellipsis; a first word longer than w
// is cut inside. Styled text (a progress bar) is cut by cells.
func truncateWords(s string, w int) string {
	if w <= 0 || strings.Contains(s, "\x1b") || ansi.StringWidth(s) <= w {
		return truncate(s, w)
	}
	cut := ansi.Truncate(s, w-1, "") // a prefix of s: it has no escapes
	if inWord := !strings.HasSuffix(cut, " ") && s[len(cut)] != ' '; inWord {
		if i := strings.LastIndexByte(cut, ' '); i > 0 {
			cut = cut[:i] // drop the word that was cut
		}
	}
	return strings.TrimRight(cut, " ") + "…"
}

// shortTime renders a time as the contact list shows it: the time of day
// today, the date otherwise.
func shortTime(c Common, t time.Time) string {
	t, now := t.In(c.Location), c.now()
	if sameDay(t, now) {
		return t.Format("15:04")
	}
	if t.Year() == now.Year() {
		return t.Format("2 Jan")
	}
	return t.Format("2006-01-02")
}

// sameDay reports whether a and b (in one location) fall on the same day.
func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// shortDuration renders a timer for people: "30s", "5m", "1h30m", "7d".
func shortDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	s := d.Round(time.Second).String()
	s = strings.Replace(s, "m0s", "m", 1)
	return strings.Replace(s, "h0m", "h", 1)
}

// parseSpan reads a span of time as people type it: a Go duration ("90m",
// "24h") or a number of days ("7d"); ok is false when it cannot be read or
// falls outside [lo, hi].
func parseSpan(s string, lo, hi time.Duration) (d time.Duration, ok bool) {
	const day = 24 * time.Hour
	s = strings.TrimSpace(strings.ToLower(s))
	if n, isDays := strings.CutSuffix(s, "d"); isDays {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > int(hi/day)+1 {
			return 0, false // also keeps days*day from overflowing
		}
		d = time.Duration(days) * day
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, false
		}
	}
	return d, d >= lo && d <= hi
}
