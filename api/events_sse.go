package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"ratchat/chat"
)

// SSE (Server-Sent Events) on HTTP: see [Server.ServeEvents].

// Bounds and timing of /events.
const (
	// sseBatch is how many events /events reads at a time.
	sseBatch = 500
	// SSEHeartbeat is how often /events writes a comment line while no
	// event comes, so that proxies and clients see the stream alive.
	SSEHeartbeat = 15 * time.Second
	// maxSSEQuery bounds the query string and Last-Event-ID of /events.
	maxSSEQuery = 1024
	// sseWriteTimeout bounds each write of the stream. Why per write: a
	// stream lives for hours, so the HTTP server's own write timeout
	// (which counts from the request) would cut it; instead each batch
	// must leave within this, and a client that stopped reading is let go.
	sseWriteTimeout = 30 * time.Second
)

// ErrBadEventsQuery is returned by parseEventsQuery for a query of
// /events that does not parse or breaks a bound.
var ErrBadEventsQuery = errors.New("api: bad events query")

// eventsQuery is what a GET /events asks for.
type eventsQuery struct {
	consumer string
	// after is where to start; set says whether the query (after=) or
	// the Last-Event-ID header gave it.
	after int64
	set   bool
}

// parseEventsQuery reads the query string and the Last-Event-ID header
// of a GET /events: consumer (required), after (optional); a
// Last-Event-ID (what a reconnecting EventSource sends) wins over after.
func parseEventsQuery(rawQuery, lastEventID string) (eventsQuery, error) {
	if len(rawQuery) > maxSSEQuery || len(lastEventID) > maxSSEQuery {
		return eventsQuery{}, fmt.Errorf("%w: over %d bytes", ErrBadEventsQuery, maxSSEQuery)
	}
	v, err := url.ParseQuery(rawQuery)
	if err != nil {
		return eventsQuery{}, fmt.Errorf("%w: %w", ErrBadEventsQuery, err)
	}
	for k, vs := range v {
		if (k != "consumer" && k != "after") || len(vs) != 1 {
			return eventsQuery{}, fmt.Errorf("%w: parameter %q", ErrBadEventsQuery, k)
		}
	}
	q := eventsQuery{consumer: v.Get("consumer")}
	if q.consumer == "" || len(q.consumer) > MaxConsumerName {
		return eventsQuery{}, fmt.Errorf("%w: consumer must be 1 to %d bytes", ErrBadEventsQuery, MaxConsumerName)
	}
	for _, s := range []string{v.Get("after"), lastEventID} {
		if s == "" {
			continue
		}
		// Digits only: ParseUint takes no sign, so "-0" and "+5" are
		// refused rather than read as 0 and 5.
		n, err := strconv.ParseUint(s, 10, 63)
		if err != nil {
			return eventsQuery{}, fmt.Errorf("%w: %q is no sequence number", ErrBadEventsQuery, s)
		}
		q.after, q.set = int64(n), true
	}
	return q, nil
}

// ServeEvents serves the event log over HTTP, for the http part to mount
// at /events (behind its authentication; the caller is
// [CallerFrom](r.Context())).
//
// GET /events?consumer=NAME[&after=SEQ] streams text/event-stream: each
// event as "id: SEQ", "event: TYPE", "data: JSON" ([Event]) and a blank
// line, from after the consumer's acknowledged cursor, or after SEQ, or
// after the request's Last-Event-ID header (which wins: a reconnecting
// EventSource resumes where it was). Events the caller may not see are
// skipped. A comment line every [SSEHeartbeat] keeps the stream alive.
//
// POST /events with a JSON body {"consumer": NAME, "seq": SEQ}
// acknowledges, as events.ack does, and answers with [EventsAckResult].
// The stream itself never acknowledges: a consumer acks what it handled.
func (s *Server) ServeEvents(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.streamEvents(w, r)
	case http.MethodPost:
		s.ackEventsHTTP(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "api: GET streams events, POST acknowledges them", http.StatusMethodNotAllowed)
	}
}

// streamEvents is GET /events.
func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request) {
	q, err := parseEventsQuery(r.URL.RawQuery, r.Header.Get("Last-Event-ID"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := mergeDone(r.Context(), s.ctx)
	defer cancel()
	m := s.m.Load()
	name, err := consumerName(ctx, q.consumer)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	after := q.after
	if !q.set {
		if after, err = m.EventCursor(ctx, name); err != nil {
			httpError(w, err)
			return
		}
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout)) // unsupported (not a net/http server): no deadline
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, ": ratchat events\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	s.pumpEvents(ctx, m, w, rc, after)
}

// pumpEvents writes the events after after to w until ctx ends or a
// write fails.
func (s *Server) pumpEvents(ctx context.Context, m *chat.Messenger, w io.Writer, rc *http.ResponseController, after int64) {
	caller := CallerFrom(ctx)
	for {
		evs, err := m.EventsAfter(ctx, after, sseBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("api events stream", "err", err)
			}
			return
		}
		rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		for _, e := range evs {
			after = e.Seq
			if !caller.SeesContact(e.Contact) {
				continue
			}
			if err := writeSSE(w, EventOf(e)); err != nil {
				return
			}
		}
		if len(evs) > 0 {
			if rc.Flush() != nil {
				return
			}
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, SSEHeartbeat)
		err = m.WaitEvents(wctx, after)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded):
			rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
			if _, err := io.WriteString(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case err != nil:
			s.log.Error("api events stream", "err", err)
			return
		}
	}
}

// writeSSE writes one event in the text/event-stream format. The JSON
// holds no newline (encoding/json escapes them in strings), so data is
// one line.
func writeSSE(w io.Writer, e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("api: encoding an event: %w", err)
	}
	_, err = fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, b)
	return err
}

// ackEventsHTTP is POST /events: {"consumer", "seq"} → [EventsAckResult].
func (s *Server) ackEventsHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestSize))
	if err != nil {
		http.Error(w, "api: body too large", http.StatusRequestEntityTooLarge)
		return
	}
	var p EventsAckParams
	if err := decodeParams(body, &p); err != nil {
		httpError(w, err)
		return
	}
	res, err := eventsAck(r.Context(), s.m.Load(), p)
	if err != nil {
		httpError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(res)
}

// httpError answers with an error object as JSON, 400 for the caller's
// mistakes and 500 for the messenger's.
func httpError(w http.ResponseWriter, err error) {
	e := toError(err)
	status := http.StatusBadRequest
	if e.Code == CodeInternal {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(e)
}

// mergeDone returns a context that ends with a or with b.
func mergeDone(a, b context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(a)
	stop := context.AfterFunc(b, cancel)
	return ctx, func() { stop(); cancel() }
}
