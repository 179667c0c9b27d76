package chat

import (
	"context"
	"errors"
	"fmt"
)

// RouterConsumer is the router's consumer name in the event log.
const RouterConsumer = "router"

// routerBatch is how many events the router reads at a time.
const routerBatch = 256

// RunRouter routes conversations until ctx ends: it reads the event log
// from its own cursor ([RouterConsumer]) and, for each message received in
// a 1:1 conversation that is not open (a request, or a contact writing
// after its conversation was closed), opens it with the skill its text
// gives by rules ([Messenger.Route]), recording it in the audit log. It
// acknowledges each batch once routed, so that a crash routes again what
// it had not acknowledged, which Route makes harmless. It returns ctx's
// error, or the store's.
func (m *Messenger) RunRouter(ctx context.Context, rules []RouteRule) error {
	err := m.runRouter(ctx, rules)
	if ctx.Err() != nil {
		return ctx.Err() // stopped: whatever the read it cut short said
	}
	return err
}

// runRouter is RunRouter's loop.
func (m *Messenger) runRouter(ctx context.Context, rules []RouteRule) error {
	after, err := m.EventCursor(ctx, RouterConsumer)
	if err != nil {
		return err
	}
	for {
		if err := m.WaitEvents(ctx, after); err != nil {
			return err
		}
		evs, err := m.EventsAfter(ctx, after, routerBatch)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := m.routeEvent(ctx, e, rules); err != nil && !errors.Is(err, ErrNoContact) {
				return err
			}
			after = e.Seq
		}
		if len(evs) > 0 {
			if err := m.AckEvents(ctx, RouterConsumer, after); err != nil {
				return err
			}
		}
	}
}

// routeEvent routes the conversation of one event, if it opens one.
func (m *Messenger) routeEvent(ctx context.Context, e LoggedEvent, rules []RouteRule) error {
	if e.Type != EventReceived || e.Peer == nil || e.Peer.IsGroup() || e.Message == nil {
		return nil
	}
	a, created, err := m.Route(ctx, e.Contact, string(e.Message.Body), rules)
	if errors.Is(err, ErrNotOpen) || !created {
		return nil
	}
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("conversation %d skill %q queued", a.Conversation, a.Skill)
	if a.Agent != 0 {
		detail = fmt.Sprintf("conversation %d skill %q to agent %d", a.Conversation, a.Skill, a.Agent)
	}
	return m.Audit(ctx, AuditEntry{Actor: "router", Action: "conversation.route", Detail: detail})
}

// WaitRouted returns once the router has handled every event up to seq
// (its acknowledged cursor reached it), or with ctx's error. It is woken
// by the store's commits, not by polling.
func (m *Messenger) WaitRouted(ctx context.Context, seq int64) error {
	for {
		next := m.st.Committed() // before the read: a commit in between closes it
		cur, err := m.EventCursor(ctx, RouterConsumer)
		if err != nil {
			return err
		}
		if cur >= seq {
			return nil
		}
		select {
		case <-next:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
