package api

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"ratchat/chat"
)

// Bounds of the events methods.
const (
	// MaxEventWait bounds events.read's wait_seconds.
	MaxEventWait = 5 * time.Minute
	// MaxEventRead bounds events.read's n.
	MaxEventRead = 1000
	// DefaultEventRead is events.read's n when absent.
	DefaultEventRead = 100
	// MaxConsumerName bounds a consumer's name, in bytes.
	MaxConsumerName = 128
)

// Event is an event of the durable log as the api shows it (in
// events.read, on /events, and in webhooks' bodies).
type Event struct {
	// ID is "ev-<seq>": stable and unique within the profile, for
	// deduplication; Seq its sequence number, what events.ack takes.
	ID  string `json:"id"`
	Seq int64  `json:"seq"`
	// Type is "message.received", "message.sent", "message.local",
	// "message.changed", "message.removed", "message.gone", "status",
	// "request", "contact", "contact.removed", "membership",
	// "key_change" or "decrypt_failed" (docs/API.md, "Events").
	Type string `json:"type"`
	// At is when the change was committed.
	At time.Time `json:"at"`
	// Contact is the conversation, as it is now (only its id once it is
	// gone); Request marks a message request's.
	Contact Contact `json:"contact"`
	Request bool    `json:"request,omitempty"`
	// Message is the message, as it is now, for the events of a message
	// whose row still exists; MessageSeq is its row in the chat.
	Message    *Message `json:"message,omitempty"`
	MessageSeq int64    `json:"message_seq,omitempty"`
	// Status is, for the events of an outgoing message, its status when
	// the event was written: "queued", "sent", "delivered", "read" or
	// "failed".
	Status string `json:"status,omitempty"`
}

// EventOf is the JSON form of a logged event.
func EventOf(e chat.LoggedEvent) Event {
	j := Event{ID: e.ID, Seq: e.Seq, Type: e.Type, At: e.At.UTC(), Contact: Contact{ID: int64(e.Contact)},
		MessageSeq: e.MessageSeq}
	if c := e.Peer; c != nil {
		j.Contact = Contact{ID: int64(c.ID), Name: chat.DisplayName(*c), Unnamed: c.Name == "", Verified: c.Verified,
			KeyChanged: c.Held, Blocked: c.State == chat.StateBlocked, Group: c.IsGroup()}
		j.Request = c.State == chat.StateRequest
	}
	if e.Message != nil {
		msg := newMessage(*e.Message)
		j.Message = &msg
	}
	if e.HasStatus && (e.Message == nil || e.Message.Direction == chat.Outgoing) {
		j.Status = e.Status.String()
	}
	return j
}

// EventsReadParams are the params of events.read: the consumer (optional
// when after is given), where to start (after; absent: after the
// consumer's acknowledged cursor), how
// many events at most (n, 1 to [MaxEventRead], default
// [DefaultEventRead]) and how long to wait for one when there is none
// yet (wait_seconds, at most [MaxEventWait]; 0: answer at once).
type EventsReadParams struct {
	Consumer    string  `json:"consumer"`
	After       *int64  `json:"after,omitempty"`
	N           int     `json:"n,omitempty"`
	WaitSeconds float64 `json:"wait_seconds,omitempty"`
}

// EventsReadResult is the events read, oldest first, and next: the
// sequence number to acknowledge once they are handled (the last event
// the read went past, which may be one the caller may not see), or to
// pass as after to read on.
type EventsReadResult struct {
	Events []Event `json:"events"`
	Next   int64   `json:"next"`
}

// EventsAckParams acknowledge every event up to seq for a consumer.
type EventsAckParams struct {
	Consumer string `json:"consumer"`
	Seq      int64  `json:"seq"`
}

// EventsAckResult is the consumer's cursor after the ack (an older ack
// leaves it where it was).
type EventsAckResult struct {
	Consumer string `json:"consumer"`
	Acked    int64  `json:"acked"`
}

// consumerName is the name a caller's consumer has in the store. Why a
// token's consumers get a prefix: two agents who both call theirs
// "inbox" must not move each other's cursor; the owner's names are kept
// as given (webhooks use "webhook:<id>").
func consumerName(ctx context.Context, name string) (string, error) {
	if name == "" || len(name) > MaxConsumerName {
		return "", errorf(CodeEventConsumer, "api: consumer must be 1 to %d bytes", MaxConsumerName)
	}
	if c := CallerFrom(ctx); c.Token != 0 {
		return "token:" + strconv.FormatInt(c.Token, 10) + ":" + name, nil
	}
	return name, nil
}

// eventsRead reads events for a consumer, waiting for one if asked.
func eventsRead(ctx context.Context, m *chat.Messenger, p EventsReadParams) (EventsReadResult, error) {
	var name string
	var err error
	if p.Consumer != "" || p.After == nil { // with after, a consumer is optional
		if name, err = consumerName(ctx, p.Consumer); err != nil {
			return EventsReadResult{}, err
		}
	}
	n := p.N
	if n == 0 {
		n = DefaultEventRead
	}
	if n < 0 || n > MaxEventRead {
		return EventsReadResult{}, errorf(CodeInvalidParams, "api: invalid params: n must be 1 to %d", MaxEventRead)
	}
	wait, err := seconds(p.WaitSeconds, MaxEventWait)
	if err != nil {
		return EventsReadResult{}, err
	}
	after := int64(0)
	if p.After != nil {
		if after = *p.After; after < 0 {
			return EventsReadResult{}, errorf(CodeInvalidParams, "api: invalid params: after must be 0 or more")
		}
	} else if after, err = m.EventCursor(ctx, name); err != nil {
		return EventsReadResult{}, err
	}
	if wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, wait)
		defer cancel()
	}
	return readVisible(ctx, m, after, n, wait > 0)
}

// seconds turns a wait in seconds into a duration of at most max.
func seconds(s float64, max time.Duration) (time.Duration, error) {
	if s < 0 || s > max.Seconds() || s != s {
		return 0, errorf(CodeInvalidParams, "api: invalid params: wait_seconds must be 0 to %g", max.Seconds())
	}
	return time.Duration(s * float64(time.Second)), nil
}

// readVisible reads up to n events after after that the caller may see,
// skipping the others; with wait, it waits until ctx ends for one.
func readVisible(ctx context.Context, m *chat.Messenger, after int64, n int, wait bool) (EventsReadResult, error) {
	caller := CallerFrom(ctx)
	out := EventsReadResult{Events: []Event{}, Next: after}
	for {
		evs, err := m.EventsAfter(ctx, out.Next, n)
		if err != nil {
			return out, err
		}
		for _, e := range evs {
			if caller.SeesContact(e.Contact) {
				out.Events = append(out.Events, EventOf(e))
			}
			out.Next = e.Seq
		}
		switch {
		case len(out.Events) > 0 || len(evs) == n:
			return out, nil // a full batch the caller saw none of: the next call reads on
		case !wait:
			return out, nil
		}
		if err := m.WaitEvents(ctx, out.Next); err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
				return out, nil // waited in vain: no event yet
			}
			return out, err
		}
	}
}

// eventsAck acknowledges events for a consumer.
func eventsAck(ctx context.Context, m *chat.Messenger, p EventsAckParams) (EventsAckResult, error) {
	name, err := consumerName(ctx, p.Consumer)
	if err != nil {
		return EventsAckResult{}, err
	}
	if err := m.AckEvents(ctx, name, p.Seq); err != nil {
		return EventsAckResult{}, err
	}
	acked, err := m.EventCursor(ctx, name)
	if err != nil {
		return EventsAckResult{}, fmt.Errorf("api: %w", err)
	}
	return EventsAckResult{Consumer: p.Consumer, Acked: acked}, nil
}
