package chat

import (
	"sync"
	"time"

	"ratchat/keys"
	"ratchat/store"
)

// Event is something the interface should show. Events arrive in order on
// [Messenger.Events]; each is one of the types below.
type Event interface{ isEvent() }

// MessageReceived reports a new incoming message.
type MessageReceived struct {
	Contact store.ContactID
	Message store.Message
}

// MessageStored reports a message we wrote, now in the history, or a row
// that changed (a file's progress or state; an edit, a deletion or a
// reaction, ours or the contact's: redraw the row, and the replies that
// quote it).
type MessageStored struct {
	Contact store.ContactID
	Message store.Message
}

// StatusChanged reports that an outgoing message was sent, delivered,
// read, or failed.
type StatusChanged struct {
	Contact store.ContactID
	ID      store.MessageID
	Status  store.Status
}

// ContactChanged reports a contact added or updated (name, address,
// verified mark).
type ContactChanged struct {
	Contact store.Contact
	// MergedInto is set when Contact was a message request that
	// [Messenger.AcceptAsKeyChange] merged into that contact: the request
	// is gone, and its history is that contact's.
	MergedInto store.ContactID
}

// IdentityChanged reports that a contact's identity key changed: the
// contact lost its verified mark, and nothing is sent to it until the user
// calls [Messenger.AcceptIdentity].
type IdentityChanged struct {
	Contact  store.ContactID
	Old, New keys.PublicKey
}

// SessionReset reports that a session with a contact was started anew.
type SessionReset struct {
	Contact store.ContactID
}

// TimerChanged reports a conversation's new disappearing-message timer.
type TimerChanged struct {
	Contact store.ContactID
	Timer   time.Duration
}

// MessagesExpired reports that disappearing messages were deleted.
type MessagesExpired struct {
	Count int
}

// FileProgress reports how far a file transfer has come, in bytes: for an
// outgoing file, the bytes the contact's home accepted; for an incoming
// one, the bytes received.
type FileProgress struct {
	Contact     store.ContactID
	File        store.MessageID
	Outgoing    bool
	Done, Total int64
}

// FileReceived reports a received file, saved at Path.
type FileReceived struct {
	Contact store.ContactID
	File    store.MessageID
	Path    string
}

// HomeState reports whether the profile's home is connected.
type HomeState struct {
	Connected bool
	Err       error
}

// PresenceChanged reports that a contact went online or offline: whether
// its home answered recently (see [Messenger.Online]).
type PresenceChanged struct {
	Contact store.ContactID
	Online  bool
}

// TypingChanged reports that a contact started or stopped typing to us. A
// front end shows "typing…" until a TypingChanged with Typing false, or
// for [TypingExpiry] without a new one.
type TypingChanged struct {
	Contact store.ContactID
	Typing  bool
}

// GroupChanged reports that a group's state changed (members, admins,
// name), or that we joined, left or were removed from it.
type GroupChanged struct {
	Contact store.ContactID
}

func (GroupChanged) isEvent()    {}
func (TypingChanged) isEvent()   {}
func (MessageReceived) isEvent() {}
func (MessageStored) isEvent()   {}
func (StatusChanged) isEvent()   {}
func (ContactChanged) isEvent()  {}
func (IdentityChanged) isEvent() {}
func (SessionReset) isEvent()    {}
func (TimerChanged) isEvent()    {}
func (MessagesExpired) isEvent() {}
func (FileProgress) isEvent()    {}
func (FileReceived) isEvent()    {}
func (HomeState) isEvent()       {}
func (PresenceChanged) isEvent() {}

// eventQueue hands events to a consumer without ever blocking the
// producer: the core must not stall because the interface is slow.
type eventQueue struct {
	mu      sync.Mutex
	pending []Event
	signal  chan struct{}
	out     chan Event
	done    chan struct{}
	// observe, if set before the first emit, sees every event as it is
	// queued (presence learns from what arrives). It must not block.
	observe func(Event)
}

func newEventQueue() *eventQueue {
	q := &eventQueue{signal: make(chan struct{}, 1), out: make(chan Event), done: make(chan struct{})}
	go q.pump()
	return q
}

// emit queues e.
func (q *eventQueue) emit(e Event) {
	if q.observe != nil {
		q.observe(e)
	}
	q.mu.Lock()
	q.pending = append(q.pending, e)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// pump moves queued events to out until close.
func (q *eventQueue) pump() {
	defer close(q.out)
	for {
		q.mu.Lock()
		batch := q.pending
		q.pending = nil
		q.mu.Unlock()
		for _, e := range batch {
			select {
			case q.out <- e:
			case <-q.done:
				return
			}
		}
		select {
		case <-q.signal:
		case <-q.done:
			return
		}
	}
}

func (q *eventQueue) close() { close(q.done) }
