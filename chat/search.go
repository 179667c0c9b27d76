package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"ratchat/store"
)

// Search: the history's text, indexed in memory.
//
// [Start] builds the index in the background ([Messenger.buildSearch]),
// reading the whole history a page at a time in sequence order; nothing
// waits for it, and [Messenger.Search] answers from what is indexed so
// far, saying whether that is everything. The index is never written to
// disk (a plaintext index beside an encrypted store would undo the
// encryption), and [Messenger.Close] drops it.
//
// It is kept current from the events the messenger emits (see
// [Messenger.observeSearch]): a received or stored row is indexed (or
// re-indexed when its text changed: an edit that emits [MessageStored]
// with the new text is covered), a blocked contact's rows go, a merged
// request's rows move to the contact, expired rows go. Code that deletes
// rows without an event says so itself:
//
//	m.search.remove(seq)           // a row deleted (delete for me, for everyone)
//	m.search.update(msg)           // a row whose text changed, with no event
//	m.search.removeContact(id)     // every row of a contact
//
// Results are confirmed against the store: a row gone from it is dropped
// from the index as the search meets it.

const (
	// searchPage is how many rows the index build reads at a time: small
	// enough that the store's readers (the first frame's) never wait long.
	searchPage = 500
	// DefaultSearchLimit is how many results a search returns unless told.
	DefaultSearchLimit = 50
	// MaxSearchLimit bounds a search's results.
	MaxSearchLimit = 1000
)

// SearchOptions narrow a search.
type SearchOptions struct {
	// Contact, when not 0, searches that contact's chat only.
	Contact store.ContactID
	// Limit is how many results to return: 0 means [DefaultSearchLimit];
	// at most [MaxSearchLimit].
	Limit int
}

// SearchResult is one row a search found.
type SearchResult struct {
	// Contact is the chat the row is in.
	Contact store.Contact
	// Message is the row (its ID and Seq say where it is in the chat).
	Message store.Message
	// Snippet is the text around the first match, at most 80 characters.
	Snippet string
	// Sender is, for a row a member wrote in a group, that member (its
	// ID is 0 otherwise: our own row, or a 1:1 chat's).
	Sender store.Contact
}

// SearchResults are a search's results, newest first.
type SearchResults struct {
	Results []SearchResult
	// Complete says the whole history is indexed; until then, results
	// come from what is indexed so far.
	Complete bool
	// Indexed counts the rows in the index.
	Indexed int
}

// searchState is the index and its build: while it runs, updates queue
// in pending and are applied when it is done, in order, so that an
// update never races the build's copy of the same row.
type searchState struct {
	idx      *searchIndex
	mu       sync.Mutex
	building bool
	pending  []func(*searchIndex)
	complete bool
	err      error
	ready    chan struct{} // closed when the build ends
}

func newSearchState() *searchState {
	return &searchState{idx: newSearchIndex(), building: true, ready: make(chan struct{})}
}

// apply runs fn on the index now, or after the build.
func (s *searchState) apply(fn func(*searchIndex)) {
	s.mu.Lock()
	if s.building {
		s.pending = append(s.pending, fn)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	fn(s.idx)
}

// update indexes a row, or re-indexes it.
func (s *searchState) update(m store.Message) { s.apply(func(x *searchIndex) { x.upsert(&m) }) }

// remove forgets a row.
func (s *searchState) remove(seq int64) { s.apply(func(x *searchIndex) { x.remove(seq) }) }

// removeContact forgets every row of a contact.
func (s *searchState) removeContact(id store.ContactID) {
	s.apply(func(x *searchIndex) { x.removeContact(id) })
}

// finish ends the build: the queued updates are applied, and err (if
// any) is kept for Search to report.
func (s *searchState) finish(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, fn := range s.pending {
		fn(s.idx)
	}
	s.pending, s.building = nil, false
	s.complete, s.err = err == nil, err
	close(s.ready)
}

// buildSearch reads the whole history into the index, a page at a time.
func (m *Messenger) buildSearch(ctx context.Context) {
	if m.cfg.searchGate != nil {
		select {
		case <-m.cfg.searchGate:
		case <-ctx.Done():
		}
	}
	var after int64
	for {
		page, err := m.st.MessagesFrom(ctx, after, searchPage)
		if err != nil {
			if ctx.Err() == nil {
				m.log.Warn("building the search index", "err", err)
			}
			m.search.finish(fmt.Errorf("%w: %w", ErrSearchIndex, err))
			return
		}
		m.search.idx.add(page)
		if len(page) < searchPage {
			break
		}
		after = page[len(page)-1].Seq
	}
	m.search.finish(nil)
}

// observeSearch keeps the index current with what the messenger reports.
// It runs as each event is emitted and does not block beyond the
// index's lock.
func (m *Messenger) observeSearch(e Event) {
	switch e := e.(type) {
	case MessageReceived:
		m.search.update(e.Message)
	case MessageStored:
		m.search.update(e.Message)
	case ContactChanged:
		switch {
		case e.MergedInto != 0:
			from, to := e.Contact.ID, e.MergedInto
			m.search.apply(func(x *searchIndex) { x.moveContact(from, to) })
		case e.Contact.State == store.StateBlocked:
			m.search.removeContact(e.Contact.ID)
		}
	case MessagesExpired:
		now := m.now()
		m.search.apply(func(x *searchIndex) { x.expire(now) })
	}
}

// SearchReady returns a channel closed once the search index holds the
// whole history (or its build failed: [Messenger.Search] says so).
func (m *Messenger) SearchReady() <-chan struct{} { return m.search.ready }

// Search finds the rows whose text holds every word of query, each as a
// word or the start of one (ignoring case and accents), newest first,
// across every chat or within opts.Contact's. File rows are found by
// their file's name. It answers from what is indexed so far: see
// [SearchResults.Complete].
func (m *Messenger) Search(ctx context.Context, query string, opts SearchOptions) (SearchResults, error) {
	q, err := parseQuery(query)
	if err != nil {
		return SearchResults{}, err
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)
	s := m.search
	s.mu.Lock()
	complete, buildErr := s.complete, s.err
	s.mu.Unlock()
	hits, ok := s.idx.query(q, opts.Contact, limit)
	if !ok {
		return SearchResults{}, ErrSearchClosed
	}
	if buildErr != nil {
		return SearchResults{}, buildErr
	}
	contacts, err := m.contactsByID(ctx)
	if err != nil {
		return SearchResults{}, err
	}
	out := SearchResults{Complete: complete, Indexed: s.idx.size(), Results: make([]SearchResult, 0, len(hits))}
	for _, h := range hits {
		msg, err := m.st.MessageBySeq(ctx, h.seq)
		if errors.Is(err, store.ErrNotFound) {
			s.remove(h.seq) // deleted without an event (expired): forget it
			continue
		}
		if err != nil {
			return SearchResults{}, err
		}
		c, ok := contacts[msg.Conversation]
		if !ok {
			continue
		}
		r := SearchResult{Contact: c, Message: msg, Snippet: h.snippet}
		if msg.Sender != 0 {
			r.Sender = contacts[msg.Sender]
		}
		out.Results = append(out.Results, r)
	}
	return out, nil
}

// contactsByID returns every contact and group row by id.
func (m *Messenger) contactsByID(ctx context.Context) (map[store.ContactID]store.Contact, error) {
	all, err := m.rows(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[store.ContactID]store.Contact, len(all))
	for _, c := range all {
		out[c.ID] = c
	}
	return out, nil
}
