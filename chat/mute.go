package chat

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ratchat/store"
)

// MuteForever is the end of a mute with no end ("always"): a time every
// clock is before, that still prints as a date (JSON times stop at 9999).
var MuteForever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// muteChoices are the durations a chat may be muted for, as [ParseMute]
// reads them.
var muteChoices = map[string]time.Duration{
	"1h": time.Hour,
	"8h": 8 * time.Hour,
	"1w": 7 * 24 * time.Hour,
}

// MuteChoices lists what [ParseMute] takes, for completion and help.
var MuteChoices = []string{"1h", "8h", "1w", "always", "off"}

// ParseMute reads how long to mute a chat: "1h", "8h", "1w", "always" or
// "off", and returns until when (the zero time for off).
func ParseMute(s string, now time.Time) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "always":
		return MuteForever, nil
	case "off":
		return time.Time{}, nil
	}
	d, ok := muteChoices[s]
	if !ok {
		return time.Time{}, fmt.Errorf("%w: %q", ErrBadMute, s)
	}
	return now.Add(d), nil
}

// Mute mutes a contact's chat until the given time, stored sealed with the
// contact (the zero time unmutes it). A muted chat raises no notification;
// its messages arrive and count as unread as ever. A [ContactChanged]
// tells the front ends.
func (m *Messenger) Mute(ctx context.Context, id store.ContactID, until time.Time) error {
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	if err := m.st.SetMute(ctx, id, until); err != nil {
		return err
	}
	m.events.emit(ContactChanged{Contact: c})
	return nil
}

// MutedUntil returns until when a contact's chat is muted; the zero time
// when it is not, or its mute has ended.
func (m *Messenger) MutedUntil(ctx context.Context, id store.ContactID) (time.Time, error) {
	all, err := m.st.Mutes(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return m.activeMute(all[id]), nil
}

// activeMute returns until, or zero when it has passed.
func (m *Messenger) activeMute(until time.Time) time.Time {
	if until.IsZero() || !until.After(m.now()) {
		return time.Time{}
	}
	return until
}
