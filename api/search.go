package api

import (
	"context"
	"errors"
	"time"

	"ratchat/chat"
)

// SearchParams are a search's words, and optionally the chat to search
// (a contact's id or name; all chats when absent), how many results to
// return (default 50, at most 1,000), and whether to wait (up to
// [SearchWait]) for the index to hold the whole history rather than
// answer from what it holds so far.
type SearchParams struct {
	Query   string `json:"query"`
	Contact string `json:"contact,omitempty"`
	Limit   int    `json:"limit,omitempty"`
	Wait    bool   `json:"wait,omitempty"`
}

// SearchWait bounds how long search waits for the index with wait.
const SearchWait = 2 * time.Minute

// SearchResult lists the rows found, newest first, and whether the index
// held the whole history yet (it is built in the background after
// unlock): with complete false, older matches may be missing.
type SearchResult struct {
	Results  []SearchHit `json:"results"`
	Complete bool        `json:"complete"`
	Indexed  int         `json:"indexed"`
}

// SearchHit is one row found: its chat, the row, and the text around the
// match (sanitize it before showing it on a terminal).
type SearchHit struct {
	Contact Contact `json:"contact"`
	Message Message `json:"message"`
	Snippet string  `json:"snippet"`
}

// search searches the history.
func search(ctx context.Context, m *chat.Messenger, p SearchParams) (SearchResult, error) {
	if p.Limit < 0 || p.Limit > chat.MaxSearchLimit {
		return SearchResult{}, errorf(CodeInvalidParams, "api: invalid params: limit must be from 0 to %d", chat.MaxSearchLimit)
	}
	var opts chat.SearchOptions
	opts.Limit = p.Limit
	if p.Contact != "" {
		s, err := findChat(ctx, m, p.Contact)
		if err != nil {
			return SearchResult{}, err
		}
		opts.Contact = s.Contact.ID
	}
	if p.Wait {
		t := time.NewTimer(SearchWait)
		select {
		case <-m.SearchReady():
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	r, err := m.Search(ctx, p.Query, opts)
	if errors.Is(err, chat.ErrEmptyQuery) || errors.Is(err, chat.ErrQueryTooLong) {
		return SearchResult{}, errorf(CodeInvalidParams, "api: invalid params: %v", err)
	}
	if err != nil {
		return SearchResult{}, err
	}
	out := SearchResult{Results: make([]SearchHit, 0, len(r.Results)), Complete: r.Complete, Indexed: r.Indexed}
	names := map[chat.ContactID]func(chat.ContactID) string{} // a group's senders, by group
	for _, h := range r.Results {
		hit := SearchHit{Contact: newContact(chat.Summary{Contact: h.Contact}), Message: newMessage(h.Message), Snippet: h.Snippet}
		if h.Message.Sender != 0 && h.Contact.IsGroup() {
			if names[h.Contact.ID] == nil {
				g, err := m.Group(ctx, h.Contact.ID)
				if err != nil {
					return SearchResult{}, err
				}
				names[h.Contact.ID] = senderNames(ctx, m, g)
			}
			hit.Message.Sender, hit.Message.SenderID = names[h.Contact.ID](h.Message.Sender), int64(h.Message.Sender)
		}
		out.Results = append(out.Results, hit)
	}
	return out, nil
}
