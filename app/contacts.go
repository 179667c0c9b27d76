package app

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"ratchat/store"
	"ratchat/ui"
)

// unreadScan is how many of a chat's newest messages its row is computed
// from: the unread count stops there.
const unreadScan = 100

// previewRunes bounds a row's preview.
const previewRunes = 80

// Contacts lists the contacts, most recent conversation first.
func (c *Core) Contacts() ([]ui.ContactItem, error) {
	ctx := context.Background()
	c.mu.RLock()
	defer c.mu.RUnlock()
	all, err := c.st.Contacts(ctx)
	if err != nil {
		return nil, err
	}
	items := make([]ui.ContactItem, 0, len(all))
	for _, sc := range all {
		it, err := c.contactItem(ctx, sc)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	sort.SliceStable(items, func(i, j int) bool {
		if !items[i].LastAt.Equal(items[j].LastAt) {
			return items[i].LastAt.After(items[j].LastAt)
		}
		return items[i].ID > items[j].ID
	})
	return items, nil
}

// AddContact adds the owner of an invite. The text may go on with the
// name to give the contact ("RATCHAT1:... Alice"); without one, the
// contact is called by the name it sends.
func (c *Core) AddContact(invite string) (ui.ContactItem, error) {
	fields := strings.Fields(invite)
	if len(fields) == 0 {
		return ui.ContactItem{}, fmt.Errorf("app: no invite given")
	}
	sc, err := c.Add(fields[0], strings.Join(fields[1:], " "))
	if err != nil {
		return ui.ContactItem{}, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.contactItem(context.Background(), sc)
}

// Add adds the owner of an invite under a name ("" to take theirs).
func (c *Core) Add(invite, name string) (store.Contact, error) {
	ctx, cancel := context.WithTimeout(context.Background(), netTimeout)
	defer cancel()
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m.AddContact(ctx, invite, name)
}

// contactByID returns a contact's row. The caller holds c.mu.
func (c *Core) contactByID(ctx context.Context, id store.ContactID) (ui.ContactItem, error) {
	sc, err := c.st.Contact(ctx, id)
	if err != nil {
		return ui.ContactItem{}, err
	}
	return c.contactItem(ctx, sc)
}

// contactItem makes a contact's row. The caller holds c.mu.
func (c *Core) contactItem(ctx context.Context, sc store.Contact) (ui.ContactItem, error) {
	held, err := c.m.Held(ctx, sc.ID)
	if err != nil {
		return ui.ContactItem{}, err
	}
	timer, err := c.m.Timer(ctx, sc.ID)
	if err != nil {
		return ui.ContactItem{}, err
	}
	r, ok := c.state.row(sc.ID)
	if !ok {
		if r, err = c.computeRow(ctx, sc.ID); err != nil {
			return ui.ContactItem{}, err
		}
		c.state.setRow(sc.ID, r)
	}
	return ui.ContactItem{ID: int64(sc.ID), Name: DisplayName(sc), Verified: sc.Verified,
		KeyChanged: held, Unread: r.unread, Preview: r.preview, LastAt: r.lastAt,
		Online: c.state.online(sc.ID, time.Now()), Timer: timer}, nil
}

// computeRow reads a chat's newest messages for its row: the unread count
// (incoming messages after the newest one read), the preview and the time.
func (c *Core) computeRow(ctx context.Context, id store.ContactID) (row, error) {
	msgs, _, err := c.m.Messages(ctx, id, 0, unreadScan)
	if err != nil || len(msgs) == 0 {
		return row{}, err
	}
	md, err := c.meta(ctx, id)
	if err != nil {
		return row{}, err
	}
	last := messageItem(msgs[len(msgs)-1], md)
	r := row{preview: preview(last), lastAt: last.Sent}
	if !last.Outgoing {
		r.lastAt = last.Received
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := msgs[i]; m.Direction == store.Incoming {
			if m.Status == store.StatusRead {
				break
			}
			r.unread++
		}
	}
	return r, nil
}

// preview is the start of a message's first line.
func preview(m ui.MessageItem) string {
	text := m.Text
	if m.File != nil {
		text = "[file] " + m.File.Name
	}
	text, _, _ = strings.Cut(text, "\n")
	if r := []rune(text); len(r) > previewRunes {
		text = string(r[:previewRunes-1]) + "…"
	}
	if m.Outgoing {
		return "me: " + text
	}
	return text
}

// DisplayName is the name a contact is shown under: the one it has, or a
// stand-in ("contact 3") until it tells us one.
func DisplayName(sc store.Contact) string {
	if sc.Name != "" {
		return sc.Name
	}
	return "contact " + strconv.FormatInt(int64(sc.ID), 10)
}

// FindContact finds a contact by id or by name (ignoring case).
func (c *Core) FindContact(nameOrID string) (store.Contact, error) {
	ctx := context.Background()
	c.mu.RLock()
	defer c.mu.RUnlock()
	all, err := c.st.Contacts(ctx)
	if err != nil {
		return store.Contact{}, err
	}
	if n, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		for _, sc := range all {
			if int64(sc.ID) == n {
				return sc, nil
			}
		}
	}
	var found []store.Contact
	for _, sc := range all {
		if strings.EqualFold(DisplayName(sc), nameOrID) {
			found = append(found, sc)
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

// StoredContacts returns the contacts as the store has them, for the
// command line.
func (c *Core) StoredContacts() ([]store.Contact, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.st.Contacts(context.Background())
}
