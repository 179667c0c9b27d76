package app

import (
	"sync"
	"time"

	"ratchat/store"
	"ratchat/ui"
)

// onlineFor is how long a contact counts as online after we last heard
// from it or its home.
const onlineFor = 5 * time.Minute

// row is what the adapter caches of a contact's row in the list.
type row struct {
	unread  int
	preview string
	lastAt  time.Time
}

// viewState is what the adapter keeps for the interface besides the
// store: the status bar's fields, cached contact rows, presence, and the
// per-contact metadata (system lines, file marks). It has its own lock,
// so that reading it never waits for a restore.
type viewState struct {
	mu      sync.Mutex
	profile string
	home    string
	conn    ui.ConnState
	rows    map[store.ContactID]row
	heard   map[store.ContactID]time.Time
	metas   map[store.ContactID]*meta
}

// reset forgets everything cached (after a restore, the history changed).
func (s *viewState) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = ui.ConnConnecting
	s.rows = map[store.ContactID]row{}
	s.heard = map[store.ContactID]time.Time{}
	s.metas = map[store.ContactID]*meta{}
}

func (s *viewState) setProfile(name, home string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.profile, s.home = name, home
}

func (s *viewState) setConn(st ui.ConnState) ui.Status {
	s.mu.Lock()
	s.conn = st
	s.mu.Unlock()
	return s.status()
}

func (s *viewState) status() ui.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ui.Status{Profile: s.profile, Home: s.home, Connection: s.conn}
}

// row returns a cached row.
func (s *viewState) row(id store.ContactID) (row, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rows[id]
	return r, ok
}

func (s *viewState) setRow(id store.ContactID, r row) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows[id] = r
}

// forgetRow drops a cached row, so that the next look computes it anew.
func (s *viewState) forgetRow(id store.ContactID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.rows, id)
}

// hear notes that something came from a contact (or its home) at t.
func (s *viewState) hear(id store.ContactID, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heard[id] = t
}

// online reports whether we heard from a contact lately.
func (s *viewState) online(id store.ContactID, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.heard[id]
	return ok && now.Sub(t) < onlineFor
}
