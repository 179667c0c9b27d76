package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"ratchat/store"
)

// The durable event log, as front ends and consumers see it. The store's
// triggers write each event in the same transaction as the change it
// reports (store/events.go); here an event is read back, its row opened,
// and its type refined: a message inserted is "message.received" or
// "message.sent", a contact inserted "request" or "contact".
//
// Cursor semantics: a consumer (a name of the operator's choosing) reads
// the events after its cursor, handles them, and acknowledges the last
// one it handled with [Messenger.AckEvents]. After a crash of either
// side it reads again from its cursor: what it acknowledged never comes
// back, what it did not comes again. Handling is exactly once past the
// acks when the consumer commits its own effect and the ack together, or
// deduplicates by [LoggedEvent.ID].

// Errors of the event log.
var (
	// ErrEventConsumer is returned for a consumer name that is empty,
	// longer than [store.MaxConsumerName] bytes or not UTF-8.
	ErrEventConsumer = errors.New("chat: invalid event consumer name")
	// ErrAckAhead is returned by [Messenger.AckEvents] for a sequence
	// number past the newest event: it would skip events not written yet.
	ErrAckAhead = errors.New("chat: ack past the newest event")
)

// The types of [LoggedEvent].
const (
	EventReceived       = "message.received" // an incoming message (text, file, or one a newer ratchat sent)
	EventSent           = "message.sent"     // a message we wrote (sent from here or another front end)
	EventLocal          = "message.local"    // a line of the messenger's own in a chat (key changed, verified, timer, membership ...)
	EventChanged        = "message.changed"  // a message was edited, deleted for everyone, reacted to, or its file progressed
	EventRemoved        = "message.removed"  // a message's row was deleted here (deleted, expired, or with its chat)
	EventGone           = "message.gone"     // an event of a message whose row was deleted before it was read
	EventStatus         = "status"           // an outgoing message was sent, delivered, read, or failed
	EventRequest        = "request"          // someone new wrote to us: a message request
	EventContact        = "contact"          // a contact was added or changed (name, address, trust, state)
	EventContactRemoved = "contact.removed"  // a contact (or request) was deleted with its history
	EventMembership     = "membership"       // a group's state changed: members, admins, name
	EventKeyChange      = "key_change"       // a contact's identity key changed
	EventDecryptFailed  = "decrypt_failed"   // a message could not be decrypted (the chat shows a line)
)

// EventTypes lists every type of [LoggedEvent], for documentation and
// tests.
var EventTypes = []string{EventReceived, EventSent, EventLocal, EventChanged, EventRemoved, EventGone, EventStatus,
	EventRequest, EventContact, EventContactRemoved, EventMembership, EventKeyChange, EventDecryptFailed}

// LoggedEvent is one event of the durable log.
type LoggedEvent struct {
	// Seq is its sequence number, increasing, never reused; ID is
	// "ev-<seq>", stable and unique within the profile.
	Seq int64
	ID  string
	// Type is one of the Event* constants.
	Type string
	// At is when the change was committed (millisecond precision).
	At time.Time
	// Contact is the conversation; Peer its row as it is now (nil once
	// the contact is gone).
	Contact ContactID
	Peer    *Contact
	// Message is the message as it is now, for a message's event whose
	// row still exists; MessageSeq its row in the chat, even once gone.
	Message    *Message
	MessageSeq int64
	// Status is the message's status when the event was written
	// (HasStatus says there is one: a message's event, its row alive).
	Status    Status
	HasStatus bool
}

// EventsAfter returns up to n events (1 to [store.MaxEventBatch]) with a
// sequence number above after, oldest first.
func (m *Messenger) EventsAfter(ctx context.Context, after int64, n int) ([]LoggedEvent, error) {
	recs, err := m.st.EventsAfter(ctx, after, n)
	if err != nil {
		return nil, err
	}
	peers := map[ContactID]*Contact{}
	out := make([]LoggedEvent, 0, len(recs))
	for _, r := range recs {
		e, err := m.loggedEvent(ctx, r, peers)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// loggedEvent opens what r names and types it. peers caches the
// contacts of one batch.
func (m *Messenger) loggedEvent(ctx context.Context, r store.EventRecord, peers map[ContactID]*Contact) (LoggedEvent, error) {
	e := LoggedEvent{Seq: r.Seq, ID: "ev-" + strconv.FormatInt(r.Seq, 10), At: r.At, Contact: r.Conv,
		MessageSeq: r.Message, Status: r.Status, HasStatus: r.HasStatus}
	peer, ok := peers[r.Conv]
	if !ok {
		c, err := m.st.Contact(ctx, r.Conv)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return e, err
		default:
			peer = &c
		}
		peers[r.Conv] = peer
	}
	e.Peer = peer
	if r.Message != 0 && r.Type != store.EventMessageRemoved {
		msg, err := m.st.MessageBySeq(ctx, r.Message)
		switch {
		case errors.Is(err, store.ErrNotFound):
			e.Type = EventGone
			return e, nil
		case err != nil:
			return e, err
		}
		e.Message = &msg
	}
	state := peer
	if r.HasState { // the contact's state then, not now: a request stays one
		c := Contact{State: r.State}
		state = &c
	}
	e.Type = eventType(r.Type, e.Message, state)
	return e, nil
}

// eventType refines a store event's type with the row it names (peer:
// for a contact's event, the contact's state when it was written).
func eventType(t store.EventType, msg *Message, peer *Contact) string {
	switch t {
	case store.EventMessageNew:
		switch {
		case msg.Kind == RowDecryptFailed:
			return EventDecryptFailed
		case msg.Direction == Incoming:
			return EventReceived
		case msg.Direction == Outgoing:
			return EventSent
		}
		return EventLocal
	case store.EventStatus:
		return EventStatus
	case store.EventMessageChanged:
		return EventChanged
	case store.EventMessageRemoved:
		return EventRemoved
	case store.EventContactNew:
		if peer != nil && peer.State == StateRequest {
			return EventRequest
		}
		return EventContact
	case store.EventContactChanged:
		return EventContact
	case store.EventContactRemoved:
		return EventContactRemoved
	case store.EventKeyChange:
		return EventKeyChange
	case store.EventGroupChanged:
		return EventMembership
	}
	return "unknown"
}

// WaitEvents returns when an event with a sequence number above after
// exists, or with ctx's error when ctx ends first. It is woken by the
// store's commits, not by polling.
func (m *Messenger) WaitEvents(ctx context.Context, after int64) error {
	for {
		next := m.st.Committed() // before the read: a commit in between closes it
		last, err := m.st.LastEventSeq(ctx)
		if err != nil {
			return err
		}
		if last > after {
			return nil
		}
		select {
		case <-next:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Committed returns a channel closed at the store's next commit: an event
// logged, a consumer's cursor acknowledged, anything written. Take it
// before reading what a commit would change (a cursor, the newest
// event), then wait on it: a commit in between closes it, so nothing is
// missed and no one polls. A subscription (api's events.subscribe) waits
// so for both new events and acks.
func (m *Messenger) Committed() <-chan struct{} { return m.st.Committed() }

// LastEventSeq returns the sequence number of the newest event.
func (m *Messenger) LastEventSeq(ctx context.Context) (int64, error) {
	return m.st.LastEventSeq(ctx)
}

// checkConsumer checks a consumer's name.
func checkConsumer(name string) error {
	if name == "" || len(name) > store.MaxConsumerName || !utf8.ValidString(name) {
		return fmt.Errorf("%w: %d bytes (1 to %d of UTF-8)", ErrEventConsumer, len(name), store.MaxConsumerName)
	}
	return nil
}

// EventCursor returns the last sequence number the consumer acknowledged
// (0 for a new consumer: it starts at the oldest event kept).
func (m *Messenger) EventCursor(ctx context.Context, consumer string) (int64, error) {
	if err := checkConsumer(consumer); err != nil {
		return 0, err
	}
	return m.st.EventCursor(ctx, consumer)
}

// AckEvents moves the consumer's cursor to seq: every event up to seq is
// handled. A cursor never moves back (an older ack changes nothing); an
// ack past the newest event fails with [ErrAckAhead].
func (m *Messenger) AckEvents(ctx context.Context, consumer string, seq int64) error {
	if err := checkConsumer(consumer); err != nil {
		return err
	}
	last, err := m.st.LastEventSeq(ctx)
	if err != nil {
		return err
	}
	if seq < 0 || seq > last {
		return fmt.Errorf("%w: %d, newest %d", ErrAckAhead, seq, last)
	}
	return m.st.AckEvents(ctx, consumer, seq)
}

// EventConsumers returns every consumer's cursor, by name.
func (m *Messenger) EventConsumers(ctx context.Context) (map[string]int64, error) {
	return m.st.EventConsumers(ctx)
}

// PruneEvents deletes the events older than [store.EventRetention] that
// every consumer acknowledged, a bounded batch at a time, until none is
// left; it returns how many went. [Messenger.AckEvents] prunes too, at
// most hourly; a service with no consumer calls this on a timer.
func (m *Messenger) PruneEvents(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := m.st.PruneEvents(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}
