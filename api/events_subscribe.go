package api

import (
	"context"
	"slices"
	"sync"

	"ratchat/chat"
)

// Subscriptions: events.subscribe streams the event log on the socket.
//
// A subscription belongs to one connection and one consumer. Once its
// answer is written, the server pushes JSON-RPC notifications on that
// connection (method [NotifyEvents], params [EventsNotification]) as
// events are committed: it waits on the store's commit signal, never on
// a clock. It is bounded: at most window events are delivered and not
// yet acknowledged (events.ack, on any connection); past that the server
// reads no more until an ack comes, so a consumer that stops acking
// costs nothing but its cursor. It ends with events.unsubscribe, with the
// connection, or when another subscription takes its consumer over.

// Bounds of events.subscribe.
const (
	// DefaultSubscribeWindow is events.subscribe's window when absent.
	DefaultSubscribeWindow = 1000
	// MaxSubscribeWindow bounds events.subscribe's window.
	MaxSubscribeWindow = 10_000
	// MaxSubscriptions bounds the subscriptions of one connection.
	MaxSubscriptions = 16
	// maxSubscribeTypes bounds events.subscribe's types.
	maxSubscribeTypes = 32
	// subscribeBatch bounds the events of one notification.
	subscribeBatch = 500
)

// NotifyEvents is the method of the notifications a subscription pushes.
const NotifyEvents = "events"

// EventsSubscribeParams are the params of events.subscribe: the consumer
// (whose acks move the window and whose cursor a later subscription
// resumes from), where to start (after; absent: after the consumer's
// acknowledged cursor), the event types wanted (types, of
// [chat.EventTypes]; absent: all), and how many events may be delivered
// and not yet acknowledged (window, 1 to [MaxSubscribeWindow], default
// [DefaultSubscribeWindow]).
type EventsSubscribeParams struct {
	Consumer string   `json:"consumer"`
	After    *int64   `json:"after,omitempty"`
	Types    []string `json:"types,omitempty"`
	Window   int      `json:"window,omitempty"`
}

// EventsSubscribeResult is where the stream starts: its first event is
// the first after after.
type EventsSubscribeResult struct {
	Consumer string `json:"consumer"`
	After    int64  `json:"after"`
	Window   int    `json:"window"`
}

// EventsUnsubscribeParams name the consumer whose subscription on this
// connection ends.
type EventsUnsubscribeParams struct {
	Consumer string `json:"consumer"`
}

// EventsUnsubscribeResult is the cursor of the last notification pushed
// (no notification of the subscription follows this answer).
type EventsUnsubscribeResult struct {
	Consumer string `json:"consumer"`
	Cursor   int64  `json:"cursor"`
}

// EventsNotification is the params of a notification of a subscription:
// its consumer, the events (oldest first, never empty), and cursor: the
// last event the stream went past (events the caller may not see, or of
// other types, are skipped). Acknowledge cursor once every event of the
// batch is handled.
type EventsNotification struct {
	Consumer string  `json:"consumer"`
	Events   []Event `json:"events"`
	Cursor   int64   `json:"cursor"`
}

// subscription is one consumer's stream on one connection.
type subscription struct {
	conn     *sockConn
	name     string // the consumer's name in the store
	consumer string // as the caller gave it
	after    int64
	window   int
	types    map[string]bool // nil: every type

	ctx    context.Context // carries the caller; ends the stream
	cancel context.CancelFunc
	begin  chan struct{} // closed once the subscribe answer is out
	done   chan struct{} // closed when run returns

	mu     sync.Mutex
	cursor int64 // of the last notification pushed
}

// eventsSubscribe starts a subscription on the caller's connection.
func eventsSubscribe(ctx context.Context, m *chat.Messenger, p EventsSubscribeParams) (EventsSubscribeResult, error) {
	sc := sockConnFrom(ctx)
	if sc == nil {
		return EventsSubscribeResult{}, errorf(CodeSocketOnly, "%s", ErrSocketOnly.Error())
	}
	name, err := consumerName(ctx, p.Consumer)
	if err != nil {
		return EventsSubscribeResult{}, err
	}
	sub := &subscription{conn: sc, name: name, consumer: p.Consumer, window: p.Window,
		begin: make(chan struct{}), done: make(chan struct{})}
	if err := sub.setParams(p); err != nil {
		return EventsSubscribeResult{}, err
	}
	if p.After != nil {
		sub.after = *p.After
	} else if sub.after, err = m.EventCursor(ctx, name); err != nil {
		return EventsSubscribeResult{}, err
	}
	sub.cursor = sub.after
	sub.ctx, sub.cancel = context.WithCancel(WithCaller(sc.ctx, CallerFrom(ctx)))
	if err := sc.s.subscribe(sub); err != nil {
		sub.cancel()
		return EventsSubscribeResult{}, err
	}
	startAfterAnswer(ctx, sub)
	go sub.run()
	return EventsSubscribeResult{Consumer: p.Consumer, After: sub.after, Window: sub.window}, nil
}

// setParams checks and takes the window and the types.
func (sub *subscription) setParams(p EventsSubscribeParams) error {
	if sub.window == 0 {
		sub.window = DefaultSubscribeWindow
	}
	if sub.window < 0 || sub.window > MaxSubscribeWindow {
		return errorf(CodeInvalidParams, "api: invalid params: window must be 1 to %d", MaxSubscribeWindow)
	}
	if p.After != nil && *p.After < 0 {
		return errorf(CodeInvalidParams, "api: invalid params: after must be 0 or more")
	}
	if len(p.Types) > maxSubscribeTypes {
		return errorf(CodeInvalidParams, "api: invalid params: at most %d types", maxSubscribeTypes)
	}
	for _, t := range p.Types {
		if !slices.Contains(chat.EventTypes, t) {
			return errorf(CodeInvalidParams, "api: invalid params: no event type %q", t)
		}
		if sub.types == nil {
			sub.types = map[string]bool{}
		}
		sub.types[t] = true
	}
	return nil
}

// eventsUnsubscribe ends the caller's subscription of a consumer on its
// connection; no notification of it follows the answer.
func eventsUnsubscribe(ctx context.Context, _ *chat.Messenger, p EventsUnsubscribeParams) (EventsUnsubscribeResult, error) {
	sc := sockConnFrom(ctx)
	if sc == nil {
		return EventsUnsubscribeResult{}, errorf(CodeSocketOnly, "%s", ErrSocketOnly.Error())
	}
	name, err := consumerName(ctx, p.Consumer)
	if err != nil {
		return EventsUnsubscribeResult{}, err
	}
	sc.mu.Lock()
	sub := sc.subs[name]
	sc.mu.Unlock()
	if sub == nil {
		return EventsUnsubscribeResult{}, errorf(CodeNotSubscribed, "api: %q has no subscription on this connection", p.Consumer)
	}
	sub.stop()
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return EventsUnsubscribeResult{Consumer: p.Consumer, Cursor: sub.cursor}, nil
}

// subscribe registers sub on its connection and the server. A
// subscription of the same consumer elsewhere is taken over: it stops
// first (a consumer that reconnects before its old connection was seen
// to close must not get every event twice).
func (s *Server) subscribe(sub *subscription) error {
	sc := sub.conn
	sc.mu.Lock()
	if _, again := sc.subs[sub.name]; !again && len(sc.subs) >= MaxSubscriptions {
		sc.mu.Unlock()
		return errorf(CodeInvalidParams, "api: invalid params: at most %d subscriptions on a connection", MaxSubscriptions)
	}
	sc.mu.Unlock()
	s.mu.Lock()
	old := s.subs[sub.name]
	s.subs[sub.name] = sub
	s.mu.Unlock()
	if old != nil {
		old.stop()
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.subs[sub.name] = sub
	sc.deadlineLocked()
	return nil
}

// stop ends the subscription and waits until it pushes no more.
func (sub *subscription) stop() {
	sub.cancel()
	<-sub.done
}

// forget removes the subscription from its connection and the server
// (unless another took its place there).
func (sub *subscription) forget() {
	s := sub.conn.s
	s.mu.Lock()
	if s.subs[sub.name] == sub {
		delete(s.subs, sub.name)
	}
	s.mu.Unlock()
	sc := sub.conn
	sc.mu.Lock()
	if sc.subs[sub.name] == sub {
		delete(sc.subs, sub.name)
		sc.deadlineLocked()
	}
	sc.mu.Unlock()
}

// run pushes the events after sub.after until the subscription ends. It
// starts once the subscribe answer is out, so the answer comes first.
func (sub *subscription) run() {
	defer close(sub.done)
	defer sub.forget()
	select {
	case <-sub.begin:
	case <-sub.ctx.Done():
		return
	}
	caller := CallerFrom(sub.ctx)
	sent := sub.after
	var unacked []int64 // the events delivered and not acknowledged, oldest first
	for {
		m := sub.conn.s.m.Load()
		next := m.Committed() // before reading: a commit in between (an event, an ack) closes it
		acked, err := m.EventCursor(sub.ctx, sub.name)
		if err != nil {
			sub.fail(err)
			return
		}
		for len(unacked) > 0 && unacked[0] <= acked {
			unacked = unacked[1:]
		}
		sent = max(sent, acked) // acked past what was sent: someone handled those
		if room := sub.window - len(unacked); room > 0 {
			evs, err := m.EventsAfter(sub.ctx, sent, min(room, subscribeBatch))
			if err != nil {
				sub.fail(err)
				return
			}
			if len(evs) > 0 {
				n := EventsNotification{Consumer: sub.consumer, Events: make([]Event, 0, len(evs))}
				for _, e := range evs {
					sent = e.Seq
					if caller.SeesContact(e.Contact) && (sub.types == nil || sub.types[e.Type]) {
						n.Events = append(n.Events, EventOf(e))
						unacked = append(unacked, e.Seq)
					}
				}
				n.Cursor = sent
				if len(n.Events) > 0 && !sub.push(n) {
					return
				}
				continue
			}
		}
		select {
		case <-next:
		case <-sub.ctx.Done():
			return
		}
	}
}

// push writes one notification, unless the subscription ended; a write
// that fails closes the connection.
func (sub *subscription) push(n EventsNotification) bool {
	sc := sub.conn
	sc.wmu.Lock()
	defer sc.wmu.Unlock()
	if sub.ctx.Err() != nil {
		return false // unsubscribed or taken over: its answer may be out already
	}
	if !sc.s.write(sc.c, notification{JSONRPC: version, Method: NotifyEvents, Params: n}) {
		sc.c.Close()
		return false
	}
	sub.mu.Lock()
	sub.cursor = n.Cursor
	sub.mu.Unlock()
	return true
}

// fail ends a subscription whose reads failed: the connection closes, so
// the consumer sees it end and subscribes again from its cursor.
func (sub *subscription) fail(err error) {
	if sub.ctx.Err() == nil {
		sub.conn.s.log.Error("api events subscription", "err", err)
		sub.conn.c.Close()
	}
}

// notification is a JSON-RPC 2.0 notification the server sends.
type notification struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}
