package chat

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"ratchat/store"
)

// Summary is what a contact list shows of one contact: the contact, its
// unread count, its newest row, whether its home answers, and its
// disappearing-messages timer.
type Summary struct {
	// Contact is the contact (its Held flag: a changed key awaits acceptance).
	Contact store.Contact
	// Unread counts the contact's messages after the read marker; it stops
	// at [store.MaxUnreadScan].
	Unread int
	// Last is the chat's newest row; nil for an empty chat.
	Last *store.Message
	// Online says whether the contact's home answered recently.
	Online bool
	// Timer is the disappearing-messages timer, zero when off.
	Timer time.Duration
}

// LastAt is when the chat last changed: its newest row's time, zero for an
// empty chat.
func (s Summary) LastAt() time.Time {
	if s.Last == nil {
		return time.Time{}
	}
	return s.Last.Received
}

// Summaries returns a summary of every contact, the most recent
// conversation first.
func (m *Messenger) Summaries(ctx context.Context) ([]Summary, error) {
	all, err := m.st.Contacts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(all))
	for _, c := range all {
		s, err := m.summary(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := out[i].LastAt(), out[j].LastAt(); !a.Equal(b) {
			return a.After(b)
		}
		return out[i].Contact.ID > out[j].Contact.ID
	})
	return out, nil
}

// Summary returns the summary of one contact.
func (m *Messenger) Summary(ctx context.Context, id store.ContactID) (Summary, error) {
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return Summary{}, err
	}
	return m.summary(ctx, c)
}

func (m *Messenger) summary(ctx context.Context, c store.Contact) (Summary, error) {
	s := Summary{Contact: c, Online: m.Online(c.ID)}
	last, _, err := m.st.Messages(ctx, c.ID, 0, 1)
	if err != nil {
		return s, err
	}
	if len(last) == 1 {
		s.Last = &last[0]
	}
	if s.Unread, err = m.st.Unread(ctx, c.ID); err != nil {
		return s, err
	}
	s.Timer, err = m.Timer(ctx, c.ID)
	return s, err
}

// DisplayName is the name a contact is shown under: the one it has, or a
// stand-in ("contact 3") until it tells us one.
func DisplayName(c store.Contact) string {
	if c.Name != "" {
		return c.Name
	}
	return "contact " + strconv.FormatInt(int64(c.ID), 10)
}

// FindContact finds a contact by its id or by its display name (ignoring
// case). It fails with [ErrNoContact], or [ErrAmbiguous] when several
// contacts have the name.
func (m *Messenger) FindContact(ctx context.Context, nameOrID string) (store.Contact, error) {
	all, err := m.st.Contacts(ctx)
	if err != nil {
		return store.Contact{}, err
	}
	if n, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		for _, c := range all {
			if int64(c.ID) == n {
				return c, nil
			}
		}
	}
	var found []store.Contact
	for _, c := range all {
		if strings.EqualFold(DisplayName(c), nameOrID) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return store.Contact{}, fmt.Errorf("%w: %q", ErrNoContact, nameOrID)
	case 1:
		return found[0], nil
	}
	return store.Contact{}, fmt.Errorf("%w (%q)", ErrAmbiguous, nameOrID)
}
