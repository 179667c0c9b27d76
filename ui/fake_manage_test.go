package ui

import (
	"context"
	"fmt"
	"io"
	"strings"

	"ratchat/chat"
)

// The fake core's search, contact management and export. Search is a
// plain scan of the fake's rows for the query as a substring (case
// ignored), newest first: the real matching is chat's, tested there.

func (f *fakeCore) Search(_ context.Context, query string, opts chat.SearchOptions) (chat.SearchResults, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out chat.SearchResults
	out.Complete, out.Indexed = !f.indexing, 0
	q := strings.ToLower(query)
	for _, c := range f.contacts {
		if opts.Contact != 0 && c.Contact.ID != opts.Contact {
			continue
		}
		rows := f.msgs[c.Contact.ID]
		out.Indexed += len(rows)
		for i := len(rows) - 1; i >= 0; i-- {
			if strings.Contains(strings.ToLower(string(rows[i].Body)), q) {
				out.Results = append(out.Results, chat.SearchResult{Contact: c.Contact, Message: rows[i], Snippet: string(rows[i].Body)})
			}
		}
	}
	return out, nil
}

func (f *fakeCore) Rename(_ context.Context, id chat.ContactID, name string) (chat.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.contacts {
		if f.contacts[i].Contact.ID == id {
			f.contacts[i].Contact.Name = name
			return f.contacts[i].Contact, nil
		}
	}
	return chat.Contact{}, chat.ErrNoContact
}

func (f *fakeCore) Remove(_ context.Context, id chat.ContactID, keep bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, fmt.Sprintf("%d:%v", id, keep))
	return nil
}

func (f *fakeCore) Unblock(context.Context, chat.ContactID) error { return nil }

func (f *fakeCore) Blocked(context.Context) ([]chat.Summary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chat.Summary(nil), f.blocked...), nil
}

func (f *fakeCore) Export(_ context.Context, id chat.ContactID, format string, w io.Writer) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rows := f.msgs[id]
	for _, r := range rows {
		fmt.Fprintf(w, "%s %s\n", format, r.Body)
	}
	return len(rows), nil
}
